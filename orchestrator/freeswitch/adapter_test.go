package freeswitch

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/syncbuf"
	"github.com/switchboard-cc/switchboard/orchestrator"
)

type harness struct {
	t    *testing.T
	node *fakeNode
	a    *Adapter
	logs *syncbuf.Buffer
	ln   net.Listener
}

func newHarness(t *testing.T, tweak ...func(*Options)) *harness {
	t.Helper()
	h := &harness{t: t, node: newFakeNode(t), logs: &syncbuf.Buffer{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h.ln = ln
	opts := Options{
		Nodes:      []Node{{Name: "fs1", Addr: h.node.srv.Addr(), Password: "ClueCon"}},
		Listener:   ln,
		Logger:     slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelInfo})),
		BackoffMin: 10 * time.Millisecond, BackoffMax: 50 * time.Millisecond,
		CommandTimeout: 2 * time.Second,
	}
	for _, f := range tweak {
		f(&opts)
	}
	if h.a, err = New(opts); err != nil {
		t.Fatal(err)
	}
	h.a.Start()
	t.Cleanup(func() { h.a.Close() })
	h.nodeEvent(orchestrator.NodeUp)
	return h
}

// nodeEvent waits for the next node event of kind, skipping others.
func (h *harness) nodeEvent(kind orchestrator.NodeEventKind) orchestrator.NodeEvent {
	h.t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case ev := <-h.a.NodeEvents():
			if ev.Kind == kind {
				return ev
			}
		case <-timeout:
			h.t.Fatalf("no node event %d", kind)
		}
	}
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// kinds reads a stream to its end and returns the event kinds.
func kinds(t *testing.T, events <-chan orchestrator.Event) []string {
	t.Helper()
	var out []string
	timeout := time.After(5 * time.Second)
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				return out
			}
			out = append(out, ev.Kind.String())
			if testing.Verbose() {
				t.Logf("%s seq %d", ev.Kind, ev.Seq)
			}
		case <-timeout:
			t.Fatalf("stream not closed; got %v", out)
		}
	}
}

func TestNewValidatesOptions(t *testing.T) {
	for _, o := range []Options{{Nodes: []Node{{Name: "a"}}}, {Nodes: []Node{{Name: "a", Addr: "x:1"}, {Name: "a", Addr: "y:1"}}}} {
		if _, err := New(o); !errors.Is(err, ErrConfig) {
			t.Errorf("%+v: %v", o, err)
		}
	}
}

func TestNodeReconnectResyncs(t *testing.T) {
	h := newHarness(t)
	ctx := ctxT(t)
	id := orchestrator.NewCallID()
	_, events, err := h.a.Originate(ctx, orchestrator.OriginateSpec{ID: id, Node: "fs1",
		To: orchestrator.Endpoint{Kind: orchestrator.EndpointUser, User: "1000", Domain: "127.0.0.1"}})
	if err != nil {
		t.Fatal(err)
	}
	gone := orchestrator.NewCallID()
	if _, _, err := h.a.Originate(ctx, orchestrator.OriginateSpec{ID: gone, Node: "fs1",
		To: orchestrator.Endpoint{Kind: orchestrator.EndpointUser, User: "1000", Domain: "127.0.0.1"}}); err != nil {
		t.Fatal(err)
	}
	h.node.mu.Lock()
	delete(h.node.channels, gone) // it vanishes while we are disconnected
	h.node.mu.Unlock()
	h.node.srv.DropAll()
	if down := h.nodeEvent(orchestrator.NodeDown); down.Node != "fs1" || down.Reason == "" {
		t.Errorf("NodeDown %+v", down)
	}
	up := h.nodeEvent(orchestrator.NodeUp)
	if !slices.Contains(up.Calls, orchestrator.Key{Node: "fs1", ID: id}) || len(up.Calls) != 1 {
		t.Errorf("NodeUp calls %v, want only %s", up.Calls, id)
	}
	if st := h.a.Stats(); st.Reconnects != 1 || st.Calls != 1 {
		t.Errorf("stats %+v", st)
	}
	// The surviving call is still controllable on the new connection.
	if err := h.a.Hold(ctx, orchestrator.Key{Node: "fs1", ID: id}); err != nil {
		t.Fatalf("hold after reconnect: %v", err)
	}
	_ = events
}

