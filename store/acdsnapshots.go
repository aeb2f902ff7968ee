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

// The ACD owner's snapshot (agent states, waiting interactions), saved
// periodically and at stop, so a restarted controller resumes where it was.
// Stored as the owner's JSON; the store does not interpret it.

// SaveACDSnapshot replaces tenant's snapshot.
func (s *Store) SaveACDSnapshot(ctx context.Context, tenant tenancy.TenantID, snapshot []byte) error {
	if len(snapshot) == 0 {
		return invalid("snapshot", "is empty")
	}
	now := s.nowUTC()
	return s.systemWrite(ctx, tenant, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE acd_snapshots SET snapshot = $1, saved_at = $2 WHERE tenant_id = $3`,
			string(snapshot), now, string(tenant))
		if err != nil {
			return fmt.Errorf("store: save ACD snapshot: %w", err)
		}
		if n, _ := res.RowsAffected(); n > 0 {
			return nil
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO acd_snapshots (tenant_id, snapshot, saved_at) VALUES ($1, $2, $3)`,
			string(tenant), string(snapshot), now)
		return err
	})
}

// LoadACDSnapshot returns tenant's last snapshot; found is false when none was saved.
func (s *Store) LoadACDSnapshot(ctx context.Context, tenant tenancy.TenantID) (snapshot []byte, savedAt time.Time, found bool, err error) {
	var row struct {
		Snapshot string    `db:"snapshot"`
		SavedAt  time.Time `db:"saved_at"`
	}
	err = s.tenantRead(ctx, tenant, func(db q) error {
		return db.GetContext(ctx, &row, `SELECT snapshot, saved_at FROM acd_snapshots WHERE tenant_id = $1`, string(tenant))
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, time.Time{}, false, nil
	}
	if err != nil {
		return nil, time.Time{}, false, fmt.Errorf("store: load ACD snapshot: %w", err)
	}
	return []byte(row.Snapshot), row.SavedAt.UTC(), true, nil
}
