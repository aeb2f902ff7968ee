package store

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jmoiron/sqlx"

	"github.com/switchboard-cc/switchboard/internal/pgtest"
	"github.com/switchboard-cc/switchboard/ivrflows"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// platformTables are the tables without a tenant column, each with why it
// has none. A new table must either have tenant_id (and then row-level
// security and a fixture below) or be listed here.
var platformTables = map[string]string{
	"goose_db_version":  "migration bookkeeping",
	"sites":             "platform infrastructure, managed by operators only",
	"nodes":             "platform infrastructure, managed by operators only",
	"platform_settings": "operator-wide settings (new tenants' default quotas), changed by platform admins only",
}

// schemaTenantTables lists, from the schema itself, every table that row-level
// security must guard and the column naming its tenant: every table with a
// tenant_id column, plus tenants (keyed by id). Tables that are neither must
// be declared in platformTables.
func schemaTenantTables(t *testing.T, db *sqlx.DB) map[string]string {
	t.Helper()
	var rows []struct {
		Table  string `db:"table_name"`
		Tenant bool   `db:"has_tenant"`
	}
	must(t, db.Select(&rows, `SELECT t.table_name, EXISTS (SELECT 1 FROM information_schema.columns c
			WHERE c.table_schema = t.table_schema AND c.table_name = t.table_name AND c.column_name = 'tenant_id') AS has_tenant
		FROM information_schema.tables t WHERE t.table_schema = current_schema() AND t.table_type = 'BASE TABLE'`))
	tables := map[string]string{}
	for _, r := range rows {
		switch {
		case r.Tenant:
			tables[r.Table] = "tenant_id"
		case r.Table == "tenants":
			tables[r.Table] = "id"
		case platformTables[r.Table] == "":
			t.Errorf("table %s has no tenant_id column and is not declared in platformTables: "+
				"give it a tenant_id (with row-level security) or say there why it is platform-wide", r.Table)
		}
	}
	if len(tables) < 20 {
		t.Fatalf("found only %d tenant tables in the schema: %v", len(tables), slices.Sorted(maps.Keys(tables)))
	}
	return tables
}

// tenantFixture writes rows of one tenant through the store's own methods.
type tenantFixture struct {
	fills []string // the tables it writes at least one row of the tenant into
	write func(t *testing.T, s *Store, f *fixtureTenant)
}

// fixtureTenant is one tenant and the objects the fixtures made for it.
type fixtureTenant struct {
	id                       tenancy.TenantID
	user, agent, flow, skill string
	queue                    string
}

