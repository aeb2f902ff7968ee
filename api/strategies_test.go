package api

import (
	"encoding/json"
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
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Properties map[string]struct {
					Enum []string `json:"enum"`
				} `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	e.must(e.do("GET", "/api/v1/openapi.json", "", nil), 200, &doc)
	seen := 0
	for schema, s := range doc.Components.Schemas {
		if p, ok := s.Properties["strategy"]; ok {
			seen++
			if !slices.Equal(p.Enum, names) {
				b, _ := json.Marshal(p.Enum)
				t.Errorf("%s.strategy enum %s, want %v", schema, b, names)
			}
		}
	}
	if seen == 0 {
		t.Fatal("no schema in the OpenAPI document has a strategy")
	}
}
