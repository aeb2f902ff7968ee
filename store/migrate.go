package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// tenantTables are the tables row-level security guards on PostgreSQL, with
// the column holding the tenant. Every tenant-scoped table must be listed.
var tenantTables = map[string]string{
	"tenants":             "id",
	"users":               "tenant_id",
	"refresh_tokens":      "tenant_id",
	"api_keys":            "tenant_id",
	"access_numbers":      "tenant_id",
	"skills":              "tenant_id",
	"queues":              "tenant_id",
	"agents":              "tenant_id",
	"agent_skills":        "tenant_id",
	"agent_queues":        "tenant_id",
	"audit_log":           "tenant_id",
	"idempotency_keys":    "tenant_id",
	"agent_state_history": "tenant_id",
	"cdrs":                "tenant_id",
	"recordings":          "tenant_id",
}

// Migrate applies every pending migration.
func (s *Store) Migrate(ctx context.Context) error {
	p, err := s.migrator()
	if err != nil {
		return err
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	return nil
}

func (s *Store) migrator() (*goose.Provider, error) {
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		return nil, err
	}
	dialect := goose.DialectSQLite3
	if s.postgres {
		dialect = goose.DialectPostgres
	}
	rls := goose.NewGoMigration(2,
		&goose.GoFunc{RunTx: s.rlsUp},
		&goose.GoFunc{RunTx: s.rlsDown})
	return goose.NewProvider(dialect, s.db.DB, sub,
		goose.WithDisableGlobalRegistry(true),
		goose.WithGoMigrations(rls, s.flowsRLSMigration(), s.tenantPolicyMigration(53, "voicemails"), s.tenantPolicyMigration(55, "acd_snapshots"),
			s.tenantPolicyMigration(57, "flow_datasources")))
}

// rlsUp enables row-level security on every tenant table (PostgreSQL only).
// A row is visible when it belongs to the transaction's tenant
// (set_config('switchboard.tenant_id', id, true)) or the transaction is
// platform-wide (switchboard.platform = 'on'). FORCE makes the policies apply
// to the table owner too, so only superusers bypass them.
func (s *Store) rlsUp(ctx context.Context, tx *sql.Tx) error {
	if !s.postgres {
		return nil
	}
	for table, col := range tenantTables {
		cond := fmt.Sprintf(`current_setting('switchboard.platform', true) = 'on'
			OR %s = current_setting('switchboard.tenant_id', true)`, col)
		stmts := []string{
			`ALTER TABLE ` + table + ` ENABLE ROW LEVEL SECURITY`,
			`ALTER TABLE ` + table + ` FORCE ROW LEVEL SECURITY`,
			`CREATE POLICY tenant_isolation ON ` + table + ` USING (` + cond + `) WITH CHECK (` + cond + `)`,
		}
		for _, st := range stmts {
			if _, err := tx.ExecContext(ctx, st); err != nil {
				return fmt.Errorf("rls on %s: %w", table, err)
			}
		}
	}
	return nil
}

func (s *Store) rlsDown(ctx context.Context, tx *sql.Tx) error {
	if !s.postgres {
		return nil
	}
	for table := range tenantTables {
		for _, st := range []string{
			`DROP POLICY tenant_isolation ON ` + table,
			`ALTER TABLE ` + table + ` NO FORCE ROW LEVEL SECURITY`,
			`ALTER TABLE ` + table + ` DISABLE ROW LEVEL SECURITY`,
		} {
			if _, err := tx.ExecContext(ctx, st); err != nil {
				return fmt.Errorf("rls off %s: %w", table, err)
			}
		}
	}
	return nil
}
