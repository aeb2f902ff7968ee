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

// Tenant settings are a tenant's own values that are not part of the tenant
// record the operator edits: one row per (tenant, name), its value JSON.

// settingDesktop holds the tenancy.DesktopSettings of the agent desktop.
const settingDesktop = "desktop"

// DesktopSettings returns tenant's desktop settings, or the defaults
// (tenancy.DefaultDesktopSettings) while it has stored none.
func (s *Store) DesktopSettings(ctx context.Context, tenant tenancy.TenantID) (tenancy.DesktopSettings, error) {
	out := tenancy.DefaultDesktopSettings()
	var raw string
	err := s.tenantRead(ctx, tenant, func(db q) error {
		return db.GetContext(ctx, &raw, `SELECT value FROM tenant_settings WHERE tenant_id = $1 AND name = $2`,
			string(tenant), settingDesktop)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return out, nil
	}
	if err != nil {
		return out, fmt.Errorf("store: read desktop settings: %w", err)
	}
	out = tenancy.DesktopSettings{}
	if err := json.Unmarshal([]byte(raw), &out); err != nil {
		return out, fmt.Errorf("store: desktop settings of %s: stored value: %w", tenant, err)
	}
	if out.NotReadyReasons == nil {
		out.NotReadyReasons = []tenancy.ReasonCode{}
	}
	return out, nil
}

// PutDesktopSettings replaces tenant's desktop settings (checked by
// tenancy.CheckDesktopSettings), audited.
func (s *Store) PutDesktopSettings(ctx context.Context, a Actor, tenant tenancy.TenantID, in tenancy.DesktopSettings) (tenancy.DesktopSettings, error) {
	if err := tenancy.CheckDesktopSettings(in); err != nil {
		return in, err
	}
	if in.NotReadyReasons == nil {
		in.NotReadyReasons = []tenancy.ReasonCode{}
	}
	b, err := json.Marshal(in)
	if err != nil {
		return in, fmt.Errorf("store: desktop settings: %w", err)
	}
	err = s.tenantWrite(ctx, tenant, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO tenant_settings (tenant_id, name, value, updated_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (tenant_id, name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
			string(tenant), settingDesktop, string(b), s.nowUTC()); err != nil {
			return fmt.Errorf("store: write desktop settings: %w", err)
		}
		return s.audit(ctx, tx, a, change{tenant: tenant, action: "put", resourceType: "tenant_setting", resourceID: settingDesktop, changes: in})
	})
	return in, err
}

// settingFeatureCodes holds the tenancy.FeatureCodes agents dial on their
// phones.
const settingFeatureCodes = "feature_codes"

// FeatureCodes returns tenant's phone feature codes, or
// tenancy.DefaultFeatureCodes while it has stored none.
func (s *Store) FeatureCodes(ctx context.Context, tenant tenancy.TenantID) (tenancy.FeatureCodes, error) {
	var raw string
	err := s.tenantRead(ctx, tenant, func(db q) error {
		return db.GetContext(ctx, &raw, `SELECT value FROM tenant_settings WHERE tenant_id = $1 AND name = $2`,
			string(tenant), settingFeatureCodes)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return tenancy.DefaultFeatureCodes(), nil
	}
	if err != nil {
		return tenancy.FeatureCodes{}, fmt.Errorf("store: read feature codes: %w", err)
	}
	var out tenancy.FeatureCodes
	if err := json.Unmarshal([]byte(raw), &out); err != nil {
		return out, fmt.Errorf("store: feature codes of %s: stored value: %w", tenant, err)
	}
	return out, nil
}

// PutFeatureCodes replaces tenant's feature codes (checked by
// tenancy.CheckFeatureCodes), audited.
func (s *Store) PutFeatureCodes(ctx context.Context, a Actor, tenant tenancy.TenantID, in tenancy.FeatureCodes) (tenancy.FeatureCodes, error) {
	if err := tenancy.CheckFeatureCodes(in); err != nil {
		return in, err
	}
	b, err := json.Marshal(in)
	if err != nil {
		return in, fmt.Errorf("store: feature codes: %w", err)
	}
	err = s.tenantWrite(ctx, tenant, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO tenant_settings (tenant_id, name, value, updated_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (tenant_id, name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
			string(tenant), settingFeatureCodes, string(b), s.nowUTC()); err != nil {
			return fmt.Errorf("store: write feature codes: %w", err)
		}
		return s.audit(ctx, tx, a, change{tenant: tenant, action: "put", resourceType: "tenant_setting", resourceID: settingFeatureCodes, changes: in})
	})
	return in, err
}
