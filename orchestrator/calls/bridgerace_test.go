package calls

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/switchboard-cc/switchboard/orchestrator"
)

// TestCallerGoneAsTheAgentAnswersIsAbandoned: a caller who hangs up just as
// the agent answers makes the controller's bridge fail (uuid_bridge: -ERR
// Invalid uuid; the route announces the agent, so the controller bridges).
// Whether the hang-up event is read after the failed bridge or the call's
// context already ended, the caller's CDR says abandoned with the caller's
// cause and no answer, and the answered agent leg is cleared normally; only
// a caller still there makes the call "failed".
func TestCallerGoneAsTheAgentAnswersIsAbandoned(t *testing.T) {
	invalid := errors.New("uuid_bridge: -ERR Invalid uuid")
	for _, tc := range []struct {
		name  string
		gone  func(events chan orchestrator.Event, cancel context.CancelCauseFunc)
		want  Disposition
		cause orchestrator.HangupCause
		sip   string
	}{
		{"hang-up event queued behind the bridge's reply", func(events chan orchestrator.Event, _ context.CancelCauseFunc) {
			events <- orchestrator.Event{Kind: orchestrator.EventHangup, Cause: orchestrator.CauseNormalClearing, SIPCause: "200"}
			events <- orchestrator.Event{Kind: orchestrator.EventEnded, Cause: orchestrator.CauseNormalClearing}
		}, Abandoned, orchestrator.CauseNormalClearing, "200"},
		{"call context already ended", func(events chan orchestrator.Event, cancel context.CancelCauseFunc) {
			events <- orchestrator.Event{Kind: orchestrator.EventHangup, Cause: orchestrator.CauseOriginatorCancel, SIPCause: "487"}
			cancel(orchestrator.ErrCallEnded)
		}, Abandoned, orchestrator.CauseOriginatorCancel, "487"},
		{"caller still there", nil, Failed, orchestrator.CauseNormalCircuitCongest, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, "ann")
			// an announcement to play first: the controller bridges
			rt := r.route
			rt.AnnounceAgent = true
			r.svc.cfg.Router = fakeRouter{"4001": rt}
			var events chan orchestrator.Event
			var cancel context.CancelCauseFunc
			ready := make(chan struct{})
			r.sw.bridgeCalls = func(a, b orchestrator.Key) error {
				<-ready
				if tc.gone != nil {
					tc.gone(events, cancel)
				}
				return invalid
			}
			cancel, events, done := r.call("4001")
			close(ready)
			waitDone(t, done)
			c := r.cdrs.leg(t, "caller")
			if len(c) != 1 || c[0].Disposition != tc.want || c[0].HangupCause != tc.cause || c[0].SIPHangupCause != tc.sip {
				t.Fatalf("caller CDR: %+v, want %s with cause %s, SIP %q", c, tc.want, tc.cause, tc.sip)
			}
			gone := tc.want == Abandoned
			if gone && (!c[0].Answered.IsZero() || c[0].Agent != "") {
				t.Errorf("an abandoned caller never talked to the agent: %+v", c[0])
			}
			if n := r.svc.Stats().Abandoned; n != map[bool]int64{true: 1}[gone] {
				t.Errorf("abandoned count %d", n)
			}
			var agentHangup string
			for _, e := range r.sw.entries() {
				if strings.HasPrefix(e, "hangup ") && !strings.HasPrefix(e, "hangup c1 ") {
					agentHangup = e
				}
			}
			wantLeg := orchestrator.CauseNormalCircuitCongest
			if gone {
				wantLeg = orchestrator.CauseNormalClearing
			}
			if !strings.HasSuffix(agentHangup, " "+string(wantLeg)) {
				t.Errorf("agent leg hung up with %q, want %s: %v", agentHangup, wantLeg, r.sw.entries())
			}
			if gone == r.sw.has("hangup c1 NORMAL_CIRCUIT_CONGESTION") {
				t.Errorf("caller hung up by the controller: %v (gone %v)", r.sw.entries(), gone)
			}
			legs := r.cdrs.leg(t, "agent")
			if len(legs) != 1 || (gone && (legs[0].Disposition != CallerAbandoned || legs[0].HangupCause != orchestrator.CauseNormalClearing)) {
				t.Errorf("agent leg: %+v", legs)
			}
		})
	}
}

// TestJoinFailedAtTheAnswer: when the switch cannot join the answered agent
// with the caller (JoinOnAnswer: the caller just hung up, or another leg was
// joined first), a caller who left is abandoned and the agent's leg says so;
// a caller still there keeps waiting, and the agent, who did answer, is not
// rejected to the ACD (LOSE_RACE; the ACD's own cancel follows).
func TestJoinFailedAtTheAnswer(t *testing.T) {
	lost := errors.New("intercept: no uuid")
	t.Run("caller gone", func(t *testing.T) {
		r := newRig(t, "ann")
		var events chan orchestrator.Event
		ready := make(chan struct{})
		r.sw.bridgeCalls = func(a, b orchestrator.Key) error {
			<-ready
			events <- orchestrator.Event{Kind: orchestrator.EventHangup, Cause: orchestrator.CauseNormalClearing, SIPCause: "200"}
			events <- orchestrator.Event{Kind: orchestrator.EventEnded, Cause: orchestrator.CauseNormalClearing}
			return lost
		}
		_, events, done := r.call("4001")
		close(ready)
		waitDone(t, done)
		c := r.cdrs.leg(t, "caller")
		if len(c) != 1 || c[0].Disposition != Abandoned || !c[0].Answered.IsZero() || c[0].Agent != "" {
			t.Fatalf("caller CDR: %+v, want abandoned, never answered by an agent", c)
		}
		if legs := r.cdrs.leg(t, "agent"); len(legs) != 1 || legs[0].Disposition != CallerAbandoned || !legs[0].Answered.IsZero() {
			t.Errorf("agent leg: %+v, want caller_abandoned and not answered", legs)
		}
		if slices.Contains(r.q.entries(), "reject ann") || slices.Contains(r.q.entries(), "accept ann") {
			t.Errorf("ACD calls %v: the agent was neither refused nor given the call", r.q.entries())
		}
	})
	t.Run("caller still there", func(t *testing.T) {
		r := newRig(t, "ann")
		joins := 0
		var mu sync.Mutex
		r.sw.bridgeCalls = func(a, b orchestrator.Key) error {
			mu.Lock()
			defer mu.Unlock()
			joins++
			return lost
		}
		_, events, done := r.call("4001")
		waitFor(t, "the failed join", func() bool { return r.sw.has("join c1") })
		if slices.Contains(r.q.entries(), "reject ann") {
			t.Errorf("ACD calls %v: an agent whose answer lost the race is not a refusal", r.q.entries())
		}
		if r.sw.has("hangup c1") {
			t.Fatalf("the waiting caller was hung up: %v", r.sw.entries())
		}
		events <- orchestrator.Event{Kind: orchestrator.EventHangup, Cause: orchestrator.CauseNormalClearing}
		events <- orchestrator.Event{Kind: orchestrator.EventEnded, Cause: orchestrator.CauseNormalClearing}
		waitDone(t, done)
		if c := r.cdrs.leg(t, "caller"); len(c) != 1 || c[0].Disposition != Abandoned {
			t.Fatalf("caller CDR: %+v, want abandoned (still waiting when it hung up)", c)
		}
	})
}
