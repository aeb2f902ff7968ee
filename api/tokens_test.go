package api

import (
	"errors"
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
	iss := &tokenIssuer{secret: []byte(strings.Repeat("k", 32)), ttl: 15 * time.Minute, now: clk.now}
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
	iss := &tokenIssuer{secret: []byte(strings.Repeat("k", 32)), ttl: time.Minute, now: clk.now}
	other := &tokenIssuer{secret: []byte(strings.Repeat("x", 32)), ttl: time.Minute, now: clk.now}
	forged, _, _ := other.issue("u1", "", "platform_admin")
	claims := accessClaims{Role: "platform_admin", RegisteredClaims: jwt.RegisteredClaims{Issuer: tokenIssuerName,
		Subject: "u1", ExpiresAt: jwt.NewNumericDate(clk.t.Add(time.Hour))}}
	none, _ := jwt.NewWithClaims(jwt.SigningMethodNone, claims).SignedString(jwt.UnsafeAllowNoneSignatureType)
	noExp := accessClaims{Role: "platform_admin", RegisteredClaims: jwt.RegisteredClaims{Issuer: tokenIssuerName, Subject: "u1"}}
	unbounded, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, noExp).SignedString(iss.secret)
	good, _, _ := iss.issue("u1", "", "platform_admin")
	tampered := good[:len(good)-2] + "xx"
	for name, tok := range map[string]string{"other key": forged, "alg none": none, "no exp": unbounded, "tampered": tampered, "garbage": "abc"} {
		if _, err := iss.parse(tok); !errors.Is(err, ErrBadToken) {
			t.Errorf("%s: accepted (%v)", name, err)
		}
	}
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
