package calls

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/switchboard-cc/switchboard/orchestrator"
)

// TestCallerGoneAsTheAgentAnswersIsAbandoned: a caller who hangs up just as
// the agent answers makes the bridge fail (uuid_bridge: -ERR Invalid uuid).
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
