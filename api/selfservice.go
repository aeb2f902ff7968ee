package api

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v5"
	"github.com/switchboard-cc/switchboard/store"
)

// ChangePasswordRequest changes the caller's own password.
type ChangePasswordRequest struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

// changeOwnPasswordRoute lets any signed-in user change their password. A
// wrong current password counts as a failed sign-in (same delay and lock),
// so this route cannot be used to guess passwords; success ends every other
// session of the user.
func (s *Server) changeOwnPasswordRoute() route {
	return route{method: http.MethodPost, path: "/me/password", name: "changeOwnPassword",
		summary: "Change the caller's own password (ends the caller's sessions)", scope: scopeAuthed,
		body: ChangePasswordRequest{}, status: http.StatusNoContent, h: s.changeOwnPassword}
}

func (s *Server) changeOwnPassword(c *echo.Context) error {
	p := principalOf(c)
	if p.UserID == "" {
		return errForbidden("API keys have no password")
	}
	var in ChangePasswordRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	var v checker
	v.text("current_password", in.CurrentPassword, 1, 256)
	v.password("new_password", in.NewPassword)
	if err := v.err(); err != nil {
		return err
	}
	ctx := c.Request().Context()
	u, err := s.store.UserByID(ctx, p.UserID)
	if err != nil {
		return err
	}
	ok, err := s.checkPassword(c, u, in.CurrentPassword)
	if err != nil {
		return err
	}
	if !ok {
		return errInvalid(FieldError{Field: "current_password", Problem: "is wrong"})
	}
	if err := s.store.ClearLoginFailures(ctx, u.ID); err != nil {
		return err
	}
	s.throttle.clear(u.ID)
	if err := s.setOwnPassword(ctx, c, u, in.NewPassword); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) setOwnPassword(ctx context.Context, c *echo.Context, u store.User, password string) error {
	h, err := s.hashPassword(ctx, password)
	if err != nil {
		return err
	}
	patch := store.UserPatch{PasswordHash: &h}
	if u.TenantID.IsZero() {
		_, err = s.store.UpdatePlatformUser(ctx, actor(c), u.ID, patch)
	} else {
		_, err = s.store.UpdateUser(ctx, actor(c), u.TenantID, u.ID, patch)
	}
	if err != nil {
		return err
	}
	_, err = s.store.RevokeUserRefreshTokens(ctx, u.ID)
	return err
}
