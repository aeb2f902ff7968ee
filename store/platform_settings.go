package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jmoiron/sqlx"

	"github.com/switchboard-cc/switchboard/tenancy"
)

// Platform settings are operator-wide values kept in the database, so every
// replica sees the same ones and the platform admin changes them through the
// API without a restart. One row per setting, its value JSON.

// settingTenantDefaults holds the tenancy.Quotas that a tenant created
// without quotas gets.
const settingTenantDefaults = "tenant_default_quotas"

// TenantDefaults returns the quotas a tenant created without quotas gets,
// and false when none were ever stored (then every quota is 0).
func (s *Store) TenantDefaults(ctx context.Context) (tenancy.Quotas, bool, error) {
	var quotas tenancy.Quotas
	var raw string
	err := s.platformRead(ctx, func(db q) error {
		return db.GetContext(ctx, &raw, `SELECT value FROM platform_settings WHERE name = $1`, settingTenantDefaults)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return quotas, false, nil
	}
	if err != nil {
		return quotas, false, fmt.Errorf("store: read tenant defaults: %w", err)
	}
	if err := json.Unmarshal([]byte(raw), &quotas); err != nil {
		return quotas, false, fmt.Errorf("store: tenant defaults: stored value %q: %w", raw, err)
	}
	return quotas, true, nil
}

// SetTenantDefaults replaces the quotas new tenants get when created without
// quotas. Existing tenants keep theirs.
func (s *Store) SetTenantDefaults(ctx context.Context, a Actor, q tenancy.Quotas) (tenancy.Quotas, error) {
	if err := q.Validate(); err != nil {
		return q, invalid("quotas", err.Error())
	}
	err := s.platformWrite(ctx, func(tx *sqlx.Tx) error {
		if _, err := s.putSetting(ctx, tx, settingTenantDefaults, q, true); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, change{action: "update", resourceType: "platform_setting", resourceID: settingTenantDefaults, changes: q})
	})
	return q, err
}

// EnsureTenantDefaults stores q as the tenant defaults unless some are
// stored already (serve's initial value: changes made through the API win),
// and reports whether it stored them.
func (s *Store) EnsureTenantDefaults(ctx context.Context, a Actor, q tenancy.Quotas) (bool, error) {
	if err := q.Validate(); err != nil {
		return false, invalid("quotas", err.Error())
	}
	stored := false
	err := s.platformWrite(ctx, func(tx *sqlx.Tx) error {
		n, err := s.putSetting(ctx, tx, settingTenantDefaults, q, false)
		if err != nil || n == 0 {
			return err
		}
		stored = true
		return s.audit(ctx, tx, a, change{action: "create", resourceType: "platform_setting", resourceID: settingTenantDefaults, changes: q})
	})
	return stored, err
}

// putSetting writes one setting and returns the rows written; replace false
// keeps an existing value (0 rows).
func (s *Store) putSetting(ctx context.Context, tx *sqlx.Tx, name string, v any, replace bool) (int64, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return 0, fmt.Errorf("store: setting %s: %w", name, err)
	}
	conflict := `DO NOTHING`
	if replace {
		conflict = `DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO platform_settings (name, value, updated_at) VALUES ($1, $2, $3)
		ON CONFLICT (name) `+conflict, name, string(b), s.nowUTC())
	if err != nil {
		return 0, fmt.Errorf("store: write setting %s: %w", name, err)
	}
	return res.RowsAffected()
}
