package freeswitch

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/orchestrator"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/esl"
)

// TestMoreVerbs drives the verbs not covered elsewhere on one originated
// call and checks the commands they send and what confirms them.
func TestMoreVerbs(t *testing.T) {
	h := newHarness(t)
	ctx := ctxT(t)
	to := orchestrator.Endpoint{Kind: orchestrator.EndpointUser, User: "1000", Domain: "127.0.0.1"}
	a, _, err := h.a.Originate(ctx, orchestrator.OriginateSpec{ID: orchestrator.NewCallID(), Node: "fs1", To: to})
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := h.a.Originate(ctx, orchestrator.OriginateSpec{ID: orchestrator.NewCallID(), Node: "fs1", To: to})
	if err != nil {
		t.Fatal(err)
	}
	played := make(chan error, 1)
	go func() { played <- h.a.Play(ctx, a, orchestrator.Playback{Files: []string{"long-moh.wav"}, Loop: true}) }()
	waitFor(t, func() bool {
		return h.a.mustCall(a).playing() && slices.ContainsFunc(h.node.log(), has("long-moh.wav"))
	})
	if err := h.a.StopPlay(ctx, a); err != nil {
		t.Fatal(err)
	}
	if err := <-played; err != nil {
		t.Fatalf("stopped Play returned %v", err)
	}
	steps := map[string]func() error{
		"uuid_bridge " + a.ID + " " + b.ID:            func() error { return h.a.BridgeCalls(ctx, a, b) },
		"uuid_transfer " + b.ID + " 9199 XML default": func() error { return h.a.BlindTransfer(ctx, b, "9199 XML default") },
		"uuid_audio " + a.ID + " start read mute -4":  func() error { return h.a.Mute(ctx, a) },
		"uuid_audio " + a.ID + " stop":                func() error { return h.a.Unmute(ctx, a) },
		"uuid_send_dtmf " + a.ID + " 12#":             func() error { return h.a.SendDTMF(ctx, a, "12#") },
		"conference room1@default":                    func() error { return h.a.ConferenceJoin(ctx, a, "room1") },
		"conference room1 kick 3":                     func() error { return h.a.ConferenceKick(ctx, "fs1", "room1", "3") },
		"conference room1 mute 3":                     func() error { return h.a.ConferenceMute(ctx, "fs1", "room1", "3", true) },
		"set eavesdrop_whisper_bleg=true":             func() error { return h.a.Eavesdrop(ctx, b, a, orchestrator.Whisper) },
		"sendmsg " + a.ID + " pre_answer":             func() error { return h.a.PreAnswer(ctx, a) },
	}
	for want, step := range steps {
		if err := step(); err != nil && !strings.Contains(want, "pre_answer") {
			t.Errorf("%s: %v", want, err)
		}
		if !slices.ContainsFunc(h.node.log(), has(want)) {
			t.Errorf("command %q not sent", want)
		}
	}
	if err := h.a.Eavesdrop(ctx, b, orchestrator.Key{Node: "fs1", ID: "gone"}, orchestrator.Listen); !errors.Is(err, orchestrator.ErrNoSuchCall) {
		t.Errorf("eavesdrop on a missing call: %v", err)
	}
	if err := h.a.BridgeCalls(ctx, a, orchestrator.Key{Node: "fs2", ID: "x"}); !errors.Is(err, orchestrator.ErrUnsupported) {
		t.Errorf("cross-node bridge: %v", err)
	}
}

