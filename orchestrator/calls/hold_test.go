package calls

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/orchestrator"
)

// talking starts an inbound call answered by ann and returns her leg's ID.
// The call ends with the test at the latest.
func (r *rig) talking(t *testing.T) (agentLeg string, done chan struct{}) {
	t.Helper()
	cancel, _, done := r.call("4001")
	t.Cleanup(func() { cancel(orchestrator.ErrCallEnded); waitDone(t, done) })
	waitFor(t, "talking", func() bool { c := r.liveOne(t, acme); return c != nil && c.State == "talking" })
	return r.sw.lastSpec(t, "ann").ID, done
}

// since returns the switch log entries after the first n.
func (r *rig) since(n int) []string { return r.sw.entries()[n:] }

// before reports whether a is logged before b in log (both present).
func before(log []string, a, b string) bool {
	i, j := slices.Index(log, a), slices.Index(log, b)
	return i >= 0 && j >= 0 && i < j
}

// TestHoldHoldsTheAgentLeg: on FreeSWITCH the held leg's partner hears the
// music, so the caller hears it when the agent's leg is held; the caller's
// own leg is never held. The agent leg carries the configured music.
func TestHoldHoldsTheAgentLeg(t *testing.T) {
	r := newRig(t, "ann")
	ctx := context.Background()
	ann, done := r.talking(t)
	if got := r.sw.lastSpec(t, "ann").HoldMusic; !slices.Equal(got.Files, []string{"moh.wav"}) {
		t.Errorf("agent leg hold music = %+v, want moh.wav", got)
	}
	mark := len(r.sw.entries())
	for _, on := range []bool{true, true, false, false} { // repeated requests are no-ops
		if err := r.svc.Hold(ctx, acme, "c1", on); err != nil {
			t.Fatalf("hold %v: %v", on, err)
		}
		// the live-call list shows the hold as confirmed
		if c := r.liveOne(t, acme); c == nil || c.Held != on || c.Muted {
			t.Fatalf("after hold %v the live call shows %+v", on, c)
		}
	}
	for _, on := range []bool{true, false} {
		if err := r.svc.Mute(ctx, acme, "c1", on); err != nil {
			t.Fatalf("mute %v: %v", on, err)
		}
		if c := r.liveOne(t, acme); c == nil || c.Muted != on || c.Held {
			t.Fatalf("after mute %v the live call shows %+v", on, c)
		}
	}
	mark = len(r.sw.entries())
	if err := r.svc.Hold(ctx, acme, "c1", true); err != nil {
		t.Fatal(err)
	}
	if err := r.svc.Hold(ctx, acme, "c1", false); err != nil {
		t.Fatal(err)
	}
	if got, want := r.since(mark), []string{"hold " + ann, "unhold " + ann}; !slices.Equal(got, want) {
		t.Fatalf("switch log %v, want %v", got, want)
	}
	r.sw.agentHangsUp("ann")
	waitDone(t, done)
}

