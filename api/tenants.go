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
			scope: scopePlatform, perm: w, body: store.TenantPatch{}, resp: tenancy.Tenant{}, status: http.StatusOK, h: s.updateTenant},
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

func (s *Server) updateTenant(c *echo.Context) error {
	return updateWith(c, "tenant_id", func(ctx context.Context, id string, patch store.TenantPatch) (tenancy.Tenant, error) {
		return s.store.UpdateTenant(ctx, actor(c), tenancy.TenantID(id), patch)
	})
}

// same is the identity conversion for lists whose rows hold no secrets.
func same[T any](v T) T { return v }
