package acd

import (
	"fmt"
	"testing"
	"time"
)

// Bugs the property test's oracle found, each pinned by a small scenario.

// TestEqualEffectivePrioritiesTieByArrival: at 2 points a minute, a call of
// priority 0 that arrived 60 s before one of priority 2 has the same
// effective priority from then on, so the earlier one comes first. With
// keys of Priority - (rate/60)*t in floats (1/60 is inexact) they compared
// unequal and the later call went first.
func TestEqualEffectivePrioritiesTieByArrival(t *testing.T) {
	h := newHarness(t)
	h.queue(QueueConfig{ID: "q", AgingPerMinute: 2})
	h.agent("a", nil, Membership{Queue: "q"})
	h.now = t0.Add(time.Second)
	h.enqueue(Interaction{ID: "early", Queue: "q", Priority: 0})
	h.now = t0.Add(61 * time.Second)
	h.enqueue(Interaction{ID: "late", Queue: "q", Priority: 2})
	h.now = t0.Add(90 * time.Second)
	if got := offers(h.ready("a")); got != "early>a" {
		t.Fatalf("offers %q, want early>a (equal effective priority, earlier arrival)", got)
	}
}

// TestAgingChangeDuringAnOfferRekeysTheInteraction: an interaction on offer
// when its queue's aging changes goes back (reject) ranked by the new aging.
func TestAgingChangeDuringAnOfferRekeysTheInteraction(t *testing.T) {
	h := newHarness(t)
	h.queue(QueueConfig{ID: "q", AgingPerMinute: 2})
	h.agent("a1", nil, Membership{Queue: "q"})
	h.agent("a2", nil, Membership{Queue: "q"})
	h.now = t0.Add(time.Minute)
	h.ready("a1")
	if got := offers(h.enqueue(Interaction{ID: "x", Queue: "q"})); got != "x>a1" {
		t.Fatalf("offers %q", got)
	}
	h.now = h.now.Add(10 * time.Second)
	h.enqueue(Interaction{ID: "y", Queue: "q"})
	h.queue(QueueConfig{ID: "q", AgingPerMinute: 0})
	h.record(h.d.Reject(h.now, "a1", "x"))
	if got := offers(h.ready("a2")); got != "x>a2" {
		t.Fatalf("offers %q, want x>a2 (same priority, x arrived first)", got)
	}
}

// TestAgingChangeRekeysInteractionsParkedForTheirPreferredAgent: parked
// interactions are ranked by the queue's new aging too.
func TestAgingChangeRekeysInteractionsParkedForTheirPreferredAgent(t *testing.T) {
	h := newHarness(t)
	h.queue(QueueConfig{ID: "q", AgingPerMinute: 2, PreferredTimeout: 10 * time.Minute})
	h.agent("p", nil, Membership{Queue: "q"})
	h.record(h.d.Login(h.now, "p"))
	h.enqueue(Interaction{ID: "old", Queue: "q", Priority: 0, PreferredAgent: "p"})
	h.now = t0.Add(time.Minute)
	h.enqueue(Interaction{ID: "vip", Queue: "q", Priority: 1, PreferredAgent: "p"})
	h.queue(QueueConfig{ID: "q", AgingPerMinute: 0, PreferredTimeout: 10 * time.Minute})
	if got := offers(h.ready("p")); got != "vip>p" {
		t.Fatalf("offers %q, want vip>p (no aging any more: priority 1 first)", got)
	}
}

// TestOverflowParksForAnAvailablePreferredAgentAndOffersIt: the last agent
// of q1 logs out, its call overflows into q0 where its preferred agent is
// ready: the agent gets it at once (it was parked and nobody pulled).
func TestOverflowParksForAnAvailablePreferredAgentAndOffersIt(t *testing.T) {
	h := newHarness(t)
	h.queue(QueueConfig{ID: "q0"})
	h.queue(QueueConfig{ID: "q1", OnNoAgents: OverflowTarget{Kind: OverflowQueue, Target: "q0"}})
	h.agent("b", nil, Membership{Queue: "q1"})
	h.agent("p", nil, Membership{Queue: "q0"})
	h.record(h.d.Login(h.now, "b"))
	h.ready("p")
	h.enqueue(Interaction{ID: "x", Queue: "q1", PreferredAgent: "p"})
	if got := offers(h.record(h.d.Logout(h.now, "b", ""))); got != "x>p" {
		t.Fatalf("offers %q, want x>p", got)
	}
}

// TestSnapshotKeepsArrivalOrderOfEqualTimes: interactions that arrived at
// the same instant come back from a snapshot in arrival order (they were
// sorted by time only, from a map, so restarts reordered them).
func TestSnapshotKeepsArrivalOrderOfEqualTimes(t *testing.T) {
	h := newHarness(t)
	h.queue(QueueConfig{ID: "q"})
	var want []string
	for i := range 12 {
		id := fmt.Sprintf("x%02d", i)
		want = append(want, id)
		h.enqueue(Interaction{ID: id, Queue: "q"})
	}
	for i, w := range h.d.Snapshot().Waiting {
		if w.Interaction.ID != want[i] {
			t.Fatalf("snapshot position %d holds %s, want %s", i, w.Interaction.ID, want[i])
		}
	}
}
