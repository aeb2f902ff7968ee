package api

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v5"
	"github.com/switchboard-cc/switchboard/store"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// LoginRequest signs in by e-mail (the platform-unique user name) and password.
type LoginRequest struct {
	Login    string `json:"login"`
	Password string `json:"password"`
}

// RefreshRequest exchanges (and so revokes) a refresh token.
type RefreshRequest struct {
	RefreshToken string `json:"refresh_token"`
}

// TokenResponse is a new session: a short-lived JWT and a revocable refresh token.
type TokenResponse struct {
	AccessToken  string     `json:"access_token"`
	TokenType    string     `json:"token_type"`
	ExpiresIn    int        `json:"expires_in"`
	RefreshToken string     `json:"refresh_token"`
	User         store.User `json:"user"`
}

func (s *Server) authRoutes() []route {
	return []route{
		{method: http.MethodPost, path: "/auth/login", name: "login", summary: "Sign in; failures slow down and then lock the account",
			scope: scopePublic, body: LoginRequest{}, resp: TokenResponse{}, status: http.StatusOK, h: s.login},
		{method: http.MethodPost, path: "/auth/refresh", name: "refresh", summary: "Rotate a refresh token for a new session",
			scope: scopePublic, body: RefreshRequest{}, resp: TokenResponse{}, status: http.StatusOK, h: s.refreshSession},
		{method: http.MethodPost, path: "/auth/logout", name: "logout", summary: "Revoke one of the caller's refresh tokens",
			scope: scopeAuthed, body: RefreshRequest{}, status: http.StatusNoContent, h: s.logout},
		s.changeOwnPasswordRoute(),
	}
}

var errBadCredentials = errUnauthorized("wrong login or password")

func (s *Server) login(c *echo.Context) error {
	var in LoginRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	var v checker
	v.text("login", in.Login, 1, 254)
	v.text("password", in.Password, 1, 256)
	if err := v.err(); err != nil {
		return err
	}
	ctx := c.Request().Context()
	u, err := s.store.UserByEmail(ctx, in.Login)
	if errors.Is(err, store.ErrNotFound) {
		_, _ = verifyPassword(s.dummyHash, in.Password) // same cost as a real check: no user enumeration by timing
		s.metrics.signIns.WithLabelValues("bad_credentials").Inc()
		return errBadCredentials
	}
	if err != nil {
		return err
	}
	if err := s.checkAttempt(u); err != nil {
		return err
	}
	ok, err := verifyPassword(u.PasswordHash, in.Password)
	if err != nil {
		return fmt.Errorf("user %s: %w", u.ID, err)
	}
	if !ok {
		return s.loginFailed(c, u)
	}
	return s.loginSucceeded(c, u)
}

// checkAttempt refuses a sign-in while the account is locked or delayed.
func (s *Server) checkAttempt(u store.User) error {
	now := s.now()
	if u.LockedUntil != nil && now.Before(*u.LockedUntil) {
		s.metrics.signIns.WithLabelValues("locked").Inc()
		return retryAfter(&Error{Status: http.StatusLocked, Code: "account_locked",
			Message: "too many failed sign-ins: the account is locked until " + u.LockedUntil.UTC().Format(time.RFC3339)}, u.LockedUntil.Sub(now))
	}
	if w := s.throttle.wait(u.ID, now); w > 0 {
		s.metrics.signIns.WithLabelValues("throttled").Inc()
		return retryAfter(&Error{Status: http.StatusTooManyRequests, Code: "login_throttled",
			Message: "too many failed sign-ins: wait before trying again"}, w)
	}
	return nil
}

// retryAfter attaches a Retry-After (whole seconds, rounded up) to e.
func retryAfter(e *Error, d time.Duration) *Error {
	e.Details = map[string]any{"retry_after_seconds": int(math.Ceil(d.Seconds()))}
	e.RetryAfter = d
	return e
}

func (s *Server) loginFailed(c *echo.Context, u store.User) error {
	u2, err := s.store.RecordLoginFailure(c.Request().Context(), u.ID, s.lockout.LockAfter, s.lockout.LockFor)
	if err != nil {
		return err
	}
	now := s.now()
	s.metrics.signIns.WithLabelValues("bad_credentials").Inc()
	if u2.LockedUntil != nil && now.Before(*u2.LockedUntil) {
		s.metrics.signIns.WithLabelValues("lockout").Inc()
		s.throttle.clear(u.ID)
		s.log.Warn("account locked after repeated failed sign-ins", "user_id", u.ID, "email", u.Email,
			"ip", c.RealIP(), "locked_until", u2.LockedUntil.UTC(), "request_id", requestID(c))
		return errBadCredentials
	}
	if w, _ := s.lockout.wait(u2.FailedLogins); w > 0 {
		s.throttle.delay(u.ID, now.Add(w), now)
		s.log.Info("sign-in delayed after failures", "user_id", u.ID, "failures", u2.FailedLogins, "delay", w, "ip", c.RealIP(), "request_id", requestID(c))
	}
	return errBadCredentials
}

