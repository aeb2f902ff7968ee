package freeswitch

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/syncbuf"
	"github.com/switchboard-cc/switchboard/orchestrator"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/esl"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/fssim"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/socketauth"
)

// TestNodeFilter: with fssim (which filters as mod_event_socket does) as the
// node, FreeSWITCH sends the node connection nothing of a socket call but its
// CS_ROUTING state (CHANNEL_STATE carries no variables, so the token cannot
// keep it away), while the call's own stream has each event once and in
// order and a conference join confirms; a phone's registration, an
// originated leg's events and those of a call adopted after its socket failed
// still come by the node connection.
func TestNodeFilter(t *testing.T) {
	sim := startSim(t, "")
	tap := &syncbuf.Buffer{}
	proxy := newConnProxy(t, sim.Addr())
	proxy.setTap(tap)
	logs := &syncbuf.Buffer{}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	a, err := New(Options{Listener: ln, CommandTimeout: 5 * time.Second,
		Nodes:  []Node{{Name: "fs1", Addr: proxy.addr(), Password: sim.Password()}},
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	a.Start()
	t.Cleanup(func() {
		a.Close()
		if t.Failed() {
			t.Logf("adapter log:\n%s", logs.String())
		}
	})
	wantUpDown(t, a, orchestrator.NodeUp, "fs1", "")
	token := map[string]string{socketauth.Var: socketauth.Token("fs1", sim.Password())}

	// A socket call: answer, hold, unhold, play, conference, hang up.
	type result struct {
		events []orchestrator.Event
		err    error
	}
	done := make(chan result, 1)
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan struct{})
	go func() {
		defer close(served)
		a.ServeCalls(ctx, func(ctx context.Context, in orchestrator.InboundCall) {
			var r result
			defer func() { done <- r }()
			for _, verb := range []func() error{
				func() error { return a.Answer(ctx, in.Key) },
				func() error { return a.Hold(ctx, in.Key) },
				func() error { return a.Unhold(ctx, in.Key) },
				func() error {
					return a.Play(ctx, in.Key, orchestrator.Playback{Files: []string{"tone_stream://%(100,0,440)"}})
				},
				func() error { return a.ConferenceJoin(ctx, in.Key, "room-1") },
				func() error { return a.Hangup(ctx, in.Key, orchestrator.CauseNormalClearing) },
			} {
				if r.err = verb(); r.err != nil {
					return
				}
			}
			for ev := range in.Events {
				r.events = append(r.events, ev)
			}
		})
	}()
	t.Cleanup(func() { cancel(); <-served })
	caller, err := sim.PlaceCall(ctxT(t), ln.Addr().String(), fssim.IncomingCall{From: "1000", To: "9000", Vars: token})
	if err != nil {
		t.Fatal(err)
	}
	var r result
	select {
	case r = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the socket call did not finish")
	}
	if r.err != nil {
		t.Fatalf("socket call: %v", r.err)
	}
	var got []string
	var last uint64
	for _, ev := range r.events {
		got = append(got, ev.Kind.String())
		if ev.Seq != 0 && ev.Seq <= last {
			t.Errorf("%s seq %d after %d", ev.Kind, ev.Seq, last)
		}
		last = max(last, ev.Seq)
	}
	if want := []string{"ringing", "answered", "held", "unheld", "play_started", "play_stopped", "hangup", "ended"}; !slices.Equal(got, want) {
		t.Errorf("socket call's events %v, want %v", got, want)
	}

	// A phone registers; the controller originates to it and hangs up.
	if err := sim.RegisterPhone("1001", "example.com", fssim.PhoneScript{AnswerAfter: 20 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	for registered := false; !registered; {
		select {
		case ev := <-a.NodeEvents():
			registered = ev.Kind == orchestrator.NodeRegistered && ev.User == "1001"
		case <-time.After(10 * time.Second):
			t.Fatal("no NodeRegistered for the phone")
		}
	}
	leg, events, err := a.Originate(ctxT(t), orchestrator.OriginateSpec{ID: orchestrator.NewCallID(), Node: "fs1",
		To: orchestrator.Endpoint{Kind: orchestrator.EndpointUser, User: "1001", Domain: "example.com"}, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatalf("originate: %v", err)
	}
	if err := a.Hangup(ctxT(t), leg, orchestrator.CauseNormalClearing); err != nil {
		t.Fatal(err)
	}
	if got, want := kinds(t, events), []string{"ringing", "ringing", "answered", "hangup", "ended"}; !slices.Equal(got, want) {
		t.Errorf("originated leg's events %v, want %v", got, want)
	}

	// A caller whose socket could not connect runs on in the dialplan, token
	// and all; adopted, its events come by the node connection.
	dead, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead.Close()
	orphan, err := sim.PlaceCall(ctxT(t), dead.Addr().String(), fssim.IncomingCall{From: "1002", To: "9000", Vars: token,
		Fallback: []fssim.DialplanApp{{App: "answer"}, {App: "park"}}})
	if err == nil {
		t.Fatal("a socket to a closed port connected")
	}
	waitUntil(t, "the orphan parked by its fallback", func() bool {
		return slices.ContainsFunc(orphan.Info().Apps, func(r fssim.AppRecord) bool { return r.Name == "park" })
	})
	key := orchestrator.Key{Node: "fs1", ID: orphan.UUID()}
	adopted, err := a.Adopt(ctxT(t), key)
	if err != nil {
		t.Fatalf("adopt: %v", err)
	}
	if err := a.Hold(ctxT(t), key); err != nil {
		t.Fatalf("hold on the adopted call: %v", err)
	}
	if err := a.Hangup(ctxT(t), key, orchestrator.CauseNormalClearing); err != nil {
		t.Fatal(err)
	}
	if got, want := kinds(t, adopted), []string{"held", "hangup", "ended"}; !slices.Equal(got, want) {
		t.Errorf("adopted call's events %v, want %v", got, want)
	}

	// What the node connection was sent of the socket call: no event with
	// its variables (its token among them); its CS_ROUTING state and the
	// conference's events, which carry none (capture 10), do come.
	var sent []string
	rd := esl.NewReader(strings.NewReader(tap.String()))
	for {
		f, err := rd.ReadFrame()
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			break // the end of what was tapped, maybe inside a later event
		}
		if err != nil {
			t.Fatalf("the node's stream: %v", err)
		}
		if ct := f.ContentType(); ct != esl.TypeEventJSON {
			continue
		}
		ev, err := esl.ParseEvent(f)
		if err != nil {
			t.Fatal(err)
		}
		if ev.UUID() != caller.UUID() {
			continue
		}
		sent = append(sent, ev.Name()+"("+ev.Get("Channel-State")+")")
		if ev.Get("variable_"+socketauth.Var) != "" {
			t.Errorf("the node sent the socket call's %s", ev.Name())
		}
	}
	if len(sent) == 0 || sent[0] != "CHANNEL_STATE(CS_ROUTING)" || slices.ContainsFunc(sent[1:], func(s string) bool { return !strings.HasPrefix(s, "CUSTOM(") }) {
		t.Errorf("the node sent %v of the socket call, want its CS_ROUTING state and conference events only", sent)
	}
}
