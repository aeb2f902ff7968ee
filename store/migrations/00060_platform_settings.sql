-- Operator-wide settings that the platform admin changes through the API
-- (e.g. the quotas a new tenant gets). No tenant column: platform scope only.
-- +goose Up
CREATE TABLE platform_settings (
    name       TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- +goose Down
DROP TABLE platform_settings;
