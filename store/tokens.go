package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/switchboard-cc/switchboard/tenancy"
)

// RefreshToken is a revocable sign-in session. Only a hash of the token is
// stored (api hashes it, e.g. SHA-256), so a database leak yields no tokens.
type RefreshToken struct {
	ID        string           `json:"id" db:"id"`
	UserID    string           `json:"user_id" db:"user_id"`
	TenantID  tenancy.TenantID `json:"tenant_id,omitempty" db:"-"`
	TokenHash string           `json:"-" db:"token_hash"`
	ExpiresAt time.Time        `json:"expires_at" db:"expires_at"`
	RevokedAt *time.Time       `json:"revoked_at,omitempty" db:"revoked_at"`
	CreatedAt time.Time        `json:"created_at" db:"created_at"`
}

type refreshRow struct {
	RefreshToken
	Tenant *string `db:"tenant_id"`
}

func (r refreshRow) token() RefreshToken {
	t := r.RefreshToken
	if r.Tenant != nil {
		t.TenantID = tenancy.TenantID(*r.Tenant)
	}
	t.ExpiresAt, t.CreatedAt, t.RevokedAt = t.ExpiresAt.UTC(), t.CreatedAt.UTC(), utcPtr(t.RevokedAt)
	return t
}

// Usable reports whether t may still be exchanged at now.
func (t RefreshToken) Usable(now time.Time) bool {
	return t.RevokedAt == nil && now.Before(t.ExpiresAt)
}

// CreateRefreshToken stores a new token for the user (its tenant is copied
// from the user).
func (s *Store) CreateRefreshToken(ctx context.Context, userID, tokenHash string, expiresAt time.Time) (RefreshToken, error) {
	if tokenHash == "" {
		return RefreshToken{}, invalid("token_hash", "is required")
	}
	var t RefreshToken
	err := s.platformWrite(ctx, func(tx *sqlx.Tx) error {
		var err error
		t, err = s.insertRefresh(ctx, tx, userID, tokenHash, expiresAt)
		return err
	})
	return t, err
}

func (s *Store) insertRefresh(ctx context.Context, tx *sqlx.Tx, userID, hash string, exp time.Time) (RefreshToken, error) {
	u, err := getUser(ctx, tx, `id = $1`, userID)
	if err != nil {
		return RefreshToken{}, err
	}
	t := RefreshToken{ID: newID(), UserID: userID, TenantID: u.TenantID, TokenHash: hash,
		ExpiresAt: exp.UTC().Truncate(time.Microsecond), CreatedAt: s.nowUTC()}
	_, err = tx.ExecContext(ctx, `INSERT INTO refresh_tokens (id, user_id, tenant_id, token_hash, expires_at, created_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, t.ID, userID, nullTenant(t.TenantID), hash, t.ExpiresAt, t.CreatedAt)
	if err != nil {
		return RefreshToken{}, mapUnique(err, "refresh token", nil)
	}
	return t, nil
}

// RefreshTokenByHash finds a token (revoked or expired ones too: the caller
// checks Usable, and may treat reuse of a revoked token as theft).
func (s *Store) RefreshTokenByHash(ctx context.Context, tokenHash string) (RefreshToken, error) {
	var r refreshRow
	err := s.platformRead(ctx, func(db q) error {
		return db.GetContext(ctx, &r, `SELECT * FROM refresh_tokens WHERE token_hash = $1`, tokenHash)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return RefreshToken{}, notFound("refresh token", "(hash)")
	}
	if err != nil {
		return RefreshToken{}, fmt.Errorf("store: get refresh token: %w", err)
	}
	return r.token(), nil
}

// RotateRefreshToken atomically revokes the usable token oldHash and stores
// newHash for the same user. A token already revoked, expired or unknown
// gives ErrNotFound, so two concurrent refreshes cannot both succeed.
func (s *Store) RotateRefreshToken(ctx context.Context, oldHash, newHash string, expiresAt time.Time) (RefreshToken, error) {
	var t RefreshToken
	err := s.platformWrite(ctx, func(tx *sqlx.Tx) error {
		var userID string
		err := tx.GetContext(ctx, &userID, `UPDATE refresh_tokens SET revoked_at = $1
			WHERE token_hash = $2 AND revoked_at IS NULL AND expires_at > $1 RETURNING user_id`, s.nowUTC(), oldHash)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("refresh token", "(hash)")
		}
		if err != nil {
			return fmt.Errorf("store: rotate refresh token: %w", err)
		}
		t, err = s.insertRefresh(ctx, tx, userID, newHash, expiresAt)
		return err
	})
	return t, err
}

// RevokeRefreshToken revokes one token (sign-out). Revoking twice is not an error.
func (s *Store) RevokeRefreshToken(ctx context.Context, tokenHash string) error {
	return s.platformWrite(ctx, func(tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE refresh_tokens SET revoked_at = $1 WHERE token_hash = $2 AND revoked_at IS NULL`,
			s.nowUTC(), tokenHash)
		return err
	})
}

