package api

import (
	"net/http"

	"github.com/labstack/echo/v5"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// The codes agents dial on a plain SIP phone to log in, go ready, take a
// break... (AG-1, AG-2): one set per tenant, the defaults until it sets its
// own. The calls themselves are served by the controller (orchestrator/
// featurecodes); here they are only configured.

func init() { routeGroups = append(routeGroups, (*Server).featureCodeRoutes) }

// FeatureCodesRequest replaces a tenant's feature codes: every action is
// given ("" disables it).
type FeatureCodesRequest struct {
	Login    *string `json:"login" required:"true" doc:"log in to all the agent's queues; \"\" disables"`
	Logout   *string `json:"logout" required:"true" doc:"log out of them; \"\" disables"`
	Ready    *string `json:"ready" required:"true" doc:"ready (on break: ends the break); \"\" disables"`
	NotReady *string `json:"not_ready" required:"true" doc:"not ready; digits N after it pick the tenant's N-th not-ready reason (desktop-settings not_ready_reasons); \"\" disables"`
	Break    *string `json:"break" required:"true" doc:"break request; digits N after it give the N-th not-ready reason as the break's reason; \"\" disables"`
	EndWrap  *string `json:"end_wrap" required:"true" doc:"end after-call work; \"\" disables"`
	State    *string `json:"state" required:"true" doc:"say the agent's state; \"\" disables"`
}

func (s *Server) featureCodeRoutes() []route {
	p := "/tenants/:tenant_id/feature-codes"
	return []route{
		{method: http.MethodGet, path: p, name: "getFeatureCodes",
			summary: "The codes the tenant's agents dial on their SIP phones (log in, ready, not ready, break...; the defaults *21..*27 until set)",
			scope:   scopeTenant, perm: tenancy.PermSettingsRead, resp: tenancy.FeatureCodes{}, status: http.StatusOK, h: s.getFeatureCodes},
		{method: http.MethodPut, path: p, name: "putFeatureCodes",
			summary: "Replace the tenant's phone feature codes: each empty or 2 to 8 of digits, * and # starting with * or #; none equal to or a prefix of another",
			scope:   scopeTenant, perm: tenancy.PermSettingsWrite, body: FeatureCodesRequest{}, resp: tenancy.FeatureCodes{}, status: http.StatusOK, h: s.putFeatureCodes},
	}
}

func (s *Server) getFeatureCodes(c *echo.Context) error {
	fc, err := s.store.FeatureCodes(c.Request().Context(), tenantOf(c).ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, fc)
}

func (s *Server) putFeatureCodes(c *echo.Context) error {
	var req FeatureCodesRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	var v checker
	var in tenancy.FeatureCodes
	for _, f := range []struct {
		action tenancy.FeatureAction
		from   *string
		to     *string
	}{
		{tenancy.FeatureLogin, req.Login, &in.Login}, {tenancy.FeatureLogout, req.Logout, &in.Logout},
		{tenancy.FeatureReady, req.Ready, &in.Ready}, {tenancy.FeatureNotReady, req.NotReady, &in.NotReady},
		{tenancy.FeatureBreak, req.Break, &in.Break}, {tenancy.FeatureEndWrap, req.EndWrap, &in.EndWrap},
		{tenancy.FeatureState, req.State, &in.State},
	} {
		if f.from == nil {
			v.add(string(f.action), "is required (\"\" to disable it)")
			continue
		}
		*f.to = *f.from
	}
	if err := v.err(); err != nil {
		return err
	}
	out, err := s.store.PutFeatureCodes(c.Request().Context(), actor(c), tenantOf(c).ID, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}
