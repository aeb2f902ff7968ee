package api

import (
	"context"
	"strings"
	"testing"

	"github.com/switchboard-cc/switchboard/store"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// createBare creates a tenant from raw JSON (quotas absent or partial) and
// returns it with a signed-in tenant admin.
func (e *env) createBare(slug, quotas string) (tenantFix, tenancy.Tenant) {
	e.t.Helper()
	body := `{"name":"Tenant ` + slug + `","sip_domain":"` + slug + `.example.com","language":"en","time_zone":"Asia/Shanghai"` + quotas + `}`
	var t tenancy.Tenant
	e.must(e.do("POST", "/api/v1/tenants", e.admin, body), 201, &t)
	f := tenantFix{id: string(t.ID), base: "/api/v1/tenants/" + string(t.ID)}
	f.admin = e.newUser(f, "admin@"+slug+".test", tenancy.RoleTenantAdmin)
	return f, t
}

func (e *env) firstAgent(f tenantFix) resp {
	e.t.Helper()
	var u store.User
	e.must(e.do("POST", f.base+"/users", f.admin, CreateUserRequest{Email: "agent1@" + f.id + ".test",
		DisplayName: "A", Role: tenancy.RoleAgent, Password: testPassword}), 201, &u)
	return e.do("POST", f.base+"/agents", f.admin, CreateAgentRequest{UserID: u.ID, Extension: "1001", SIPPassword: "very-secret-sip"})
}

// TestTenantWithoutQuotasGetsPlatformDefaults: a tenant created without
// quotas gets the defaults the platform admin set, and can create its first
// agent (with quotas 0 it was refused); quotas given explicitly, 0 included,
// are kept; the defaults change only tenants created afterwards.
func TestTenantWithoutQuotasGetsPlatformDefaults(t *testing.T) {
	e := newEnv(t)
	defaults := tenancy.Quotas{MaxAgents: 3, MaxPSTNCalls: 4, MaxWebCalls: 5, MaxChats: 6, MaxPublishedFlows: 7}
	var got tenancy.Quotas
	e.must(e.do("PUT", "/api/v1/platform/tenant-defaults", e.admin, defaults), 200, &got)
	if got != defaults {
		t.Fatalf("PUT answered %+v, want %+v", got, defaults)
	}
	e.must(e.do("GET", "/api/v1/platform/tenant-defaults", e.admin, nil), 200, &got)
	if got != defaults {
		t.Fatalf("GET answered %+v, want %+v", got, defaults)
	}

	if r := e.do("GET", "/api/v1/openapi.json", "", nil); !strings.Contains(string(r.body), "take the platform's tenant defaults") {
		t.Fatal("the OpenAPI document must say that a tenant created without quotas gets the defaults")
	}
	f, tn := e.createBare("fresh", "")
	if tn.Quotas != defaults {
		t.Fatalf("tenant created without quotas has %+v, want the defaults %+v", tn.Quotas, defaults)
	}
	if r := e.firstAgent(f); r.status != 201 {
		t.Fatalf("the new tenant's first agent: %s", r)
	}

	_, tn = e.createBare("partial", `,"quotas":{"max_agents":1,"max_chats":0}`)
	want := defaults
	want.MaxAgents, want.MaxChats = 1, 0
	if tn.Quotas != want {
		t.Fatalf("partial quotas: got %+v, want %+v (given ones kept, 0 included; the rest from the defaults)", tn.Quotas, want)
	}

	e.must(e.do("PUT", "/api/v1/platform/tenant-defaults", e.admin, tenancy.Quotas{MaxAgents: 9}), 200, nil)
	var again tenancy.Tenant
	e.must(e.do("GET", f.base, e.admin, nil), 200, &again)
	if again.Quotas != defaults {
		t.Fatalf("changing the defaults changed an existing tenant: %+v", again.Quotas)
	}
	var audit struct{ Items []store.AuditEntry }
	e.must(e.do("GET", "/api/v1/audit?resource_type=platform_setting", e.admin, nil), 200, &audit)
	if len(audit.Items) != 2 || audit.Items[0].ResourceID != "tenant_default_quotas" {
		t.Fatalf("each change of the defaults must be audited: %+v", audit.Items)
	}
}

// TestTenantDefaultsRefusals: every quota is required, none negative, and
// only platform admins may change them (viewers read them, tenants neither).
func TestTenantDefaultsRefusals(t *testing.T) {
	e := newEnv(t)
	f := e.newTenant("acme", 1)
	e.createPlatformUser("viewer@platform.test", tenancy.RolePlatformViewer)
	vt := e.login("viewer@platform.test")
	for _, tc := range []struct {
		body, field string
		status      int
	}{
		{`{"max_agents":10}`, "max_pstn_calls", 422},
		{`{"max_agents":10,"max_pstn_calls":1,"max_web_calls":1,"max_chats":1,"max_published_flows":-1}`, "max_published_flows", 422},
		{`{"max_agents":10,"max_pstn_calls":1,"max_web_calls":1,"max_chats":1,"max_published_flows":1,"max_bots":1}`, "max_bots", 400},
	} {
		r := e.do("PUT", "/api/v1/platform/tenant-defaults", e.admin, tc.body)
		if r.status != tc.status || !strings.Contains(string(r.body), tc.field) {
			t.Errorf("%s: want %d naming %s, got %s", tc.body, tc.status, tc.field, r)
		}
	}
	ok := `{"max_agents":1,"max_pstn_calls":1,"max_web_calls":1,"max_chats":1,"max_published_flows":1}`
	if r := e.do("PUT", "/api/v1/platform/tenant-defaults", f.admin, ok); r.status != 403 {
		t.Errorf("a tenant admin changing the defaults: %s", r)
	}
	if r := e.do("PUT", "/api/v1/platform/tenant-defaults", vt, ok); r.status != 403 {
		t.Errorf("a platform viewer changing the defaults: %s", r)
	}
	if r := e.do("GET", "/api/v1/platform/tenant-defaults", vt, nil); r.status != 200 {
		t.Errorf("a platform viewer reading the defaults: %s", r)
	}
	if q, ok, err := e.store.TenantDefaults(context.Background()); err != nil || ok || q != (tenancy.Quotas{}) {
		t.Errorf("refused changes stored something: %+v %v %v", q, ok, err)
	}
}
