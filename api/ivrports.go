package api

import (
	"net/http"
	"sync"

	"github.com/labstack/echo/v5"
	"github.com/switchboard-cc/switchboard/orchestrator/flowrun"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// IVR monitoring (IVR-17): calls in the IVR now and per-flow counts. A tenant
// sees its own figures only; the platform sees every node's ports.

func init() { routeGroups = append(routeGroups, (*Server).ivrPortRoutes) }

// IVRStats is the live flow runner's figures (orchestrator/flowrun.Runner).
type IVRStats interface {
	Stats() flowrun.Stats
	TenantStats(t tenancy.TenantID) flowrun.Stats
}

var ivrByServer sync.Map // *Server -> IVRStats

// UseIVR connects the server to the flow runner's figures; until then they are empty.
func (s *Server) UseIVR(st IVRStats) { ivrByServer.Store(s, st) }

func (s *Server) ivrStats() IVRStats {
	v, _ := ivrByServer.Load(s)
	st, _ := v.(IVRStats)
	return st
}

func (s *Server) ivrPortRoutes() []route {
	return []route{
		{method: http.MethodGet, path: "/tenants/:tenant_id/ivr-ports", name: "getTenantIVRPorts",
			summary: "The tenant's calls in IVR flows now and per-flow-version counts",
			scope:   scopeTenant, perm: tenancy.PermMonitor, resp: flowrun.Stats{}, status: http.StatusOK, h: s.getTenantIVRPorts},
		{method: http.MethodGet, path: "/ivr-ports", name: "getIVRPorts",
			summary: "Every node's IVR ports (busy, idle), calls in IVR per tenant, per-flow counts",
			scope:   scopePlatform, perm: tenancy.PermPlatformRead, resp: flowrun.Stats{}, status: http.StatusOK, h: s.getIVRPorts},
	}
}

func (s *Server) getTenantIVRPorts(c *echo.Context) error {
	st := s.ivrStats()
	if st == nil {
		return c.JSON(http.StatusOK, flowrun.Stats{Tenants: map[tenancy.TenantID]int{}})
	}
	return c.JSON(http.StatusOK, st.TenantStats(tenantOf(c).ID))
}

func (s *Server) getIVRPorts(c *echo.Context) error {
	st := s.ivrStats()
	if st == nil {
		return c.JSON(http.StatusOK, flowrun.Stats{Tenants: map[tenancy.TenantID]int{}})
	}
	return c.JSON(http.StatusOK, st.Stats())
}
