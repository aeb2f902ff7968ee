package api

import (
	"net/http"

	"github.com/labstack/echo/v5"
	"github.com/switchboard-cc/switchboard/store"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// Voicemail messages left through IVR flows (IVR-10, OPS-5), per tenant.
func init() { routeGroups = append(routeGroups, (*Server).voicemailRoutes) }

func (s *Server) voicemailRoutes() []route {
	return []route{
		{method: http.MethodGet, path: "/tenants/:tenant_id/voicemails", name: "listVoicemails",
			summary: "Voicemail messages of the tenant, oldest first; ?mailbox= filters",
			scope:   scopeTenant, perm: tenancy.PermRecordingsRead, resp: store.Voicemail{}, list: true, status: http.StatusOK, h: s.listVoicemails},
	}
}

func (s *Server) listVoicemails(c *echo.Context) error {
	p, err := parsePage(c)
	if err != nil {
		return err
	}
	mailbox := c.QueryParam("mailbox")
	if len(mailbox) > 100 {
		return errBadField("mailbox", "at most 100 characters")
	}
	l, err := s.store.ListVoicemails(c.Request().Context(), tenantOf(c).ID, mailbox, p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, pageFrom(l, same[store.Voicemail]))
}
