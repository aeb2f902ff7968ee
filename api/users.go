package api

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v5"
	"github.com/switchboard-cc/switchboard/store"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// CreateUserRequest creates a user; the password is hashed (argon2id) here
// and never stored or returned in clear.
type CreateUserRequest struct {
	Email       string       `json:"email"`
	DisplayName string       `json:"display_name"`
	Role        tenancy.Role `json:"role"`
	Password    string       `json:"password"`
}

// UpdateUserRequest edits a user; absent fields are left alone. A new
// password or disabling the user revokes every session of the user.
type UpdateUserRequest struct {
	DisplayName *string       `json:"display_name,omitempty"`
	Role        *tenancy.Role `json:"role,omitempty"`
	Password    *string       `json:"password,omitempty"`
	Disabled    *bool         `json:"disabled,omitempty"`
}

// Users of a tenant live under the tenant; platform operators under /platform.
// Platform admins create tenant admins through the tenant route.
func (s *Server) userRoutes() []route {
	tu := "/tenants/:tenant_id/users"
	pu := "/platform/users"
	return []route{
		{method: http.MethodPost, path: tu, name: "createUser", summary: "Create a user of the tenant",
			scope: scopeTenant, perm: tenancy.PermUsersWrite, body: CreateUserRequest{}, resp: store.User{},
			idempotent: true, status: http.StatusCreated, h: s.createUser},
		{method: http.MethodGet, path: tu, name: "listUsers", summary: "List the tenant's users",
			scope: scopeTenant, perm: tenancy.PermUsersRead, resp: store.User{}, list: true, status: http.StatusOK, h: s.listUsers},
		{method: http.MethodGet, path: tu + "/:user_id", name: "getUser", summary: "Get a user of the tenant",
			scope: scopeTenant, perm: tenancy.PermUsersRead, resp: store.User{}, status: http.StatusOK, h: s.getUser},
		{method: http.MethodPatch, path: tu + "/:user_id", name: "updateUser", summary: "Edit, re-role, disable or re-password a user",
			scope: scopeTenant, perm: tenancy.PermUsersWrite, body: UpdateUserRequest{}, resp: store.User{}, status: http.StatusOK, h: s.updateUser},
		{method: http.MethodPost, path: pu, name: "createPlatformUser", summary: "Create a platform operator",
			scope: scopePlatform, perm: tenancy.PermPlatformWrite, body: CreateUserRequest{}, resp: store.User{},
			idempotent: true, status: http.StatusCreated, h: s.createPlatformUser},
		{method: http.MethodGet, path: pu, name: "listPlatformUsers", summary: "List platform operators",
			scope: scopePlatform, perm: tenancy.PermPlatformRead, resp: store.User{}, list: true, status: http.StatusOK, h: s.listPlatformUsers},
		{method: http.MethodPatch, path: pu + "/:user_id", name: "updatePlatformUser", summary: "Edit a platform operator",
			scope: scopePlatform, perm: tenancy.PermPlatformWrite, body: UpdateUserRequest{}, resp: store.User{}, status: http.StatusOK, h: s.updatePlatformUser},
	}
}

// userInput validates the request and hashes the password.
func (s *Server) userInput(c *echo.Context) (store.UserInput, error) {
	var in CreateUserRequest
	if err := decodeJSON(c, &in); err != nil {
		return store.UserInput{}, err
	}
	var v checker
	v.email("email", in.Email)
	v.rule(tenancy.CheckName("display_name", in.DisplayName))
	v.password("password", in.Password)
	if err := v.err(); err != nil {
		return store.UserInput{}, err
	}
	h, err := s.hashPassword(c.Request().Context(), in.Password)
	return store.UserInput{Email: in.Email, DisplayName: in.DisplayName, Role: in.Role, PasswordHash: h}, err
}

func (s *Server) createUser(c *echo.Context) error {
	in, err := s.userInput(c)
	if err != nil {
		return err
	}
	u, err := s.store.CreateUser(c.Request().Context(), actor(c), tenantOf(c).ID, in)
	if err != nil {
		return err
	}
	return created(c, u.ID, u)
}

func (s *Server) createPlatformUser(c *echo.Context) error {
	in, err := s.userInput(c)
	if err != nil {
		return err
	}
	u, err := s.store.CreatePlatformUser(c.Request().Context(), actor(c), in)
	if err != nil {
		return err
	}
	return created(c, u.ID, u)
}

func (s *Server) listUsers(c *echo.Context) error {
	return list(c, func(ctx context.Context, p store.Page) (store.List[store.User], error) {
		return s.store.ListUsers(ctx, tenantOf(c).ID, p)
	}, same[store.User])
}

func (s *Server) listPlatformUsers(c *echo.Context) error {
	return list(c, s.store.ListPlatformUsers, same[store.User])
}

func (s *Server) getUser(c *echo.Context) error {
	u, err := s.store.GetUser(c.Request().Context(), tenantOf(c).ID, c.Param("user_id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, u)
}

// userPatch validates the request and hashes a new password.
func (s *Server) userPatch(c *echo.Context) (store.UserPatch, error) {
	var in UpdateUserRequest
	if err := decodeJSON(c, &in); err != nil {
		return store.UserPatch{}, err
	}
	var v checker
	if in.DisplayName != nil {
		v.rule(tenancy.CheckName("display_name", *in.DisplayName))
	}
	if in.Password != nil {
		v.password("password", *in.Password)
	}
	if err := v.err(); err != nil {
		return store.UserPatch{}, err
	}
	p := store.UserPatch{DisplayName: in.DisplayName, Role: in.Role, Disabled: in.Disabled}
	if in.Password != nil {
		h, err := s.hashPassword(c.Request().Context(), *in.Password)
		if err != nil {
			return p, err
		}
		p.PasswordHash = &h
	}
	return p, nil
}

func (s *Server) updateUser(c *echo.Context) error {
	return s.patchUser(c, func(ctx context.Context, id string, p store.UserPatch) (store.User, error) {
		return s.store.UpdateUser(ctx, actor(c), tenantOf(c).ID, id, p)
	})
}

func (s *Server) updatePlatformUser(c *echo.Context) error {
	return s.patchUser(c, func(ctx context.Context, id string, p store.UserPatch) (store.User, error) {
		return s.store.UpdatePlatformUser(ctx, actor(c), id, p)
	})
}

// patchUser applies a patch and, when it changes the password or disables
// the user, revokes the user's sessions.
func (s *Server) patchUser(c *echo.Context, apply func(context.Context, string, store.UserPatch) (store.User, error)) error {
	p, err := s.userPatch(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	u, err := apply(ctx, c.Param("user_id"), p)
	if err != nil {
		return err
	}
	if p.PasswordHash != nil || p.Disabled != nil && *p.Disabled {
		if _, err := s.store.RevokeUserRefreshTokens(ctx, u.ID); err != nil {
			return err
		}
	}
	return c.JSON(http.StatusOK, u)
}

// list runs one paginated list handler: parse ?limit&cursor, fetch, convert.
func list[S, T any](c *echo.Context, fetch func(context.Context, store.Page) (store.List[S], error), conv func(S) T) error {
	p, err := parsePage(c)
	if err != nil {
		return err
	}
	l, err := fetch(c.Request().Context(), p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, pageFrom(l, conv))
}