// TestConsultPlaysMusicToTheCaller: during a consultation the caller hears
// the music played to its own leg (holding it would play the music to the
// agent), a held agent leg is taken off hold first, Hold is refused, and
// the music stops before the caller is bridged again (cancel, complete).
func TestConsultPlaysMusicToTheCaller(t *testing.T) {
	r := newRig(t, "ann")
	ctx := context.Background()
	ann, done := r.talking(t)
	if err := r.svc.Hold(ctx, acme, "c1", true); err != nil {
		t.Fatal(err)
	}
	mark := len(r.sw.entries())
	if err := r.svc.Consult(ctx, acme, "c1", TransferTo{Kind: "agent", Target: "bob"}); err != nil {
		t.Fatal(err)
	}
	bob := r.sw.lastSpec(t, "bob")
	waitFor(t, "music to the caller", func() bool { return slices.Contains(r.since(mark), "play c1 moh.wav") })
	log := r.since(mark)
	if !before(log, "unhold "+ann, "originate bob@acme.example") || !slices.Contains(log, "bridge_calls "+ann+" "+bob.ID) {
		t.Fatalf("consult: %v", log)
	}
	if !slices.Equal(bob.HoldMusic.Files, []string{"moh.wav"}) {
		t.Errorf("consulted leg hold music = %+v", bob.HoldMusic)
	}
	if err := r.svc.Hold(ctx, acme, "c1", true); !errors.Is(err, ErrConsulting) || !errors.Is(err, ErrNotConnected) {
		t.Fatalf("hold during a consultation: want ErrConsulting, got %v", err)
	}
	// A second consultation is refused as a conflict (the API's 409), not an unknown error (its 500).
	if err := r.svc.Consult(ctx, acme, "c1", TransferTo{Kind: "agent", Target: "bob"}); !errors.Is(err, ErrConsulting) {
		t.Fatalf("a second consultation: want ErrConsulting, got %v", err)
	}
	if err := r.svc.CancelConsult(ctx, acme, "c1"); err != nil {
		t.Fatal(err)
	}
	log = r.since(mark)
	if !before(log, "stop_play c1", "bridge_calls c1 "+ann) {
		t.Fatalf("cancel must stop the music, then bridge the caller back to the agent: %v", log)
	}

	mark = len(r.sw.entries())
	if err := r.svc.Consult(ctx, acme, "c1", TransferTo{Kind: "agent", Target: "bob"}); err != nil {
		t.Fatal(err)
	}
	bob = r.sw.lastSpec(t, "bob")
	if err := r.svc.CompleteConsult(ctx, acme, "c1"); err != nil {
		t.Fatal(err)
	}
	log = r.since(mark)
	if !before(log, "stop_play c1", "bridge_calls c1 "+bob.ID) || slices.Contains(log, "unhold "+ann) {
		t.Fatalf("complete: %v", log)
	}
	for _, e := range r.sw.entries() {
		if e == "hold c1" || e == "unhold c1" {
			t.Fatalf("the caller's leg was held: %v", r.sw.entries())
		}
	}
	r.sw.agentHangsUp("bob")
	waitDone(t, done)
}

// TestFailedConsultStopsTheMusic: when the consulted party does not answer,
// the music stops and the caller and the agent hear each other again.
func TestFailedConsultStopsTheMusic(t *testing.T) {
	r := newRig(t, "ann")
	ctx := context.Background()
	ann, done := r.talking(t)
	r.sw.mu.Lock()
	r.sw.answerOf["bob"] = orchestrator.CauseUserBusy
	r.sw.mu.Unlock()
	mark := len(r.sw.entries())
	if err := r.svc.Consult(ctx, acme, "c1", TransferTo{Kind: "agent", Target: "bob"}); err == nil {
		t.Fatal("consult of a busy agent succeeded")
	}
	log := r.since(mark)
	if !slices.Contains(log, "stop_play c1") || slices.ContainsFunc(log, func(e string) bool { return strings.HasPrefix(e, "bridge_calls "+ann) }) {
		t.Fatalf("failed consult: %v", log)
	}
	r.sw.agentHangsUp("ann")
	waitDone(t, done)
}

// TestBlindTransferTakesTheAgentOffHoldFirst: FreeSWITCH hangs up the
// partner of a held leg that hangs up, so the agent's leg is unheld before
// it is released, or the caller would be lost.
func TestBlindTransferTakesTheAgentOffHoldFirst(t *testing.T) {
	r := newRig(t, "ann")
	r.sw.mu.Lock()
	r.sw.bridgeAnswers["95511"] = true
	r.sw.mu.Unlock()
	ctx := context.Background()
	ann, done := r.talking(t)
	if err := r.svc.Hold(ctx, acme, "c1", true); err != nil {
		t.Fatal(err)
	}
	if err := r.svc.Transfer(ctx, acme, "c1", TransferTo{Kind: "number", Target: "95511"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the caller bridged to the number", func() bool { return r.sw.has("bridge c1 95511") })
	if log := r.sw.entries(); !before(log, "unhold "+ann, "hangup "+ann+" NORMAL_CLEARING") {
		t.Fatalf("the held agent leg was released without unhold: %v", log)
	}
	select {
	case <-done:
		t.Fatal("the session ended while the caller talks to the number")
	default:
	}
}

// stepClock is a clock the test moves by hand.
type stepClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *stepClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *stepClock) advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	return c.t
}

