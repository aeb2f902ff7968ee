-- The people's side (issue 12): a user's own display language (MT-6; empty:
-- the tenant's) and per-tenant settings kept as one JSON value per name (the
-- agent desktop's reason codes and CRM link). Row-level security on
-- tenant_settings is Go migration 63 (tenantPolicyMigration).
-- +goose Up
ALTER TABLE users ADD COLUMN language TEXT NOT NULL DEFAULT '';
CREATE TABLE tenant_settings (
    tenant_id  TEXT NOT NULL REFERENCES tenants (id),
    name       TEXT NOT NULL,
    value      TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, name)
);

-- +goose Down
DROP TABLE tenant_settings;
ALTER TABLE users DROP COLUMN language;
