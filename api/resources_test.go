package api

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/switchboard-cc/switchboard/store"
	"github.com/switchboard-cc/switchboard/tenancy"
)

func TestNodeSecretIsWriteOnly(t *testing.T) {
	e := newEnv(t)
	plat := e.platformObjects()
	for _, path := range []string{"/api/v1/nodes", "/api/v1/nodes/" + plat["node_id"]} {
		r := e.do("GET", path, e.admin, nil)
		if r.status != 200 || strings.Contains(string(r.body), "ClueCon-node-secret-42") || !strings.Contains(string(r.body), `"has_secret":true`) {
			t.Fatalf("GET %s: %s", path, r)
		}
	}
	r := e.do("PATCH", "/api/v1/nodes/"+plat["node_id"], e.admin, map[string]any{"secret": "NewSecret-0123456789", "enabled": false})
	if r.status != 200 || strings.Contains(string(r.body), "NewSecret-0123456789") {
		t.Fatalf("PATCH: %s", r)
	}
	if s, err := e.store.NodeSecret(t.Context(), plat["node_id"]); err != nil || s != "NewSecret-0123456789" {
		t.Fatalf("secret not stored: %q %v", s, err)
	}
	// A FreeSWITCH node's secret is also its xml_curl password: a short one
	// is refused with the reason, on create and on edit, and nothing changes.
	short := e.do("PATCH", "/api/v1/nodes/"+plat["node_id"], e.admin, map[string]any{"secret": "ClueCon"})
	if short.status != 422 || !strings.Contains(string(short.body), "at least 16 characters") {
		t.Fatalf("short secret: %d %s", short.status, short.body)
	}
	if s, err := e.store.NodeSecret(t.Context(), plat["node_id"]); err != nil || s != "NewSecret-0123456789" {
		t.Fatalf("a refused edit changed the secret: %q, %v", s, err)
	}
}

// TestAsteriskNodesAreRefusedUntilDriven: with no ARI adapter an Asterisk
// node would be stored and never used, so create and edit refuse the kind
// with 422 naming it, and nothing is stored or changed.
func TestAsteriskNodesAreRefusedUntilDriven(t *testing.T) {
	e := newEnv(t)
	plat := e.platformObjects()
	r := e.do("POST", "/api/v1/nodes", e.admin, CreateNodeRequest{SiteID: plat["site_id"], Name: "ast1", Kind: store.NodeAsterisk,
		Address: "10.0.0.2:8088", Username: "sb", Secret: "ari-secret-0123456789", Enabled: true})
	if r.status != 422 || !strings.Contains(string(r.body), `"field":"kind"`) || !strings.Contains(string(r.body), "not driven yet") {
		t.Fatalf("create asterisk node: %s", r)
	}
	r = e.do("PATCH", "/api/v1/nodes/"+plat["node_id"], e.admin, map[string]any{"kind": "asterisk"})
	if r.status != 422 || !strings.Contains(string(r.body), "not driven yet") {
		t.Fatalf("edit to asterisk: %s", r)
	}
	nodes, err := e.store.ListNodes(t.Context(), store.Page{})
	if err != nil || len(nodes.Items) != 1 || nodes.Items[0].Kind != store.NodeFreeSWITCH {
		t.Fatalf("nodes after refusals: %+v, %v", nodes.Items, err)
	}
}

func TestAgentsQuotaAndWriteOnlySIPPassword(t *testing.T) {
	testAgentsQuotaAndWriteOnlySIPPassword(t, newEnv(t))
}

func testAgentsQuotaAndWriteOnlySIPPassword(t *testing.T, e *env) {
	f := e.newTenant("alpha", 2)
	var sk store.Skill
	e.must(e.do("POST", f.base+"/skills", f.admin, store.SkillInput{Name: "cantonese"}), 201, &sk)
	mk := func(i int) resp {
		var u store.User
		e.must(e.do("POST", f.base+"/users", f.admin, CreateUserRequest{Email: fmt.Sprintf("a%d@alpha.test", i),
			DisplayName: "A", Role: tenancy.RoleAgent, Password: testPassword}), 201, &u)
		return e.do("POST", f.base+"/agents", f.admin, CreateAgentRequest{UserID: u.ID, Extension: fmt.Sprint(1000 + i),
			SIPPassword: "very-secret-sip", Skills: []store.AgentSkill{{SkillID: sk.ID, Level: 10}}})
	}
	for i := 0; i < 2; i++ {
		if r := mk(i); r.status != 201 || strings.Contains(string(r.body), "very-secret-sip") {
			t.Fatalf("agent %d: %s", i, r)
		}
	}
	r := mk(2)
	if r.status != 409 || r.errCode() != "over_quota" || !strings.Contains(string(r.body), `"limit":2`) ||
		!strings.Contains(string(r.body), `"in_use":2`) || !strings.Contains(string(r.body), `"quota":"max_agents"`) {
		t.Fatalf("third agent over max_agents=2: %s", r)
	}
	list := e.do("GET", f.base+"/agents", f.admin, nil)
	if strings.Contains(string(list.body), "very-secret-sip") || strings.Count(string(list.body), `"extension"`) != 2 {
		t.Fatalf("list: %s", list)
	}
	// Raising the quota lets the next one in; lowering below usage is refused.
	e.must(e.do("PATCH", f.base, e.admin, map[string]any{"quotas": map[string]int{"max_agents": 1}}), 409, nil)
	e.must(e.do("PATCH", f.base, e.admin, map[string]any{"quotas": map[string]int{"max_agents": 3}}), 200, nil)
	e.must(mk(3), 201, nil)
}

