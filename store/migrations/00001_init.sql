-- Portable DDL: runs unchanged on SQLite and PostgreSQL. IDs are TEXT UUIDv7
-- chosen by the application, times are TIMESTAMP in UTC, JSON is TEXT.
-- PostgreSQL unique constraints are named uq_<table>__<field> so conflicts
-- can name the field.

-- +goose Up
CREATE TABLE tenants (
    id                  TEXT PRIMARY KEY,
    name                TEXT NOT NULL,
    sip_domain          TEXT NOT NULL CONSTRAINT uq_tenants__sip_domain UNIQUE,
    language            TEXT NOT NULL,
    time_zone           TEXT NOT NULL,
    status              TEXT NOT NULL,
    max_agents          INTEGER NOT NULL,
    max_pstn_calls      INTEGER NOT NULL,
    max_web_calls       INTEGER NOT NULL,
    max_chats           INTEGER NOT NULL,
    max_published_flows INTEGER NOT NULL,
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL
);

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    tenant_id     TEXT REFERENCES tenants (id),
    email         TEXT NOT NULL CONSTRAINT uq_users__email UNIQUE,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    disabled      BOOLEAN NOT NULL DEFAULT FALSE,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until  TIMESTAMP,
    last_login_at TIMESTAMP,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL,
    CONSTRAINT uq_users__tenant_user UNIQUE (tenant_id, id)
);
CREATE INDEX ix_users_tenant ON users (tenant_id, id);

CREATE TABLE refresh_tokens (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id),
    tenant_id  TEXT REFERENCES tenants (id),
    token_hash TEXT NOT NULL CONSTRAINT uq_refresh_tokens__token_hash UNIQUE,
    expires_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX ix_refresh_tokens_user ON refresh_tokens (user_id);

CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY,
    tenant_id    TEXT NOT NULL REFERENCES tenants (id),
    name         TEXT NOT NULL,
    role         TEXT NOT NULL,
    key_hash     TEXT NOT NULL CONSTRAINT uq_api_keys__key_hash UNIQUE,
    prefix       TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP,
    revoked_at   TIMESTAMP
);
CREATE INDEX ix_api_keys_tenant ON api_keys (tenant_id, id);

CREATE TABLE sites (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL CONSTRAINT uq_sites__name UNIQUE,
    description TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);

