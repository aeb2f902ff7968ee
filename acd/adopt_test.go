package acd

import (
	"errors"
	"testing"
	"time"
)

// TestAdoptMakesAgentBusyThenWrapUp: a call taken back after a restart puts
// its agent back to busy with it; the agent is offered nothing else; Finish
// ends it into after-call work with its talk time counted from the original
// answer. Adopting it again is a no-op; another agent cannot adopt it.
func TestAdoptMakesAgentBusyThenWrapUp(t *testing.T) {
	h := newHarness(t)
	h.queue(QueueConfig{ID: "q", WrapUp: 10 * time.Second})
	h.agent("a", nil, Membership{Queue: "q"})
	h.agent("b", nil, Membership{Queue: "q"})
	h.ready("a")
	answered := h.now.Add(-30 * time.Second)
	in := Interaction{ID: "c1", Tenant: "t1", Queue: "q", Medium: Voice}
	h.record(h.d.Adopt(h.now, "a", in, answered))
	if v, _ := h.d.Agent(h.now, "a"); v.State != Busy {
		t.Fatalf("agent after adopt: %v, want busy", v.State)
	}
	h.record(h.d.Adopt(h.now, "a", in, answered)) // again: no-op
	if _, err := h.d.Adopt(h.now, "b", in, answered); !errors.Is(err, ErrDuplicate) {
		t.Fatalf("another agent adopting it: %v, want ErrDuplicate", err)
	}
	// a new call goes to nobody: a is busy, b not ready
	if ds := h.enqueue(Interaction{ID: "c2", Queue: "q", Medium: Voice}); len(adoptOffers(ds)) != 0 {
		t.Fatalf("offered %v while the only ready agent is busy with an adopted call", ds)
	}
	if w := h.d.Handling(); len(w) != 1 || w[0].Interaction != "c1" || w[0].Agent != "a" || w[0].Outbound || !w[0].Accepted.Equal(answered) {
		t.Fatalf("handling %+v", w)
	}
	h.now = h.now.Add(5 * time.Second)
	h.record(h.d.Finish(h.now, "c1"))
	if w := h.d.Handling(); len(w) != 0 {
		t.Fatalf("handling after finish %+v", w)
	}
	v, _ := h.d.Agent(h.now, "a")
	if v.State != AfterCallWork {
		t.Fatalf("after finish: %v, want after-call work", v.State)
	}
	if v.Today.Talk != 35*time.Second || v.Today.Handled != 1 {
		t.Errorf("talk %v handled %d, want 35s and 1", v.Today.Talk, v.Today.Handled)
	}
}

func adoptOffers(ds []Decision) []Decision {
	var out []Decision
	for _, d := range ds {
		if d.Kind == DecOffer {
			out = append(out, d)
		}
	}
	return out
}
