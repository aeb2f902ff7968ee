-- +goose Up
CREATE TABLE voicemails (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants (id),
    mailbox     TEXT NOT NULL,
    call_id     TEXT NOT NULL,
    node_id     TEXT NOT NULL,
    caller      TEXT NOT NULL,
    path        TEXT NOT NULL,
    duration_ms INTEGER NOT NULL,
    notify      BOOLEAN NOT NULL,
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX ix_voicemails_tenant ON voicemails (tenant_id, id);

-- +goose Down
DROP TABLE voicemails;
