package api

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/tenancy"
)

func TestLoginAndMe(t *testing.T) {
	e := newEnv(t)
	f := e.newTenant("alpha", 5)
	var me Me
	e.must(e.do("GET", "/api/v1/me", f.admin, nil), 200, &me)
	if me.TenantID != f.id || me.Role != "tenant_admin" || len(me.Permissions) == 0 {
		t.Fatalf("me = %+v", me)
	}
	for name, body := range map[string]any{
		"wrong password": LoginRequest{Login: "admin@alpha.test", Password: "nope"},
		"unknown user":   LoginRequest{Login: "ghost@alpha.test", Password: testPassword},
	} {
		r := e.do("POST", "/api/v1/auth/login", "", body)
		if r.status != 401 || r.errCode() != "unauthorized" || !strings.Contains(string(r.body), "wrong login or password") {
			t.Errorf("%s: %s", name, r)
		}
	}
	r := e.do("POST", "/api/v1/auth/login", "", `{"login":"admin@alpha.test"}`)
	if r.status != 422 || !strings.Contains(string(r.body), `"field":"password"`) {
		t.Errorf("missing password: %s", r)
	}
	// The e-mail is case-insensitive.
	e.must(e.do("POST", "/api/v1/auth/login", "", LoginRequest{Login: "ADMIN@alpha.test", Password: testPassword}), 200, nil)
}

func TestAccessTokenExpires(t *testing.T) {
	e := newEnv(t)
	e.must(e.do("GET", "/api/v1/me", e.admin, nil), 200, nil)
	e.clock.advance(16 * time.Minute)
	if r := e.do("GET", "/api/v1/me", e.admin, nil); r.status != 401 || r.errCode() != "invalid_token" {
		t.Fatalf("expired token: %s", r)
	}
}

// TestFailedLoginsSlowDownThenLock: three free failures, then a growing
// delay (429 + Retry-After), then a lock (423) that is logged with user and
// IP, and that the right password cannot bypass until it expires.
func TestFailedLoginsSlowDownThenLock(t *testing.T) { testFailedLoginsSlowDownThenLock(t, newEnv(t)) }

func testFailedLoginsSlowDownThenLock(t *testing.T, e *env) {
	e.newTenant("alpha", 5)
	bad := LoginRequest{Login: "admin@alpha.test", Password: "wrong password!"}
	good := LoginRequest{Login: "admin@alpha.test", Password: testPassword}
	for i := 1; i <= 3; i++ {
		e.must(e.do("POST", "/api/v1/auth/login", "", bad), 401, nil)
	}
	var lastDelay int
	for i := 4; i < DefaultLockout.LockAfter; i++ {
		e.must(e.do("POST", "/api/v1/auth/login", "", bad), 401, nil)
		r := e.do("POST", "/api/v1/auth/login", "", good) // even the right password waits
		if r.status != 429 || r.errCode() != "login_throttled" {
			t.Fatalf("failure %d: want 429, got %s", i, r)
		}
		var d int
		json.Unmarshal([]byte(r.header.Get("Retry-After")), &d)
		if d <= lastDelay {
			t.Fatalf("failure %d: delay %ds did not grow from %ds", i, d, lastDelay)
		}
		lastDelay = d
		e.clock.advance(time.Duration(d) * time.Second)
	}
	e.must(e.do("POST", "/api/v1/auth/login", "", bad), 401, nil) // the LockAfter-th failure
	r := e.do("POST", "/api/v1/auth/login", "", good)
	if r.status != 423 || r.errCode() != "account_locked" || r.header.Get("Retry-After") != "900" {
		t.Fatalf("locked account: %s (Retry-After %q)", r, r.header.Get("Retry-After"))
	}
	logs := e.logs.String()
	if !strings.Contains(logs, `"level":"WARN","msg":"account locked after repeated failed sign-ins"`) ||
		!strings.Contains(logs, `"email":"admin@alpha.test","ip":"127.0.0.1"`) {
		t.Fatalf("lockout not logged with user and IP:\n%s", logs)
	}
	m := string(e.do("GET", "/metrics", "", nil).body)
	for _, want := range []string{`switchboard_auth_sign_ins_total{outcome="lockout"} 1`,
		`switchboard_auth_sign_ins_total{outcome="locked"} 1`, `switchboard_auth_sign_ins_total{outcome="throttled"} 6`} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	e.clock.advance(15*time.Minute + time.Second)
	e.must(e.do("POST", "/api/v1/auth/login", "", good), 200, nil)
	// Success reset the count: three more failures are free again.
	for i := 0; i < 3; i++ {
		e.must(e.do("POST", "/api/v1/auth/login", "", bad), 401, nil)
	}
	e.must(e.do("POST", "/api/v1/auth/login", "", good), 200, nil)
}