CREATE TABLE nodes (
    id         TEXT PRIMARY KEY,
    site_id    TEXT NOT NULL REFERENCES sites (id),
    name       TEXT NOT NULL CONSTRAINT uq_nodes__name UNIQUE,
    kind       TEXT NOT NULL,
    address    TEXT NOT NULL,
    username   TEXT NOT NULL,
    secret_enc TEXT NOT NULL,
    enabled    BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE access_numbers (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants (id),
    number      TEXT NOT NULL CONSTRAINT uq_access_numbers__number UNIQUE,
    entry_kind  TEXT NOT NULL,
    entry_alias TEXT NOT NULL,
    description TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);
CREATE INDEX ix_access_numbers_tenant ON access_numbers (tenant_id, id);

CREATE TABLE skills (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants (id),
    name        TEXT NOT NULL,
    description TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    CONSTRAINT uq_skills__name UNIQUE (tenant_id, name),
    CONSTRAINT uq_skills__tenant_skill UNIQUE (tenant_id, id)
);

CREATE TABLE queues (
    id              TEXT PRIMARY KEY,
    tenant_id       TEXT NOT NULL REFERENCES tenants (id),
    name            TEXT NOT NULL,
    strategy        TEXT NOT NULL,
    ring_timeout_s  INTEGER NOT NULL,
    max_wait_s      INTEGER NOT NULL,
    wrap_up_s       INTEGER NOT NULL,
    settings        TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    CONSTRAINT uq_queues__name UNIQUE (tenant_id, name),
    CONSTRAINT uq_queues__tenant_queue UNIQUE (tenant_id, id)
);

CREATE TABLE agents (
    id           TEXT PRIMARY KEY,
    tenant_id    TEXT NOT NULL REFERENCES tenants (id),
    user_id      TEXT NOT NULL CONSTRAINT uq_agents__user_id UNIQUE,
    extension    TEXT NOT NULL,
    display_name TEXT NOT NULL,
    sip_ha1      TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL,
    CONSTRAINT uq_agents__extension UNIQUE (tenant_id, extension),
    CONSTRAINT uq_agents__tenant_agent UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);

CREATE TABLE agent_skills (
    tenant_id TEXT NOT NULL,
    agent_id  TEXT NOT NULL,
    skill_id  TEXT NOT NULL,
    level     INTEGER NOT NULL,
    PRIMARY KEY (agent_id, skill_id),
    FOREIGN KEY (tenant_id, agent_id) REFERENCES agents (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, skill_id) REFERENCES skills (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX ix_agent_skills_skill ON agent_skills (skill_id);

CREATE TABLE agent_queues (
    tenant_id TEXT NOT NULL,
    agent_id  TEXT NOT NULL,
    queue_id  TEXT NOT NULL,
    priority  INTEGER NOT NULL,
    PRIMARY KEY (agent_id, queue_id),
    FOREIGN KEY (tenant_id, agent_id) REFERENCES agents (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, queue_id) REFERENCES queues (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX ix_agent_queues_queue ON agent_queues (queue_id);

CREATE TABLE audit_log (
    id            TEXT PRIMARY KEY,
    tenant_id     TEXT,
    actor_kind    TEXT NOT NULL,
    actor_id      TEXT NOT NULL,
    action        TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    resource_id   TEXT NOT NULL,
    changes       TEXT NOT NULL,
    ip            TEXT NOT NULL,
    at            TIMESTAMP NOT NULL
);
CREATE INDEX ix_audit_log_tenant ON audit_log (tenant_id, id);

CREATE TABLE idempotency_keys (
    scope        TEXT NOT NULL,
    idem_key     TEXT NOT NULL,
    tenant_id    TEXT,
    request_hash TEXT NOT NULL,
    status_code  INTEGER NOT NULL,
    body         TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (scope, idem_key)
);
CREATE INDEX ix_idempotency_created ON idempotency_keys (created_at);

CREATE TABLE agent_state_history (
    id         TEXT PRIMARY KEY,
    tenant_id  TEXT NOT NULL REFERENCES tenants (id),
    agent_id   TEXT NOT NULL,
    from_state TEXT NOT NULL,
    to_state   TEXT NOT NULL,
    event      TEXT NOT NULL,
    reason     TEXT NOT NULL,
    at         TIMESTAMP NOT NULL
);
CREATE INDEX ix_agent_state_history_agent ON agent_state_history (tenant_id, agent_id, at);

CREATE TABLE cdrs (
    id               TEXT PRIMARY KEY,
    tenant_id        TEXT NOT NULL REFERENCES tenants (id),
    node_id          TEXT NOT NULL,
    call_id          TEXT NOT NULL,
    leg              TEXT NOT NULL,
    caller           TEXT NOT NULL,
    access_number    TEXT NOT NULL,
    queue_id         TEXT NOT NULL,
    agent_id         TEXT NOT NULL,
    arrived_at       TIMESTAMP NOT NULL,
    queued_at        TIMESTAMP,
    offered_at       TIMESTAMP,
    answered_at      TIMESTAMP,
    ended_at         TIMESTAMP,
    disposition      TEXT NOT NULL,
    hangup_cause     TEXT NOT NULL,
    sip_hangup_cause TEXT NOT NULL,
    recording_path   TEXT NOT NULL
);
CREATE INDEX ix_cdrs_tenant ON cdrs (tenant_id, id);
CREATE INDEX ix_cdrs_call ON cdrs (tenant_id, call_id);

CREATE TABLE recordings (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants (id),
    call_id     TEXT NOT NULL,
    node_id     TEXT NOT NULL,
    path        TEXT NOT NULL,
    started_at  TIMESTAMP NOT NULL,
    duration_ms INTEGER NOT NULL
);
CREATE INDEX ix_recordings_tenant ON recordings (tenant_id, id);
CREATE INDEX ix_recordings_call ON recordings (tenant_id, call_id);

-- +goose Down
DROP TABLE recordings;
DROP TABLE cdrs;
DROP TABLE agent_state_history;
DROP TABLE idempotency_keys;
DROP TABLE audit_log;
DROP TABLE agent_queues;
DROP TABLE agent_skills;
DROP TABLE agents;
DROP TABLE queues;
DROP TABLE skills;
DROP TABLE access_numbers;
DROP TABLE nodes;
DROP TABLE sites;
DROP TABLE api_keys;
DROP TABLE refresh_tokens;
DROP TABLE users;
DROP TABLE tenants;
