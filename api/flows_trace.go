package api

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v5"
	"github.com/switchboard-cc/switchboard/store"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// Live traces (IVR-17): the path each call took through its flows, recorded
// by the call sessions through store.AppendFlowTrace.

func (s *Server) flowTraceRoutes(r tenancy.Permission) []route {
	return []route{
		{method: http.MethodGet, path: "/tenants/:tenant_id/calls/:call_id/trace", name: "getCallTrace",
			summary: "A call's path through its flows: nodes, times, exits and variables set", scope: scopeTenant, perm: r,
			resp: store.TraceStep{}, list: true, status: http.StatusOK, h: s.getCallTrace},
		{method: http.MethodGet, path: "/tenants/:tenant_id/flow-traces", name: "listFlowTraces",
			summary: "Traced calls, one row per call and flow version (?flow_id=, ?call_id=)", scope: scopeTenant, perm: r,
			resp: store.TraceSummary{}, list: true, status: http.StatusOK, h: s.listFlowTraces},
	}
}

func (s *Server) getCallTrace(c *echo.Context) error {
	p, err := parsePage(c)
	if err != nil {
		return err
	}
	l, err := s.store.ListCallTrace(c.Request().Context(), tenantOf(c).ID, c.Param("call_id"), p)
	if err != nil {
		return err
	}
	if len(l.Items) == 0 && p.After == "" {
		return errNotFound("call trace") // the ID is not echoed: it may be another tenant's
	}
	return c.JSON(http.StatusOK, pageFrom(l, same[store.TraceStep]))
}

func (s *Server) listFlowTraces(c *echo.Context) error {
	f := store.TraceFilter{FlowID: c.QueryParam("flow_id"), CallID: c.QueryParam("call_id")}
	return list(c, func(ctx context.Context, p store.Page) (store.List[store.TraceSummary], error) {
		return s.store.ListFlowTraces(ctx, tenantOf(c).ID, f, p)
	}, same[store.TraceSummary])
}
