package calls

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/switchboard-cc/switchboard/orchestrator"
)

// handoverSwitch is the fake switch with the verbs HandOver uses.
type handoverSwitch struct{ *fakeSwitch }

func (f handoverSwitch) SetVar(ctx context.Context, c orchestrator.Key, name, value string) error {
	f.record("setvar %s %s=%s", c.ID, name, value)
	return nil
}
func (f handoverSwitch) GetVar(ctx context.Context, c orchestrator.Key, name string) (string, error) {
	return "", nil
}
func (f handoverSwitch) SendDTMF(ctx context.Context, c orchestrator.Key, digits string) error {
	return nil
}
func (f handoverSwitch) Detach(c orchestrator.Key) error { f.record("detach %s", c.ID); return nil }

// TestHandOverLeavesConnectedCall: at the controller's stop a connected
// call is left as it is: its open records on the caller's channel, the
// caller set to leave with its agent (hangup_after_bridge, no
// park_after_bridge) and never into the fallback's ring (its dial string
// emptied), the call let go of; when the call's context then ends nothing
// is hung up, no record written, the ACD not told.
func TestHandOverLeavesConnectedCall(t *testing.T) {
	var sw handoverSwitch
	r := newRigWith(t, func(r *rig, cfg *Config) { sw = handoverSwitch{r.sw}; cfg.Switch = sw }, "ann")
	cancel, _, done := r.call("4001")
	// The switch bridges before the session records the call as talking
	// with its open records; HandOver takes only such calls.
	waitFor(t, "the session talking", func() bool { return talkingWithRecords(r.svc, "c1") })
	if n := r.svc.HandOver(context.Background()); n != 1 {
		t.Fatalf("handed over %d calls, want 1", n)
	}
	cancel(context.Canceled)
	waitDone(t, done)
	log := r.sw.entries()
	for _, want := range []string{"setvar c1 park_after_bridge=false", "setvar c1 hangup_after_bridge=true",
		"setvar c1 " + FallbackDialVar + "=", "detach c1"} {
		if !slices.Contains(log, want) {
			t.Errorf("switch log lacks %q: %v", want, log)
		}
	}
	i := slices.IndexFunc(log, func(e string) bool { return strings.HasPrefix(e, "setvar c1 "+HandoverVar+"=") })
	if i < 0 {
		t.Fatalf("no %s on the caller: %v", HandoverVar, log)
	}
	h, err := parseHandover(strings.TrimPrefix(log[i], "setvar c1 "+HandoverVar+"="))
	if err != nil || h.tenant != acme || h.agent != "ann" || h.leg == "" || h.legAnswered.IsZero() || h.queued.IsZero() {
		t.Errorf("handover record %+v %v", h, err)
	}
	if slices.ContainsFunc(log, func(e string) bool { return strings.HasPrefix(e, "hangup") }) {
		t.Errorf("something was hung up at the stop: %v", log)
	}
	if n := len(r.cdrs.leg(t, "caller")) + len(r.cdrs.leg(t, "agent")); n != 0 {
		t.Errorf("%d records written at the stop", n)
	}
	if got := r.q.entries(); slices.Contains(got, "finish") {
		t.Errorf("ACD told the call finished at the stop: %v", got)
	}
}

// talkingWithRecords reports whether the session of call id is talking to
// its agent with its open records kept (what HandOver hands over).
func talkingWithRecords(s *Service, id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	ss := s.sessions[id]
	return ss != nil && ss.open != nil && ss.view.state == StateTalking && ss.view.agentLeg.ID == ss.open.leg
}