// TestResyncKeepsALegTheSwitchHasNotShownYet: a leg is tracked before it
// exists (a socket call's bridge application dials it under the
// controller's ID); a resync of the node's connection meanwhile must not
// end it for being absent from the node's channel list, while a call the
// switch had and lost while unreachable is ended.
func TestResyncKeepsALegTheSwitchHasNotShownYet(t *testing.T) {
	h := newHarness(t)
	ctx := ctxT(t)
	pending := orchestrator.Key{Node: "fs1", ID: orchestrator.NewCallID()}
	c, err := h.a.track(pending, nil)
	if err != nil {
		t.Fatal(err)
	}
	gone := orchestrator.NewCallID()
	_, goneEvents, err := h.a.Originate(ctx, orchestrator.OriginateSpec{ID: gone, Node: "fs1",
		To: orchestrator.Endpoint{Kind: orchestrator.EndpointUser, User: "1000", Domain: "127.0.0.1"}})
	if err != nil {
		t.Fatal(err)
	}
	h.node.mu.Lock()
	delete(h.node.channels, gone)
	h.node.mu.Unlock()
	h.node.srv.DropAll()
	h.nodeEvent(orchestrator.NodeDown)
	h.nodeEvent(orchestrator.NodeUp)
	if got := kinds(t, goneEvents); len(got) == 0 || got[len(got)-1] != "ended" {
		t.Errorf("the vanished call's stream: %v, want it ended", got)
	}
	if _, err := h.a.lookup(pending); err != nil {
		t.Fatalf("the leg not shown yet was forgotten by the resync: %v", err)
	}
	select {
	case ev := <-c.q.out:
		t.Fatalf("the leg not shown yet got %s from the resync", ev.Kind)
	default:
	}
}

// TestReconnectBackoffDoubles: while a node refuses connections the delay
// between attempts doubles up to BackoffMax, on the injected clock.
func TestReconnectBackoffDoubles(t *testing.T) {
	clock := &manualClock{now: time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)}
	h := newHarness(t, func(o *Options) { o.Clock = clock; o.BackoffMin = time.Second; o.BackoffMax = 4 * time.Second })
	h.node.srv.Close() // listener gone: every dial is refused
	h.nodeEvent(orchestrator.NodeDown)
	for i := 1; i <= 5; i++ {
		waitFor(t, func() bool { return clock.Made() >= i })
		clock.Advance(4 * time.Second)
	}
	clock.mu.Lock()
	asked := append([]time.Duration(nil), clock.asked[:5]...)
	clock.mu.Unlock()
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 4 * time.Second, 4 * time.Second}
	if !slices.Equal(asked, want) {
		t.Errorf("backoff %v, want %v", asked, want)
	}
}

// TestWedgedNodeIsDropped: a node that stops answering is reported down
// (the health poll's reply is overdue) and reconnected.
func TestWedgedNodeIsDropped(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.HealthInterval = 20 * time.Millisecond; o.CommandTimeout = 200 * time.Millisecond })
	h.node.mu.Lock()
	h.node.hung = true
	h.node.mu.Unlock()
	down := h.nodeEvent(orchestrator.NodeDown)
	if down.Node != "fs1" {
		t.Errorf("down %+v", down)
	}
	h.node.mu.Lock()
	h.node.hung = false
	h.node.mu.Unlock()
	h.nodeEvent(orchestrator.NodeUp)
}

func TestSofiaStatePolling(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.HealthInterval = 20 * time.Millisecond })
	got := map[string]string{}
	for len(got) < 2 {
		ev := h.nodeEvent(orchestrator.NodeGatewayState)
		got[ev.Gateway] = ev.State + "/" + ev.Reason
	}
	if got["internal"] != "RUNNING (0)/profile" || got["external::carrier"] != "REGED/gateway" {
		t.Errorf("states %v", got)
	}
	h.node.mu.Lock()
	h.node.gateway = "FAIL_WAIT"
	h.node.mu.Unlock()
	if ev := h.nodeEvent(orchestrator.NodeGatewayState); ev.Gateway != "external::carrier" || ev.State != "FAIL_WAIT" {
		t.Errorf("change %+v", ev)
	}
}

