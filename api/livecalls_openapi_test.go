package api

import (
	"slices"
	"testing"

	"github.com/switchboard-cc/switchboard/orchestrator/calls"
)

// TestOpenAPILiveCallStates: the live-call list's document names every
// state the call path shows, describes each, and keeps the list's fields.
func TestOpenAPILiveCallStates(t *testing.T) {
	e := newEnv(t)
	var doc struct {
		Paths map[string]map[string]struct {
			Responses map[string]struct {
				Content map[string]struct {
					Schema struct {
						Type  string `json:"type"`
						Items struct {
							Required   []string `json:"required"`
							Properties map[string]struct {
								Enum        []string `json:"enum"`
								Description string   `json:"description"`
							} `json:"properties"`
						} `json:"items"`
					} `json:"schema"`
				} `json:"content"`
			} `json:"responses"`
		} `json:"paths"`
	}
	e.must(e.do("GET", "/api/v1/openapi.json", "", nil), 200, &doc)
	s := doc.Paths["/tenants/{tenant_id}/live-calls"]["get"].Responses["200"].Content["application/json"].Schema
	if s.Type != "array" {
		t.Fatalf("live-calls schema: %+v", s)
	}
	state := s.Items.Properties["state"]
	for _, st := range calls.CallStates() {
		if !slices.Contains(state.Enum, string(st)) || liveCallStates[st] == "" {
			t.Errorf("state %s not documented: enum %v", st, state.Enum)
		}
	}
	if len(state.Enum) != len(calls.CallStates()) || state.Description == "" {
		t.Errorf("state: %+v", state)
	}
	for _, f := range []string{"call_id", "node", "caller", "access_number", "queue_id", "agent_id", "arrived_at", "answered_at",
		"direction", "remote_number", "remote_agent_id", "flow_id", "flow_node", "external_number"} {
		if _, ok := s.Items.Properties[f]; !ok {
			t.Errorf("field %s missing from the live-call schema", f)
		}
	}
	for _, f := range []string{"call_id", "state", "queue_id", "direction", "arrived_at"} {
		if !slices.Contains(s.Items.Required, f) {
			t.Errorf("field %s no longer required: %v", f, s.Items.Required)
		}
	}
}

// TestOpenAPICDRDispositions: the CDR schema lists every disposition the
// call path writes (calls.Dispositions) as its enum, and nothing else.
func TestOpenAPICDRDispositions(t *testing.T) {
	e := newEnv(t)
	var want []string
	for _, d := range calls.Dispositions {
		want = append(want, string(d))
	}
	got := schemaEnums(t, e)["CDR"]["disposition"]
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("CDR disposition enum = %v, want calls.Dispositions %v", got, want)
	}
}

// schemaEnums reads the served OpenAPI document's enums: schema name ->
// property -> values (properties without an enum are left out).
func schemaEnums(t *testing.T, e *env) map[string]map[string][]string {
	t.Helper()
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
	out := map[string]map[string][]string{}
	for name, sc := range doc.Components.Schemas {
		for prop, p := range sc.Properties {
			if p.Enum != nil {
				if out[name] == nil {
					out[name] = map[string][]string{}
				}
				out[name][prop] = p.Enum
			}
		}
	}
	return out
}