// RevokeUserRefreshTokens revokes every token of a user (password change,
// disable, theft detected) and returns how many were revoked.
func (s *Store) RevokeUserRefreshTokens(ctx context.Context, userID string) (int, error) {
	var n int64
	err := s.platformWrite(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE refresh_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL`,
			s.nowUTC(), userID)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), err
}

// APIKey lets a machine act in one tenant with one tenant role. Only a hash
// of the key is stored; Prefix (the first characters) identifies it in UIs.
type APIKey struct {
	ID         string           `json:"id" db:"id"`
	TenantID   tenancy.TenantID `json:"tenant_id" db:"tenant_id"`
	Name       string           `json:"name" db:"name"`
	Role       tenancy.Role     `json:"role" db:"role"`
	KeyHash    string           `json:"-" db:"key_hash"`
	Prefix     string           `json:"prefix" db:"prefix"`
	CreatedBy  string           `json:"created_by" db:"created_by"`
	CreatedAt  time.Time        `json:"created_at" db:"created_at"`
	LastUsedAt *time.Time       `json:"last_used_at,omitempty" db:"last_used_at"`
	RevokedAt  *time.Time       `json:"revoked_at,omitempty" db:"revoked_at"`
}

func (k APIKey) utc() APIKey {
	k.CreatedAt, k.LastUsedAt, k.RevokedAt = k.CreatedAt.UTC(), utcPtr(k.LastUsedAt), utcPtr(k.RevokedAt)
	return k
}

// APIKeyInput creates an API key.
type APIKeyInput struct {
	Name    string       `json:"name"`
	Role    tenancy.Role `json:"role"`
	KeyHash string       `json:"-"`
	Prefix  string       `json:"prefix"`
}

// CreateAPIKey stores a new key of tenant.
func (s *Store) CreateAPIKey(ctx context.Context, a Actor, tenant tenancy.TenantID, in APIKeyInput) (APIKey, error) {
	if n := len(strings.TrimSpace(in.Name)); n == 0 || n > 100 {
		return APIKey{}, invalid("name", "must be 1 to 100 characters")
	}
	if err := checkRole(in.Role, false); err != nil {
		return APIKey{}, err
	}
	if in.KeyHash == "" || in.Prefix == "" {
		return APIKey{}, invalid("key", "hash and prefix are required")
	}
	k := APIKey{ID: newID(), TenantID: tenant, Name: strings.TrimSpace(in.Name), Role: in.Role, KeyHash: in.KeyHash,
		Prefix: in.Prefix, CreatedBy: a.ID, CreatedAt: s.nowUTC()}
	err := s.tenantWrite(ctx, tenant, func(tx *sqlx.Tx) error {
		_, err := tx.NamedExecContext(ctx, `INSERT INTO api_keys (id, tenant_id, name, role, key_hash, prefix, created_by, created_at)
			VALUES (:id, :tenant_id, :name, :role, :key_hash, :prefix, :created_by, :created_at)`, k)
		if err != nil {
			return mapUnique(err, "API key", map[string]string{"key_hash": "(hash)"})
		}
		return s.audit(ctx, tx, a, change{tenant, "create", "api_key", k.ID, map[string]string{"name": k.Name, "role": string(k.Role)}})
	})
	if err != nil {
		return APIKey{}, err
	}
	return k, nil
}

// APIKeyByHash finds a key for authentication (platform scope; the caller
// checks RevokedAt and the tenant with tenancy.CheckAPIKey).
func (s *Store) APIKeyByHash(ctx context.Context, keyHash string) (APIKey, error) {
	var k APIKey
	err := s.platformRead(ctx, func(db q) error {
		return db.GetContext(ctx, &k, `SELECT * FROM api_keys WHERE key_hash = $1`, keyHash)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return APIKey{}, notFound("API key", "(hash)")
	}
	if err != nil {
		return APIKey{}, fmt.Errorf("store: get API key: %w", err)
	}
	return k.utc(), nil
}

// TouchAPIKey records that a key was used now (no audit: it is not a change).
func (s *Store) TouchAPIKey(ctx context.Context, tenant tenancy.TenantID, id string) error {
	return s.systemWrite(ctx, tenant, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE api_keys SET last_used_at = $1 WHERE id = $2 AND tenant_id = $3`,
			s.nowUTC(), id, string(tenant))
		return mustAffect(res, err, "API key", id)
	})
}

// ListAPIKeys lists tenant's keys, revoked ones included.
func (s *Store) ListAPIKeys(ctx context.Context, tenant tenancy.TenantID, p Page) (List[APIKey], error) {
	return listTenant(ctx, s, tenant, p, "api_keys", func(k APIKey) string { return k.ID }, APIKey.utc)
}

// RevokeAPIKey revokes a key of tenant; revoking twice is not an error.
func (s *Store) RevokeAPIKey(ctx context.Context, a Actor, tenant tenancy.TenantID, id string) error {
	return s.tenantWrite(ctx, tenant, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2 AND tenant_id = $3`,
			s.nowUTC(), id, string(tenant))
		if err := mustAffect(res, err, "API key", id); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, change{tenant, "revoke", "api_key", id, nil})
	})
}

// listTenant lists rows of a tenant table whose rows scan straight into T.
func listTenant[T any](ctx context.Context, s *Store, tenant tenancy.TenantID, p Page, table string,
	id func(T) string, fix func(T) T) (List[T], error) {
	after, limit, err := p.keyset()
	if err != nil {
		return List[T]{}, err
	}
	var rows []T
	err = s.tenantRead(ctx, tenant, func(db q) error {
		return db.SelectContext(ctx, &rows, `SELECT * FROM `+table+` WHERE tenant_id = $1 AND id > $2 ORDER BY id LIMIT $3`,
			string(tenant), after, limit+1)
	})
	if err != nil {
		return List[T]{}, fmt.Errorf("store: list %s: %w", table, err)
	}
	for i := range rows {
		rows[i] = fix(rows[i])
	}
	return pageOf(rows, limit, id), nil
}
