package store

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"

	"github.com/pressly/goose/v3"
)

// flowTables are the tenant tables of migration 00050. They are not in
// tenantTables because migration 2 (RLS on tenantTables) runs before they
// exist; migration 51 guards them the same way.
var flowTables = map[string]string{
	"flows":             "tenant_id",
	"flow_versions":     "tenant_id",
	"flow_aliases":      "tenant_id",
	"flow_traces":       "tenant_id",
	"prompts":           "tenant_id",
	"flow_integrations": "tenant_id",
	"flow_list_entries": "tenant_id",
	"survey_scores":     "tenant_id",
}

// flowsRLSMigration is Go migration 51: row-level security on flowTables
// (PostgreSQL only; a no-op on SQLite).
func (s *Store) flowsRLSMigration() *goose.Migration {
	return goose.NewGoMigration(51,
		&goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error { return s.flowsRLS(ctx, tx, true) }},
		&goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error { return s.flowsRLS(ctx, tx, false) }})
}

// flowsRLS applies (up) or removes the same policy rlsUp puts on the other
// tenant tables.
func (s *Store) flowsRLS(ctx context.Context, tx *sql.Tx, up bool) error {
	if !s.postgres {
		return nil
	}
	for _, table := range slices.Sorted(maps.Keys(flowTables)) {
		cond := fmt.Sprintf(`current_setting('switchboard.platform', true) = 'on'
			OR %s = current_setting('switchboard.tenant_id', true)`, flowTables[table])
		stmts := []string{
			`ALTER TABLE ` + table + ` ENABLE ROW LEVEL SECURITY`,
			`ALTER TABLE ` + table + ` FORCE ROW LEVEL SECURITY`,
			`CREATE POLICY tenant_isolation ON ` + table + ` USING (` + cond + `) WITH CHECK (` + cond + `)`,
		}
		if !up {
			stmts = []string{
				`DROP POLICY tenant_isolation ON ` + table,
				`ALTER TABLE ` + table + ` NO FORCE ROW LEVEL SECURITY`,
				`ALTER TABLE ` + table + ` DISABLE ROW LEVEL SECURITY`,
			}
		}
		for _, st := range stmts {
			if _, err := tx.ExecContext(ctx, st); err != nil {
				return fmt.Errorf("rls on %s: %w", table, err)
			}
		}
	}
	return nil
}
