package api

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/switchboard-cc/switchboard/acd"
	"github.com/switchboard-cc/switchboard/callconfig"
	"github.com/switchboard-cc/switchboard/ivrflows"
	"github.com/switchboard-cc/switchboard/ivrflows/flowtest"
	"github.com/switchboard-cc/switchboard/orchestrator/calls"
	"github.com/switchboard-cc/switchboard/store"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// oaSchema is the part of a JSON Schema these tests read.
type oaSchema struct {
	Ref                  string              `json:"$ref"`
	Type                 string              `json:"type"`
	Enum                 []string            `json:"enum"`
	Required             []string            `json:"required"`
	Properties           map[string]oaSchema `json:"properties"`
	Items                *oaSchema           `json:"items"`
	AllOf                []oaSchema          `json:"allOf"`
	AdditionalProperties any                 `json:"additionalProperties"`
	Description          string              `json:"description"`
}

// servedDoc is the document as a client reads it.
type servedDoc struct {
	Paths map[string]map[string]struct {
		Description string `json:"description"`
		RequestBody struct {
			Content map[string]struct {
				Schema oaSchema `json:"schema"`
			} `json:"content"`
		} `json:"requestBody"`
	} `json:"paths"`
	Components struct {
		Schemas map[string]oaSchema `json:"schemas"`
	} `json:"components"`
}

func fetchDoc(e *env) servedDoc {
	var doc servedDoc
	e.must(e.do("GET", "/api/v1/openapi.json", "", nil), 200, &doc)
	return doc
}

// schema follows a $ref (or a one-element allOf) to the named schema.
func (d servedDoc) schema(s oaSchema) oaSchema {
	for s.Ref == "" && len(s.AllOf) == 1 {
		s = s.AllOf[0]
	}
	if name, ok := strings.CutPrefix(s.Ref, "#/components/schemas/"); ok {
		return d.Components.Schemas[name]
	}
	return s
}

// TestEveryOperationIsDescribed: every operation has its own description
// (operationDocs) followed by who may call it, and operationDocs names no
// operation that does not exist.
func TestEveryOperationIsDescribed(t *testing.T) {
	e := newEnv(t)
	names := map[string]bool{}
	for _, r := range e.api.routes {
		names[r.name] = true
		if strings.TrimSpace(operationDocs[r.name]) == "" {
			t.Errorf("%s %s (%s) has no description: add one to operationDocs in api/operations.go", r.method, r.path, r.name)
		}
	}
	for name := range operationDocs {
		if !names[name] {
			t.Errorf("operationDocs describes %q, which no route is", name)
		}
	}
	doc := fetchDoc(e)
	for p, ops := range doc.Paths {
		for m, op := range ops {
			if !strings.Contains(op.Description, "**Who may call:**") || len(op.Description) < 60 {
				t.Errorf("%s %s: description %q", m, p, op.Description)
			}
		}
	}
	tenantAdminOnly := doc.Paths["/tenants/{tenant_id}/queues"]["post"].Description
	if !strings.Contains(tenantAdminOnly, "platform_admin, tenant_admin (permission `queues:write`)") {
		t.Errorf("createQueue's callers: %q", tenantAdminOnly)
	}
}

