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
			scope: scopePlatform, perm: w, body: store.TenantInput{}, resp: tenancy.Tenant{},
			idempotent: true, status: http.StatusCreated, h: s.createTenant},
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

func (s *Server) createTenant(c *echo.Context) error {
	return createWith(c, func(ctx context.Context, in store.TenantInput) (tenancy.Tenant, error) {
		return s.store.CreateTenant(ctx, actor(c), in)
	})
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
	MaxAgents         *int `json:"max_agents,omitempty"`
	MaxPSTNCalls      *int `json:"max_pstn_calls,omitempty"`
	MaxWebCalls       *int `json:"max_web_calls,omitempty"`
	MaxChats          *int `json:"max_chats,omitempty"`
	MaxPublishedFlows *int `json:"max_published_flows,omitempty"`
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
