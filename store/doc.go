// Package store persists Switchboard's data with sqlx on SQLite (embedded
// default) or PostgreSQL (pgx/v5 through database/sql). One set of goose
// migrations runs on both. Every tenant-scoped method takes the tenant.
//
// Imported by api, cmd/switchboard and the application's adapters to the
// store; never by the cores.
//
// Scopes. Every query runs in one of three scopes, and on PostgreSQL the
// scope is also set inside its transaction with set_config(..., true), so
// row-level security (FORCE, migration 2) is a second wall behind the
// explicit tenant_id filter:
//
//	tenant    tenant-scoped methods: tenancy.TenantID argument, ErrNoTenant when
//	          zero; writes first lock the tenant row and apply tenancy.CheckWrite
//	          (suspended and archived tenants refuse changes)
//	system    call-path writes (state history, CDRs, recordings): tenant scope
//	          without the status check, so calls in progress still get recorded
//	platform  operator resources (tenants, sites, nodes, platform users) and the
//	          look-ups that come before a tenant is known (sign-in by e-mail,
//	          token and API key by hash, access number and SIP user resolution)
//
// Changes. Every mutating method takes an Actor (user or API key, and IP) and
// appends the audit entry in the same transaction: a failed change leaves no
// entry. Input errors are *tenancy.FieldError (ErrInvalid), duplicates
// *ConflictError naming the field (ErrConflict), a row outside the caller's
// tenant is ErrNotFound. Lists are keyset-paginated on the UUIDv7 id with
// opaque cursors (Page, List).
//
// Secrets. Passwords, refresh tokens and API keys arrive hashed (api hashes
// them); SIP passwords are kept only as the digest HA1. What the controller
// needs back in clear (node secrets, data source connection strings, flow
// endpoint headers) is sealed with AES-256-GCM under a key derived from
// Options.SecretKey, bound to what it belongs to; Migrate reseals values of
// an older format (secrets.go, reseal.go).
package store
