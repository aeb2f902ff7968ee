package api

import (
	"slices"
	"strings"
	"testing"

	"github.com/switchboard-cc/switchboard/acd"
	"github.com/switchboard-cc/switchboard/store"
)

// TestEveryStrategyIsReachableThroughTheAPI: the ACD's strategies are one
// list: a queue can be created with each of them, the OpenAPI document
// gives exactly that list as the enum, and any other name is refused with
// 422 listing the valid ones.
func TestEveryStrategyIsReachableThroughTheAPI(t *testing.T) {
	e := newEnv(t)
	f := e.newTenant("acme", 5)
	names := acd.StrategyNames()
	for _, name := range names {
		var q store.Queue
		e.must(e.do("POST", f.base+"/queues", f.admin, store.QueueInput{Name: "q_" + name, Strategy: name}), 201, &q)
		if q.Strategy != name {
			t.Fatalf("created %q, stored %q", name, q.Strategy)
		}
	}
	r := e.do("POST", f.base+"/queues", f.admin, store.QueueInput{Name: "old", Strategy: "fewest_calls"})
	if r.status != 422 || !strings.Contains(string(r.body), strings.Join(names, ", ")) {
		t.Fatalf("unknown strategy: %s", r)
	}
	seen := 0
	for schema, props := range schemaEnums(t, e) {
		if enum, ok := props["strategy"]; ok {
			seen++
			if !slices.Equal(enum, names) {
				t.Errorf("%s.strategy enum %v, want %v", schema, enum, names)
			}
		}
	}
	if seen == 0 {
		t.Fatal("no schema in the OpenAPI document has a strategy")
	}
}
