package api

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/ratelimit"
)

// TestAuthRoutesAreRateLimitedPerClientAddress: an address over its limit
// gets 429 rate_limited with Retry-After on every /auth route, before its
// credentials are read; other addresses and other routes are unaffected;
// the first refusal is logged, every one counted; time gives the address
// its requests back.
func TestAuthRoutesAreRateLimitedPerClientAddress(t *testing.T) {
	_, loopback, _ := net.ParseCIDR("127.0.0.0/8")
	e := newEnv(t, func(c *Config) {
		c.AuthRateLimit = &ratelimit.Limit{Burst: 3, Per: 30 * time.Second}
		c.TrustedProxies = []*net.IPNet{loopback} // X-Forwarded-For names the client
	})
	const a, b = "203.0.113.7", "198.51.100.9"
	ghost := LoginRequest{Login: "ghost@platform.test", Password: "not a password"}
	for range 3 {
		e.must(e.do("POST", "/api/v1/auth/login", "", ghost, "X-Forwarded-For", a), 401, nil)
	}
	r := e.do("POST", "/api/v1/auth/refresh", "", RefreshRequest{RefreshToken: "sbr_x"}, "X-Forwarded-For", a)
	if r.status != 429 || r.errCode() != "rate_limited" || r.header.Get("Retry-After") != "10" {
		t.Fatalf("4th /auth request from %s: %s (Retry-After %q), want 429 rate_limited after 10 s", a, r, r.header.Get("Retry-After"))
	}
	if r := e.do("POST", "/api/v1/auth/login", "", ghost, "X-Forwarded-For", a); r.status != 429 {
		t.Fatalf("5th: %s", r)
	}
	e.must(e.do("POST", "/api/v1/auth/login", "", ghost, "X-Forwarded-For", b), 401, nil)
	e.must(e.do("GET", "/api/v1/me", e.admin, nil, "X-Forwarded-For", a), 200, nil)
	if checked := signIns(e, "bad_credentials"); checked != 4 {
		t.Fatalf("%d logins reached the password check, want 4 (the refused ones must not)", checked)
	}
	if n := counterValue(t, e.api.metrics.authRateLimited); n != 2 {
		t.Fatalf("switchboard_auth_rate_limited_total = %d, want 2", n)
	}
	logs := e.logs.String()
	if n := strings.Count(logs, "client address over the sign-in rate limit"); n != 1 || !strings.Contains(logs, `"ip":"`+a+`"`) {
		t.Fatalf("the refusals were logged %d times (want once, with the address):\n%s", n, logs)
	}
	e.clock.advance(10 * time.Second)
	e.must(e.do("POST", "/api/v1/auth/login", "", ghost, "X-Forwarded-For", a), 401, nil)
	if r := e.do("POST", "/api/v1/auth/login", "", ghost, "X-Forwarded-For", a); r.status != 429 {
		t.Fatalf("one request came back after 10 s, the next: %s", r)
	}
}

func TestAuthRateLimitDefaultsAndOff(t *testing.T) {
	if got := newEnv(t).api.authLimit.Limit(); got != DefaultAuthRateLimit {
		t.Fatalf("no AuthRateLimit configured: %v, want the default %v", got, DefaultAuthRateLimit)
	}
	e := newEnv(t, func(c *Config) { c.AuthRateLimit = &ratelimit.Limit{} })
	for range 2 * DefaultAuthRateLimit.Burst {
		e.must(e.do("POST", "/api/v1/auth/refresh", "", RefreshRequest{RefreshToken: "sbr_x"}), 401, nil)
	}
}
