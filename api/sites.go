package api

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v5"
	"github.com/switchboard-cc/switchboard/store"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// Sites (HQ and branches, DIST-1) are platform resources.
func (s *Server) siteRoutes() []route {
	p, one := "/sites", "/sites/:site_id"
	r, w := tenancy.PermPlatformRead, tenancy.PermPlatformWrite
	return []route{
		{method: http.MethodPost, path: p, name: "createSite", summary: "Create a site", scope: scopePlatform, perm: w,
			body: store.SiteInput{}, resp: store.Site{}, idempotent: true, status: http.StatusCreated, h: s.createSite},
		{method: http.MethodGet, path: p, name: "listSites", summary: "List sites", scope: scopePlatform, perm: r,
			resp: store.Site{}, list: true, status: http.StatusOK, h: s.listSites},
		{method: http.MethodGet, path: one, name: "getSite", summary: "Get a site", scope: scopePlatform, perm: r,
			resp: store.Site{}, status: http.StatusOK, h: s.getSite},
		{method: http.MethodPut, path: one, name: "replaceSite", summary: "Replace a site's fields", scope: scopePlatform, perm: w,
			body: store.SiteInput{}, resp: store.Site{}, status: http.StatusOK, h: s.replaceSite},
		{method: http.MethodDelete, path: one, name: "deleteSite", summary: "Delete a site without nodes", scope: scopePlatform, perm: w,
			status: http.StatusNoContent, h: s.deleteSite},
	}
}

func checkSite(in store.SiteInput) error {
	var v checker
	v.text("name", in.Name, 1, 100)
	v.text("description", in.Description, 0, 1000)
	return v.err()
}

func (s *Server) createSite(c *echo.Context) error {
	return createWith(c, func(ctx context.Context, in store.SiteInput) (store.Site, error) {
		if err := checkSite(in); err != nil {
			return store.Site{}, err
		}
		return s.store.CreateSite(ctx, actor(c), in)
	})
}

func (s *Server) listSites(c *echo.Context) error {
	return list(c, s.store.ListSites, same[store.Site])
}

func (s *Server) getSite(c *echo.Context) error { return getWith(c, "site_id", s.store.GetSite) }

func (s *Server) replaceSite(c *echo.Context) error {
	return updateWith(c, "site_id", func(ctx context.Context, id string, in store.SiteInput) (store.Site, error) {
		if err := checkSite(in); err != nil {
			return store.Site{}, err
		}
		return s.store.UpdateSite(ctx, actor(c), id, in)
	})
}

func (s *Server) deleteSite(c *echo.Context) error {
	return deleteWith(c, "site_id", func(ctx context.Context, id string) error { return s.store.DeleteSite(ctx, actor(c), id) })
}
