-- +goose Up
CREATE TABLE flow_datasources (
    tenant_id  TEXT NOT NULL REFERENCES tenants (id),
    name       TEXT NOT NULL,
    driver     TEXT NOT NULL,
    dsn        TEXT NOT NULL,
    writable   BOOLEAN NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, name)
);

-- +goose Down
DROP TABLE flow_datasources;
