package acdowner

import (
	"context"
	"testing"
)

// TestCancelledQueriesShareNothing: a query whose context ends while the
// owner is about to run it returns at once, and the owner's later run must
// not write anything the caller reads (go test -race caught the owner
// writing a caller's result variable that the caller was returning: the
// demo's report and cancelled HTTP requests do this).
func TestCancelledQueriesShareNothing(t *testing.T) {
	f := newFixture(t)
	o := f.start("t1")
	for range 300 {
		ctx, cancel := context.WithCancel(context.Background())
		go cancel()
		s, _ := o.QueueStats(ctx, "q")
		v, _ := o.Agent(ctx, "a1")
		vs, _ := o.Agents(ctx, true)
		qs, _ := o.AllQueueStats(ctx)
		ws, _ := o.Waiting(ctx, "q")
		pos, ewt, _ := o.Position(ctx, "none")
		_, _, _, _, _, _, _ = s, v, vs, qs, ws, pos, ewt
	}
}
