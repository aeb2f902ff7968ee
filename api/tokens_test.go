package api

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

func TestAccessToken(t *testing.T) {
	clk := &fakeClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	iss := &tokenIssuer{secret: []byte(strings.Repeat("k", 32)), ttl: 15 * time.Minute, maxLife: time.Hour, now: clk.now}
	tok, exp, err := iss.issue("u1", "t1", "tenant_admin")
	if err != nil || !exp.Equal(clk.t.Add(15*time.Minute)) {
		t.Fatal(err, exp)
	}
	c, err := iss.parse(tok)
	if err != nil || c.Subject != "u1" || c.Tenant != "t1" || c.Role != "tenant_admin" {
		t.Fatalf("%+v %v", c, err)
	}
	clk.advance(16 * time.Minute)
	if _, err := iss.parse(tok); !errors.Is(err, ErrBadToken) {
		t.Fatalf("expired token accepted: %v", err)
	}
}

func TestAccessTokenForgeries(t *testing.T) {
	clk := &fakeClock{t: time.Now()}
	iss := &tokenIssuer{secret: []byte(strings.Repeat("k", 32)), ttl: time.Minute, maxLife: time.Hour, now: clk.now}
	other := &tokenIssuer{secret: []byte(strings.Repeat("x", 32)), ttl: time.Minute, maxLife: time.Hour, now: clk.now}
	forged, _, _ := other.issue("u1", "", "platform_admin")
	claims := accessClaims{Role: "platform_admin", RegisteredClaims: jwt.RegisteredClaims{Issuer: tokenIssuerName,
		Subject: "u1", ExpiresAt: jwt.NewNumericDate(clk.t.Add(time.Hour))}}
	none, _ := jwt.NewWithClaims(jwt.SigningMethodNone, claims).SignedString(jwt.UnsafeAllowNoneSignatureType)
	noExp := accessClaims{Role: "platform_admin", RegisteredClaims: jwt.RegisteredClaims{Issuer: tokenIssuerName, Subject: "u1"}}
	unbounded, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, noExp).SignedString(iss.secret)
	good, _, _ := iss.issue("u1", "", "platform_admin")
	// Change the signature's first character (its last ones carry padding
	// bits a decoder ignores, so changing those can leave the bytes alone).
	sig := strings.LastIndex(good, ".") + 1
	swap := byte('A')
	if good[sig] == 'A' {
		swap = 'B'
	}
	tampered := good[:sig] + string(swap) + good[sig+1:]
	for name, tok := range map[string]string{"other key": forged, "alg none": none, "no exp": unbounded, "tampered": tampered, "garbage": "abc"} {
		if _, err := iss.parse(tok); !errors.Is(err, ErrBadToken) {
			t.Errorf("%s: accepted (%v)", name, err)
		}
	}
}

// TestAccessTokenIssuedAtAndLifetime: a token signed with the right key is
// still refused when it claims to be issued in the future (beyond a small
// clock leeway), has no iat, or lives longer than the configured maximum.
func TestAccessTokenIssuedAtAndLifetime(t *testing.T) {
	clk := &fakeClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	iss := &tokenIssuer{secret: []byte(strings.Repeat("k", 32)), ttl: 15 * time.Minute, maxLife: time.Hour, now: clk.now}
	sign := func(iat *time.Time, life time.Duration) string {
		rc := jwt.RegisteredClaims{Issuer: tokenIssuerName, Subject: "u1", ExpiresAt: jwt.NewNumericDate(clk.t.Add(life))}
		if iat != nil {
			rc.IssuedAt = jwt.NewNumericDate(*iat)
			rc.ExpiresAt = jwt.NewNumericDate(iat.Add(life))
		}
		s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, accessClaims{Role: "platform_admin", RegisteredClaims: rc}).SignedString(iss.secret)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	at := func(d time.Duration) *time.Time { v := clk.t.Add(d); return &v }
	for name, tc := range map[string]struct {
		tok string
		ok  bool
	}{
		"now, 15 min":               {sign(at(0), 15*time.Minute), true},
		"within leeway":             {sign(at(iatLeeway-time.Second), 15*time.Minute), true},
		"exactly the maximum":       {sign(at(-time.Minute), time.Hour), true},
		"issued in 10 min":          {sign(at(10*time.Minute), 15*time.Minute), false},
		"issued just past leeway":   {sign(at(iatLeeway+2*time.Second), 15*time.Minute), false},
		"lifetime over the maximum": {sign(at(-time.Minute), time.Hour+time.Second), false},
		"year-long, issued in past": {sign(at(-24*time.Hour), 365*24*time.Hour), false},
		"no iat":                    {sign(nil, 15*time.Minute), false},
	} {
		_, err := iss.parse(tc.tok)
		if tc.ok && err != nil || !tc.ok && !errors.Is(err, ErrBadToken) {
			t.Errorf("%s: ok=%v, got %v", name, tc.ok, err)
		}
	}
}