// tenantFixtures fill every tenant table for one tenant; run in order.
// TestRowLevelSecurityEveryTenantTable fails for a schema table no fixture
// fills.
var tenantFixtures = []tenantFixture{
	{fills: []string{"users", "refresh_tokens", "audit_log"}, write: func(t *testing.T, s *Store, f *fixtureTenant) {
		f.user = mkUser(t, s, f.id, tenancy.RoleAgent).ID
		_, err := s.CreateRefreshToken(ctx, f.user, "rt-"+randHex(8), time.Now().Add(time.Hour))
		must(t, err)
	}},
	{fills: []string{"skills", "queues", "agents", "agent_skills", "agent_queues"}, write: func(t *testing.T, s *Store, f *fixtureTenant) {
		sk, err := s.CreateSkill(ctx, admin1, f.id, SkillInput{Name: "billing"})
		must(t, err)
		q, err := s.CreateQueue(ctx, admin1, f.id, QueueInput{Name: "sales", Strategy: "longest_idle"})
		must(t, err)
		a, err := s.CreateAgent(ctx, admin1, f.id, AgentInput{UserID: f.user, Extension: "1001", DisplayName: "Ann",
			SIPPassword: "s3cret-pass", Skills: []AgentSkill{{SkillID: sk.ID, Level: 5}}, Queues: []AgentQueue{{QueueID: q.ID, Priority: 1}}})
		must(t, err)
		f.skill, f.queue, f.agent = sk.ID, q.ID, a.ID
	}},
	{fills: []string{"api_keys", "access_numbers", "idempotency_keys"}, write: func(t *testing.T, s *Store, f *fixtureTenant) {
		_, err := s.CreateAPIKey(ctx, admin1, f.id, APIKeyInput{Name: "crm", Role: tenancy.RoleSupervisor, KeyHash: "h-" + randHex(8), Prefix: "sbk_ab"})
		must(t, err)
		_, err = s.CreateAccessNumber(ctx, admin1, f.id, AccessNumberInput{Number: "+8610" + fmt.Sprint(time.Now().UnixNano()%1e8),
			EntryKind: EntryQueue, EntryAlias: "sales"})
		must(t, err)
		_, err = s.BeginIdempotent(ctx, f.id, "POST /skills "+string(f.id), "key-"+randHex(4), "hash")
		must(t, err)
	}},
	{fills: []string{"agent_state_history", "cdrs", "recordings", "voicemails", "acd_snapshots"}, write: func(t *testing.T, s *Store, f *fixtureTenant) {
		at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		must(t, s.AppendAgentStates(ctx, f.id, []AgentStateChange{{AgentID: f.agent, ToState: "idle", At: at}}))
		_, err := s.InsertCDR(ctx, f.id, CDR{NodeID: "fs1", CallID: "call-" + string(f.id), ArrivedAt: at})
		must(t, err)
		_, err = s.InsertRecording(ctx, f.id, Recording{CallID: "call-" + string(f.id), NodeID: "fs1", Path: "/r/a.wav", StartedAt: at})
		must(t, err)
		_, err = s.SaveVoicemail(ctx, f.id, Voicemail{Mailbox: "sales", CallID: "call-" + string(f.id), Path: "/v/a.wav", CreatedAt: at})
		must(t, err)
		must(t, s.SaveACDSnapshot(ctx, f.id, []byte(`{"agents":[]}`)))
	}},
	{fills: []string{"flows", "flow_versions", "flow_aliases", "flow_traces", "prompts", "survey_scores"}, write: func(t *testing.T, s *Store, f *fixtureTenant) {
		fl, err := s.CreateFlow(ctx, admin1, f.id, FlowDraft{Name: "main", Doc: flowDoc("main", "hi")})
		must(t, err)
		_, err = s.PublishFlow(ctx, admin1, f.id, fl.ID, PublishInput{Doc: flowDoc("main", "hi"), Alias: "live"})
		must(t, err)
		must(t, s.AppendFlowTrace(ctx, f.id, FlowTraceBatch{CallID: "c", FlowID: fl.ID, Version: 1,
			Entries: []ivrflows.TraceEntry{{Node: "a", Entered: time.Now()}}}))
		_, err = s.CreatePrompt(ctx, admin1, f.id, PromptInput{Name: "hello", Language: "en", Path: "p", SizeBytes: 1})
		must(t, err)
		must(t, s.SaveSurveyScore(ctx, f.id, SurveyScore{CallID: "c", Question: "q", Score: 3, At: time.Now()}))
		f.flow = fl.ID
	}},
	{fills: []string{"flow_integrations", "flow_list_entries", "flow_datasources"}, write: func(t *testing.T, s *Store, f *fixtureTenant) {
		_, err := s.PutFlowIntegrations(ctx, admin1, f.id, FlowIntegrations{Lists: []string{"vip"}})
		must(t, err)
		_, err = s.AddListEntries(ctx, admin1, f.id, "vip", []ListEntryInput{{Value: "+861"}})
		must(t, err)
		_, err = s.PutDataSource(ctx, admin1, f.id, "crm", DataSourceInput{Driver: "sqlite", DSN: "/tmp/crm.db"})
		must(t, err)
	}},
	{fills: []string{"tenant_settings"}, write: func(t *testing.T, s *Store, f *fixtureTenant) {
		_, err := s.PutDesktopSettings(ctx, admin1, f.id, tenancy.DesktopSettings{CRMURLTemplate: "https://crm.example.com/{caller}"})
		must(t, err)
	}},
}

// TestRowLevelSecurityEveryTenantTable (MT-1): PostgreSQL's row-level
// security is the second wall behind each query's tenant filter. For every
// tenant table the schema has (so a new one is covered without editing this
// test), with rows of two tenants, a role that is neither superuser nor
// BYPASSRLS nor owner (the production set-up) in tenant A's scope, with
// queries that forget the tenant filter: sees exactly A's rows, updates and
// deletes none of B's, cannot move a row to B or insert one for B; without a
// scope it sees nothing, in the platform scope everything. RLS must be
// enabled and forced on each table (FORCE binds the owner too).
func TestRowLevelSecurityEveryTenantTable(t *testing.T) {
	u := pgtest.SchemaURL(t, "sb_rls")
	s := openMigrated(t, u)
	tables := schemaTenantTables(t, s.db)
	filled := map[string]bool{"tenants": true}
	for _, fx := range tenantFixtures {
		for _, tb := range fx.fills {
			filled[tb] = true
		}
	}
	for _, tb := range slices.Sorted(maps.Keys(tables)) {
		if !filled[tb] {
			t.Errorf("tenant table %s has no fixture: add one to tenantFixtures so its row-level security is tested", tb)
		}
	}
	a := &fixtureTenant{id: mkTenant(t, s, "a.example.com", 5).ID}
	b := &fixtureTenant{id: mkTenant(t, s, "b.example.com", 5).ID}
	for _, f := range []*fixtureTenant{a, b} {
		for _, fx := range tenantFixtures {
			fx.write(t, s, f)
		}
	}
	app := sqlx.MustOpen("pgx", pgtest.AppRoleURL(t, u))
	t.Cleanup(func() { app.Close() })
	for _, tb := range slices.Sorted(maps.Keys(tables)) {
		t.Run(tb, func(t *testing.T) { checkTableRLS(t, s.db, app, tb, tables[tb], string(a.id), string(b.id)) })
	}
}

