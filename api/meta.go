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
}

func (s *Server) metaRoutes() []route {
	return []route{
		{method: http.MethodGet, path: "/openapi.json", name: "getOpenAPI", summary: "This API's OpenAPI 3 document",
			scope: scopePublic, status: http.StatusOK, h: s.getOpenAPI},
		{method: http.MethodGet, path: "/me", name: "getMe", summary: "The caller's identity and permissions",
			scope: scopeAuthed, resp: Me{}, status: http.StatusOK, h: s.getMe},
	}
}

// getOpenAPI serves the document New generated from the route table.
func (s *Server) getOpenAPI(c *echo.Context) error {
	return c.JSONBlob(http.StatusOK, s.openapi)
}

func (s *Server) getMe(c *echo.Context) error {
	p := principalOf(c)
	return c.JSON(http.StatusOK, Me{UserID: p.UserID, APIKeyID: p.APIKeyID, TenantID: string(p.Tenant),
		Role: string(p.Role), Permissions: tenancy.Permissions(p.Role)})
}