// TestOpenAPIEnums: closed sets of values are enums in the document, taken
// from the code that accepts them, and the server accepts each value it
// documents.
func TestOpenAPIEnums(t *testing.T) {
	e := newEnv(t)
	doc := fetchDoc(e)
	prop := func(schema, field string) oaSchema {
		t.Helper()
		s, ok := doc.Components.Schemas[schema].Properties[field]
		if !ok {
			t.Fatalf("%s.%s not in the document", schema, field)
		}
		return doc.schema(s)
	}
	for _, c := range []struct {
		schema, field string
		want          []string
	}{
		{"CreateUserRequest", "role", strs(tenancy.Roles...)},
		{"CreateAPIKeyRequest", "role", tenantRoles()},
		{"TenantCreateRequest", "language", strs(tenancy.Languages...)},
		{"Tenant", "status", strs(tenancy.Statuses...)},
		{"CreateNodeRequest", "kind", []string{"freeswitch"}},
		{"Node", "kind", strs(store.NodeKinds...)},
		{"AccessNumberInput", "entry_kind", strs(store.EntryKinds...)},
		{"QueueInput", "strategy", store.QueueStrategies},
		{"QueueSettings", "service_level_definition", acd.SLDefinitionNames()},
		{"ACDWindow", "service_level_definition", acd.SLDefinitionNames()},
		{"ACDAgentState", "state", names(acd.States())},
		{"AgentStateRequest", "state", selfStates},
		{"SupervisorStateRequest", "state", supervisorStates},
		{"MonitorRequest", "mode", []string{"barge", "listen", "whisper"}},
		{"ConsultRequest", "kind", consultKinds},
		{"TransferRequest", "kind", transferKinds},
		{"LiveCallEvent", "kind", liveStreamKinds()},
		{"CallNotice", "kind", calls.NoticeKinds},
		{"AuditEntry", "action", store.AuditActions},
		{"AuditEntry", "resource_type", store.AuditResourceTypes},
		{"TraceStep", "node_type", strs(ivrflows.NodeTypes()...)},
		{"TraceEntry", "type", strs(ivrflows.NodeTypes()...)},
		{"CaseReport", "outcome", strs(ivrflows.Outcomes...)},
		{"Expect", "outcome", strs(ivrflows.Outcomes...)},
	} {
		if got := prop(c.schema, c.field).Enum; !slices.Equal(got, c.want) {
			t.Errorf("%s.%s enum = %v, want %v", c.schema, c.field, got, c.want)
		}
	}
	if got := prop("Me", "permissions").Items; got == nil || len(got.Enum) != len(tenancy.AllPermissions) {
		t.Errorf("Me.permissions items: %+v", got)
	}

	// Queue settings are typed with exactly the keys their parser accepts.
	settings := prop("QueueInput", "settings")
	_, err := callconfig.ParseQueueSettings([]byte(`{"no_such_key": 1}`))
	var unknown *callconfig.UnknownSettingError
	if !errors.As(err, &unknown) {
		t.Fatalf("the parser did not name the valid keys: %v", err)
	}
	if got := slices.Sorted(maps.Keys(settings.Properties)); !slices.Equal(got, unknown.Valid) {
		t.Errorf("QueueSettings keys %v, the parser accepts %v", got, unknown.Valid)
	}
	if settings.AdditionalProperties != false || len(settings.Required) != 0 {
		t.Errorf("queue settings must refuse unknown keys and require none: %+v", settings)
	}
	if over := doc.schema(settings.Properties["on_full"]); !slices.Equal(over.Properties["kind"].Enum, overflowKinds()) {
		t.Errorf("overflow kind enum %v", over.Properties["kind"].Enum)
	}

	// Live figures keyed by a closed set are objects with exactly those keys.
	for _, c := range []struct {
		schema, field string
		want          []string
	}{
		{"ACDQueueStats", "agents", names(acd.States())},
		{"ACDAgentState", "work", names(acd.Media())},
	} {
		m := prop(c.schema, c.field)
		if got := slices.Sorted(maps.Keys(m.Properties)); !slices.Equal(got, slices.Sorted(slices.Values(c.want))) ||
			m.AdditionalProperties != false || len(m.Required) != 0 || m.Description == "" {
			t.Errorf("%s.%s keys %v (additionalProperties %v, required %v), want exactly %v", c.schema, c.field, got,
				m.AdditionalProperties, m.Required, c.want)
		}
	}

	// A flow test may expect every outcome the document lists, and no other.
	for _, o := range prop("Expect", "outcome").Enum {
		if _, err := flowtest.ParseFile([]byte(`{"flow": {}, "cases": [{"name": "a", "expect": {"outcome": "` + o + `"}}]}`)); err != nil {
			t.Errorf("documented outcome %q refused: %v", o, err)
		}
	}

	// The server takes every state the document offers an agent and a supervisor.
	for _, st := range selfStates {
		if _, err := selfAction(AgentStateRequest{State: st, Reason: "lunch"}); err != nil {
			t.Errorf("documented agent state %q refused: %v", st, err)
		}
	}
	for _, st := range supervisorStates {
		if _, err := supervisorAction(SupervisorStateRequest{State: st}, "sup"); err != nil {
			t.Errorf("documented supervisor action %q refused: %v", st, err)
		}
	}
}

// TestCreatedAnswersDocumentLocation: every 201 in the document declares
// the Location header the server sends (TestEveryCreateAnswersLocation).
func TestCreatedAnswersDocumentLocation(t *testing.T) {
	e := newEnv(t)
	var doc struct {
		Paths map[string]map[string]struct {
			Responses map[string]struct {
				Headers map[string]struct {
					Required bool `json:"required"`
				} `json:"headers"`
			} `json:"responses"`
		} `json:"paths"`
	}
	e.must(e.do("GET", "/api/v1/openapi.json", "", nil), 200, &doc)
	n := 0
	for p, ops := range doc.Paths {
		for m, op := range ops {
			if created, ok := op.Responses["201"]; ok {
				n++
				if !created.Headers["Location"].Required {
					t.Errorf("%s %s: 201 without a required Location header", m, p)
				}
			}
		}
	}
	if n < 10 {
		t.Fatalf("only %d operations answer 201", n)
	}
}

