package api

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v5"
	"github.com/switchboard-cc/switchboard/store"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// Tenants are managed by the platform (MGT-1, MT-2, MT-3). A tenant's own
// users may read their tenant through GET /tenants/{tenant_id}.
func (s *Server) tenantRoutes() []route {
	w := tenancy.PermTenantsWrite
	return []route{
		{method: http.MethodPost, path: "/tenants", name: "createTenant", summary: "Create an active tenant",
			scope: scopePlatform, perm: w, body: TenantCreateRequest{}, resp: tenancy.Tenant{},
			idempotent: true, status: http.StatusCreated, h: s.createTenant},
		{method: http.MethodGet, path: "/platform/tenant-defaults", name: "getTenantDefaults",
			summary: "The quotas a tenant created without quotas gets",
			scope:   scopePlatform, perm: tenancy.PermTenantsRead, resp: tenancy.Quotas{}, status: http.StatusOK, h: s.getTenantDefaults},
		{method: http.MethodPut, path: "/platform/tenant-defaults", name: "putTenantDefaults",
			summary: "Replace the quotas new tenants get when created without quotas",
			scope:   scopePlatform, perm: w, body: TenantDefaultsRequest{}, resp: tenancy.Quotas{}, status: http.StatusOK, h: s.putTenantDefaults},
		{method: http.MethodGet, path: "/tenants", name: "listTenants", summary: "List tenants",
			scope: scopePlatform, perm: tenancy.PermTenantsRead, resp: tenancy.Tenant{}, list: true,
			status: http.StatusOK, h: s.listTenants},
		{method: http.MethodGet, path: "/tenants/:tenant_id", name: "getTenant", summary: "Get a tenant, its status and quotas",
			scope: scopeTenant, perm: tenancy.PermSettingsRead, resp: tenancy.Tenant{}, status: http.StatusOK, h: s.getTenant},
		{method: http.MethodPatch, path: "/tenants/:tenant_id", name: "updateTenant", summary: "Edit a tenant, quotas included",
			scope: scopePlatform, perm: w, body: TenantPatchRequest{}, resp: tenancy.Tenant{}, status: http.StatusOK, h: s.updateTenant},
		s.transitionRoute("suspend", "Suspend a tenant: its users may sign in and read, every write is refused, its API keys stop", s.store.SuspendTenant),
		s.transitionRoute("resume", "Resume a suspended tenant", s.store.ResumeTenant),
		s.transitionRoute("archive", "Archive a tenant for good: all its access is blocked, its data kept", s.store.ArchiveTenant),
	}
}

type transitionFunc func(context.Context, store.Actor, tenancy.TenantID) (tenancy.Tenant, error)

func (s *Server) transitionRoute(action, summary string, fn transitionFunc) route {
	return route{method: http.MethodPost, path: "/tenants/:tenant_id/" + action, name: action + "Tenant", summary: summary,
		scope: scopePlatform, perm: tenancy.PermTenantsWrite, resp: tenancy.Tenant{}, status: http.StatusOK,
		h: func(c *echo.Context) error {
			t, err := fn(c.Request().Context(), actor(c), tenancy.TenantID(c.Param("tenant_id")))
			if err != nil {
				return err
			}
			return c.JSON(http.StatusOK, t)
		}}
}

// TenantCreateRequest creates a tenant. Quotas it leaves out, or all of
// them when quotas is absent, take the platform's tenant defaults.
type TenantCreateRequest struct {
	Name      string           `json:"name"`
	SIPDomain string           `json:"sip_domain"`
	Language  tenancy.Language `json:"language"`
	TimeZone  string           `json:"time_zone"`
	Quotas    *QuotasPatch     `json:"quotas,omitempty" doc:"the quotas to set; each one left out takes the platform's tenant default (GET /platform/tenant-defaults)"`
}

func (s *Server) createTenant(c *echo.Context) error {
	return createWith(c, func(ctx context.Context, in TenantCreateRequest) (tenancy.Tenant, error) {
		q, _, err := s.store.TenantDefaults(ctx)
		if err != nil {
			return tenancy.Tenant{}, err
		}
		if in.Quotas != nil {
			q = in.Quotas.apply(q)
		}
		return s.store.CreateTenant(ctx, actor(c), store.TenantInput{Name: in.Name, SIPDomain: in.SIPDomain,
			Language: in.Language, TimeZone: in.TimeZone, Quotas: q})
	})
}

