package api

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/switchboard-cc/switchboard/tenancy"
)

var update = flag.Bool("update", false, "rewrite the generated docs (docs/permissions.md, docs/api.md's route tables) from the route table")

// TestRolesEnforcePermissionTable walks every route with a user of every
// role: a role lacking the route's permission gets 403, a role holding it
// never does. Object IDs exist nowhere and bodies are empty, so allowed
// requests end in 404/422 and nothing changes.
func TestRolesEnforcePermissionTable(t *testing.T) {
	e := newEnv(t)
	f := e.newTenant("alpha", 10)
	tokens := map[tenancy.Role]string{tenancy.RolePlatformAdmin: e.admin, tenancy.RoleTenantAdmin: f.admin}
	e.createPlatformUser("viewer@platform.test", tenancy.RolePlatformViewer)
	tokens[tenancy.RolePlatformViewer] = e.login("viewer@platform.test")
	for _, r := range []tenancy.Role{tenancy.RoleSupervisor, tenancy.RoleAgent, tenancy.RoleQA} {
		tokens[r] = e.newUser(f, string(r)+"@alpha.test", r)
	}
	for _, r := range e.api.routes {
		if r.scope == scopePublic || r.scope == scopeAuthed {
			continue
		}
		params := map[string]string{}
		if r.scope == scopeTenant {
			params["tenant_id"] = f.id
		}
		for _, role := range tenancy.Roles {
			var body any
			if r.write() {
				body = map[string]any{}
			}
			res := e.do(r.method, fill(r.path, params), tokens[role], body)
			checkDocumented(t, r, res.status)
			allowed := tenancy.Allowed(role, r.perm) && (r.scope != scopePlatform || role.Platform())
			if allowed && (res.status == 403 || res.status == 401 || r.write() && res.status < 300) {
				t.Errorf("%s %s as %s: allowed, want a 2xx read or a refused write of nothing, got %s", r.method, r.path, role, res)
			}
			if !allowed && res.status != 403 {
				t.Errorf("%s %s as %s: want 403, got %s", r.method, r.path, role, res)
			}
		}
	}
}

// TestPermissionsDoc keeps docs/permissions.md equal to the route table and
// tenancy's permission table (go test ./api -run PermissionsDoc -update).
func TestPermissionsDoc(t *testing.T) {
	e := newEnv(t)
	got := permissionsDoc(e.api.routes)
	const path = "../docs/permissions.md"
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if string(want) != got {
		t.Fatalf("docs/permissions.md is stale; run go test ./api -run PermissionsDoc -update")
	}
}

func permissionsDoc(routes []route) string {
	var b strings.Builder
	b.WriteString("# Permissions\n\nGenerated from `tenancy`'s permission table and the `api` route table by\n" +
		"`go test ./api -run PermissionsDoc -update`; a test fails when this file is stale.\n\n" +
		"Platform routes refuse tenant roles (403). Tenant routes live under `/api/v1/tenants/{tenant_id}`:\n" +
		"platform roles may act on any tenant, tenant roles only on their own (another tenant looks absent: 404).\n" +
		"A suspended tenant refuses every write (403 `tenant_suspended`) and its API keys; an archived\n" +
		"tenant refuses its users and keys everything.\n\n## Roles\n\n| role | permissions |\n|---|---|\n")
	for _, r := range tenancy.Roles {
		perms := tenancy.Permissions(r)
		ss := make([]string, len(perms))
		for i, p := range perms {
			ss[i] = "`" + string(p) + "`"
		}
		fmt.Fprintf(&b, "| %s | %s |\n", r, strings.Join(ss, ", "))
	}
	b.WriteString("\n## Routes\n\n| method | path | scope | permission |")
	for _, r := range tenancy.Roles {
		b.WriteString(" " + string(r) + " |")
	}
	b.WriteString("\n|---|---|---|---|" + strings.Repeat("---|", len(tenancy.Roles)) + "\n")
	for _, r := range routes {
		fmt.Fprintf(&b, "| %s | `%s` | %s | %s |", r.method, oaPath(apiPrefix+r.path), r.scope, orDash(string(r.perm)))
		for _, role := range tenancy.Roles {
			b.WriteString(" " + mark(r.allows(role)) + " |")
		}
		b.WriteString("\n")
	}
	return b.String()
}

func mark(ok bool) string {
	if ok {
		return "yes"
	}
	return "-"
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
