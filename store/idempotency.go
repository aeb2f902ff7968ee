package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/switchboard-cc/switchboard/tenancy"
)

// Idempotency lets api honour Idempotency-Key on creating POSTs. The flow:
//
//	rec, err := s.BeginIdempotent(ctx, scope, key, hash)
//	ErrIdempotencyMismatch   -> 422/409: same key, different body
//	ErrIdempotencyInProgress -> 409: first request still running
//	rec.Done                 -> replay rec.StatusCode and rec.Body
//	otherwise                -> run the handler, then CompleteIdempotent
//	                            (or AbortIdempotent if it failed before answering)
//
// Scope is the principal ("user:<id>" or "api_key:<id>"), so two principals
// never see each other's responses.

// IdempotencyRecord is a stored key.
type IdempotencyRecord struct {
	Scope       string
	Key         string
	RequestHash string
	StatusCode  int // 0 while in progress
	Body        []byte
	CreatedAt   time.Time
	Done        bool
}

type idemRow struct {
	Scope       string    `db:"scope"`
	Key         string    `db:"idem_key"`
	TenantID    *string   `db:"tenant_id"`
	RequestHash string    `db:"request_hash"`
	StatusCode  int       `db:"status_code"`
	Body        string    `db:"body"`
	CreatedAt   time.Time `db:"created_at"`
}

func checkIdemKey(scope, key string) error {
	if scope == "" {
		return invalid("idempotency_scope", "is required")
	}
	if key == "" || len(key) > 255 {
		return invalid("Idempotency-Key", "must be 1 to 255 characters")
	}
	return nil
}

// BeginIdempotent claims (scope, key) for a request whose body hashes to
// requestHash, or returns the stored record. tenant may be zero for platform
// requests.
func (s *Store) BeginIdempotent(ctx context.Context, tenant tenancy.TenantID, scope, key, requestHash string) (IdempotencyRecord, error) {
	if err := checkIdemKey(scope, key); err != nil {
		return IdempotencyRecord{}, err
	}
	var rec IdempotencyRecord
	err := s.platformWrite(ctx, func(tx *sqlx.Tx) error {
		var r idemRow
		err := tx.GetContext(ctx, &r, `SELECT * FROM idempotency_keys WHERE scope = $1 AND idem_key = $2`, scope, key)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			rec = IdempotencyRecord{Scope: scope, Key: key, RequestHash: requestHash, CreatedAt: s.nowUTC()}
			_, err = tx.ExecContext(ctx, `INSERT INTO idempotency_keys (scope, idem_key, tenant_id, request_hash,
				status_code, body, created_at) VALUES ($1, $2, $3, $4, 0, '', $5)`,
				scope, key, nullTenant(tenant), requestHash, rec.CreatedAt)
			return err
		case err != nil:
			return err
		case r.RequestHash != requestHash:
			return ErrIdempotencyMismatch
		case r.StatusCode == 0:
			return ErrIdempotencyInProgress
		}
		rec = IdempotencyRecord{Scope: scope, Key: key, RequestHash: r.RequestHash, StatusCode: r.StatusCode,
			Body: []byte(r.Body), CreatedAt: r.CreatedAt.UTC(), Done: true}
		return nil
	})
	if err != nil && !errors.Is(err, ErrIdempotencyMismatch) && !errors.Is(err, ErrIdempotencyInProgress) {
		if _, ok := uniqueField(err); ok { // lost a race with the same key
			return IdempotencyRecord{}, ErrIdempotencyInProgress
		}
		return IdempotencyRecord{}, fmt.Errorf("store: idempotency: %w", err)
	}
	return rec, err
}

// CompleteIdempotent stores the response of the request that claimed the key.
func (s *Store) CompleteIdempotent(ctx context.Context, scope, key string, statusCode int, body []byte) error {
	if statusCode < 100 || statusCode > 599 {
		return invalid("status_code", fmt.Sprintf("%d is not an HTTP status", statusCode))
	}
	return s.platformWrite(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE idempotency_keys SET status_code = $1, body = $2
			WHERE scope = $3 AND idem_key = $4 AND status_code = 0`, statusCode, string(body), scope, key)
		return mustAffect(res, err, "pending idempotency key", key)
	})
}

// AbortIdempotent releases a claimed key whose request failed before a
// response worth replaying, so the client may retry.
func (s *Store) AbortIdempotent(ctx context.Context, scope, key string) error {
	return s.platformWrite(ctx, func(tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE scope = $1 AND idem_key = $2 AND status_code = 0`, scope, key)
		return err
	})
}

// PurgeIdempotency deletes keys created before cutoff and returns how many.
func (s *Store) PurgeIdempotency(ctx context.Context, cutoff time.Time) (int, error) {
	var n int64
	err := s.platformWrite(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE created_at < $1`, cutoff.UTC())
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), err
}