func TestRefreshRotatesAndDetectsReuse(t *testing.T) { testRefreshRotatesAndDetectsReuse(t, newEnv(t)) }

func testRefreshRotatesAndDetectsReuse(t *testing.T, e *env) {
	e.newTenant("alpha", 5)
	var s1 TokenResponse
	e.must(e.do("POST", "/api/v1/auth/login", "", LoginRequest{Login: "admin@alpha.test", Password: testPassword}), 200, &s1)
	var s2 TokenResponse
	e.must(e.do("POST", "/api/v1/auth/refresh", "", RefreshRequest{RefreshToken: s1.RefreshToken}), 200, &s2)
	if s2.RefreshToken == s1.RefreshToken || !strings.HasPrefix(s2.RefreshToken, refreshPrefix) || s2.User.Email != "admin@alpha.test" {
		t.Fatalf("not rotated: %+v", s2)
	}
	e.must(e.do("GET", "/api/v1/me", s2.AccessToken, nil), 200, nil)
	// The old token comes back: theft. Every session of the user dies.
	e.must(e.do("POST", "/api/v1/auth/refresh", "", RefreshRequest{RefreshToken: s1.RefreshToken}), 401, nil)
	e.must(e.do("POST", "/api/v1/auth/refresh", "", RefreshRequest{RefreshToken: s2.RefreshToken}), 401, nil)
	if !strings.Contains(e.logs.String(), "revoked refresh token reused") {
		t.Fatal("reuse not logged")
	}
	e.must(e.do("POST", "/api/v1/auth/refresh", "", RefreshRequest{RefreshToken: "sbr_made_up"}), 401, nil)
	e.must(e.do("POST", "/api/v1/auth/refresh", "", `{"refresh_token":1}`), 400, nil)
}

func TestRefreshTokenExpires(t *testing.T) {
	e := newEnv(t)
	var s TokenResponse
	e.must(e.do("POST", "/api/v1/auth/login", "", LoginRequest{Login: "root@platform.test", Password: testPassword}), 200, &s)
	e.clock.advance(31 * 24 * time.Hour)
	e.must(e.do("POST", "/api/v1/auth/refresh", "", RefreshRequest{RefreshToken: s.RefreshToken}), 401, nil)
}

func TestLogoutRevokesOnlyOwnToken(t *testing.T) {
	e := newEnv(t)
	f := e.newTenant("alpha", 5)
	var s TokenResponse
	e.must(e.do("POST", "/api/v1/auth/login", "", LoginRequest{Login: "admin@alpha.test", Password: testPassword}), 200, &s)
	// Another user cannot revoke it.
	e.must(e.do("POST", "/api/v1/auth/logout", e.admin, RefreshRequest{RefreshToken: s.RefreshToken}), 404, nil)
	e.must(e.do("POST", "/api/v1/auth/logout", f.admin, RefreshRequest{RefreshToken: s.RefreshToken}), 204, nil)
	e.must(e.do("POST", "/api/v1/auth/refresh", "", RefreshRequest{RefreshToken: s.RefreshToken}), 401, nil)
}

func TestPasswordChangeAndDisableRevokeSessions(t *testing.T) {
	e := newEnv(t)
	f := e.newTenant("alpha", 5)
	e.must(e.do("POST", f.base+"/users", f.admin, CreateUserRequest{Email: "sup@alpha.test", DisplayName: "Sup",
		Role: tenancy.RoleSupervisor, Password: testPassword}), 201, nil)
	var u TokenResponse
	e.must(e.do("POST", "/api/v1/auth/login", "", LoginRequest{Login: "sup@alpha.test", Password: testPassword}), 200, &u)
	e.must(e.do("PATCH", f.base+"/users/"+u.User.ID, f.admin, map[string]any{"password": "a brand new password"}), 200, nil)
	e.must(e.do("POST", "/api/v1/auth/refresh", "", RefreshRequest{RefreshToken: u.RefreshToken}), 401, nil)
	e.must(e.do("POST", "/api/v1/auth/login", "", LoginRequest{Login: "sup@alpha.test", Password: testPassword}), 401, nil)
	e.must(e.do("POST", "/api/v1/auth/login", "", LoginRequest{Login: "sup@alpha.test", Password: "a brand new password"}), 200, nil)
	e.must(e.do("PATCH", f.base+"/users/"+u.User.ID, f.admin, map[string]any{"disabled": true}), 200, nil)
	if r := e.do("POST", "/api/v1/auth/login", "", LoginRequest{Login: "sup@alpha.test", Password: "a brand new password"}); r.status != 403 {
		t.Fatalf("disabled user signed in: %s", r)
	}
	// The right password of a disabled user is no failed attempt.
	if got, err := e.store.UserByEmail(context.Background(), "sup@alpha.test"); err != nil || got.FailedLogins != 0 {
		t.Fatalf("disabled user's right password counted as a failure: %d, %v", got.FailedLogins, err)
	}
}

