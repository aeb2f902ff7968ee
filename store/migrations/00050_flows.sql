-- IVR flows (drafts, immutable published versions, aliases), prompts and
-- live flow traces. Portable DDL like 00001. Row-level security for these
-- tables is enabled by Go migration 51 (store/flows_migrate.go), because
-- migration 2 runs before these tables exist.

-- +goose Up
CREATE TABLE flows (
    id           TEXT PRIMARY KEY,
    tenant_id    TEXT NOT NULL REFERENCES tenants (id),
    name         TEXT NOT NULL,
    draft        TEXT NOT NULL,
    draft_valid  BOOLEAN NOT NULL,
    draft_errors TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL,
    CONSTRAINT uq_flows__name UNIQUE (tenant_id, name),
    CONSTRAINT uq_flows__tenant_flow UNIQUE (tenant_id, id)
);

CREATE TABLE flow_versions (
    id           TEXT PRIMARY KEY,
    tenant_id    TEXT NOT NULL,
    flow_id      TEXT NOT NULL,
    number       INTEGER NOT NULL,
    doc          TEXT NOT NULL,
    valid        BOOLEAN NOT NULL,
    published_by TEXT NOT NULL,
    published_at TIMESTAMP NOT NULL,
    CONSTRAINT uq_flow_versions__number UNIQUE (flow_id, number),
    FOREIGN KEY (tenant_id, flow_id) REFERENCES flows (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX ix_flow_versions_tenant ON flow_versions (tenant_id, flow_id, number);

CREATE TABLE flow_aliases (
    tenant_id  TEXT NOT NULL,
    flow_id    TEXT NOT NULL,
    alias      TEXT NOT NULL,
    version    INTEGER NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (flow_id, alias),
    FOREIGN KEY (tenant_id, flow_id) REFERENCES flows (tenant_id, id) ON DELETE CASCADE
);

CREATE TABLE flow_traces (
    id         TEXT PRIMARY KEY,
    tenant_id  TEXT NOT NULL REFERENCES tenants (id),
    call_id    TEXT NOT NULL,
    flow_id    TEXT NOT NULL,
    version    INTEGER NOT NULL,
    node       TEXT NOT NULL,
    node_type  TEXT NOT NULL,
    exit_name  TEXT NOT NULL,
    changes    TEXT NOT NULL,
    error      TEXT NOT NULL,
    entered_at TIMESTAMP NOT NULL,
    left_at    TIMESTAMP NOT NULL
);
CREATE INDEX ix_flow_traces_call ON flow_traces (tenant_id, call_id, id);
CREATE INDEX ix_flow_traces_flow ON flow_traces (tenant_id, flow_id, id);

CREATE TABLE prompts (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants (id),
    name        TEXT NOT NULL,
    language    TEXT NOT NULL,
    path        TEXT NOT NULL,
    size_bytes  INTEGER NOT NULL,
    duration_ms INTEGER NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    CONSTRAINT uq_prompts__name UNIQUE (tenant_id, name, language)
);
CREATE INDEX ix_prompts_tenant ON prompts (tenant_id, id);

-- What else a tenant's flows may name (HTTP endpoints, data sources,
-- mailboxes, lists, calendars): one JSON document per tenant.
CREATE TABLE flow_integrations (
    tenant_id  TEXT PRIMARY KEY REFERENCES tenants (id),
    doc        TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- Entries of the tenant lists lookup nodes check (blacklist, VIP: OPS-3, OPS-4).
CREATE TABLE flow_list_entries (
    id         TEXT PRIMARY KEY,
    tenant_id  TEXT NOT NULL REFERENCES tenants (id),
    list_name  TEXT NOT NULL,
    value      TEXT NOT NULL,
    note       TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    CONSTRAINT uq_flow_list_entries__value UNIQUE (tenant_id, list_name, value)
);
CREATE INDEX ix_flow_list_entries_list ON flow_list_entries (tenant_id, list_name, id);

-- Post-call satisfaction scores saved by survey nodes (OPS-6).
CREATE TABLE survey_scores (
    id        TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    call_id   TEXT NOT NULL,
    flow_id   TEXT NOT NULL,
    version   INTEGER NOT NULL,
    agent_id  TEXT NOT NULL,
    question  TEXT NOT NULL,
    score     INTEGER NOT NULL,
    at        TIMESTAMP NOT NULL
);
CREATE INDEX ix_survey_scores_tenant ON survey_scores (tenant_id, id);

-- +goose Down
DROP TABLE survey_scores;
DROP TABLE flow_list_entries;
DROP TABLE flow_integrations;
DROP TABLE prompts;
DROP TABLE flow_traces;
DROP TABLE flow_aliases;
DROP TABLE flow_versions;
DROP TABLE flows;