// TestFutureTokenRefusedOverHTTP: the guard answers 401 invalid_token for a
// correctly signed token issued in the future.
func TestFutureTokenRefusedOverHTTP(t *testing.T) {
	e := newEnv(t)
	rc := jwt.RegisteredClaims{Issuer: tokenIssuerName, Subject: "u1",
		IssuedAt: jwt.NewNumericDate(e.clock.now().Add(time.Hour)), ExpiresAt: jwt.NewNumericDate(e.clock.now().Add(time.Hour + time.Minute))}
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, accessClaims{Role: "platform_admin", RegisteredClaims: rc}).SignedString(e.api.tokens.secret)
	if err != nil {
		t.Fatal(err)
	}
	if r := e.do("GET", "/api/v1/me", tok, nil); r.status != 401 || r.errCode() != "invalid_token" {
		t.Fatalf("future token: %s", r)
	}
	e.must(e.do("GET", "/api/v1/me", e.admin, nil), 200, nil)
}

func TestOpaqueTokens(t *testing.T) {
	a, _ := newOpaque(apiKeyPrefix)
	b, _ := newOpaque(apiKeyPrefix)
	if a == b || !isAPIKey(a) || len(a) < 40 {
		t.Fatalf("weak keys %q %q", a, b)
	}
	if hashOpaque(a) == hashOpaque(b) || hashOpaque(a) != hashOpaque(a) {
		t.Fatal("hash not a function of the key")
	}
}

// FuzzAccessToken: any bearer string is either a token we issued or ErrBadToken; never a panic.
func FuzzAccessToken(f *testing.F) {
	iss := &tokenIssuer{secret: []byte(strings.Repeat("k", 32)), ttl: time.Minute, maxLife: time.Hour, now: time.Now}
	good, _, _ := iss.issue("u1", "t1", "agent")
	for _, s := range []string{good, "a.b.c", "eyJhbGciOiJub25lIn0.e30.", "", good + "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := iss.parse(s)
		if err == nil && (s != good || c.Subject != "u1") {
			t.Fatalf("accepted %q as %+v", s, c)
		}
		if err != nil && !errors.Is(err, ErrBadToken) {
			t.Fatalf("untyped error %v", err)
		}
	})
}

// FuzzCredential: header parsing never panics and never returns an empty credential as present.
func FuzzCredential(f *testing.F) {
	for _, s := range []string{"Bearer abc", "bearer sbk_x", "Basic Zm9v", "Bearer ", "Bearer  x ", ""} {
		f.Add(s, "")
	}
	f.Add("", "sbk_key")
	f.Fuzz(func(t *testing.T, authz, apiKey string) {
		req, err := http.NewRequest("GET", "/", nil)
		if err != nil {
			t.Skip()
		}
		req.Header.Set("Authorization", authz)
		req.Header.Set("X-API-Key", apiKey)
		cred, ok := credential(req)
		if ok && cred == "" {
			t.Fatalf("empty credential reported present for %q / %q", authz, apiKey)
		}
	})
}
