package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jmoiron/sqlx"

	"github.com/switchboard-cc/switchboard/tenancy"
)

// Every query runs in one of four scopes. On PostgreSQL the scope is also
// set inside the transaction (set_config(..., true) lasts until commit) so
// row-level security is a second wall behind the explicit tenant_id filter.

// q is what query helpers need: a *sqlx.DB or a *sqlx.Tx.
type q interface {
	sqlx.ExtContext
	GetContext(ctx context.Context, dest any, query string, args ...any) error
	SelectContext(ctx context.Context, dest any, query string, args ...any) error
}

// tenantRead runs fn with tenant's scope for reading.
func (s *Store) tenantRead(ctx context.Context, tenant tenancy.TenantID, fn func(q) error) error {
	if err := tenant.Check(); err != nil {
		return err
	}
	if !s.postgres {
		return fn(s.db) // no RLS on SQLite; plain reads run concurrently
	}
	return s.inTx(ctx, &sql.TxOptions{ReadOnly: true}, func(tx *sqlx.Tx) error {
		if err := setScope(ctx, tx, string(tenant), false); err != nil {
			return err
		}
		return fn(tx)
	})
}

// tenantWrite runs fn in a transaction scoped to tenant after checking the
// tenant exists and accepts writes (tenancy.CheckWrite). The tenant row is
// locked on PostgreSQL, serialising quota checks of one tenant.
func (s *Store) tenantWrite(ctx context.Context, tenant tenancy.TenantID, fn func(*sqlx.Tx) error) error {
	return s.tenantTx(ctx, tenant, true, fn)
}

// systemWrite is tenantWrite without the status check: the call path keeps
// recording history and CDRs of a suspended tenant's calls in progress.
func (s *Store) systemWrite(ctx context.Context, tenant tenancy.TenantID, fn func(*sqlx.Tx) error) error {
	return s.tenantTx(ctx, tenant, false, fn)
}

func (s *Store) tenantTx(ctx context.Context, tenant tenancy.TenantID, checkStatus bool, fn func(*sqlx.Tx) error) error {
	if err := tenant.Check(); err != nil {
		return err
	}
	return s.inTx(ctx, nil, func(tx *sqlx.Tx) error {
		if err := setScope(ctx, tx, string(tenant), false); err != nil {
			return err
		}
		if err := s.lockTenant(ctx, tx, tenant, checkStatus); err != nil {
			return err
		}
		return fn(tx)
	})
}

func (s *Store) lockTenant(ctx context.Context, tx *sqlx.Tx, tenant tenancy.TenantID, checkStatus bool) error {
	query := `SELECT status FROM tenants WHERE id = $1`
	if s.postgres && checkStatus {
		query += ` FOR NO KEY UPDATE`
	}
	var status tenancy.Status
	var err error
	if s.postgres {
		err = tx.GetContext(ctx, &status, query, string(tenant))
	} else {
		// Every write transaction starts here: prepared once (prepared.go).
		var st *sql.Stmt
		if st, err = s.txStmt(ctx, tx, query); err == nil {
			err = st.QueryRowContext(ctx, string(tenant)).Scan(&status)
		}
	}
	if errors.Is(err, sql.ErrNoRows) {
		return notFound("tenant", string(tenant))
	}
	if err != nil {
		return fmt.Errorf("store: read tenant status: %w", err)
	}
	if checkStatus {
		return tenancy.CheckWrite(status)
	}
	return nil
}

// platformRead runs fn with platform-wide scope for reading.
func (s *Store) platformRead(ctx context.Context, fn func(q) error) error {
	if !s.postgres {
		return fn(s.db)
	}
	return s.inTx(ctx, &sql.TxOptions{ReadOnly: true}, func(tx *sqlx.Tx) error {
		if err := setScope(ctx, tx, "", true); err != nil {
			return err
		}
		return fn(tx)
	})
}

// platformWrite runs fn in a transaction with platform-wide scope.
func (s *Store) platformWrite(ctx context.Context, fn func(*sqlx.Tx) error) error {
	return s.inTx(ctx, nil, func(tx *sqlx.Tx) error {
		if err := setScope(ctx, tx, "", true); err != nil {
			return err
		}
		return fn(tx)
	})
}

// setScope sets the RLS settings for the rest of the transaction. SQLite has
// no set_config; the call is skipped there by the caller's driver check.
func setScope(ctx context.Context, tx *sqlx.Tx, tenant string, platform bool) error {
	if tx.DriverName() != "pgx" {
		return nil
	}
	flag := "off"
	if platform {
		flag = "on"
	}
	_, err := tx.ExecContext(ctx,
		`SELECT set_config('switchboard.tenant_id', $1, true), set_config('switchboard.platform', $2, true)`,
		tenant, flag)
	if err != nil {
		return fmt.Errorf("store: set scope: %w", err)
	}
	return nil
}

// inTx runs fn in a transaction, committing on nil and rolling back otherwise.
func (s *Store) inTx(ctx context.Context, opts *sql.TxOptions, fn func(*sqlx.Tx) error) (err error) {
	tx, err := s.db.BeginTxx(ctx, opts)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			tx.Rollback()
			panic(p)
		}
	}()
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}