// TestBadInputIsRefusedAndChangesNothing: each bad body gets a 4xx naming the
// field and leaves no row and no audit entry behind.
func TestBadInputIsRefusedAndChangesNothing(t *testing.T) {
	testBadInputIsRefusedAndChangesNothing(t, newEnv(t))
}

func testBadInputIsRefusedAndChangesNothing(t *testing.T, e *env) {
	f := e.newTenant("alpha", 2)
	long := strings.Repeat("x", 101)
	cases := []struct {
		name, method, path string
		body               any
		status             int
		field              string
	}{
		{"unknown field", "POST", f.base + "/skills", `{"name":"a","colour":"red"}`, 400, "colour"},
		{"wrong type", "POST", f.base + "/skills", `{"name":5}`, 400, "name"},
		{"malformed", "POST", f.base + "/skills", `{"name":`, 400, "body"},
		{"too long", "POST", f.base + "/skills", store.SkillInput{Name: long}, 422, "name"},
		{"unknown locale", "POST", "/api/v1/tenants", store.TenantInput{Name: "x", SIPDomain: "x.example.com",
			Language: "klingon", TimeZone: "UTC"}, 422, "language"},
		{"negative quota", "POST", "/api/v1/tenants", `{"name":"x","sip_domain":"y.example.com","language":"en","time_zone":"UTC","quotas":{"max_agents":-1}}`, 422, "quotas"},
		{"bad time zone", "POST", "/api/v1/tenants", store.TenantInput{Name: "x", SIPDomain: "z.example.com",
			Language: "en", TimeZone: "Mars/Olympus"}, 422, "time_zone"},
		{"skill level 11", "POST", f.base + "/agents", `{"user_id":"u","extension":"100","sip_password":"12345678","skills":[{"skill_id":"s","level":11}]}`, 422, "skills"},
		{"short password", "POST", f.base + "/users", CreateUserRequest{Email: "u@alpha.test", DisplayName: "U", Role: "agent", Password: "short"}, 422, "password"},
		{"platform role in tenant", "POST", f.base + "/users", CreateUserRequest{Email: "u@alpha.test", DisplayName: "U", Role: "platform_admin", Password: testPassword}, 422, "role"},
		{"bad number", "POST", f.base + "/numbers", store.AccessNumberInput{Number: "12ab", EntryKind: "queue", EntryAlias: "q"}, 422, "number"},
		{"bad strategy", "POST", f.base + "/queues", store.QueueInput{Name: "q", Strategy: "fewest_calls"}, 422, "strategy"},
		{"bad limit", "GET", f.base + "/agents?limit=0", nil, 400, "limit"},
		{"bad cursor", "GET", f.base + "/agents?cursor=zzz", nil, 422, "cursor"},
		{"bad since", "GET", f.base + "/audit?since=yesterday", nil, 400, "since"},
		{"NUL in body", "POST", f.base + "/users", `{"email":"n@alpha.test","display_name":"a\u0000b","role":"agent","password":"long enough pass"}`, 400, "display_name"},
		{"NUL in nested body", "POST", f.base + "/agents", `{"user_id":"u","extension":"100","sip_password":"12345678","skills":[{"skill_id":"\u0000","level":1}]}`, 400, "skills.skill_id"},
		{"NUL in login", "POST", "/api/v1/auth/login", `{"login":"a\u0000@b.cd","password":"x"}`, 400, "login"},
		{"NUL in query", "GET", f.base + "/audit?resource_type=%00", nil, 400, "resource_type"},
		{"NUL in path", "GET", f.base + "/agents/%00", nil, 400, "agent_id"},
	}
	before := e.do("GET", "/api/v1/audit?limit=500", e.admin, nil)
	for _, tc := range cases {
		r := e.do(tc.method, tc.path, e.admin, tc.body)
		var b errorBody
		r.decode(t, &b)
		fields, _ := b.Error.Details.([]any)
		if r.status != tc.status || len(fields) == 0 || fields[0].(map[string]any)["field"] != tc.field {
			t.Errorf("%s: want %d naming %q, got %s", tc.name, tc.status, tc.field, r)
		}
	}
	after := e.do("GET", "/api/v1/audit?limit=500", e.admin, nil)
	if string(before.body) != string(after.body) {
		t.Error("bad input left audit entries")
	}
	r := e.do("GET", f.base+"/skills", e.admin, nil)
	if !strings.Contains(string(r.body), `"items":[]`) {
		t.Errorf("bad input created skills: %s", r)
	}
}

