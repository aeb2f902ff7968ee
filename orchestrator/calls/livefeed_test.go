package calls

import (
	"context"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/orchestrator"
)

// nextChange waits for the subscription's next change.
func nextChange(t *testing.T, sub *Subscription[LiveChange]) LiveChange {
	t.Helper()
	select {
	case ch, ok := <-sub.C:
		if !ok {
			t.Fatalf("subscription ended: %s", sub.Err())
		}
		return ch
	case <-time.After(5 * time.Second):
		t.Fatal("no live-call change within 5 s")
	}
	return LiveChange{}
}

// awaitChange reads changes until one satisfies ok and returns it; each
// (if not nil) sees every change read.
func awaitChange(t *testing.T, sub *Subscription[LiveChange], each func(LiveChange), ok func(LiveChange) bool) LiveChange {
	t.Helper()
	for {
		ch := nextChange(t, sub)
		if each != nil {
			each(ch)
		}
		if ok(ch) {
			return ch
		}
	}
}

// TestLiveFeedFollowsACallFromAppearingToEnding: a subscriber sees the call
// appear, each change of its line (queued, ringing, talking with its agent,
// held, muted) exactly once and in order, and its end; the snapshot taken
// with the subscription is the list at that moment.
func TestLiveFeedFollowsACallFromAppearingToEnding(t *testing.T) {
	r := newRig(t, "ann")
	now, sub := r.svc.SubscribeLive(acme, 64)
	defer sub.Close()
	if len(now) != 0 {
		t.Fatalf("snapshot before any call: %+v", now)
	}
	r.talking(t)
	var got []LiveChange
	awaitChange(t, sub, func(ch LiveChange) { got = append(got, ch) }, func(ch LiveChange) bool { return ch.Call.State == StateTalking })
	if got[0].Kind != LiveAppeared || got[0].Call.CallID != "c1" || got[0].Call.State != StateQueued || got[0].At.IsZero() {
		t.Fatalf("first change %+v", got[0])
	}
	for i, ch := range got[1:] {
		if ch.Kind != LiveChanged || ch.Call == got[i].Call {
			t.Errorf("change %d: %+v after %+v (a change must change the line)", i+1, ch, got[i])
		}
	}
	if talk := got[len(got)-1].Call; talk.Agent != "ann" || talk.Answered.IsZero() || talk.Held || talk.Muted {
		t.Fatalf("talking line %+v", talk)
	}
	if snap, late := r.svc.SubscribeLive(acme, 8); len(snap) != 1 || snap[0] != got[len(got)-1].Call {
		t.Fatalf("snapshot while talking %+v, want the last line published %+v", snap, got[len(got)-1].Call)
	} else {
		late.Close()
	}

	ctx := context.Background()
	for _, step := range []struct {
		do          func() error
		held, muted bool // the line after it
		unchanged   bool // a repeated request: no change is sent
	}{
		{do: func() error { return r.svc.Hold(ctx, acme, "c1", true) }, held: true},
		{do: func() error { return r.svc.Hold(ctx, acme, "c1", true) }, unchanged: true},
		{do: func() error { return r.svc.Mute(ctx, acme, "c1", true) }, held: true, muted: true},
		{do: func() error { return r.svc.Hold(ctx, acme, "c1", false) }, muted: true},
	} {
		if err := step.do(); err != nil {
			t.Fatal(err)
		}
		if step.unchanged {
			continue // the next change read must be the next step's
		}
		ch := nextChange(t, sub)
		if ch.Kind != LiveChanged || ch.Call.Held != step.held || ch.Call.Muted != step.muted || ch.Call.State != StateTalking {
			t.Fatalf("want held %v muted %v, got %+v", step.held, step.muted, ch)
		}
	}
	r.sw.agentHangsUp("ann")
	end := awaitChange(t, sub, nil, func(ch LiveChange) bool { return ch.Kind == LiveEnded })
	if end.Call.CallID != "c1" {
		t.Fatalf("ended %+v", end)
	}
}