func (s *Server) loginSucceeded(c *echo.Context, u store.User) error {
	ctx := c.Request().Context()
	if err := s.userMaySignIn(ctx, u); err != nil {
		return err
	}
	if err := s.store.RecordLoginSuccess(ctx, u.ID); err != nil {
		return err
	}
	s.throttle.clear(u.ID)
	s.metrics.signIns.WithLabelValues("ok").Inc()
	refresh, err := newOpaque(refreshPrefix)
	if err != nil {
		return err
	}
	if _, err := s.store.CreateRefreshToken(ctx, u.ID, hashOpaque(refresh), s.now().Add(s.refresh)); err != nil {
		return err
	}
	a := store.Actor{Kind: store.ActorUser, ID: u.ID, IP: c.RealIP()}
	if err := s.store.AppendAudit(ctx, a, u.TenantID, "login", "user", u.ID, nil); err != nil {
		return err
	}
	return s.session(c, u, refresh)
}

// userMaySignIn refuses disabled users and users of archived tenants.
func (s *Server) userMaySignIn(ctx context.Context, u store.User) error {
	if u.Disabled {
		return errForbidden("the account is disabled")
	}
	if u.TenantID.IsZero() {
		return nil
	}
	return s.tenantUsable(ctx, u.TenantID, tenancy.CheckRead)
}

func (s *Server) session(c *echo.Context, u store.User, refresh string) error {
	tok, exp, err := s.tokens.issue(u.ID, string(u.TenantID), string(u.Role))
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, TokenResponse{AccessToken: tok, TokenType: "Bearer",
		ExpiresIn: int(exp.Sub(s.now()).Seconds()), RefreshToken: refresh, User: u})
}

var errBadRefresh = errUnauthorized("refresh token invalid, expired or revoked")

func (s *Server) refreshSession(c *echo.Context) error {
	var in RefreshRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	ctx := c.Request().Context()
	old, err := s.store.RefreshTokenByHash(ctx, hashOpaque(in.RefreshToken))
	if errors.Is(err, store.ErrNotFound) {
		return errBadRefresh
	}
	if err != nil {
		return err
	}
	if old.RevokedAt != nil {
		return s.refreshReused(c, old)
	}
	if !old.Usable(s.now()) {
		return errBadRefresh
	}
	u, err := s.store.UserByID(ctx, old.UserID)
	if err != nil {
		return err
	}
	if err := s.userMaySignIn(ctx, u); err != nil {
		return err
	}
	next, err := newOpaque(refreshPrefix)
	if err != nil {
		return err
	}
	if _, err := s.store.RotateRefreshToken(ctx, old.TokenHash, hashOpaque(next), s.now().Add(s.refresh)); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return errBadRefresh // lost a race with a concurrent refresh of the same token
		}
		return err
	}
	return s.session(c, u, next)
}

// refreshReused: a revoked token came back, so it was copied. Revoke the
// user's every session; the thief and the user both sign in again.
func (s *Server) refreshReused(c *echo.Context, old store.RefreshToken) error {
	n, err := s.store.RevokeUserRefreshTokens(c.Request().Context(), old.UserID)
	if err != nil {
		return err
	}
	s.log.Warn("revoked refresh token reused: all sessions of the user revoked", "user_id", old.UserID,
		"revoked", n, "ip", c.RealIP(), "request_id", requestID(c))
	return errBadRefresh
}

func (s *Server) logout(c *echo.Context) error {
	var in RefreshRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	ctx := c.Request().Context()
	t, err := s.store.RefreshTokenByHash(ctx, hashOpaque(in.RefreshToken))
	if errors.Is(err, store.ErrNotFound) || err == nil && t.UserID != principalOf(c).UserID {
		return errNotFound("refresh token")
	}
	if err != nil {
		return err
	}
	if err := s.store.RevokeRefreshToken(ctx, t.TokenHash); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// authAPIKey authenticates an sbk_ key: known, not revoked, tenant active.
func (s *Server) authAPIKey(c *echo.Context, key string) (*principal, error) {
	ctx := c.Request().Context()
	k, err := s.store.APIKeyByHash(ctx, hashOpaque(key))
	if errors.Is(err, store.ErrNotFound) {
		return nil, errUnauthorized("unknown API key")
	}
	if err != nil {
		return nil, err
	}
	if k.RevokedAt != nil {
		return nil, errUnauthorized("the API key is revoked")
	}
	t, err := s.usableTenant(ctx, k.TenantID, tenancy.CheckAPIKey)
	if err != nil {
		return nil, err
	}
	c.Set(ctxTenant, t)
	if k.LastUsedAt == nil || s.now().Sub(*k.LastUsedAt) > time.Minute {
		if err := s.store.TouchAPIKey(ctx, k.TenantID, k.ID); err != nil {
			s.log.Warn("recording API key use", "api_key_id", k.ID, "request_id", requestID(c), "err", err)
		}
	}
	return &principal{APIKeyID: k.ID, Name: "api_key:" + k.Prefix, Tenant: k.TenantID, Role: k.Role}, nil
}

func secondsHeader(d time.Duration) string { return strconv.Itoa(int(math.Ceil(d.Seconds()))) }