func TestPagination(t *testing.T) {
	e := newEnv(t)
	f := e.newTenant("alpha", 2)
	for i := 0; i < 5; i++ {
		e.must(e.do("POST", f.base+"/skills", f.admin, store.SkillInput{Name: fmt.Sprint("skill", i)}), 201, nil)
	}
	seen := map[string]bool{}
	cursor := ""
	for pages := 0; ; pages++ {
		var p Page[store.Skill]
		e.must(e.do("GET", f.base+"/skills?limit=2&cursor="+cursor, f.admin, nil), 200, &p)
		for _, s := range p.Items {
			if seen[s.ID] {
				t.Fatalf("skill %s on two pages", s.ID)
			}
			seen[s.ID] = true
		}
		if p.NextCursor == nil {
			if pages != 2 || len(seen) != 5 {
				t.Fatalf("%d pages, %d skills", pages+1, len(seen))
			}
			return
		}
		cursor = *p.NextCursor
	}
}

func TestDuplicatesConflictNamingTheField(t *testing.T) {
	e := newEnv(t)
	a := e.newTenant("alpha", 2)
	b := e.newTenant("beta", 2)
	num := store.AccessNumberInput{Number: "+862012345", EntryKind: store.EntryQueue, EntryAlias: "q"}
	for _, f := range []tenantFix{a, b} {
		e.must(e.do("POST", f.base+"/queues", f.admin, store.QueueInput{Name: "q", Strategy: "ring_all"}), 201, nil)
	}
	e.must(e.do("POST", a.base+"/numbers", a.admin, num), 201, nil)
	r := e.do("POST", b.base+"/numbers", b.admin, num) // numbers are unique platform-wide
	if r.status != 409 || !strings.Contains(string(r.body), `"field":"number"`) {
		t.Fatalf("duplicate number: %s", r)
	}
	// Skill names are unique per tenant only.
	e.must(e.do("POST", a.base+"/skills", a.admin, store.SkillInput{Name: "english"}), 201, nil)
	e.must(e.do("POST", b.base+"/skills", b.admin, store.SkillInput{Name: "english"}), 201, nil)
	e.must(e.do("POST", a.base+"/skills", a.admin, store.SkillInput{Name: "english"}), 409, nil)
}

// TestConcurrentAgentCreatesRespectQuota: parallel creations never exceed max_agents.
func TestConcurrentAgentCreatesRespectQuota(t *testing.T) {
	testConcurrentAgentCreatesRespectQuota(t, newEnv(t))
}

func testConcurrentAgentCreatesRespectQuota(t *testing.T, e *env) {
	f := e.newTenant("alpha", 2)
	users := make([]string, 6)
	for i := range users {
		var u store.User
		e.must(e.do("POST", f.base+"/users", f.admin, CreateUserRequest{Email: fmt.Sprintf("c%d@alpha.test", i),
			DisplayName: "C", Role: tenancy.RoleAgent, Password: testPassword}), 201, &u)
		users[i] = u.ID
	}
	statuses := make([]int, len(users))
	var wg sync.WaitGroup
	for i, id := range users {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = e.do("POST", f.base+"/agents", f.admin, CreateAgentRequest{UserID: id,
				Extension: fmt.Sprint(3000 + i), SIPPassword: "sip-password"}).status
		}()
	}
	wg.Wait()
	created := 0
	for _, s := range statuses {
		switch s {
		case 201:
			created++
		case 409:
		default:
			t.Fatalf("statuses %v", statuses)
		}
	}
	if created != 2 {
		t.Fatalf("%d agents created with max_agents=2 (statuses %v)", created, statuses)
	}
}

// TestQuotaPatchMerges: a PATCH naming one quota leaves the others alone.
func TestQuotaPatchMerges(t *testing.T) {
	e := newEnv(t)
	f := e.newTenant("alpha", 2)
	e.must(e.do("PATCH", f.base, e.admin, map[string]any{"quotas": map[string]int{"max_pstn_calls": 30, "max_chats": 4}}), 200, nil)
	var got tenancy.Tenant
	e.must(e.do("PATCH", f.base, e.admin, map[string]any{"quotas": map[string]int{"max_agents": 7}}), 200, &got)
	if got.Quotas != (tenancy.Quotas{MaxAgents: 7, MaxPSTNCalls: 30, MaxChats: 4}) {
		t.Fatalf("quotas %+v", got.Quotas)
	}
	r := e.do("PATCH", f.base, e.admin, map[string]any{"quotas": map[string]int{"max_web_calls": -1}})
	if r.status != 422 || !strings.Contains(string(r.body), "max_web_calls") {
		t.Fatalf("negative quota: %s", r)
	}
	e.must(e.do("PATCH", f.base, e.admin, map[string]any{"quotas": map[string]any{"max_agents": "many"}}), 400, nil)
}