// TestOpenAPIRequiredMatchesServer posts, for each create body, exactly the
// fields the document marks required (with valid values): the server must
// accept it, so nothing it needs is left unmarked. Then it leaves out each
// required field in turn: the server must refuse the body with 400 or 422
// naming that field, so nothing is marked required that the server does
// without.
func TestOpenAPIRequiredMatchesServer(t *testing.T) {
	e := newEnv(t)
	doc := fetchDoc(e)
	f := e.newTenant("req", 10)
	var site store.Site
	e.must(e.do("POST", "/api/v1/sites", e.admin, map[string]any{"name": "Paris"}), 201, &site)
	var user store.User
	e.must(e.do("POST", f.base+"/users", e.admin, CreateUserRequest{Email: "ann@req.test", DisplayName: "Ann",
		Role: tenancy.RoleAgent, Password: testPassword}), 201, &user)

	// Each case is a valid body (optional fields may be in it; only the
	// required ones are sent). Bodies that must be unique are used once.
	cases := []struct {
		method, path string
		want         int
		body         map[string]any
	}{
		{"POST", "/api/v1/tenants", 201, map[string]any{"name": "Bolt", "sip_domain": "bolt.test", "language": "en",
			"time_zone": "Europe/Paris", "quotas": map[string]any{"max_agents": 1}}},
		{"PUT", "/api/v1/platform/tenant-defaults", 200, map[string]any{"max_agents": 5, "max_pstn_calls": 5,
			"max_web_calls": 0, "max_chats": 0, "max_published_flows": 5}},
		{"POST", "/api/v1/sites", 201, map[string]any{"name": "Lyon", "description": "branch"}},
		{"POST", "/api/v1/nodes", 201, map[string]any{"site_id": site.ID, "name": "fs1", "kind": "freeswitch",
			"address": "127.0.0.1:8021", "username": "", "secret": "0123456789abcdef", "enabled": true}},
		{"POST", f.base + "/skills", 201, map[string]any{"name": "english", "description": "spoken English"}},
		{"POST", f.base + "/queues", 201, map[string]any{"name": "support", "strategy": "longest_idle",
			"ring_timeout_seconds": 20, "max_wait_seconds": 0, "wrap_up_seconds": 5, "settings": map[string]any{}}},
		{"POST", f.base + "/users", 201, map[string]any{"email": "bob@req.test", "display_name": "Bob", "role": "agent",
			"password": testPassword}},
		{"POST", f.base + "/agents", 201, map[string]any{"user_id": user.ID, "extension": "1000", "display_name": "Ann",
			"sip_password": "phone-secret-1", "skills": []any{}, "queues": []any{}}},
		{"POST", f.base + "/numbers", 201, map[string]any{"number": "+15550100", "entry_kind": "queue",
			"entry_alias": "support", "description": "main line"}},
		{"POST", f.base + "/api-keys", 201, map[string]any{"name": "crm", "role": "supervisor"}},
	}
	for _, c := range cases {
		oaPathOf := strings.TrimPrefix(c.path, "/api/v1")
		oaPathOf = strings.Replace(oaPathOf, f.id, "{tenant_id}", 1)
		op, ok := doc.Paths[oaPathOf][strings.ToLower(c.method)]
		if !ok {
			t.Fatalf("%s %s not in the document", c.method, oaPathOf)
		}
		s := doc.schema(op.RequestBody.Content["application/json"].Schema)
		minimal := map[string]any{}
		for _, field := range s.Required {
			v, ok := c.body[field]
			if !ok {
				t.Fatalf("%s %s: the document requires %q, which the test body lacks", c.method, oaPathOf, field)
			}
			minimal[field] = v
		}
		for _, field := range s.Required {
			without := maps.Clone(minimal)
			delete(without, field)
			r := e.do(c.method, c.path, e.admin, without)
			if (r.status != 400 && r.status != 422) || !strings.Contains(string(r.body), `"field":"`+field+`"`) {
				t.Errorf("%s %s without required %q: want 400/422 naming it, got %s", c.method, oaPathOf, field, r)
			}
		}
		if r := e.do(c.method, c.path, e.admin, minimal); r.status != c.want {
			t.Errorf("%s %s with the required fields %v only: want %d, got %s", c.method, oaPathOf, s.Required, c.want, r)
		}
	}
}