// TestPreAnswerNeedsAnswerState: pre_answer completing without early media
// (the fake reports no Answer-State) is not confirmed.
func TestPreAnswerNeedsAnswerState(t *testing.T) {
	h := newHarness(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	c, err := h.a.track(orchestrator.Key{Node: "fs1", ID: "early"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	h.node.addChannel("early")
	if err := h.a.PreAnswer(ctx, c.key); !errors.Is(err, ErrNotConfirmed) {
		t.Fatalf("pre_answer without Answer-State: %v", err)
	}
}

func has(sub string) func(string) bool {
	return func(s string) bool { return strings.Contains(s, sub) }
}

func (a *Adapter) mustCall(k orchestrator.Key) *call {
	c, err := a.lookup(k)
	if err != nil {
		panic(err)
	}
	return c
}

func TestAdopt(t *testing.T) {
	h := newHarness(t)
	ctx := ctxT(t)
	h.node.addChannel("existing")
	key := orchestrator.Key{Node: "fs1", ID: "existing"}
	events, err := h.a.Adopt(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.a.Hold(ctx, key); err != nil {
		t.Fatalf("hold on adopted call: %v", err)
	}
	if err := h.a.Hangup(ctx, key, ""); err != nil {
		t.Fatal(err)
	}
	if got := kinds(t, events); !slices.Equal(got, []string{"held", "hangup", "ended"}) {
		t.Errorf("events %v", got)
	}
	if _, err := h.a.Adopt(ctx, orchestrator.Key{Node: "fs1", ID: "missing"}); !errors.Is(err, orchestrator.ErrNoSuchCall) {
		t.Errorf("adopt missing: %v", err)
	}
	if _, err := h.a.Adopt(ctx, orchestrator.Key{Node: "fs9", ID: "x"}); err == nil {
		t.Error("adopt on unknown node accepted")
	}
}

func keyOf(id string) orchestrator.Key { return orchestrator.Key{Node: "fs1", ID: id} }

// TestAwaitFuncEndsOnce: a waiter with no goroutine behind it (StartAnswer's)
// is told exactly once: of its event, of the call's end, or of its timeout,
// and never after it was cancelled.
func TestAwaitFuncEndsOnce(t *testing.T) {
	h := newHarness(t)
	c, err := h.a.track(keyOf("waited"), nil)
	if err != nil {
		t.Fatal(err)
	}
	type told struct {
		ev  *esl.Event
		err error
	}
	waiter := func(name string, timeout time.Duration) (*waiter, chan told) {
		ch := make(chan told, 2) // room for a second telling, which would be a bug
		w, err := c.awaitFunc(named(name), timeout, func(ev *esl.Event, err error) { ch <- told{ev, err} })
		if err != nil {
			t.Fatal(err)
		}
		return w, ch
	}
	recv := func(ch chan told) told {
		select {
		case got := <-ch:
			return got
		case <-time.After(5 * time.Second):
			t.Fatal("waiter never told")
			return told{}
		}
	}
	_, matched := waiter("X_MATCH", time.Minute)
	_, timed := waiter("X_NEVER", 20*time.Millisecond)
	cancelled, cancelledCh := waiter("X_CANCELLED", time.Minute)
	_, ended := waiter("X_NEVER", time.Minute)
	c.cancel(cancelled)
	for range 2 {
		h.a.dispatch(c, esl.NewEvent(nil, "Event-Name", "X_MATCH", "Unique-ID", "waited"), false)
	}
	if got := recv(matched); got.err != nil || got.ev.Name() != "X_MATCH" {
		t.Fatalf("matched waiter told %v %v", got.ev, got.err)
	}
	if got := recv(timed); !errors.Is(got.err, context.DeadlineExceeded) {
		t.Fatalf("timed-out waiter told %v", got.err)
	}
	h.a.end(c, "")
	if got := recv(ended); !errors.Is(got.err, orchestrator.ErrCallEnded) {
		t.Fatalf("waiter at the call's end told %v", got.err)
	}
	if len(matched)+len(timed)+len(cancelledCh)+len(ended) != 0 {
		t.Fatalf("told again: matched %d, timed out %d, cancelled %d, ended %d", len(matched), len(timed), len(cancelledCh), len(ended))
	}
	if _, err := c.awaitFunc(named("X"), time.Minute, func(*esl.Event, error) {}); !errors.Is(err, orchestrator.ErrCallEnded) {
		t.Fatalf("awaitFunc on an ended call: %v", err)
	}
}

// TestStartAnswerConfirms: the answer's completion, read by the connection's
// reader, reaches StartAnswer's channel (no goroutine relays it).
func TestStartAnswerConfirms(t *testing.T) {
	h := newHarness(t)
	if _, err := h.a.track(keyOf("answered"), nil); err != nil {
		t.Fatal(err)
	}
	h.node.addChannel("answered")
	done, err := h.a.StartAnswer(ctxT(t), keyOf("answered"))
	if err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("answer not confirmed: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no confirmation")
	}
}

// TestStartAnswerRefused: StartAnswer returns once the answer is written;
// a refused sendmsg (the channel is gone) comes on its channel, as
// ErrNoSuchCall, from the connection's reader.
func TestStartAnswerRefused(t *testing.T) {
	h := newHarness(t)
	if _, err := h.a.track(keyOf("gone"), nil); err != nil {
		t.Fatal(err)
	}
	h.node.mu.Lock()
	h.node.refuseApps = true
	h.node.mu.Unlock()
	done, err := h.a.StartAnswer(ctxT(t), keyOf("gone"))
	if err != nil {
		t.Fatalf("StartAnswer waited for the reply: %v", err)
	}
	select {
	case err := <-done:
		if !errors.Is(err, orchestrator.ErrNoSuchCall) {
			t.Fatalf("refused answer reported as %v, want ErrNoSuchCall", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the refusal never came")
	}
}

// TestAdoptedCallVanishedWhileNodeDown: a call taken back after a restart
// (Adopt) that is gone when its node's connection comes back is ended by
// the resync, though none of its events was seen: the switch had confirmed
// it. Its stream ends, so its session writes its records once and lets its
// agent go.
func TestAdoptedCallVanishedWhileNodeDown(t *testing.T) {
	h := newHarness(t)
	ctx := ctxT(t)
	h.node.addChannel("adopted")
	events, err := h.a.Adopt(ctx, orchestrator.Key{Node: "fs1", ID: "adopted"})
	if err != nil {
		t.Fatal(err)
	}
	h.node.mu.Lock()
	delete(h.node.channels, "adopted")
	h.node.mu.Unlock()
	h.node.srv.DropAll()
	h.nodeEvent(orchestrator.NodeDown)
	h.nodeEvent(orchestrator.NodeUp)
	if got := kinds(t, events); !slices.Equal(got, []string{"ended"}) {
		t.Errorf("the vanished adopted call's stream: %v, want it ended", got)
	}
}