// TestLiveFeedKeepsTenantsApart: bolt's subscribers, one from before
// acme's call and one from while it talks, never see it, neither in the
// snapshot nor as a change: the first change bolt's subscribers get is
// bolt's own call, which comes after every one of acme's.
func TestLiveFeedKeepsTenantsApart(t *testing.T) {
	r := newRigWith(t, func(r *rig, cfg *Config) {
		rt := r.route
		rt.Tenant, rt.AccessNumber, rt.Queue = bolt, "5001", "support"
		cfg.Router.(fakeRouter)["5001"] = rt
	}, "ann")
	boltEarly, early := r.svc.SubscribeLive(bolt, 64)
	defer early.Close()
	acmeSnap, acmeSub := r.svc.SubscribeLive(acme, 64)
	defer acmeSub.Close()
	if len(boltEarly) != 0 || len(acmeSnap) != 0 {
		t.Fatalf("snapshots before any call: %+v %+v", boltEarly, acmeSnap)
	}
	ctx := context.Background()
	r.talking(t)
	if err := r.svc.Hold(ctx, acme, "c1", true); err != nil {
		t.Fatal(err)
	}
	boltLate, late := r.svc.SubscribeLive(bolt, 64)
	defer late.Close()
	if len(boltLate) != 0 {
		t.Fatalf("bolt's snapshot shows acme's call: %+v", boltLate)
	}
	if err := r.svc.Mute(ctx, acme, "c1", true); err != nil {
		t.Fatal(err)
	}
	r.sw.agentHangsUp("ann")
	awaitChange(t, acmeSub, nil, func(ch LiveChange) bool { return ch.Kind == LiveEnded })

	// bolt's own call waits in its queue (no agent is offered to it).
	cancel, _, done := r.callAs("b1", "5001")
	defer hangUp(t, cancel, done)
	for _, sub := range []*Subscription[LiveChange]{early, late} {
		if ch := nextChange(t, sub); ch.Kind != LiveAppeared || ch.Call.CallID != "b1" {
			t.Fatalf("bolt's subscriber got %+v before its own call (acme's call is c1)", ch)
		}
	}
}

// TestLiveFeedDropsASlowSubscriber: a subscriber that reads nothing is
// dropped once its buffer is full, and call control never waits for it;
// another subscriber gets every change.
func TestLiveFeedDropsASlowSubscriber(t *testing.T) {
	r := newRig(t, "ann")
	r.talking(t)
	_, slow := r.svc.SubscribeLive(acme, 8)
	_, fast := r.svc.SubscribeLive(acme, 64)
	defer fast.Close()
	ctx := context.Background()
	const toggles = 12 // more than the slow buffer
	for i := range toggles {
		if err := r.svc.Hold(ctx, acme, "c1", i%2 == 0); err != nil {
			t.Fatal(err)
		}
		if ch := nextChange(t, fast); ch.Call.Held != (i%2 == 0) {
			t.Fatalf("toggle %d: fast subscriber got %+v", i, ch)
		}
	}
	n := 0
	for range slow.C {
		n++
	}
	if n != 8 || slow.Err() != "fell behind" || r.svc.LiveDropped() != 1 {
		t.Fatalf("slow subscriber: read %d, err %q, dropped %d", n, slow.Err(), r.svc.LiveDropped())
	}
}

// callAs is call with the call's ID chosen.
func (r *rig) callAs(id, to string) (context.CancelCauseFunc, chan orchestrator.Event, chan struct{}) {
	ctx, cancel := context.WithCancelCause(context.Background())
	events := make(chan orchestrator.Event, 8)
	done := make(chan struct{})
	go func() {
		defer close(done)
		r.svc.HandleCall(ctx, orchestrator.InboundCall{Key: orchestrator.Key{Node: "fs1", ID: id}, From: "13800000002", To: to, Events: events})
	}()
	return cancel, events, done
}

// TestLiveFeedFollowsAnAgentPlacedCall: a call an agent places appears
// ringing, changes to talking when the far end answers, and ends.
func TestLiveFeedFollowsAnAgentPlacedCall(t *testing.T) {
	r := newRig(t)
	r.sw.bridgeAnswers["95599"] = true
	r.sw.bridgeGate = make(chan struct{})
	_, sub := r.svc.SubscribeLive(acme, 64)
	defer sub.Close()
	id, err := r.svc.Dial(context.Background(), acme, "ann", DialTarget{Number: "95599"})
	if err != nil {
		t.Fatal(err)
	}
	if ch := nextChange(t, sub); ch.Kind != LiveAppeared || ch.Call.CallID != id || ch.Call.State != StateRinging || ch.Call.Direction != Outbound {
		t.Fatalf("first change %+v", ch)
	}
	close(r.sw.bridgeGate)
	if ch := nextChange(t, sub); ch.Kind != LiveChanged || ch.Call.State != StateTalking || ch.Call.Answered.IsZero() {
		t.Fatalf("after the answer %+v", ch)
	}
	r.sw.agentHangsUp("ann")
	if ch := nextChange(t, sub); ch.Kind != LiveEnded || ch.Call.CallID != id {
		t.Fatalf("after the hang-up %+v", ch)
	}
}
