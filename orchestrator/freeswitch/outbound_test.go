package freeswitch

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/orchestrator"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/socketauth"
)

// serve runs ServeCalls with h until the test ends.
func (h *harness) serve(handler orchestrator.CallHandler) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.a.ServeCalls(ctx, handler) }()
	h.t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			h.t.Errorf("ServeCalls: %v", err)
		}
	})
}

type sessionResult struct {
	call   orchestrator.InboundCall
	events []string
	cause  error
	err    error
}

func TestOutboundSocketSession(t *testing.T) {
	h := newHarness(t)
	results := make(chan sessionResult, 1)
	h.serve(func(ctx context.Context, call orchestrator.InboundCall) {
		r := sessionResult{call: call}
		defer func() { results <- r }()
		if r.err = h.a.Answer(ctx, call.Key); r.err != nil {
			return
		}
		if r.err = h.a.Play(ctx, call.Key, orchestrator.Playback{Files: []string{"a.wav", "b.wav"}}); r.err != nil {
			return
		}
		if r.err = h.a.Hangup(ctx, call.Key, "NORMAL_CLEARING"); r.err != nil {
			return
		}
		r.events = kinds(t, call.Events)
		<-ctx.Done()
		r.cause = context.Cause(ctx)
	})
	id := orchestrator.NewCallID()
	h.node.dialSocket(h.ln.Addr().String(), id, "sb_tenant", "acme corp")
	var r sessionResult
	select {
	case r = <-results:
	case <-time.After(5 * time.Second):
		t.Fatal("session did not finish")
	}
	if r.err != nil {
		t.Fatal(r.err)
	}
	if r.call.Key != (orchestrator.Key{Node: "fs1", ID: id}) || r.call.From != "sipp" || r.call.To != "9100" ||
		r.call.Vars["sb_tenant"] != "acme corp" {
		t.Errorf("inbound call %+v", r.call)
	}
	want := []string{"answered", "play_started", "play_stopped", "hangup", "ended"}
	if !slices.Equal(r.events, want) {
		t.Errorf("events %v, want %v (each once: the node's copies must be ignored)\n%s", r.events, want, strings.Join(h.node.log(), "\n"))
	}
	if !errors.Is(r.cause, orchestrator.ErrCallEnded) {
		t.Errorf("ctx cause %v", r.cause)
	}
	waitFor(t, func() bool { return slices.Contains(h.node.log(), "exit") && h.a.Stats().Calls == 0 })
	cmds := strings.Join(h.node.log(), "\n")
	for _, want := range []string{"myevents json", "linger", "sendmsg " + id + " answer", "playback file_string://a.wav!b.wav"} {
		if !strings.Contains(cmds, want) {
			t.Errorf("command %q not sent:\n%s", want, cmds)
		}
	}
}

