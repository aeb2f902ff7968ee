-- +goose Up
CREATE TABLE acd_snapshots (
    tenant_id  TEXT PRIMARY KEY REFERENCES tenants (id),
    snapshot   TEXT NOT NULL,
    saved_at   TIMESTAMP NOT NULL
);

-- +goose Down
DROP TABLE acd_snapshots;
