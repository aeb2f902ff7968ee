package api

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Token prefixes tell a reader (and a secret scanner) what a string is.
const (
	apiKeyPrefix  = "sbk_"
	refreshPrefix = "sbr_"
)

// ErrBadToken reports an access token that is malformed, forged or expired.
var ErrBadToken = errors.New("invalid access token")

// accessClaims is the JWT payload: who, which tenant ("" for platform users), which role.
type accessClaims struct {
	Tenant string `json:"tid,omitempty"`
	Role   string `json:"role"`
	jwt.RegisteredClaims
}

// tokenIssuer signs and checks short-lived HS256 access tokens.
type tokenIssuer struct {
	secret []byte
	ttl    time.Duration
	// maxLife refuses a token whose exp - iat is longer, whoever signed it
	// (a key copied into a script cannot mint a year-long token).
	maxLife time.Duration
	now     func() time.Time
}

// iatLeeway is how far in the future a token's iat may be: replicas' clocks
// differ by a little, never by minutes.
const iatLeeway = 30 * time.Second

const tokenIssuerName = "switchboard"

func (t *tokenIssuer) issue(userID, tenantID, role string) (string, time.Time, error) {
	now := t.now().UTC()
	exp := now.Add(t.ttl)
	claims := accessClaims{Tenant: tenantID, Role: role, RegisteredClaims: jwt.RegisteredClaims{
		Issuer: tokenIssuerName, Subject: userID,
		IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(exp),
	}}
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(t.secret)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("sign access token: %w", err)
	}
	return s, exp, nil
}

func (t *tokenIssuer) parse(s string) (*accessClaims, error) {
	var c accessClaims
	_, err := jwt.ParseWithClaims(s, &c, func(*jwt.Token) (any, error) { return t.secret, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(tokenIssuerName), jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(t.now))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadToken, err)
	}
	if c.Subject == "" || c.Role == "" {
		return nil, fmt.Errorf("%w: missing subject or role", ErrBadToken)
	}
	if err := t.checkLifetime(&c); err != nil {
		return nil, err
	}
	return &c, nil
}

// checkLifetime refuses a token without iat, issued in the future, or
// living longer than maxLife.
func (t *tokenIssuer) checkLifetime(c *accessClaims) error {
	if c.IssuedAt == nil {
		return fmt.Errorf("%w: no iat", ErrBadToken)
	}
	iat := c.IssuedAt.Time
	if iat.After(t.now().Add(iatLeeway)) {
		return fmt.Errorf("%w: issued in the future (iat %s)", ErrBadToken, iat.UTC().Format(time.RFC3339))
	}
	if life := c.ExpiresAt.Sub(iat); life > t.maxLife {
		return fmt.Errorf("%w: lifetime %s exceeds the maximum %s", ErrBadToken, life, t.maxLife)
	}
	return nil
}

// newOpaque returns a random secret with prefix, shown to the client once.
func newOpaque(prefix string) (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random token: %w", err)
	}
	return prefix + base64.RawURLEncoding.EncodeToString(b), nil
}

// hashOpaque is what we store for refresh tokens and API keys. The secrets
// carry 256 random bits, so a fast hash is enough (no dictionary to attack).
func hashOpaque(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// isAPIKey reports whether a bearer credential is an API key rather than a JWT.
func isAPIKey(s string) bool { return strings.HasPrefix(s, apiKeyPrefix) }
