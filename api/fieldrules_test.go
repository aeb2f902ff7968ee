package api

import (
	"strings"
	"testing"

	"github.com/switchboard-cc/switchboard/store"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// TestNamesInAnyScriptAreAccepted: names people type are counted in
// characters, not bytes, and "${" in them is text: a 34-character Chinese
// user name (102 bytes) and a 50-character Chinese agent name with "${" are
// accepted on create and update; 101 characters are refused naming the
// field. (cmd/switchboard's TestNamesInAnyScriptReachTheDirectory checks
// what FreeSWITCH is then served.)
func TestNamesInAnyScriptAreAccepted(t *testing.T) {
	e := newEnv(t)
	f := e.newTenant("names", 5)
	user34 := strings.Repeat("张", 34)
	var u store.User
	e.must(e.do("POST", f.base+"/users", f.admin, CreateUserRequest{Email: "zhang@x.test", DisplayName: user34,
		Role: tenancy.RoleAgent, Password: testPassword}), 201, &u)
	if u.DisplayName != user34 {
		t.Fatalf("display name %q", u.DisplayName)
	}
	agent50 := strings.Repeat("伟", 46) + "${x}"
	var ag store.Agent
	e.must(e.do("POST", f.base+"/agents", f.admin, CreateAgentRequest{UserID: u.ID, Extension: "1001", DisplayName: agent50,
		SIPPassword: "sip-secret-1"}), 201, &ag)
	e.must(e.do("PATCH", f.base+"/users/"+u.ID, f.admin, map[string]any{"display_name": strings.Repeat("李", 100)}), 200, nil)
	e.must(e.do("PATCH", f.base+"/agents/"+ag.ID, f.admin, map[string]any{"display_name": strings.Repeat("李", 100)}), 200, nil)
	for _, tt := range []struct{ method, path, field string }{
		{"PATCH", f.base + "/users/" + u.ID, "display_name"},
		{"PATCH", f.base + "/agents/" + ag.ID, "display_name"},
	} {
		r := e.do(tt.method, tt.path, f.admin, map[string]any{tt.field: strings.Repeat("李", 101)})
		if r.status != 422 || !strings.Contains(string(r.body), tt.field) || !strings.Contains(string(r.body), "100 characters") {
			t.Errorf("%s %s with 101 characters: want 422 naming %s, got %s", tt.method, tt.path, tt.field, r)
		}
	}
	long := strings.Repeat("销", 100) // 300 bytes
	e.must(e.do("POST", f.base+"/queues", f.admin, store.QueueInput{Name: long, Strategy: "longest_idle"}), 201, nil)
	e.must(e.do("POST", f.base+"/skills", f.admin, store.SkillInput{Name: long}), 201, nil)
	e.must(e.do("POST", "/api/v1/sites", e.admin, store.SiteInput{Name: long}), 201, nil)
	e.must(e.do("PATCH", f.base, e.admin, map[string]any{"name": long}), 200, nil)
	r := e.do("PATCH", f.base+"/agents/"+ag.ID, f.admin, map[string]any{"display_name": "Ann\r\nX-Injected: 1"})
	if r.status != 422 || !strings.Contains(string(r.body), "control characters") {
		t.Errorf("a line break in a name (it would end a SIP header): want 422, got %s", r)
	}
}

// TestAccessNumbersFollowThePlansRule: the API refuses what the number plan
// would: more than 15 digits (E.164), an entry alias that is not a name, and
// the '+'-less twin of another tenant's number (409 naming it); an alias
// with spaces or Chinese is a name like a queue's.
// On PostgreSQL (TestPostgres) the twin is found across tenants by the
// application role, under row-level security.
func TestAccessNumbersFollowThePlansRule(t *testing.T) {
	testAccessNumbersFollowThePlansRule(t, newEnv(t))
}

func testAccessNumbersFollowThePlansRule(t *testing.T, e *env) {
	a, b := e.newTenant("alpha", 1), e.newTenant("bravo", 1)
	num := func(n, alias string) store.AccessNumberInput {
		return store.AccessNumberInput{Number: n, EntryKind: store.EntryQueue, EntryAlias: alias}
	}
	for _, q := range []struct {
		f    tenantFix
		name string
	}{{a, "销售 部"}, {a, "sales"}, {b, "sales"}} {
		e.must(e.do("POST", q.f.base+"/queues", q.f.admin, store.QueueInput{Name: q.name, Strategy: "ring_all"}), 201, nil)
	}
	var first store.AccessNumber
	e.must(e.do("POST", a.base+"/numbers", a.admin, num("+862012345678", "销售 部")), 201, &first)
	for _, tt := range []struct {
		in     store.AccessNumberInput
		status int
		want   string
	}{
		{num("1234567890123456", "sales"), 422, "number"},
		{num("+12345678901234567890", "sales"), 422, "number"},
		{num("+86 20 1234", "sales"), 422, "number"},
		{num("+862099999999", "sales\nteam"), 422, "entry_alias"},
		{num("+862099999999", strings.Repeat("q", 101)), 422, "entry_alias"},
		{num("862012345678", "sales"), 409, `+862012345678`},  // alpha's, without '+'
		{num("+862012345678", "sales"), 409, `+862012345678`}, // alpha's, as is
	} {
		r := e.do("POST", b.base+"/numbers", b.admin, tt.in)
		if r.status != tt.status || !strings.Contains(string(r.body), tt.want) {
			t.Errorf("%+v: want %d naming %s, got %s", tt.in, tt.status, tt.want, r)
		}
	}
	e.must(e.do("POST", b.base+"/numbers", b.admin, num("862012345679", "sales")), 201, nil)
	var other store.AccessNumber
	e.must(e.do("POST", a.base+"/numbers", a.admin, num("+862055555555", "sales")), 201, &other)
	// Replacing a number with a twin is refused too; replacing it with itself is not.
	r := e.do("PUT", a.base+"/numbers/"+other.ID, a.admin, num("+862012345679", "sales"))
	if r.status != 409 || !strings.Contains(string(r.body), "862012345679") {
		t.Errorf("PUT with bravo's number plus '+': want 409 naming it, got %s", r)
	}
	e.must(e.do("PUT", a.base+"/numbers/"+first.ID, a.admin, num("+862012345678", "sales")), 200, nil)
}

// TestQueueSettingsTypoIsRefused: a queue setting the scheduler does not
// know is refused (422) on create and replace, naming the key and the valid
// keys, instead of being skipped by the ACD at every reload.
func TestQueueSettingsTypoIsRefused(t *testing.T) {
	e := newEnv(t)
	f := e.newTenant("queues", 1)
	q := func(settings string) store.QueueInput {
		return store.QueueInput{Name: "sales", Strategy: "longest_idle", Settings: []byte(settings)}
	}
	check := func(r resp, key string) {
		t.Helper()
		if r.status != 422 || !strings.Contains(string(r.body), `\"`+key+`\"`) || !strings.Contains(string(r.body), "primary_skill") ||
			r.errCode() == "" {
			t.Errorf("want 422 naming %s and the valid keys, got %s", key, r)
		}
	}
	check(e.do("POST", f.base+"/queues", f.admin, q(`{"primary_skil": "english"}`)), "primary_skil")
	var created store.Queue
	e.must(e.do("POST", f.base+"/queues", f.admin, q(`{"primary_skill": "english", "on_full": {"kind": "voicemail"}}`)), 201, &created)
	check(e.do("PUT", f.base+"/queues/"+created.ID, f.admin, q(`{"primary_skil": "english"}`)), "primary_skil")
	r := e.do("PUT", f.base+"/queues/"+created.ID, f.admin, q(`{"on_full": {"kind": "voicemail", "targte": "x"}}`))
	if r.status != 422 || !strings.Contains(string(r.body), "on_full.targte") || !strings.Contains(string(r.body), "kind, target") {
		t.Errorf("a nested typo: want 422 naming on_full.targte and kind, target; got %s", r)
	}
	r = e.do("PUT", f.base+"/queues/"+created.ID, f.admin, q(`{"on_full": {"kind": "elsewhere"}}`))
	if r.status != 422 || !strings.Contains(string(r.body), "elsewhere") {
		t.Errorf("an overflow kind the ACD does not know: want 422, got %s", r)
	}
}
