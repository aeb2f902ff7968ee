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
		return s.unknownLogin(ctx, in.Password)
	}
	if err != nil {
		return err
	}
	ok, err := s.checkPassword(c, u, in.Password)
	if err != nil {
		return err
	}
	if !ok {
		return errBadCredentials
	}
	return s.loginSucceeded(c, u)
}

// dummyPassword is hashed once at start into Server.dummyHash.
const dummyPassword = "dummy password for timing"

// unknownLogin answers a login naming no user after checking the password
// against a dummy hash: the same cost as a real check (no user enumeration
// by timing), through the same bound on parallel hashes.
func (s *Server) unknownLogin(ctx context.Context, password string) error {
	err := s.hashes.do(ctx, func() error {
		_, _ = s.checkHash(s.dummyHash, password)
		return nil
	})
	if err != nil {
		return err
	}
	s.metrics.signIns.WithLabelValues("bad_credentials").Inc()
	return errBadCredentials
}

// checkPassword is one attempt at u's password, refused while the account
// is locked or delayed. The attempt is counted in the store BEFORE the
// password is checked, atomically per account, so parallel guesses cannot
// all be checked before the first failure is recorded: once the lock's
// limit is reached no further guess is checked (store.BeginLoginAttempt).
// The attempt is taken in a hash slot, so an answer of server_busy (429)
// costs the account nothing. A wrong password is logged and delays the
// account; the caller records a right one.
func (s *Server) checkPassword(c *echo.Context, u store.User, password string) (bool, error) {
	if err := s.checkAttempt(u); err != nil {
		return false, err
	}
	ctx := c.Request().Context()
	var a store.LoginAttempt
	var ok bool
	err := s.hashes.do(ctx, func() error {
		var err error
		a, err = s.store.BeginLoginAttempt(ctx, u.ID, s.lockout.LockAfter, s.lockout.LockFor)
		if err != nil {
			return err
		}
		if a.Refused {
			return s.errLocked(a.LockedUntil)
		}
		if ok, err = s.checkHash(u.PasswordHash, password); err != nil {
			return fmt.Errorf("user %s: %w", u.ID, err)
		}
		return nil
	})
	if err != nil {
		return false, err
	}
	if !ok {
		s.attemptFailed(c, u, a)
	}
	return ok, nil
}

// checkAttempt refuses a sign-in while the account is locked (as read with
// the user) or delayed, before it takes a hash slot or counts.
func (s *Server) checkAttempt(u store.User) error {
	now := s.now()
	if u.LockedUntil != nil && now.Before(*u.LockedUntil) {
		return s.errLocked(u.LockedUntil)
	}
	if w := s.throttle.wait(u.ID, now); w > 0 {
		s.metrics.signIns.WithLabelValues("throttled").Inc()
		return retryAfter(&Error{Status: http.StatusTooManyRequests, Code: "login_throttled",
			Message: "too many failed sign-ins: wait before trying again"}, w)
	}
	return nil
}

// errLocked is the answer (423) to an attempt on an account locked until until.
func (s *Server) errLocked(until *time.Time) error {
	s.metrics.signIns.WithLabelValues("locked").Inc()
	end := s.now().Add(s.lockout.LockFor) // the store refused without saying until when (not expected)
	if until != nil {
		end = *until
	}
	return retryAfter(&Error{Status: http.StatusLocked, Code: "account_locked",
		Message: "too many failed sign-ins: the account is locked until " + end.UTC().Format(time.RFC3339)}, end.Sub(s.now()))
}

// retryAfter attaches a Retry-After (whole seconds, rounded up) to e.
func retryAfter(e *Error, d time.Duration) *Error {
	e.Details = map[string]any{"retry_after_seconds": int(math.Ceil(d.Seconds()))}
	e.RetryAfter = d
	return e
}

// attemptFailed records a wrong password of the counted attempt a: the
// lock it set is logged, or the account waits the policy's delay (held in
// memory, per replica: the lock is the bound that holds everywhere).
func (s *Server) attemptFailed(c *echo.Context, u store.User, a store.LoginAttempt) {
	now := s.now()
	s.metrics.signIns.WithLabelValues("bad_credentials").Inc()
	if a.LockedUntil != nil {
		s.metrics.signIns.WithLabelValues("lockout").Inc()
		s.throttle.clear(u.ID)
		s.log.Warn("account locked after repeated failed sign-ins", "user_id", u.ID, "email", u.Email,
			"ip", c.RealIP(), "locked_until", a.LockedUntil.UTC(), "request_id", requestID(c))
		return
	}
	if w, _ := s.lockout.wait(a.Failures); w > 0 {
		s.throttle.delay(u.ID, now.Add(w), now)
		s.log.Info("sign-in delayed after failures", "user_id", u.ID, "failures", a.Failures, "delay", w, "ip", c.RealIP(), "request_id", requestID(c))
	}
}

func (s *Server) loginSucceeded(c *echo.Context, u store.User) error {
	ctx := c.Request().Context()
	if err := s.userMaySignIn(ctx, u); err != nil {
		// The password was right: the attempt counted before the check
		// is no failure, even though the user may not sign in.
		if cerr := s.store.ClearLoginFailures(ctx, u.ID); cerr != nil {
			return cerr
		}
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
