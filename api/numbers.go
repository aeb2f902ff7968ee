package api

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v5"
	"github.com/switchboard-cc/switchboard/store"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// Access numbers map a dialled number (unique across the platform) to a
// tenant's entry point (MT-1).
func (s *Server) numberRoutes() []route {
	p := "/tenants/:tenant_id/numbers"
	one := p + "/:number_id"
	r, w := tenancy.PermNumbersRead, tenancy.PermNumbersWrite
	return []route{
		{method: http.MethodPost, path: p, name: "createAccessNumber", summary: "Add an access number (unique platform-wide)",
			scope: scopeTenant, perm: w, body: store.AccessNumberInput{}, resp: store.AccessNumber{}, idempotent: true,
			status: http.StatusCreated, h: s.createNumber},
		{method: http.MethodGet, path: p, name: "listAccessNumbers", summary: "List the tenant's access numbers",
			scope: scopeTenant, perm: r, resp: store.AccessNumber{}, list: true, status: http.StatusOK, h: s.listNumbers},
		{method: http.MethodGet, path: one, name: "getAccessNumber", summary: "Get an access number",
			scope: scopeTenant, perm: r, resp: store.AccessNumber{}, status: http.StatusOK, h: s.getNumber},
		{method: http.MethodPut, path: one, name: "replaceAccessNumber", summary: "Replace an access number's fields",
			scope: scopeTenant, perm: w, body: store.AccessNumberInput{}, resp: store.AccessNumber{}, status: http.StatusOK, h: s.replaceNumber},
		{method: http.MethodDelete, path: one, name: "deleteAccessNumber", summary: "Release an access number",
			scope: scopeTenant, perm: w, status: http.StatusNoContent, h: s.deleteNumber},
	}
}

func checkNumber(in store.AccessNumberInput) error {
	var v checker
	v.rule(tenancy.CheckNumber("number", in.Number))
	v.rule(tenancy.CheckName("entry_alias", in.EntryAlias))
	v.text("description", in.Description, 0, 1000)
	return v.err()
}

func (s *Server) createNumber(c *echo.Context) error {
	return createWith(c, func(ctx context.Context, in store.AccessNumberInput) (store.AccessNumber, error) {
		if err := checkNumber(in); err != nil {
			return store.AccessNumber{}, err
		}
		return s.store.CreateAccessNumber(ctx, actor(c), tenantOf(c).ID, in)
	})
}

func (s *Server) listNumbers(c *echo.Context) error {
	return list(c, func(ctx context.Context, p store.Page) (store.List[store.AccessNumber], error) {
		return s.store.ListAccessNumbers(ctx, tenantOf(c).ID, p)
	}, same[store.AccessNumber])
}

func (s *Server) getNumber(c *echo.Context) error {
	return getWith(c, "number_id", func(ctx context.Context, id string) (store.AccessNumber, error) {
		return s.store.GetAccessNumber(ctx, tenantOf(c).ID, id)
	})
}

func (s *Server) replaceNumber(c *echo.Context) error {
	return updateWith(c, "number_id", func(ctx context.Context, id string, in store.AccessNumberInput) (store.AccessNumber, error) {
		if err := checkNumber(in); err != nil {
			return store.AccessNumber{}, err
		}
		return s.store.UpdateAccessNumber(ctx, actor(c), tenantOf(c).ID, id, in)
	})
}

func (s *Server) deleteNumber(c *echo.Context) error {
	return deleteWith(c, "number_id", func(ctx context.Context, id string) error {
		return s.store.DeleteAccessNumber(ctx, actor(c), tenantOf(c).ID, id)
	})
}
