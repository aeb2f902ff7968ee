-- +goose Up
ALTER TABLE agents ADD COLUMN capacity TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE agents DROP COLUMN capacity;
