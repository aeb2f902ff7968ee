package api

import (
	"net/http"
	"strings"
	"testing"

	"github.com/switchboard-cc/switchboard/tenancy"
)

// validBodies are bodies that would succeed for each write route, so that a
// 404 in the isolation walk comes from tenant scoping, not validation.
var validBodies = map[string]any{
	"updateUser":          map[string]any{"display_name": "Mallory"},
	"replaceAccessNumber": map[string]any{"number": "+8699999", "entry_kind": "queue", "entry_alias": "x"},
	"replaceSkill":        map[string]any{"name": "stolen"},
	"replaceQueue":        map[string]any{"name": "stolen", "strategy": "ring_all"},
	"updateAgent":         map[string]any{"display_name": "Mallory"},
}

// TestTenantIsolationWalksEveryRoute (MT-1, MT-4): with tenant B's
// credentials and tenant A's IDs, every route answers 404 (tenant routes)
// or 403 (platform routes); lists never show A's rows; A is unchanged.
func TestTenantIsolationWalksEveryRoute(t *testing.T) {
	e := newEnv(t)
	a := e.populate(e.newTenant("alpha", 10))
	b := e.populate(e.newTenant("beta", 10))
	plat := e.platformObjects()
	auditBefore := e.do("GET", a.base+"/audit?limit=500", a.admin, nil)
	creds := map[string]struct {
		tok  string
		role tenancy.Role
	}{
		"B admin token": {b.admin, tenancy.RoleTenantAdmin}, "B API key": {b.apiKey, tenancy.RoleTenantAdmin},
		"B supervisor token": {e.newUser(b.tenantFix, "sup@beta.test", tenancy.RoleSupervisor), tenancy.RoleSupervisor},
	}
	walked := 0
	for credName, cr := range creds {
		cred := cr.tok
		for _, r := range e.api.routes {
			if r.scope == scopePublic || r.scope == scopeAuthed {
				continue
			}
			walked++
			body := validBodies[r.name]
			if body == nil && r.write() {
				body = map[string]any{}
			}
			// A's tenant in the path: the tenant does not exist for B.
			res := e.do(r.method, fill(r.path, plat, a.params), cred, body)
			want := http.StatusNotFound
			if r.scope == scopePlatform {
				want = http.StatusForbidden
			}
			checkDocumented(t, r, res.status)
			if res.status != want {
				t.Errorf("%s: %s %s with A's IDs: want %d, got %s", credName, r.method, r.path, want, res)
			}
			if r.scope != scopeTenant {
				continue
			}
			// B's own tenant in the path, A's object IDs: the objects do not exist for B.
			res = e.do(r.method, fill(r.path, plat, a.params, map[string]string{"tenant_id": b.id}), cred, body)
			checkDocumented(t, r, res.status)
			// In its own tenant a role lacking the permission is refused before any lookup.
			want = http.StatusNotFound
			if !tenancy.Allowed(cr.role, r.perm) {
				want = http.StatusForbidden
			}
			objectRoute := strings.Count(r.path, ":") > 1
			if objectRoute && res.status != want {
				t.Errorf("%s: %s %s on B with A's object: want %d, got %s", credName, r.method, r.path, want, res)
			}
			if r.list {
				for _, id := range a.ids {
					if strings.Contains(string(res.body), id) {
						t.Errorf("%s: %s lists A's %s", credName, r.path, id)
					}
				}
			}
		}
	}
	if walked < 80 {
		t.Fatalf("walked only %d route/credential pairs", walked)
	}
	e.assertUnchanged(a, auditBefore)
}

// assertUnchanged: A's objects still read back and its audit log gained nothing.
func (e *env) assertUnchanged(a world, auditBefore resp) {
	e.t.Helper()
	for _, p := range []string{"/agents/" + a.params["agent_id"], "/skills/" + a.params["skill_id"],
		"/queues/" + a.params["queue_id"], "/numbers/" + a.params["number_id"], "/users/" + a.params["user_id"]} {
		res := e.do("GET", a.base+p, a.admin, nil)
		if res.status != 200 || strings.Contains(string(res.body), "stolen") || strings.Contains(string(res.body), "Mallory") {
			e.t.Errorf("A's %s changed: %s", p, res)
		}
	}
	after := e.do("GET", a.base+"/audit?limit=500", a.admin, nil)
	if string(after.body) != string(auditBefore.body) {
		e.t.Errorf("A's audit log changed during B's attempts:\nbefore %s\nafter  %s", auditBefore.body, after.body)
	}
}

// TestCrossTenantReferencesRefused: B cannot attach A's user, skills or
// queues to its own agent.
func TestCrossTenantReferencesRefused(t *testing.T) {
	e := newEnv(t)
	a := e.populate(e.newTenant("alpha", 10))
	b := e.populate(e.newTenant("beta", 10))
	for name, body := range map[string]CreateAgentRequest{
		"A's user":  {UserID: a.params["user_id"], Extension: "2001", SIPPassword: "sip-secret-2"},
		"A's skill": {UserID: b.params["user_id"], Extension: "2002", SIPPassword: "sip-secret-2", Skills: skillRef(a.params["skill_id"])},
		"A's queue": {UserID: b.params["user_id"], Extension: "2003", SIPPassword: "sip-secret-2", Queues: queueRef(a.params["queue_id"])},
	} {
		res := e.do("POST", b.base+"/agents", b.admin, body)
		if res.status < 400 || res.status >= 500 {
			t.Errorf("%s: want a 4xx refusal, got %s", name, res)
		}
	}
}
