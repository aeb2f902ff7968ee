package api

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/switchboard-cc/switchboard/acd"
	"github.com/switchboard-cc/switchboard/store"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// TestUnknownEnumValuesListTheValidOnes walks the closed sets a request
// names (roles at each level, entry kinds, strategies, queue settings'
// service level definitions and overflow kinds, languages, node kinds,
// data source drivers, agent states, answer modes, transfer kinds, monitor
// modes, CDR order, audit resource type): a value outside one is refused naming the field, the
// value sent and every valid value. The lists come from the code's own
// tables where it has them, so a value added there must show here.
func TestUnknownEnumValuesListTheValidOnes(t *testing.T) {
	w := newWalk(t, newEnv(t))
	a := w.a
	roles := func(platform bool) []string { return strs(tenancy.RolesOf(platform)...) }
	overflow := func(kind string) map[string]any {
		return map[string]any{"name": "q-enum", "strategy": "ring_all", "settings": map[string]any{"on_full": map[string]any{"kind": kind}}}
	}
	for _, tt := range []struct {
		name         string
		method, path string
		tok          string
		body         any
		status       int
		field, bad   string
		valid        []string
	}{
		{"tenant user role", "POST", a.base + "/users", a.admin, CreateUserRequest{Email: "e@alpha.test", DisplayName: "E",
			Role: "supervisr", Password: testPassword}, 422, "role", "supervisr", roles(false)},
		{"tenant user re-role", "PATCH", a.base + "/users/" + a.params["user_id"], a.admin, map[string]any{"role": "admin"},
			422, "role", "admin", roles(false)},
		{"platform role in a tenant", "POST", a.base + "/users", a.admin, CreateUserRequest{Email: "e@alpha.test", DisplayName: "E",
			Role: tenancy.RolePlatformAdmin, Password: testPassword}, 422, "role", "platform_admin", roles(false)},
		{"platform user role", "POST", "/api/v1/platform/users", w.admin, CreateUserRequest{Email: "op@platform.test", DisplayName: "Op",
			Role: "operator", Password: testPassword}, 422, "role", "operator", roles(true)},
		{"API key role", "POST", a.base + "/api-keys", a.admin, CreateAPIKeyRequest{Name: "k", Role: "root"}, 422, "role", "root", roles(false)},
		{"entry kind", "POST", a.base + "/numbers", a.admin, map[string]any{"number": "+8620777", "entry_kind": "ivr", "entry_alias": "sales"},
			422, "entry_kind", "ivr", strs(store.EntryKinds...)},
		{"strategy", "POST", a.base + "/queues", a.admin, map[string]any{"name": "q-enum", "strategy": "fewest_calls"},
			422, "strategy", "fewest_calls", store.QueueStrategies},
		{"service level definition", "POST", a.base + "/queues", a.admin, map[string]any{"name": "q-enum", "strategy": "ring_all",
			"settings": map[string]any{"service_level_definition": "both"}}, 422, "settings", "both", acd.SLDefinitionNames()},
		{"overflow kind", "POST", a.base + "/queues", a.admin, overflow("ivr"), 422, "settings", "ivr",
			[]string{"none", "queue", "flow", "number", "voicemail"}},
		{"tenant language", "POST", "/api/v1/tenants", w.admin, TenantCreateRequest{Name: "L", SIPDomain: "l.example.com", Language: "fr",
			TimeZone: "UTC"}, 422, "language", "fr", strs(tenancy.Languages...)},
		{"node kind", "POST", "/api/v1/nodes", w.admin, CreateNodeRequest{SiteID: w.plat["site_id"], Name: "k1", Kind: "kamailio",
			Address: "10.0.0.8:8021", Secret: "ClueCon-node-secret-44"}, 422, "kind", "kamailio", strs(store.NodeKinds...)},
		{"data source driver", "PUT", a.base + "/datasources/enum", w.admin, DataSourceRequest{Driver: "mysql", DSN: "x"},
			422, "driver", "mysql", store.DataSourceDrivers},
		{"own agent state", "POST", a.base + "/acd/me/state", w.boss[a.id], AgentStateRequest{State: "sleep"}, 422, "state", "sleep", selfStates},
		{"forced agent state", "POST", a.base + "/acd/agents/" + a.params["agent_id"] + "/state", w.boss[a.id],
			SupervisorStateRequest{State: "ready"}, 422, "state", "ready", supervisorStates},
		{"answer mode", "PUT", a.base + "/agent-phone", w.boss[a.id], PhoneModeRequest{AnswerMode: "loud"}, 422, "answer_mode", "loud",
			[]string{"ring", "auto", "desktop"}},
		{"transfer kind", "POST", a.base + "/live-calls/" + a.params["call_id"] + "/transfer", w.boss[a.id],
			TransferRequest{Kind: "flow", Target: "main"}, 422, "kind", "flow", []string{"number", "dialplan", "queue", "agent"}},
		{"monitor mode", "POST", a.base + "/live-calls/" + a.params["call_id"] + "/monitor", w.boss[a.id],
			MonitorRequest{Mode: "shout"}, 422, "mode", "shout", []string{"listen", "whisper", "barge"}},
		{"CDR order", "GET", a.base + "/cdrs?order=latest", a.admin, nil, 400, "order", "latest", []string{"newest", "oldest"}},
		{"audit resource type", "GET", a.base + "/audit?resource_type=agents", a.admin, nil, 400, "resource_type", "agents",
			store.AuditResourceTypes},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if strings.Contains(tt.path, "live-calls") {
				w.live.talking(t, a.id, a.number, a.params["call_id"])
			}
			r := w.do(tt.method, tt.path, tt.tok, tt.body)
			var e struct {
				Error struct {
					Message string       `json:"message"`
					Details []FieldError `json:"details"`
				} `json:"error"`
			}
			if r.status != tt.status || json.Unmarshal(r.body, &e) != nil || len(e.Error.Details) == 0 ||
				e.Error.Details[0].Field != tt.field {
				t.Fatalf("want %d naming %s, got %s", tt.status, tt.field, r)
			}
			msg := e.Error.Details[0].Problem
			if !strings.Contains(msg, `"`+tt.bad+`"`) && !strings.Contains(msg, tt.bad+" ") {
				t.Errorf("%q does not name the value sent, %q", msg, tt.bad)
			}
			for _, v := range tt.valid {
				if !strings.Contains(msg, v) {
					t.Errorf("%q does not list the valid value %q", msg, v)
				}
			}
		})
	}
}
