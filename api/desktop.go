package api

import (
	"net/http"

	"github.com/labstack/echo/v5"
	"github.com/switchboard-cc/switchboard/store"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// What the browser app needs beyond the call and ACD routes: the caller's
// own display language (MT-6) and the tenant's desktop settings (reason
// codes, the CRM link of screen pops).

func init() { routeGroups = append(routeGroups, (*Server).desktopRoutes) }

// MePatch changes the caller's own preferences.
type MePatch struct {
	Language *string `json:"language,omitempty" doc:"en, zh-CN or zh-TW; empty: follow the tenant's language"`
}

func (s *Server) desktopRoutes() []route {
	p := "/tenants/:tenant_id/desktop-settings"
	return []route{
		{method: http.MethodPatch, path: "/me", name: "updateMe", summary: "Change the caller's own preferences (display language)",
			scope: scopeAuthed, body: MePatch{}, resp: Me{}, status: http.StatusOK, h: s.updateMe},
		{method: http.MethodGet, path: p, name: "getDesktopSettings",
			summary: "The tenant's agent desktop settings: not-ready reason codes and the CRM link template (defaults until set)",
			scope:   scopeTenant, perm: tenancy.PermSettingsRead, resp: tenancy.DesktopSettings{}, status: http.StatusOK, h: s.getDesktopSettings},
		{method: http.MethodPut, path: p, name: "putDesktopSettings",
			summary: "Replace the tenant's agent desktop settings",
			scope:   scopeTenant, perm: tenancy.PermSettingsWrite, body: DesktopSettingsRequest{}, resp: tenancy.DesktopSettings{}, status: http.StatusOK, h: s.putDesktopSettings},
	}
}

// me answers who the caller is: identity, permissions, the language to show
// (the user's own, else the tenant's, else English) and the agent the user
// is, if any.
func (s *Server) me(c *echo.Context) (Me, error) {
	p := principalOf(c)
	out := Me{UserID: p.UserID, APIKeyID: p.APIKeyID, TenantID: string(p.Tenant), Role: string(p.Role),
		Permissions: tenancy.Permissions(p.Role), Language: tenancy.LanguageEnglish}
	ctx := c.Request().Context()
	if !p.Tenant.IsZero() {
		t, ok := c.Get(ctxTenant).(tenancy.Tenant)
		if !ok || t.ID != p.Tenant {
			var err error
			if t, err = s.store.GetTenant(ctx, p.Tenant); err != nil {
				return out, err
			}
		}
		out.Language = t.Language
	}
	if p.UserID == "" {
		return out, nil
	}
	u, err := s.store.UserByID(ctx, p.UserID)
	if err != nil {
		return out, err
	}
	out.Email, out.DisplayName, out.OwnLanguage = u.Email, u.DisplayName, u.Language
	if u.Language != "" {
		out.Language = tenancy.Language(u.Language)
	}
	if reg := s.acdOwners(); reg != nil && !p.Tenant.IsZero() {
		id, ok, err := reg.AgentOfUser(ctx, string(p.Tenant), p.UserID)
		if err != nil {
			return out, err
		}
		if ok {
			out.AgentID = id
		}
	}
	return out, nil
}

func (s *Server) updateMe(c *echo.Context) error {
	p := principalOf(c)
	if p.UserID == "" {
		return errForbidden("API keys have no preferences")
	}
	var in MePatch
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if in.Language != nil && *in.Language != "" {
		if _, err := tenancy.ParseLanguage(*in.Language); err != nil {
			return errInvalid(FieldError{Field: "language", Problem: err.Error()})
		}
	}
	ctx := c.Request().Context()
	patch := store.UserPatch{Language: in.Language}
	var err error
	if p.Tenant.IsZero() {
		_, err = s.store.UpdatePlatformUser(ctx, actor(c), p.UserID, patch)
	} else {
		_, err = s.store.UpdateUser(ctx, actor(c), p.Tenant, p.UserID, patch)
	}
	if err != nil {
		return err
	}
	out, err := s.me(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) getDesktopSettings(c *echo.Context) error {
	ds, err := s.store.DesktopSettings(c.Request().Context(), tenantOf(c).ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, ds)
}

// DesktopSettingsRequest replaces a tenant's desktop settings: both fields
// are given (an empty list: no reason codes; "": no CRM link).
type DesktopSettingsRequest struct {
	NotReadyReasons *[]tenancy.ReasonCode `json:"not_ready_reasons" required:"true" doc:"at most 32, codes unique (case-insensitively)"`
	CRMURLTemplate  *string               `json:"crm_url_template" required:"true" doc:"an absolute http or https URL, at most 2048 characters, whose scheme and host are written out; placeholders {caller}, {access_number}, {queue_id}, {call_id}, {agent_id} and {data.KEY} (the call's attached data) are replaced by the call's values, URL-escaped; empty: no CRM link"`
}

func (s *Server) putDesktopSettings(c *echo.Context) error {
	var req DesktopSettingsRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	var v checker
	if req.NotReadyReasons == nil {
		v.add("not_ready_reasons", "is required (an empty list for none)")
	}
	if req.CRMURLTemplate == nil {
		v.add("crm_url_template", "is required (empty for no CRM link)")
	}
	if err := v.err(); err != nil {
		return err
	}
	in := tenancy.DesktopSettings{NotReadyReasons: *req.NotReadyReasons, CRMURLTemplate: *req.CRMURLTemplate}
	out, err := s.store.PutDesktopSettings(c.Request().Context(), actor(c), tenantOf(c).ID, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}
