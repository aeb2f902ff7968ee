package api

import (
	"strings"
	"testing"

	"github.com/switchboard-cc/switchboard/tenancy"
)

// TestFeatureCodesSettings: the defaults until set, a tenant admin replaces
// them, agents may read but not write, another tenant neither, and every
// broken rule is a 422 naming the field, leaving the codes as they were.
func TestFeatureCodesSettings(t *testing.T) {
	e := newEnv(t)
	a, b := e.newTenant("alpha", 5), e.newTenant("beta", 5)
	agentA := e.newUser(a, "agent@alpha.test", tenancy.RoleAgent)
	var fc tenancy.FeatureCodes
	e.must(e.do("GET", a.base+"/feature-codes", agentA, nil), 200, &fc)
	if fc != tenancy.DefaultFeatureCodes() {
		t.Fatalf("before any put: %+v, want the defaults", fc)
	}
	put := map[string]any{"login": "#1", "logout": "#2", "ready": "#3", "not_ready": "#4", "break": "#5", "end_wrap": "#6", "state": ""}
	e.must(e.do("PUT", a.base+"/feature-codes", a.admin, put), 200, &fc)
	e.must(e.do("GET", a.base+"/feature-codes", agentA, nil), 200, &fc)
	if fc.Ready != "#3" || fc.State != "" {
		t.Fatalf("after put: %+v", fc)
	}
	if r := e.do("PUT", a.base+"/feature-codes", agentA, put); r.status != 403 {
		t.Fatalf("an agent replaced the codes: %s", r)
	}
	for _, tok := range []string{b.admin} {
		if r := e.do("GET", a.base+"/feature-codes", tok, nil); r.status != 404 || strings.Contains(string(r.body), "#3") {
			t.Fatalf("another tenant read A's codes: %s", r)
		}
		if r := e.do("PUT", a.base+"/feature-codes", tok, put); r.status != 404 {
			t.Fatalf("another tenant replaced A's codes: %s", r)
		}
	}
	e.must(e.do("GET", b.base+"/feature-codes", b.admin, nil), 200, &fc)
	if fc != tenancy.DefaultFeatureCodes() {
		t.Fatalf("B sees %+v", fc)
	}
	with := func(field string, v any) map[string]any {
		m := map[string]any{}
		for k, x := range put {
			m[k] = x
		}
		if v == nil {
			delete(m, field)
		} else {
			m[field] = v
		}
		return m
	}
	for _, tc := range []struct {
		body  map[string]any
		field string
		says  string
	}{
		{with("state", "#3"), "state", `\"#3\" is already the code of ready`},
		{with("state", "#33"), "state", `starts with \"#3\", the code of ready`},
		{with("ready", "23"), "ready", "must start with * or #"},
		{with("ready", "*2a"), "ready", "only digits, * and #"},
		{with("ready", "*123456789"), "ready", "2 to 8 characters"},
		{with("break", nil), "break", "is required"},
	} {
		r := e.do("PUT", a.base+"/feature-codes", a.admin, tc.body)
		if r.status != 422 || !strings.Contains(string(r.body), `"field":"`+tc.field+`"`) || !strings.Contains(string(r.body), tc.says) {
			t.Errorf("PUT %v: want 422 on %s saying %s, got %s", tc.body, tc.field, tc.says, r)
		}
	}
	e.must(e.do("GET", a.base+"/feature-codes", agentA, nil), 200, &fc)
	if fc.Ready != "#3" || fc.Login != "#1" {
		t.Fatalf("a refused PUT changed the codes: %+v", fc)
	}
}
