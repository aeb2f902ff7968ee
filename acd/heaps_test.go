package acd

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestAgentHeapOrder drives one agent heap through random pushes, removals
// at any position and re-keyings, and checks after each step that the
// positions are right and that draining it yields the entries in order.
func TestAgentHeapOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var h agentHeap
	in := map[int32]agentEntry{} // by slot
	for step := range 5000 {
		slot := int32(rng.IntN(300))
		if pos := h.position(slot); pos >= 0 {
			h.removeAt(int(pos))
			delete(in, slot)
		}
		if rng.IntN(3) > 0 { // (re)insert with a fresh key; ties are common
			e := agentEntry{k1: int64(rng.IntN(20)), k2: int64(rng.IntN(3)), ord: slot, slot: slot}
			h.push(e)
			in[slot] = e
		}
		if len(h.h) != len(in) {
			t.Fatalf("step %d: heap holds %d, want %d", step, len(h.h), len(in))
		}
		for i, e := range h.h {
			if h.position(e.slot) != int32(i) {
				t.Fatalf("step %d: slot %d at %d, position says %d", step, e.slot, i, h.position(e.slot))
			}
		}
	}
	want := make([]agentEntry, 0, len(in))
	for _, e := range in {
		want = append(want, e)
	}
	slices.SortFunc(want, func(a, b agentEntry) int {
		if agentLess(&a, &b) {
			return -1
		}
		return 1
	})
	for i, w := range want {
		if got := h.removeAt(0); got != w {
			t.Fatalf("drain %d: got %+v, want %+v", i, got, w)
		}
	}
	if len(h.h) != 0 {
		t.Fatalf("%d left after draining", len(h.h))
	}
}
