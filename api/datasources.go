package api

import (
	"net/http"

	"github.com/labstack/echo/v5"
	"github.com/switchboard-cc/switchboard/store"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// Tenant databases for IVR flows' SQL nodes (IVR-12). The operator provisions
// them (the controller connects to the address given, so tenants cannot);
// the tenant's flows name them. The connection string is write-only.
func init() { routeGroups = append(routeGroups, (*Server).dataSourceRoutes) }

// DataSourceRequest sets a data source; DSN is never returned.
type DataSourceRequest struct {
	Driver   string `json:"driver"` // postgres or sqlite
	DSN      string `json:"dsn"`
	Writable bool   `json:"writable" required:"false" doc:"absent means false: flows may only read"`
}

func (s *Server) dataSourceRoutes() []route {
	p := "/tenants/:tenant_id/datasources"
	return []route{
		{method: http.MethodGet, path: p, name: "listDataSources", summary: "The tenant's data sources for SQL nodes (no connection strings)",
			scope: scopeTenant, perm: tenancy.PermFlowsRead, resp: []store.DataSource{}, status: http.StatusOK, h: s.listDataSources},
		{method: http.MethodPut, path: p + "/:name", name: "putDataSource", summary: "Operator: create or replace a data source (connection string write-only)",
			scope: scopeTenant, perm: tenancy.PermTenantsWrite, body: DataSourceRequest{}, resp: store.DataSource{}, status: http.StatusOK, h: s.putDataSource},
		{method: http.MethodDelete, path: p + "/:name", name: "deleteDataSource", summary: "Operator: remove a data source",
			scope: scopeTenant, perm: tenancy.PermTenantsWrite, status: http.StatusNoContent, h: s.deleteDataSource},
	}
}

func (s *Server) listDataSources(c *echo.Context) error {
	list, err := s.store.ListDataSources(c.Request().Context(), tenantOf(c).ID)
	if err != nil {
		return err
	}
	if list == nil {
		list = []store.DataSource{}
	}
	return c.JSON(http.StatusOK, list)
}

func (s *Server) putDataSource(c *echo.Context) error {
	var in DataSourceRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	d, err := s.store.PutDataSource(c.Request().Context(), actor(c), tenantOf(c).ID, c.Param("name"),
		store.DataSourceInput{Driver: in.Driver, DSN: in.DSN, Writable: in.Writable})
	if err != nil {
		return err
	}
	d.DSN = ""
	return c.JSON(http.StatusOK, d)
}

func (s *Server) deleteDataSource(c *echo.Context) error {
	if err := s.store.DeleteDataSource(c.Request().Context(), actor(c), tenantOf(c).ID, c.Param("name")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
