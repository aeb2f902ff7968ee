package api

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v5"
	"github.com/switchboard-cc/switchboard/store"
	"github.com/switchboard-cc/switchboard/tenancy"
)

const (
	ctxPrincipal = "sb.principal"
	ctxTenant    = "sb.tenant"
)

// principal is who is calling: a signed-in user or an API key.
type principal struct {
	UserID   string // empty for API keys
	APIKeyID string // empty for users
	Name     string // username or key name, for logs and audit
	Tenant   tenancy.TenantID
	Role     tenancy.Role
}

func (p *principal) platform() bool { return p.Role.Platform() }

func principalOf(c *echo.Context) *principal {
	p, _ := c.Get(ctxPrincipal).(*principal)
	return p
}

func principalName(c *echo.Context) string {
	if p := principalOf(c); p != nil {
		return p.Name
	}
	return ""
}

// tenantOf is the tenant a scopeTenant route acts on (loaded by guard).
func tenantOf(c *echo.Context) tenancy.Tenant {
	t, _ := c.Get(ctxTenant).(tenancy.Tenant)
	return t
}

// guard authenticates and authorises one route: scope first (so another
// tenant's resources look absent), then the route's permission, then the
// tenant's status (suspended: reads only; archived: nothing).
func (s *Server) guard(r route) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c *echo.Context) error {
			if err := rejectNUL(c); err != nil {
				return err
			}
			if r.scope == scopePublic {
				return next(c)
			}
			p, err := s.authenticate(c)
			if err != nil {
				return err
			}
			c.Set(ctxPrincipal, p)
			if err := s.authorize(c, r, p); err != nil {
				return err
			}
			return next(c)
		}
	}
}

func (s *Server) authorize(c *echo.Context, r route, p *principal) error {
	switch r.scope {
	case scopePlatform:
		if !p.platform() {
			return errForbidden("this route is for platform roles only")
		}
	case scopeTenant:
		if err := s.enterTenant(c, r, p); err != nil {
			return err
		}
	}
	if r.perm != "" && !tenancy.Allowed(p.Role, r.perm) {
		return errForbidden("role " + string(p.Role) + " lacks permission " + string(r.perm))
	}
	return nil
}

// enterTenant loads the path's tenant. A tenant principal naming another
// tenant gets the same 404 as for a tenant that does not exist (MT-4).
func (s *Server) enterTenant(c *echo.Context, r route, p *principal) error {
	id := tenancy.TenantID(c.Param("tenant_id"))
	if !p.platform() && id != p.Tenant {
		return errNotFound("tenant")
	}
	t, cached := c.Get(ctxTenant).(tenancy.Tenant)
	if !cached || t.ID != id {
		var err error
		if t, err = s.store.GetTenant(c.Request().Context(), id); err != nil {
			return err
		}
	}
	if !p.platform() { // operators still read an archived tenant's records
		if err := tenancy.CheckRead(t.Status); err != nil {
			return err
		}
	}
	if r.write() {
		if err := tenancy.CheckWrite(t.Status); err != nil {
			return err
		}
	}
	c.Set(ctxTenant, t)
	return nil
}

// credential extracts a bearer token or X-API-Key.
func credential(req *http.Request) (string, bool) {
	if k := req.Header.Get("X-API-Key"); k != "" {
		return k, true
	}
	h := req.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(h, " ")
	tok = strings.TrimSpace(tok)
	if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" {
		return "", false
	}
	return tok, true
}

func (s *Server) authenticate(c *echo.Context) (*principal, error) {
	cred, ok := credential(c.Request())
	if !ok {
		return nil, errUnauthorized("missing credentials: send Authorization: Bearer <token> or X-API-Key")
	}
	if isAPIKey(cred) {
		return s.authAPIKey(c, cred)
	}
	claims, err := s.tokens.parse(cred)
	if err != nil {
		return nil, &Error{Status: http.StatusUnauthorized, Code: "invalid_token", Message: "access token invalid or expired", Cause: err}
	}
	p := &principal{UserID: claims.Subject, Name: claims.Subject, Tenant: tenancy.TenantID(claims.Tenant), Role: tenancy.Role(claims.Role)}
	if _, err := tenancy.ParseRole(claims.Role); err != nil {
		return nil, errUnauthorized("access token names an unknown role")
	}
	if p.platform() != p.Tenant.IsZero() {
		return nil, errUnauthorized("access token role and tenant disagree")
	}
	if !p.platform() {
		t, err := s.usableTenant(c.Request().Context(), p.Tenant, tenancy.CheckRead)
		if err != nil {
			return nil, err
		}
		c.Set(ctxTenant, t) // enterTenant reuses it: one tenant read per request
	}
	return p, nil
}

// tenantUsable applies a status rule to the principal's own tenant, so an
// archived tenant's tokens (and a suspended tenant's keys) stop at once.
func (s *Server) tenantUsable(ctx context.Context, id tenancy.TenantID, rule func(tenancy.Status) error) error {
	_, err := s.usableTenant(ctx, id, rule)
	return err
}

func (s *Server) usableTenant(ctx context.Context, id tenancy.TenantID, rule func(tenancy.Status) error) (tenancy.Tenant, error) {
	t, err := s.store.GetTenant(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return t, errUnauthorized("the credential's tenant no longer exists")
	}
	if err != nil {
		return t, err
	}
	return t, rule(t.Status)
}