// TestEachLegKeepsItsOwnTimesAcrossTransfers: after a blind transfer back
// to the queue and after an attended transfer, the caller's CDR keeps its
// first answer, the first agent's leg ends when it was handed on (not when
// the caller hangs up, later), and the second agent's leg has its own
// answer. (On a real switch the first agent's leg ended 17 s after that
// agent's BYE, at the caller's end, and the caller took the second agent's
// answer time.)
func TestEachLegKeepsItsOwnTimesAcrossTransfers(t *testing.T) {
	for _, kind := range []string{"blind to an agent of the queue", "attended"} {
		t.Run(kind, func(t *testing.T) {
			clk := &stepClock{t: time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)}
			r := newRigWith(t, func(r *rig, cfg *Config) { cfg.Now = clk.now }, "ann", "bob")
			ctx := context.Background()
			r.talking(t)
			first := r.liveOne(t, acme).Answered
			handedOn := clk.advance(30 * time.Second)
			switch kind {
			case "attended":
				if err := r.svc.Consult(ctx, acme, "c1", TransferTo{Kind: "agent", Target: "bob"}); err != nil {
					t.Fatal(err)
				}
				if err := r.svc.CompleteConsult(ctx, acme, "c1"); err != nil {
					t.Fatal(err)
				}
			default:
				if err := r.svc.Transfer(ctx, acme, "c1", TransferTo{Kind: "agent", Target: "bob"}); err != nil {
					t.Fatal(err)
				}
				waitFor(t, "bob talking", func() bool {
					c := r.liveOne(t, acme)
					return c != nil && c.State == "talking" && c.Agent == "bob"
				})
			}
			callerEnd := clk.advance(40 * time.Second)
			r.sw.agentHangsUp("bob")
			waitFor(t, "the CDRs", func() bool { return len(r.cdrs.leg(t, "caller")) == 1 })
			caller := r.cdrs.leg(t, "caller")[0]
			legs := map[string]CDR{}
			for _, l := range append(r.cdrs.leg(t, "agent"), r.cdrs.leg(t, "consult")...) {
				legs[l.Agent] = l
			}
			ann, bob := legs["ann"], legs["bob"]
			if !caller.Answered.Equal(first) || caller.Agent != "ann" || !caller.Ended.Equal(callerEnd) || caller.Queued.After(caller.Answered) {
				t.Errorf("caller CDR: queued %v, answered %v by %s, ended %v; want queued before %v, answered then by ann, ended %v",
					caller.Queued, caller.Answered, caller.Agent, caller.Ended, first, callerEnd)
			}
			if !ann.Answered.Equal(first) || !ann.Ended.Equal(handedOn) || ann.Disposition != Transferred {
				t.Errorf("first agent's leg: answered %v, ended %v, %s; want %v, %v, transferred", ann.Answered, ann.Ended, ann.Disposition, first, handedOn)
			}
			if bob.Answered.Before(handedOn) || bob.Answered.IsZero() || !bob.Ended.Equal(callerEnd) || bob.Disposition != Answered {
				t.Errorf("second agent's leg: answered %v, ended %v, %s; want answered at %v or later, ended %v, answered", bob.Answered, bob.Ended, bob.Disposition, handedOn, callerEnd)
			}
		})
	}
}

// TestConsultAndTransferToANumberNeedTheGateway: on a node known to lack the
// gateway, a consultation or a blind transfer to a number is refused
// before anything happens — the caller is not put on hold, nothing is
// dialled — while one to an agent goes on as usual.
func TestConsultAndTransferToANumberNeedTheGateway(t *testing.T) {
	r := newRigWith(t, func(r *rig, cfg *Config) {
		cfg.Health = fakeHealth{"fs1": {Node: "fs1", Up: true, Gateways: map[string]string{}}}
	}, "ann")
	ctx := context.Background()
	_, done := r.talking(t)
	mark := len(r.sw.entries())
	for name, do := range map[string]func() error{
		"consult":  func() error { return r.svc.Consult(ctx, acme, "c1", TransferTo{Kind: "number", Target: "95599"}) },
		"transfer": func() error { return r.svc.Transfer(ctx, acme, "c1", TransferTo{Kind: "number", Target: "95599"}) },
	} {
		var gm *GatewayMissingError
		if err := do(); !errors.As(err, &gm) || gm.Gateway != "pstn" || gm.Node != "fs1" {
			t.Errorf("%s to a number: want a GatewayMissingError for pstn on fs1, got %v", name, err)
		}
	}
	if log := r.since(mark); len(log) != 0 {
		t.Fatalf("the switch was asked to act: %v", log)
	}
	if c := r.liveOne(t, acme); c == nil || c.State != StateTalking {
		t.Fatalf("the call must go on untouched: %+v", c)
	}
	if err := r.svc.Consult(ctx, acme, "c1", TransferTo{Kind: "agent", Target: "bob"}); err != nil {
		t.Fatalf("consulting an agent: %v", err)
	}
	r.sw.agentHangsUp("ann")
	waitDone(t, done)
}
