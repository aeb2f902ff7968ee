package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/pressly/goose/v3"

	"github.com/switchboard-cc/switchboard/tenancy"
)

// Configuration versions. The controller keeps the call configuration
// (queues, skills, agents and their memberships, access numbers, flows and
// their aliases) in memory and checks the database for changes every few
// seconds (callconfig.Live). Reading every tenant's rows on each check cost
// about 0.06 cores with 10,000 agents and nothing changed; instead each
// tenant row carries config_version, which a trigger on every table of
// configTables bumps in the same transaction as the change. A check reads
// the versions first and then re-reads only the tenants whose version
// moved.
//
// Triggers, not the store's methods, bump the version: a change made by
// another replica sharing the database, a data migration or a hand edit is
// seen the same way as one made through this process's API. Because the
// bump commits with the change, a reader that reads the version before the
// rows never keeps rows older than the version it records: at worst it reads
// rows newer than that version and reads them once more at the next check.
// On PostgreSQL the trigger's UPDATE of the tenant row runs in the changing
// transaction's scope, which row-level security lets see its own tenant
// (tenant scope) or every tenant (platform scope); tenant-scoped writes
// already hold that row's lock (lockTenant), so the bump adds no waiting.

// configTables are the tables the call configuration is read from, besides
// tenants and nodes themselves (which the controller reads in full at each
// check: a few rows).
var configTables = []string{"queues", "skills", "agents", "agent_skills", "agent_queues",
	"access_numbers", "flows", "flow_aliases"}

// configVersionMigration is Go migration 64: tenants.config_version and the
// triggers that bump it.
func (s *Store) configVersionMigration() *goose.Migration {
	return goose.NewGoMigration(64,
		&goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error { return execAll(ctx, tx, s.configVersionUp()) }},
		&goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error { return execAll(ctx, tx, s.configVersionDown()) }})
}

const bumpSQL = `UPDATE tenants SET config_version = config_version + 1 WHERE id = `

func (s *Store) configVersionUp() []string {
	stmts := []string{`ALTER TABLE tenants ADD COLUMN config_version BIGINT NOT NULL DEFAULT 0`}
	if s.postgres {
		stmts = append(stmts, `CREATE FUNCTION switchboard_config_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		`+bumpSQL+`NEW.tenant_id;
	ELSIF TG_OP = 'DELETE' THEN
		`+bumpSQL+`OLD.tenant_id;
	ELSE
		UPDATE tenants SET config_version = config_version + 1 WHERE id IN (OLD.tenant_id, NEW.tenant_id);
	END IF;
	RETURN NULL;
END $$`)
		for _, t := range configTables {
			stmts = append(stmts, `CREATE TRIGGER config_changed AFTER INSERT OR UPDATE OR DELETE ON `+t+
				` FOR EACH ROW EXECUTE FUNCTION switchboard_config_changed()`)
		}
		return stmts
	}
	for _, t := range configTables {
		stmts = append(stmts,
			`CREATE TRIGGER config_changed_`+t+`_insert AFTER INSERT ON `+t+` BEGIN `+bumpSQL+`NEW.tenant_id; END`,
			`CREATE TRIGGER config_changed_`+t+`_update AFTER UPDATE ON `+t+
				` BEGIN UPDATE tenants SET config_version = config_version + 1 WHERE id IN (OLD.tenant_id, NEW.tenant_id); END`,
			`CREATE TRIGGER config_changed_`+t+`_delete AFTER DELETE ON `+t+` BEGIN `+bumpSQL+`OLD.tenant_id; END`)
	}
	return stmts
}

func (s *Store) configVersionDown() []string {
	var stmts []string
	for _, t := range configTables {
		if s.postgres {
			stmts = append(stmts, `DROP TRIGGER config_changed ON `+t)
			continue
		}
		for _, op := range []string{"insert", "update", "delete"} {
			stmts = append(stmts, `DROP TRIGGER config_changed_`+t+`_`+op)
		}
	}
	if s.postgres {
		stmts = append(stmts, `DROP FUNCTION switchboard_config_changed()`)
	}
	return append(stmts, `ALTER TABLE tenants DROP COLUMN config_version`)
}

func execAll(ctx context.Context, tx *sql.Tx, stmts []string) error {
	for _, st := range stmts {
		if _, err := tx.ExecContext(ctx, st); err != nil {
			return fmt.Errorf("%.60s...: %w", st, err)
		}
	}
	return nil
}

// ConfigVersions returns every tenant's configuration version (platform
// scope). Read it before the rows it versions: see the comment above.
func (s *Store) ConfigVersions(ctx context.Context) (map[tenancy.TenantID]int64, error) {
	var rows []struct {
		ID      string `db:"id"`
		Version int64  `db:"config_version"`
	}
	err := s.platformRead(ctx, func(db q) error {
		return db.SelectContext(ctx, &rows, `SELECT id, config_version FROM tenants`)
	})
	if err != nil {
		return nil, fmt.Errorf("store: config versions: %w", err)
	}
	out := make(map[tenancy.TenantID]int64, len(rows))
	for _, r := range rows {
		out[tenancy.TenantID(r.ID)] = r.Version
	}
	return out, nil
}
