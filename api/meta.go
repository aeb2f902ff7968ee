package api

import (
	"net/http"

	"github.com/labstack/echo/v5"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// Me is the caller as the server sees it (who am I, what may I do): a
// client's first request after signing in.
type Me struct {
	UserID      string               `json:"user_id,omitempty"`
	APIKeyID    string               `json:"api_key_id,omitempty"`
	TenantID    string               `json:"tenant_id,omitempty"`
	Role        string               `json:"role"`
	Permissions []tenancy.Permission `json:"permissions"`
	Email       string               `json:"email,omitempty"`
	DisplayName string               `json:"display_name,omitempty"`
	// Language is what the caller's screens show (MT-6).
	Language    tenancy.Language `json:"language" doc:"the language to show: the user's own choice, else the tenant's, else en"`
	OwnLanguage string           `json:"own_language,omitempty" doc:"the user's own choice (PATCH /me); absent: the tenant's language is followed"`
	AgentID     string           `json:"agent_id,omitempty" doc:"the agent the signed-in user is, for the agent desktop (absent: not an agent, or the ACD is not running)"`
}

func (s *Server) metaRoutes() []route {
	return []route{
		{method: http.MethodGet, path: "/openapi.json", name: "getOpenAPI", summary: "This API's OpenAPI 3 document",
			scope: scopePublic, status: http.StatusOK, h: s.getOpenAPI},
		{method: http.MethodGet, path: "/me", name: "getMe", summary: "The caller's identity, permissions, display language and agent",
			scope: scopeAuthed, resp: Me{}, status: http.StatusOK, h: s.getMe},
	}
}

// getOpenAPI serves the document New generated from the route table.
func (s *Server) getOpenAPI(c *echo.Context) error {
	return c.JSONBlob(http.StatusOK, s.openapi)
}

func (s *Server) getMe(c *echo.Context) error {
	out, err := s.me(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}
