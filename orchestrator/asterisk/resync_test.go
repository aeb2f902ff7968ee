package asterisk

import (
	"context"
	"testing"

	"github.com/switchboard-cc/switchboard/orchestrator"
	"github.com/switchboard-cc/switchboard/orchestrator/asterisk/asim"
)

// TestResyncKeepsALegNotCreatedYet: a leg is tracked before its POST
// /channels (interest first); a resynchronisation in between must not end
// it for being absent from the channel list. A call seen before and
// absent now does end.
func TestResyncKeepsALegNotCreatedYet(t *testing.T) {
	sim, err := asim.Start(asim.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	a, err := New(Options{Node: "ast1", URL: sim.URL(), User: sim.User(), Password: sim.Password()})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	pending := newCall(orchestrator.Key{Node: "ast1", ID: "leg-not-yet"}, kindInternal)
	gone := newCall(orchestrator.Key{Node: "ast1", ID: "call-gone"}, kindInternal)
	gone.seen = true
	a.mu.Lock()
	a.trackLocked(pending)
	a.trackLocked(gone)
	a.mu.Unlock()
	if _, err := a.resync(context.Background()); err != nil {
		t.Fatal(err)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.calls["leg-not-yet"] == nil {
		t.Error("the resync ended a leg that was being originated")
	}
	if a.calls["call-gone"] != nil {
		t.Error("the resync kept a call the node no longer has")
	}
}