// TenantDefaultsRequest replaces the tenant defaults; every quota is
// required, so a forgotten one cannot silently become 0.
type TenantDefaultsRequest struct {
	MaxAgents         *int `json:"max_agents" required:"true"`
	MaxPSTNCalls      *int `json:"max_pstn_calls" required:"true"`
	MaxWebCalls       *int `json:"max_web_calls" required:"true"`
	MaxChats          *int `json:"max_chats" required:"true"`
	MaxPublishedFlows *int `json:"max_published_flows" required:"true"`
}

func (s *Server) getTenantDefaults(c *echo.Context) error {
	q, _, err := s.store.TenantDefaults(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, q)
}

func (s *Server) putTenantDefaults(c *echo.Context) error {
	var in TenantDefaultsRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	var v checker
	for _, f := range []struct {
		name string
		v    *int
	}{{"max_agents", in.MaxAgents}, {"max_pstn_calls", in.MaxPSTNCalls}, {"max_web_calls", in.MaxWebCalls},
		{"max_chats", in.MaxChats}, {"max_published_flows", in.MaxPublishedFlows}} {
		if f.v == nil {
			v.add(f.name, "is required (0 allows none)")
		}
	}
	if err := v.err(); err != nil {
		return err
	}
	q := QuotasPatch(in).apply(tenancy.Quotas{})
	q, err := s.store.SetTenantDefaults(c.Request().Context(), actor(c), q)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, q)
}

func (s *Server) listTenants(c *echo.Context) error {
	return list(c, s.store.ListTenants, same[tenancy.Tenant])
}

func (s *Server) getTenant(c *echo.Context) error {
	return c.JSON(http.StatusOK, tenantOf(c))
}

// TenantPatchRequest edits a tenant; absent fields, quotas included, are left alone.
type TenantPatchRequest struct {
	Name      *string           `json:"name,omitempty"`
	SIPDomain *string           `json:"sip_domain,omitempty"`
	Language  *tenancy.Language `json:"language,omitempty"`
	TimeZone  *string           `json:"time_zone,omitempty"`
	Quotas    *QuotasPatch      `json:"quotas,omitempty"`
}

// QuotasPatch changes some quotas; absent ones keep their value.
type QuotasPatch struct {
	MaxAgents         *int `json:"max_agents,omitempty" doc:"agents the tenant may have; 0: none"`
	MaxPSTNCalls      *int `json:"max_pstn_calls,omitempty" doc:"calls over the phone network at once: inbound to the tenant's numbers and calls its agents dial out; 0: none (every call is refused)"`
	MaxWebCalls       *int `json:"max_web_calls,omitempty" doc:"browser calls at once; stored, not used yet (there is no web-call channel)"`
	MaxChats          *int `json:"max_chats,omitempty" doc:"chats at once; stored, not used yet (there is no chat channel)"`
	MaxPublishedFlows *int `json:"max_published_flows,omitempty" doc:"published IVR flow versions; 0: none"`
}

// apply returns q with the given quotas changed.
func (p QuotasPatch) apply(q tenancy.Quotas) tenancy.Quotas {
	setIf(&q.MaxAgents, p.MaxAgents)
	setIf(&q.MaxPSTNCalls, p.MaxPSTNCalls)
	setIf(&q.MaxWebCalls, p.MaxWebCalls)
	setIf(&q.MaxChats, p.MaxChats)
	setIf(&q.MaxPublishedFlows, p.MaxPublishedFlows)
	return q
}

func setIf[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

func (s *Server) updateTenant(c *echo.Context) error {
	return updateWith(c, "tenant_id", func(ctx context.Context, id string, in TenantPatchRequest) (tenancy.Tenant, error) {
		patch := store.TenantPatch{Name: in.Name, SIPDomain: in.SIPDomain, Language: in.Language, TimeZone: in.TimeZone}
		if in.Quotas != nil {
			// Merge onto the current quotas; the store re-checks them against
			// usage in its transaction, so a racing edit cannot undercut usage.
			t, err := s.store.GetTenant(ctx, tenancy.TenantID(id))
			if err != nil {
				return t, err
			}
			q := in.Quotas.apply(t.Quotas)
			patch.Quotas = &q
		}
		return s.store.UpdateTenant(ctx, actor(c), tenancy.TenantID(id), patch)
	})
}

// same is the identity conversion for lists whose rows hold no secrets.
func same[T any](v T) T { return v }
