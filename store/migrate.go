package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
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

// Migrate applies every pending migration, then reseals stored secrets
// written in an older format (reseal.go), which needs Options.SecretKey.
//
// On PostgreSQL the migrations run on their own connection in platform
// scope (switchboard.platform = on for the session). The schema's owner need
// not be a superuser (docker/postgres/roles.sql), and FORCE ROW LEVEL
// SECURITY binds it like any role: a data migration without that scope
// would see no tenant's rows and silently change none.
func (s *Store) Migrate(ctx context.Context) error {
	if err := s.migrate(ctx); err != nil {
		return err
	}
	_, err := s.resealSecrets(ctx)
	return err
}

// migrate is Migrate with extra Go migrations (tests).
func (s *Store) migrate(ctx context.Context, extra ...*goose.Migration) error {
	db := s.db.DB
	if s.postgres {
		pdb, err := platformScopedDB(s.url)
		if err != nil {
			return err
		}
		defer pdb.Close()
		db = pdb
	}
	p, err := s.migrator(db, extra...)
	if err != nil {
		return err
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	return nil
}

// platformScopedDB opens one PostgreSQL connection whose session is in
// platform scope.
func platformScopedDB(rawURL string) (*sql.DB, error) {
	cfg, err := pgx.ParseConfig(rawURL)
	if err != nil {
		return nil, fmt.Errorf("store: migrate: %w", err)
	}
	db := stdlib.OpenDB(*cfg, stdlib.OptionAfterConnect(func(ctx context.Context, c *pgx.Conn) error {
		_, err := c.Exec(ctx, `SELECT set_config('switchboard.platform', 'on', false)`)
		return err
	}))
	db.SetMaxOpenConns(1)
	return db, nil
}

func (s *Store) migrator(db *sql.DB, extra ...*goose.Migration) (*goose.Provider, error) {
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
	return goose.NewProvider(dialect, db, sub,
		goose.WithDisableGlobalRegistry(true),
		goose.WithGoMigrations(append([]*goose.Migration{rls, s.flowsRLSMigration(), s.tenantPolicyMigration(53, "voicemails"),
			s.tenantPolicyMigration(55, "acd_snapshots"), s.tenantPolicyMigration(57, "flow_datasources"),
			s.tenantPolicyMigration(63, "tenant_settings"),
			s.configVersionMigration()}, extra...)...))
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
