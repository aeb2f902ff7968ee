package api

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v5"
	"github.com/switchboard-cc/switchboard/store"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// actor is who the store records in the audit log for this request.
func actor(c *echo.Context) store.Actor {
	p := principalOf(c)
	a := store.Actor{Kind: store.ActorUser, ID: p.UserID, IP: c.RealIP()}
	if p.APIKeyID != "" {
		a = store.Actor{Kind: store.ActorAPIKey, ID: p.APIKeyID, IP: c.RealIP()}
	}
	return a
}

func (s *Server) auditRoutes() []route {
	return []route{
		{method: http.MethodGet, path: "/tenants/:tenant_id/audit", name: "listTenantAudit",
			summary: "The tenant's audit log, oldest first", scope: scopeTenant, perm: tenancy.PermAuditRead,
			resp: store.AuditEntry{}, list: true, status: http.StatusOK, h: s.listTenantAudit},
		{method: http.MethodGet, path: "/audit", name: "listAudit",
			summary: "The whole platform's audit log, every tenant included", scope: scopePlatform, perm: tenancy.PermPlatformRead,
			resp: store.AuditEntry{}, list: true, status: http.StatusOK, h: s.listAllAudit},
	}
}

// auditFilter reads ?resource_type=&resource_id=&actor_id=&since=&until= (RFC 3339).
func auditFilter(c *echo.Context) (store.AuditFilter, error) {
	f := store.AuditFilter{ResourceType: c.QueryParam("resource_type"), ResourceID: c.QueryParam("resource_id"),
		ActorID: c.QueryParam("actor_id")}
	if f.ResourceType != "" && !slices.Contains(store.AuditResourceTypes, f.ResourceType) {
		// a misspelt type would list nothing and look like no change was made
		return f, errBadField("resource_type", fmt.Sprintf("%q is not one of %s", f.ResourceType, strings.Join(store.AuditResourceTypes, ", ")))
	}
	for name, dst := range map[string]*time.Time{"since": &f.Since, "until": &f.Until} {
		if v := c.QueryParam(name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return f, errBadField(name, "must be an RFC 3339 time such as 2026-01-02T15:04:05Z")
			}
			*dst = t
		}
	}
	return f, nil
}

func (s *Server) listTenantAudit(c *echo.Context) error {
	return s.listAudit(c, func(f store.AuditFilter, p store.Page) (store.List[store.AuditEntry], error) {
		return s.store.ListAudit(c.Request().Context(), tenantOf(c).ID, f, p)
	})
}

func (s *Server) listAllAudit(c *echo.Context) error {
	return s.listAudit(c, func(f store.AuditFilter, p store.Page) (store.List[store.AuditEntry], error) {
		return s.store.ListAllAudit(c.Request().Context(), f, p)
	})
}

func (s *Server) listAudit(c *echo.Context, list func(store.AuditFilter, store.Page) (store.List[store.AuditEntry], error)) error {
	p, err := parsePage(c)
	if err != nil {
		return err
	}
	f, err := auditFilter(c)
	if err != nil {
		return err
	}
	l, err := list(f, p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, pageFrom(l, same[store.AuditEntry]))
}
