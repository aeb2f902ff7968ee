package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/pressly/goose/v3"
)

// tenantPolicyMigration is a Go migration that puts the same row-level
// security policy rlsUp uses on a table added by a later migration
// (PostgreSQL only; nothing on SQLite).
func (s *Store) tenantPolicyMigration(version int64, table string) *goose.Migration {
	apply := func(up bool) func(ctx context.Context, tx *sql.Tx) error {
		return func(ctx context.Context, tx *sql.Tx) error {
			if !s.postgres {
				return nil
			}
			cond := `current_setting('switchboard.platform', true) = 'on' OR tenant_id = current_setting('switchboard.tenant_id', true)`
			stmts := []string{`ALTER TABLE ` + table + ` ENABLE ROW LEVEL SECURITY`, `ALTER TABLE ` + table + ` FORCE ROW LEVEL SECURITY`,
				`CREATE POLICY tenant_isolation ON ` + table + ` USING (` + cond + `) WITH CHECK (` + cond + `)`}
			if !up {
				stmts = []string{`DROP POLICY tenant_isolation ON ` + table, `ALTER TABLE ` + table + ` NO FORCE ROW LEVEL SECURITY`,
					`ALTER TABLE ` + table + ` DISABLE ROW LEVEL SECURITY`}
			}
			for _, st := range stmts {
				if _, err := tx.ExecContext(ctx, st); err != nil {
					return fmt.Errorf("rls on %s: %w", table, err)
				}
			}
			return nil
		}
	}
	return goose.NewGoMigration(version, &goose.GoFunc{RunTx: apply(true)}, &goose.GoFunc{RunTx: apply(false)})
}