func TestAPIKeys(t *testing.T) { testAPIKeys(t, newEnv(t)) }

func testAPIKeys(t *testing.T, e *env) {
	f := e.newTenant("alpha", 5)
	var k CreatedAPIKey
	e.must(e.do("POST", f.base+"/api-keys", f.admin, CreateAPIKeyRequest{Name: "crm", Role: tenancy.RoleSupervisor}), 201, &k)
	if !strings.HasPrefix(k.Key, apiKeyPrefix) || !strings.HasPrefix(k.Key, k.APIKey.Prefix) {
		t.Fatalf("key %q prefix %q", k.Key, k.APIKey.Prefix)
	}
	// Shown once: the list carries no key and no hash.
	r := e.do("GET", f.base+"/api-keys", f.admin, nil)
	if strings.Contains(string(r.body), k.Key) || strings.Contains(string(r.body), hashOpaque(k.Key)) {
		t.Fatalf("list leaks the key: %s", r)
	}
	var me Me
	e.must(e.do("GET", "/api/v1/me", k.Key, nil), 200, &me)
	if me.APIKeyID != k.APIKey.ID || me.Role != "supervisor" || me.TenantID != f.id {
		t.Fatalf("me via bearer key: %+v", me)
	}
	e.must(e.do("GET", f.base+"/agents", "", nil, "X-API-Key", k.Key), 200, nil)
	// The key's role limits it: a supervisor cannot create users.
	e.must(e.do("POST", f.base+"/users", k.Key, CreateUserRequest{Email: "x@alpha.test", DisplayName: "X",
		Role: tenancy.RoleAgent, Password: testPassword}), 403, nil)
	// Keys carry tenant roles only.
	if r := e.do("POST", f.base+"/api-keys", f.admin, CreateAPIKeyRequest{Name: "root", Role: tenancy.RolePlatformAdmin}); r.status != 422 {
		t.Fatalf("platform-role key: %s", r)
	}
	e.must(e.do("DELETE", f.base+"/api-keys/"+k.APIKey.ID, f.admin, nil), 204, nil)
	if r := e.do("GET", "/api/v1/me", "", nil, "X-API-Key", k.Key); r.status != 401 {
		t.Fatalf("revoked key accepted: %s", r)
	}
	if r := e.do("GET", "/api/v1/me", "sbk_unknown", nil); r.status != 401 {
		t.Fatalf("unknown key accepted: %s", r)
	}
}

func TestChangeOwnPassword(t *testing.T) {
	e := newEnv(t)
	f := e.newTenant("alpha", 5)
	var s TokenResponse
	e.must(e.do("POST", "/api/v1/auth/login", "", LoginRequest{Login: "admin@alpha.test", Password: testPassword}), 200, &s)
	r := e.do("POST", "/api/v1/me/password", f.admin, ChangePasswordRequest{CurrentPassword: "wrong", NewPassword: "a new long password"})
	if r.status != 422 || !strings.Contains(string(r.body), `"field":"current_password"`) {
		t.Fatalf("wrong current password: %s", r)
	}
	e.must(e.do("POST", "/api/v1/me/password", f.admin, ChangePasswordRequest{CurrentPassword: testPassword, NewPassword: "short"}), 422, nil)
	e.must(e.do("POST", "/api/v1/me/password", f.admin, ChangePasswordRequest{CurrentPassword: testPassword, NewPassword: "a new long password"}), 204, nil)
	// The right current password ends the run of failures (the wrong one above counted).
	if u, err := e.store.UserByEmail(context.Background(), "admin@alpha.test"); err != nil || u.FailedLogins != 0 {
		t.Fatalf("after a password change with the right current password: failed_logins %d, %v", u.FailedLogins, err)
	}
	e.must(e.do("POST", "/api/v1/auth/refresh", "", RefreshRequest{RefreshToken: s.RefreshToken}), 401, nil)
	e.must(e.do("POST", "/api/v1/auth/login", "", LoginRequest{Login: "admin@alpha.test", Password: "a new long password"}), 200, nil)
	// Platform users too; API keys have no password.
	e.must(e.do("POST", "/api/v1/me/password", e.admin, ChangePasswordRequest{CurrentPassword: testPassword, NewPassword: "another long password"}), 204, nil)
	var k CreatedAPIKey
	e.must(e.do("POST", f.base+"/api-keys", e.admin, CreateAPIKeyRequest{Name: "k", Role: "tenant_admin"}), 201, &k)
	e.must(e.do("POST", "/api/v1/me/password", k.Key, ChangePasswordRequest{CurrentPassword: "x", NewPassword: "another long password"}), 403, nil)
}