// checkTableRLS probes one table as the application role; owner is a
// superuser connection that sees every row.
func checkTableRLS(t *testing.T, owner, app *sqlx.DB, table, col, a, b string) {
	var enabled, forced bool
	must(t, owner.QueryRow(`SELECT relrowsecurity, relforcerowsecurity FROM pg_class
		WHERE oid = to_regclass(current_schema() || '.' || $1)`, table).Scan(&enabled, &forced))
	if !enabled || !forced {
		t.Errorf("row-level security enabled %v, forced %v: want both", enabled, forced)
	}
	count := func(db *sqlx.DB, where string, args ...any) int {
		var n int
		must(t, db.Get(&n, `SELECT count(*) FROM `+table+` `+where, args...))
		return n
	}
	nA, nB, total := count(owner, `WHERE `+col+` = $1`, a), count(owner, `WHERE `+col+` = $1`, b), count(owner, ``)
	if nA == 0 || nB == 0 {
		t.Fatalf("the fixtures wrote %d rows of tenant A and %d of tenant B: each needs one", nA, nB)
	}
	asA := scoped(t, app, a, "off")
	if n := asA.count(table, ``); n != nA {
		t.Errorf("tenant A's scope sees %d rows, want its own %d (of %d)", n, nA, total)
	}
	if n := asA.count(table, `WHERE `+col+` IS DISTINCT FROM $1`, a); n != 0 {
		t.Errorf("tenant A's scope sees %d rows of other tenants", n)
	}
	if n := scoped(t, app, "", "off").count(table, ``); n != 0 {
		t.Errorf("without a scope, %d rows are visible", n)
	}
	if n := scoped(t, app, "", "on").count(table, ``); n != total {
		t.Errorf("the platform scope sees %d rows, want all %d", n, total)
	}
	if n := asA.exec(`UPDATE `+table+` SET `+col+` = `+col+` WHERE `+col+` IS DISTINCT FROM $1`, a); n != 0 {
		t.Errorf("tenant A's scope updated %d rows of other tenants", n)
	}
	if n := asA.exec(`UPDATE ` + table + ` SET ` + col + ` = ` + col); n != int64(nA) {
		t.Errorf("an unfiltered UPDATE in tenant A's scope touched %d rows, want A's %d", n, nA)
	}
	if n := asA.exec(`DELETE FROM `+table+` WHERE `+col+` IS DISTINCT FROM $1`, a); n != 0 {
		t.Errorf("tenant A's scope deleted %d rows of other tenants", n)
	}
	asA.refused(`UPDATE `+table+` SET `+col+` = $1 WHERE `+col+` = $2`, b, a)
	cols := columns(t, owner, table)
	sel := strings.ReplaceAll(","+strings.Join(cols, ",")+",", ","+col+",", ",$1::text,")
	asA.refused(`INSERT INTO `+table+` (`+strings.Join(cols, ",")+`) SELECT `+strings.Trim(sel, ",")+
		` FROM `+table+` WHERE `+col+` = $2 LIMIT 1`, b, a)
	if n := count(owner, `WHERE `+col+` = $1`, b); n != nB {
		t.Errorf("tenant B's rows went from %d to %d", nB, n)
	}
}

// columns are table's columns in order.
func columns(t *testing.T, db *sqlx.DB, table string) []string {
	var cols []string
	must(t, db.Select(&cols, `SELECT column_name FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`, table))
	return cols
}

// scope runs statements in transactions with the settings the store sets
// (tx.go's setScope), each rolled back.
type scope struct {
	t                *testing.T
	db               *sqlx.DB
	tenant, platform string
}

func scoped(t *testing.T, db *sqlx.DB, tenant, platform string) scope {
	return scope{t: t, db: db, tenant: tenant, platform: platform}
}

func (s scope) run(fn func(tx *sqlx.Tx) error) error {
	tx := s.db.MustBegin()
	defer tx.Rollback()
	tx.MustExec(`SELECT set_config('switchboard.tenant_id', $1, true), set_config('switchboard.platform', $2, true)`, s.tenant, s.platform)
	return fn(tx)
}

func (s scope) count(table, where string, args ...any) int {
	s.t.Helper()
	var n int
	must(s.t, s.run(func(tx *sqlx.Tx) error { return tx.Get(&n, `SELECT count(*) FROM `+table+` `+where, args...) }))
	return n
}

func (s scope) exec(query string, args ...any) int64 {
	s.t.Helper()
	var n int64
	must(s.t, s.run(func(tx *sqlx.Tx) error {
		res, err := tx.Exec(query, args...)
		if err == nil {
			n, err = res.RowsAffected()
		}
		return err
	}))
	return n
}

// refused runs query and wants row-level security's refusal (SQLSTATE
// 42501), not another error such as a unique violation.
func (s scope) refused(query string, args ...any) {
	s.t.Helper()
	err := s.run(func(tx *sqlx.Tx) error { _, err := tx.Exec(query, args...); return err })
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "42501" {
		s.t.Errorf("%s: want a row-level security refusal (42501), got %v", query, err)
	}
}
