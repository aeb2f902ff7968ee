package api

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v5"
	"github.com/switchboard-cc/switchboard/store"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// CreateAPIKeyRequest names a key and the one tenant role it acts with.
type CreateAPIKeyRequest struct {
	Name string       `json:"name"`
	Role tenancy.Role `json:"role"`
}

// CreatedAPIKey carries the secret key: shown this once, stored only hashed.
type CreatedAPIKey struct {
	Key    string       `json:"key"`
	APIKey store.APIKey `json:"api_key"`
}

// API keys let integrations act in one tenant with one role, sent as
// "Authorization: Bearer sbk_..." or "X-API-Key: sbk_...".
func (s *Server) apiKeyRoutes() []route {
	p := "/tenants/:tenant_id/api-keys"
	return []route{
		{method: http.MethodPost, path: p, name: "createAPIKey", summary: "Create an API key; the key is returned only in this response",
			scope: scopeTenant, perm: tenancy.PermAPIKeysWrite, body: CreateAPIKeyRequest{}, resp: CreatedAPIKey{},
			idempotent: true, status: http.StatusCreated, h: s.createAPIKey},
		{method: http.MethodGet, path: p, name: "listAPIKeys", summary: "List the tenant's API keys (never the keys themselves)",
			scope: scopeTenant, perm: tenancy.PermAPIKeysRead, resp: store.APIKey{}, list: true, status: http.StatusOK, h: s.listAPIKeys},
		{method: http.MethodDelete, path: p + "/:key_id", name: "revokeAPIKey", summary: "Revoke an API key",
			scope: scopeTenant, perm: tenancy.PermAPIKeysWrite, status: http.StatusNoContent, h: s.revokeAPIKey},
	}
}

// apiKeyPrefixLen is how much of a key is kept in clear to recognise it in lists.
const apiKeyPrefixLen = len(apiKeyPrefix) + 6

func (s *Server) createAPIKey(c *echo.Context) error {
	var in CreateAPIKeyRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	var v checker
	v.text("name", in.Name, 1, 100)
	if err := v.err(); err != nil {
		return err
	}
	key, err := newOpaque(apiKeyPrefix)
	if err != nil {
		return err
	}
	k, err := s.store.CreateAPIKey(c.Request().Context(), actor(c), tenantOf(c).ID,
		store.APIKeyInput{Name: in.Name, Role: in.Role, KeyHash: hashOpaque(key), Prefix: key[:apiKeyPrefixLen]})
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return created(c, k.ID, CreatedAPIKey{Key: key, APIKey: k})
}

func (s *Server) listAPIKeys(c *echo.Context) error {
	return list(c, func(ctx context.Context, p store.Page) (store.List[store.APIKey], error) {
		return s.store.ListAPIKeys(ctx, tenantOf(c).ID, p)
	}, same[store.APIKey])
}

func (s *Server) revokeAPIKey(c *echo.Context) error {
	if err := s.store.RevokeAPIKey(c.Request().Context(), actor(c), tenantOf(c).ID, c.Param("key_id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