func TestOriginateControlsAndEnds(t *testing.T) {
	h := newHarness(t)
	ctx := ctxT(t)
	id := orchestrator.NewCallID()
	key, events, err := h.a.Originate(ctx, orchestrator.OriginateSpec{ID: id, Node: "fs1",
		To:      orchestrator.Endpoint{Kind: orchestrator.EndpointUser, User: "1000", Domain: "127.0.0.1"},
		Timeout: 1500 * time.Millisecond, Vars: map[string]string{"sb_tenant": "acme,inc"}})
	if err != nil {
		t.Fatal(err)
	}
	steps := []func() error{
		func() error { return h.a.Hold(ctx, key) },
		func() error { return h.a.Unhold(ctx, key) },
		func() error { return h.a.RecordStart(ctx, key, "/tmp/r.wav") },
		func() error { return h.a.RecordStop(ctx, key, "/tmp/r.wav") },
		func() error { return h.a.SetVar(ctx, key, "sb_x", "42") },
		func() error {
			v, err := h.a.GetVar(ctx, key, "sb_x")
			if err == nil && v != "42" {
				err = errors.New("getvar " + v)
			}
			return err
		},
		func() error { return h.a.Hangup(ctx, key, orchestrator.CauseNormalClearing) },
	}
	for i, step := range steps {
		if err := step(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	want := []string{"ringing", "answered", "held", "unheld", "record_started", "record_stopped", "hangup", "ended"}
	if got := kinds(t, events); !slices.Equal(got, want) {
		t.Errorf("events %v, want %v", got, want)
	}
	cmds := strings.Join(h.node.log(), "\n")
	if !strings.Contains(cmds, "originate {originate_timeout=2,origination_uuid="+id+",sb_tenant=acme\\,inc}user/1000@127.0.0.1 &park()") {
		t.Errorf("originate command not as expected:\n%s", cmds)
	}
	if _, err := h.a.GetVar(ctx, key, "sb_x"); !errors.Is(err, orchestrator.ErrNoSuchCall) {
		t.Errorf("verb on ended call: %v", err)
	}
}

func TestOriginateUnregistered(t *testing.T) {
	h := newHarness(t)
	_, events, err := h.a.Originate(ctxT(t), orchestrator.OriginateSpec{ID: orchestrator.NewCallID(), Node: "fs1",
		To: orchestrator.Endpoint{Kind: orchestrator.EndpointUser, User: "1019", Domain: "127.0.0.1"}})
	if !errors.Is(err, orchestrator.ErrNotRegistered) {
		t.Fatalf("err %v", err)
	}
	if got := kinds(t, events); !slices.Equal(got, []string{"ended"}) {
		t.Errorf("events %v", got)
	}
}

// TestGivenUpOriginateIsKilled: when the controller stops waiting for an
// originate, the leg is killed by its controller-chosen ID: whether the
// job's result never came (the phone rings on), or the job said answered
// but the answer (or, with JoinOnAnswer, the join) was never confirmed by
// events. Left up, it would be an agent's phone in a call the controller
// does not know, or a caller joined behind its back.
func TestGivenUpOriginateIsKilled(t *testing.T) {
	for _, tc := range []struct {
		user string
		want error
	}{
		{"slow", context.DeadlineExceeded}, // the job never answers
		{"mute", ErrNotConfirmed},          // answered, its events never come
	} {
		t.Run(tc.user, func(t *testing.T) {
			h := newHarness(t)
			ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
			defer cancel()
			id := orchestrator.NewCallID()
			_, events, err := h.a.Originate(ctx, orchestrator.OriginateSpec{ID: id, Node: "fs1",
				To: orchestrator.Endpoint{Kind: orchestrator.EndpointUser, User: tc.user, Domain: "127.0.0.1"}})
			if !errors.Is(err, tc.want) {
				t.Fatalf("err %v, want %v", err, tc.want)
			}
			if !slices.Contains(h.node.log(), "api uuid_kill "+id+" ORIGINATOR_CANCEL") {
				t.Errorf("leg not killed: %v", h.node.log())
			}
			if got := kinds(t, events); len(got) == 0 || got[len(got)-1] != "ended" { // the kill's hangup may come first
				t.Errorf("events %v", got)
			}
		})
	}
}

// TestHoldWaitsForEvent: FreeSWITCH answers uuid_hold with +OK even when
// nothing happens; the adapter must not report success without CHANNEL_HOLD.
func TestHoldWaitsForEvent(t *testing.T) {
	h := newHarness(t)
	key, _, err := h.a.Originate(ctxT(t), orchestrator.OriginateSpec{ID: orchestrator.NewCallID(), Node: "fs1",
		To: orchestrator.Endpoint{Kind: orchestrator.EndpointUser, User: "1000", Domain: "127.0.0.1"}})
	if err != nil {
		t.Fatal(err)
	}
	h.node.silent = true
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	if err := h.a.Hold(ctx, key); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("hold without CHANNEL_HOLD returned %v", err)
	}
	if err := h.a.Hold(ctxT(t), orchestrator.Key{Node: "fs1", ID: "00000000-0000-0000-0000-000000000000"}); !errors.Is(err, orchestrator.ErrNoSuchCall) {
		t.Fatalf("hold of unknown call: %v", err)
	}
}

func TestBadArguments(t *testing.T) {
	h := newHarness(t)
	ctx := ctxT(t)
	key := orchestrator.Key{Node: "fs1", ID: "x"}
	tests := []error{
		h.a.SendDTMF(ctx, key, "12x"),
		h.a.RecordStart(ctx, key, "/tmp/a b.wav"),
		h.a.SetVar(ctx, key, "a b", "1"),
		h.a.Play(ctx, key, orchestrator.Playback{}),
	}
	for i, err := range tests {
		if !errors.Is(err, ErrBadArgument) {
			t.Errorf("case %d: %v", i, err)
		}
	}
	_, _, err := h.a.Originate(ctx, orchestrator.OriginateSpec{ID: "a}b", Node: "fs1",
		To: orchestrator.Endpoint{Kind: orchestrator.EndpointUser, User: "1000", Domain: "d"}})
	if !errors.Is(err, ErrBadArgument) {
		t.Errorf("originate bad id: %v", err)
	}
}
