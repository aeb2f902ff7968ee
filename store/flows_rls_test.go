package store

import (
	"errors"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/switchboard-cc/switchboard/ivrflows"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// openAsOwner opens a migrated store connected as a fresh NON-superuser
// role owning its own schema: FORCE ROW LEVEL SECURITY applies to it, so
// every query must run in the right scope to see or write anything.
func openAsOwner(t *testing.T) *Store {
	t.Helper()
	base := postgresURL(t)
	role, schema := "sb_owner_"+randHex(4), "sb_owner_"+randHex(4)
	admin := sqlx.MustOpen("pgx", base)
	t.Cleanup(func() { admin.Close() })
	admin.MustExec(`CREATE ROLE ` + role + ` LOGIN`)
	admin.MustExec(`CREATE SCHEMA ` + schema + ` AUTHORIZATION ` + role)
	t.Cleanup(func() {
		admin.MustExec(`DROP SCHEMA ` + schema + ` CASCADE`)
		admin.MustExec(`DROP ROLE ` + role)
	})
	return openMigrated(t, withParam(t, withParam(t, base, "search_path", schema), "user", role))
}

// TestFlowsUnderRowLevelSecurity runs every flow method as the schema
// owner under RLS: each must carry its tenant (or platform) scope.
func TestFlowsUnderRowLevelSecurity(t *testing.T) {
	s := openAsOwner(t)
	tn := mkFlowTenant(t, s, "owner.example.com", 1)
	_, err := s.CreateQueue(ctx, admin1, tn, QueueInput{Name: "sales", Strategy: "ring_all"})
	must(t, err)
	_, err = s.PutFlowIntegrations(ctx, admin1, tn, FlowIntegrations{Lists: []string{"vip"}})
	must(t, err)
	f, err := s.CreateFlow(ctx, admin1, tn, FlowDraft{Name: "main", Doc: flowDoc("main", "hi")})
	must(t, err)
	_, err = s.SaveFlowDraft(ctx, admin1, tn, f.ID, FlowDraft{Name: "main", Doc: flowDoc("main", "hello")})
	must(t, err)
	_, err = s.PublishFlow(ctx, admin1, tn, f.ID, PublishInput{Doc: flowDoc("main", "hello"), Alias: "live"})
	must(t, err)
	g, err := s.CreateFlow(ctx, admin1, tn, FlowDraft{Name: "other", Doc: flowDoc("other", "x")})
	must(t, err)
	var oq *tenancy.OverQuotaError
	if _, err := s.PublishFlow(ctx, admin1, tn, g.ID, PublishInput{Doc: flowDoc("other", "x")}); !errors.As(err, &oq) {
		t.Fatalf("quota under RLS: %v", err)
	}
	_, err = s.CreatePrompt(ctx, admin1, tn, PromptInput{Name: "hello", Language: "en", Path: "p", SizeBytes: 1})
	must(t, err)
	_, err = s.AddListEntries(ctx, admin1, tn, "vip", []ListEntryInput{{Value: "+861"}})
	must(t, err)
	must(t, s.SaveSurveyScore(ctx, tn, SurveyScore{CallID: "c", Question: "q", Score: 3, At: time.Now()}))
	old := time.Now().Add(-48 * time.Hour)
	must(t, s.AppendFlowTrace(ctx, tn, FlowTraceBatch{CallID: "c", FlowID: f.ID, Version: 1,
		Entries: []ivrflows.TraceEntry{{Node: "a", Entered: old}, {Node: "b", Entered: time.Now()}}}))
	cat, err := s.FlowCatalog(ctx, tn)
	must(t, err)
	v, err := s.ResolveFlow(ctx, tn, "main", "live")
	must(t, err)
	in, err := s.ListContains(ctx, tn, "vip", "+861")
	must(t, err)
	tr, err := s.ListFlowTraces(ctx, tn, TraceFilter{FlowID: f.ID}, Page{})
	must(t, err)
	pruned, err := s.PruneFlowTraces(ctx, time.Now().Add(-time.Hour))
	must(t, err)
	got, err := s.GetFlow(ctx, tn, f.ID)
	must(t, err)
	if len(cat.Queues) != 1 || cat.Prompts["hello"]["en"] != "p" || len(cat.Flows) != 1 || v.Number != 1 || !in ||
		len(tr.Items) != 1 || tr.Items[0].Steps != 2 || pruned != 1 || got.Aliases["live"] != 1 {
		t.Fatalf("under RLS: catalog %+v version %d in %v traces %+v pruned %d flow %+v", cat, v.Number, in, tr.Items, pruned, got)
	}
	must(t, s.DeleteFlow(ctx, admin1, tn, g.ID))
	var unscoped int // proves RLS binds this connection: without a scope nothing shows
	must(t, s.db.Get(&unscoped, `SELECT count(*) FROM flows`))
	if unscoped != 0 {
		t.Fatalf("the owner saw %d flows without a scope: RLS is not in force", unscoped)
	}
}