// TestRefusedSocketEventsComeFromTheNode: when a socket refuses the events
// myevents leaves out, its call drops the token the node connection's
// filter knows it by (uuid_setvar with no value), and those events come from
// the node, each once.
func TestRefusedSocketEventsComeFromTheNode(t *testing.T) {
	h := newHarness(t)
	h.node.mu.Lock()
	h.node.refuseExtra = true
	h.node.mu.Unlock()
	results := make(chan sessionResult, 1)
	h.serve(func(ctx context.Context, call orchestrator.InboundCall) {
		r := sessionResult{call: call}
		defer func() { results <- r }()
		if r.err = h.a.Play(ctx, call.Key, orchestrator.Playback{Files: []string{"a.wav"}}); r.err != nil {
			return
		}
		// The playback's events come over the node's connection, which
		// nothing orders against the socket's: a hangup sent at once may
		// end the call before they are read (they are then dropped as
		// late). Wait for them, as a session that needs them does.
		for ev := range call.Events {
			r.events = append(r.events, ev.Kind.String())
			if ev.Kind == orchestrator.EventPlayStopped {
				break
			}
		}
		if r.err = h.a.Hangup(ctx, call.Key, "NORMAL_CLEARING"); r.err != nil {
			return
		}
		r.events = append(r.events, kinds(t, call.Events)...)
	})
	id := orchestrator.NewCallID()
	h.node.dialSocket(h.ln.Addr().String(), id)
	select {
	case r := <-results:
		if r.err != nil {
			t.Fatal(r.err)
		}
		if want := []string{"play_started", "play_stopped", "hangup", "ended"}; !slices.Equal(r.events, want) {
			t.Errorf("events %v, want %v", r.events, want)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("session did not end")
	}
	if cmds := h.node.log(); !slices.Contains(cmds, "api uuid_setvar "+id+" "+socketauth.Var) {
		t.Errorf("the token was not unset:\n%s", strings.Join(cmds, "\n"))
	}
}

// TestLingerNoticeBeforeHangupKeepsTheHangup: FreeSWITCH may send the
// linger notice before CHANNEL_HANGUP; the call must still see its hangup
// and cause, and the adapter sends exit only after them.
func TestLingerNoticeBeforeHangupKeepsTheHangup(t *testing.T) {
	h := newHarness(t)
	h.node.mu.Lock()
	h.node.lingerFirst = true
	h.node.mu.Unlock()
	results := make(chan sessionResult, 1)
	h.serve(func(ctx context.Context, call orchestrator.InboundCall) {
		r := sessionResult{call: call}
		defer func() { results <- r }()
		if r.err = h.a.Hangup(ctx, call.Key, "NORMAL_CLEARING"); r.err != nil {
			return
		}
		r.events = kinds(t, call.Events)
	})
	h.node.dialSocket(h.ln.Addr().String(), orchestrator.NewCallID())
	select {
	case r := <-results:
		if r.err != nil {
			t.Fatal(r.err)
		}
		if want := []string{"hangup", "ended"}; !slices.Equal(r.events, want) {
			t.Fatalf("events %v, want %v", r.events, want)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("session did not end")
	}
}

func TestBridgeKeepsCallerOnFailure(t *testing.T) {
	h := newHarness(t)
	type out struct {
		res orchestrator.BridgeResult
		err error
	}
	results := make(chan out, 2)
	h.serve(func(ctx context.Context, call orchestrator.InboundCall) {
		for _, user := range []string{"1019", "1000"} {
			res, err := h.a.Bridge(ctx, call.Key, orchestrator.Endpoint{Kind: orchestrator.EndpointUser, User: user, Domain: "127.0.0.1"}, 5*time.Second)
			results <- out{res, err}
		}
	})
	id := orchestrator.NewCallID()
	h.node.dialSocket(h.ln.Addr().String(), id)
	failed, ok := <-results, <-results
	if failed.err != nil || failed.res.Answered || failed.res.Cause != orchestrator.CauseUserNotRegistered {
		t.Errorf("failed bridge: %+v", failed)
	}
	if ok.err != nil || !ok.res.Answered || ok.res.Peer != (orchestrator.Key{Node: "fs1", ID: "peer-" + id}) {
		t.Errorf("answered bridge: %+v", ok)
	}
	var sets []string
	for _, c := range h.node.log() {
		if strings.HasPrefix(c, "sendmsg") {
			sets = append(sets, strings.TrimPrefix(c, "sendmsg "+id+" "))
		}
	}
	want := []string{"set continue_on_fail=true", "set hangup_after_bridge=false",
		"bridge {originate_timeout=5}user/1019@127.0.0.1"}
	if len(sets) < 3 || !slices.Equal(sets[:3], want) {
		t.Errorf("app order %v, want %v first", sets, want)
	}
}

// waitFor is waitUntil for conditions that need no description.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	waitUntil(t, "condition not met in time", cond)
}

// TestSocketCallSurvivesNodeConnectionLoss: a call controlled through its
// outbound socket keeps working while the node's inbound connection is down.
func TestSocketCallSurvivesNodeConnectionLoss(t *testing.T) {
	h := newHarness(t)
	proceed := make(chan struct{})
	result := make(chan error, 1)
	h.serve(func(ctx context.Context, call orchestrator.InboundCall) {
		<-proceed
		err := h.a.Answer(ctx, call.Key)
		if err == nil {
			err = h.a.Play(ctx, call.Key, orchestrator.Playback{Files: []string{"a.wav"}})
		}
		result <- err
	})
	h.node.dialSocket(h.ln.Addr().String(), orchestrator.NewCallID())
	waitFor(t, func() bool { return h.a.Stats().Calls == 1 })
	h.node.srv.Close() // inbound connection gone, no reconnect possible
	h.nodeEvent(orchestrator.NodeDown)
	close(proceed)
	select {
	case err := <-result:
		if err != nil {
			t.Fatalf("socket call without node connection: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("socket call stuck")
	}
}
