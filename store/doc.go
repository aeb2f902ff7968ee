// Package store persists Switchboard's data with sqlx on SQLite (embedded
// default) or PostgreSQL (pgx/v5 through database/sql). One set of goose
// migrations runs on both. Every tenant-scoped method takes the tenant.
package store
