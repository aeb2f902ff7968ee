package api

import (
	"strings"
	"testing"

	"github.com/switchboard-cc/switchboard/store"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// TestSuspendResumeArchive (MT-3): suspended tenants read but never write,
// their keys stop; resume restores everything; archive blocks all access.
func TestSuspendResumeArchive(t *testing.T) { testSuspendResumeArchive(t, newEnv(t)) }

func testSuspendResumeArchive(t *testing.T, e *env) {
	a := e.populate(e.newTenant("alpha", 5))
	other := e.newTenant("beta", 5)
	e.must(e.do("POST", a.base+"/suspend", e.admin, nil), 200, nil)

	e.must(e.do("GET", a.base+"/agents", a.admin, nil), 200, nil)
	admin := e.login("admin@alpha.test") // users can still sign in
	for _, w := range []struct{ method, path string }{
		{"POST", a.base + "/skills"}, {"PUT", a.base + "/skills/" + a.params["skill_id"]},
		{"DELETE", a.base + "/agents/" + a.params["agent_id"]}, {"PATCH", a.base + "/users/" + a.params["user_id"]},
	} {
		for who, tok := range map[string]string{"tenant admin": admin, "platform admin": e.admin} {
			r := e.do(w.method, w.path, tok, map[string]any{"name": "x"})
			if r.status != 403 || r.errCode() != "tenant_suspended" || !strings.Contains(string(r.body), "suspended") {
				t.Errorf("%s %s as %s on a suspended tenant: %s", w.method, w.path, who, r)
			}
		}
	}
	if r := e.do("GET", a.base+"/agents", a.apiKey, nil); r.status != 403 || r.errCode() != "tenant_suspended" {
		t.Errorf("suspended tenant's API key: %s", r)
	}
	e.must(e.do("POST", other.base+"/skills", other.admin, store.SkillInput{Name: "unaffected"}), 201, nil)

	e.must(e.do("POST", a.base+"/resume", e.admin, nil), 200, nil)
	e.must(e.do("POST", a.base+"/skills", admin, store.SkillInput{Name: "after resume"}), 201, nil)
	e.must(e.do("GET", a.base+"/agents", a.apiKey, nil), 200, nil)
	e.must(e.do("POST", a.base+"/resume", e.admin, nil), 409, nil) // not suspended any more

	e.must(e.do("POST", a.base+"/archive", e.admin, nil), 200, nil)
	for who, tok := range map[string]string{"token": admin, "API key": a.apiKey} {
		if r := e.do("GET", a.base+"/agents", tok, nil); r.status != 403 || r.errCode() != "tenant_archived" {
			t.Errorf("archived tenant's %s: %s", who, r)
		}
	}
	if r := e.do("POST", "/api/v1/auth/login", "", LoginRequest{Login: "admin@alpha.test", Password: testPassword}); r.status != 403 {
		t.Errorf("archived tenant's user signed in: %s", r)
	}
	e.must(e.do("POST", a.base+"/resume", e.admin, nil), 409, nil) // archival is final
	var got tenancy.Tenant
	e.must(e.do("GET", a.base, e.admin, nil), 200, &got) // the platform still sees it
	if got.Status != tenancy.StatusArchived {
		t.Fatalf("status %s", got.Status)
	}
}
