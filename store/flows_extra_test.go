package store

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/switchboard-cc/switchboard/ivrflows"
)

// TestFlowTraces: batches cross the insert batch size, pages keep order,
// summaries group per call and flow version and filter by flow.
func TestFlowTraces(t *testing.T) {
	old := historyBatch
	historyBatch = 3
	t.Cleanup(func() { historyBatch = old })
	backends(t, func(t *testing.T, s *Store) {
		tn := mkFlowTenant(t, s, "trace.example.com", 5)
		t0 := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
		var entries []ivrflows.TraceEntry
		for i := range 7 {
			at := t0.Add(time.Duration(i) * time.Second)
			entries = append(entries, ivrflows.TraceEntry{Node: string(rune('a' + i)), Type: ivrflows.NodeSet, Entered: at,
				Left: at.Add(500 * time.Millisecond), Exit: "next", Set: []ivrflows.VarChange{{Name: "n", Value: float64(i)}}})
		}
		must(t, s.AppendFlowTrace(ctx, tn, FlowTraceBatch{CallID: "call-1", FlowID: "f1", Version: 2, Entries: entries}))
		must(t, s.AppendFlowTrace(ctx, tn, FlowTraceBatch{CallID: "call-2", FlowID: "f2", Version: 1, Entries: entries[:2]}))
		err := s.AppendFlowTrace(ctx, tn, FlowTraceBatch{CallID: "call-3", FlowID: "f1", Entries: []ivrflows.TraceEntry{{Node: ""}}})
		if !errors.Is(err, ErrInvalid) {
			t.Fatalf("entry without node: %v", err)
		}
		var got []TraceStep
		for p := (Page{Limit: 4}); ; {
			l, err := s.ListCallTrace(ctx, tn, "call-1", p)
			must(t, err)
			got = append(got, l.Items...)
			if l.Next == "" {
				break
			}
			p.After = l.Next
		}
		if len(got) != 7 || got[6].Node != "g" || got[3].Set[0].Value != float64(3) || !got[0].EnteredAt.Equal(t0) ||
			got[6].Exit != "next" || got[6].Version != 2 {
			t.Fatalf("call trace %+v", got)
		}
		sums, err := s.ListFlowTraces(ctx, tn, TraceFilter{FlowID: "f1"}, Page{})
		must(t, err)
		if len(sums.Items) != 1 || sums.Items[0].Steps != 7 || sums.Items[0].CallID != "call-1" ||
			!sums.Items[0].StartedAt.Equal(t0) || !sums.Items[0].EndedAt.Equal(t0.Add(6500*time.Millisecond)) {
			t.Fatalf("summaries %+v", sums.Items)
		}
		all, err := s.ListFlowTraces(ctx, tn, TraceFilter{}, Page{Limit: 1})
		must(t, err)
		next, err := s.ListFlowTraces(ctx, tn, TraceFilter{}, Page{Limit: 1, After: all.Next})
		must(t, err)
		if len(all.Items) != 1 || all.Items[0].CallID != "call-1" || len(next.Items) != 1 || next.Items[0].CallID != "call-2" {
			t.Fatalf("summary pages %+v %+v", all, next)
		}
		// Retention: entries that ended before the cut go, the others stay.
		n, err := s.PruneFlowTraces(ctx, t0.Add(2*time.Second))
		must(t, err)
		left, _ := s.ListCallTrace(ctx, tn, "call-1", Page{})
		if n != 4 || len(left.Items) != 5 || left.Items[0].Node != "c" {
			t.Fatalf("pruned %d, left %d starting at %+v", n, len(left.Items), left.Items)
		}
	})
}

func TestPromptsAndCatalog(t *testing.T) {
	backends(t, func(t *testing.T, s *Store) {
		tn := mkFlowTenant(t, s, "cat.example.com", 5)
		p, err := s.CreatePrompt(ctx, admin1, tn, PromptInput{Name: "welcome", Language: "en", Path: "t/en/welcome.wav", SizeBytes: 1600, DurationMS: 100})
		must(t, err)
		_, err = s.CreatePrompt(ctx, admin1, tn, PromptInput{Name: "welcome", Language: "en", Path: "t/en/welcome.wav", SizeBytes: 1})
		var cf *ConflictError
		if !errors.As(err, &cf) || cf.Field != "name" || cf.Value != "welcome (en)" {
			t.Fatalf("duplicate prompt: %v", err)
		}
		for _, in := range []PromptInput{{Name: "../x", Language: "en", Path: "p", SizeBytes: 1},
			{Name: "x", Language: "EN!", Path: "p", SizeBytes: 1}, {Name: "x", Language: "en", Path: "p"}} {
			if _, err := s.CreatePrompt(ctx, admin1, tn, in); !errors.Is(err, ErrInvalid) {
				t.Errorf("bad prompt %+v: %v", in, err)
			}
		}
		_, err = s.CreatePrompt(ctx, admin1, tn, PromptInput{Name: "welcome", Language: "nan", Path: "t/nan/welcome.wav", SizeBytes: 2})
		must(t, err)
		_, err = s.CreateQueue(ctx, admin1, tn, QueueInput{Name: "sales", Strategy: "ring_all"})
		must(t, err)
		f, err := s.CreateFlow(ctx, admin1, tn, FlowDraft{Name: "other", Doc: flowDoc("other", "welcome")})
		must(t, err)
		_, err = s.CreateFlow(ctx, admin1, tn, FlowDraft{Name: "unpublished", Doc: flowDoc("unpublished", "welcome")})
		must(t, err)
		_, err = s.PublishFlow(ctx, admin1, tn, f.ID, PublishInput{Doc: flowDoc("other", "welcome"), Alias: "live"})
		must(t, err)
		cat, err := s.FlowCatalog(ctx, tn)
		must(t, err)
		if cat.Prompts["welcome"]["en"] != "t/en/welcome.wav" || cat.Prompts["welcome"]["nan"] == "" ||
			len(cat.Queues) != 1 || cat.Queues[0] != "sales" || len(cat.Flows) != 1 || cat.Flows[0] != "other" ||
			cat.Languages["cmn"].Voice != "cmn-latn-pinyin" || cat.Languages["nan"].Voice != "nan" || cat.DefaultLanguage != "en" {
			t.Fatalf("catalog %+v", cat)
		}
		// The catalog validates a real flow: queue and prompt known, a missing one named.
		doc := `{"id":"m","start":"p","nodes":[{"id":"p","type":"play","params":{"prompts":[{"prompt":"welcome"}]},"exits":{"next":"q"}},
			{"id":"q","type":"queue","params":{"queue":"sales"},"exits":{"done":"h","failed":"h"}},{"id":"h","type":"hangup"}]}`
		if _, err := ivrflows.ParseAndCompile([]byte(doc), cat); err != nil {
			t.Fatalf("flow against the store's catalog: %v", err)
		}
		del, err := s.DeletePrompt(ctx, admin1, tn, p.ID)
		if err != nil || del.Path != "t/en/welcome.wav" {
			t.Fatalf("delete prompt: %+v %v", del, err)
		}
		if l, _ := s.ListPrompts(ctx, tn, Page{}); len(l.Items) != 1 {
			t.Fatalf("prompts after delete: %+v", l.Items)
		}
	})
}

// TestFlowTablesRowLevelSecurity: with a non-superuser role, a query that
// forgets the tenant filter sees none of the flow tables' rows.
func TestFlowTablesRowLevelSecurity(t *testing.T) {
	s := openPostgres(t)
	tn := mkFlowTenant(t, s, "rls.example.com", 5)
	f, err := s.CreateFlow(ctx, admin1, tn, FlowDraft{Name: "main", Doc: flowDoc("main", "x")})
	must(t, err)
	_, err = s.PublishFlow(ctx, admin1, tn, f.ID, PublishInput{Doc: flowDoc("main", "x"), Alias: "live"})
	must(t, err)
	_, err = s.CreatePrompt(ctx, admin1, tn, PromptInput{Name: "hi", Language: "en", Path: "p", SizeBytes: 1})
	must(t, err)
	must(t, s.AppendFlowTrace(ctx, tn, FlowTraceBatch{CallID: "c", FlowID: f.ID, Version: 1,
		Entries: []ivrflows.TraceEntry{{Node: "a", Entered: time.Now()}}}))
	_, err = s.PutFlowIntegrations(ctx, admin1, tn, FlowIntegrations{Lists: []string{"vip"}})
	must(t, err)
	_, err = s.AddListEntries(ctx, admin1, tn, "vip", []ListEntryInput{{Value: "+861"}})
	must(t, err)
	must(t, s.SaveSurveyScore(ctx, tn, SurveyScore{CallID: "c", Question: "q", Score: 1, At: time.Now()}))
	var schema string
	must(t, s.db.Get(&schema, `SELECT current_schema()`))
	role := "sb_rls_" + randHex(4)
	for _, st := range []string{`CREATE ROLE ` + role + ` LOGIN`, `GRANT USAGE ON SCHEMA ` + schema + ` TO ` + role,
		`GRANT SELECT ON ALL TABLES IN SCHEMA ` + schema + ` TO ` + role} {
		s.db.MustExec(st)
	}
	t.Cleanup(func() {
		s.db.MustExec(`DROP OWNED BY ` + role)
		s.db.MustExec(`DROP ROLE ` + role)
	})
	app := sqlx.MustOpen("pgx", withParam(t, withParam(t, postgresURL(t), "search_path", schema), "user", role))
	defer app.Close()
	for table := range flowTables {
		for _, tenant := range []string{"", string(tn)} {
			tx := app.MustBegin()
			tx.MustExec(`SELECT set_config('switchboard.tenant_id', $1, true)`, tenant)
			var n int
			must(t, tx.Get(&n, `SELECT count(*) FROM `+table))
			tx.Rollback()
			if (tenant == "") != (n == 0) {
				t.Errorf("%s with tenant %q: saw %d rows", table, tenant, n)
			}
		}
	}
}

// TestFlowIntegrationsInCatalog: the tenant's endpoints, data sources,
// mailboxes, lists and calendars reach the catalog, so flows naming them
// validate; replacing the document replaces them.
func TestFlowIntegrationsInCatalog(t *testing.T) {
	backends(t, func(t *testing.T, s *Store) {
		tn := mkFlowTenant(t, s, "integ.example.com", 5)
		empty, err := s.GetFlowIntegrations(ctx, tn)
		must(t, err)
		if empty.Endpoints == nil || empty.Lists == nil || len(empty.Calendars) != 0 {
			t.Fatalf("never set: %+v", empty)
		}
		in := FlowIntegrations{
			Endpoints: map[string]ivrflows.Endpoint{"crm": {BaseURL: "https://crm.example/api", Headers: map[string]string{"Authorization": "Bearer s3cret"}}},
			Lists:     []string{"blacklist"}, Mailboxes: []string{"general"},
			Calendars: map[string]*ivrflows.Calendar{"office": {TimeZone: "Asia/Shanghai",
				Weekly: []ivrflows.Hours{{Days: []string{"mon"}, Open: "09:00", Close: "18:00"}}}},
		}
		_, err = s.PutFlowIntegrations(ctx, admin1, tn, in)
		must(t, err)
		got, err := s.GetFlowIntegrations(ctx, tn)
		must(t, err)
		if got.Endpoints["crm"].Headers["Authorization"] != "Bearer s3cret" || got.Calendars["office"].TimeZone != "Asia/Shanghai" {
			t.Fatalf("read back %+v", got)
		}
		doc := `{"id":"m","start":"o","nodes":[
			{"id":"o","type":"hours","params":{"calendar":"office"},"exits":{"open":"l","closed":"l","holiday":"l"}},
			{"id":"l","type":"lookup","params":{"list":"blacklist"},"exits":{"found":"h","not_found":"c"}},
			{"id":"c","type":"http","params":{"endpoint":"crm","path":"/x"},"exits":{"ok":"h","error":"h"}},
			{"id":"h","type":"hangup"}]}`
		cat, err := s.FlowCatalog(ctx, tn)
		must(t, err)
		if _, err := ivrflows.ParseAndCompile([]byte(doc), cat); err != nil {
			t.Fatalf("flow naming the integrations: %v", err)
		}
		_, err = s.PutFlowIntegrations(ctx, admin1, tn, FlowIntegrations{})
		must(t, err)
		cat, err = s.FlowCatalog(ctx, tn)
		must(t, err)
		if _, err := ivrflows.ParseAndCompile([]byte(doc), cat); err == nil {
			t.Fatal("flow still validates after the integrations were removed")
		}
		var audit []string
		must(t, s.db.Select(&audit, `SELECT changes FROM audit_log WHERE resource_type = 'flow_integrations'`))
		for _, a := range audit {
			if strings.Contains(a, "s3cret") {
				t.Fatalf("audit log holds an endpoint credential: %s", a)
			}
		}
	})
}

// TestConcurrentPublishNumbersVersions: racing publications of one flow get
// distinct consecutive numbers, none lost.
func TestConcurrentPublishNumbersVersions(t *testing.T) {
	backends(t, func(t *testing.T, s *Store) {
		tn := mkFlowTenant(t, s, "race.example.com", 1)
		f, err := s.CreateFlow(ctx, admin1, tn, FlowDraft{Name: "main", Doc: flowDoc("main", "x")})
		must(t, err)
		const n = 6
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := s.PublishFlow(ctx, admin1, tn, f.ID, PublishInput{Doc: flowDoc("main", fmt.Sprint("p", i))})
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			must(t, err)
		}
		l, err := s.ListFlowVersions(ctx, tn, f.ID, Page{})
		must(t, err)
		for i, v := range l.Items {
			if v.Number != i+1 {
				t.Fatalf("version %d numbered %d", i+1, v.Number)
			}
		}
		if len(l.Items) != n {
			t.Fatalf("%d versions, want %d", len(l.Items), n)
		}
	})
}

// TestListsAndSurveys (OPS-4, OPS-6): entries go only into declared lists,
// duplicates are ignored, lookups answer from them; survey scores are
// recorded and filtered.
func TestListsAndSurveys(t *testing.T) {
	backends(t, func(t *testing.T, s *Store) {
		tn, other := mkFlowTenant(t, s, "lists.example.com", 5), mkFlowTenant(t, s, "other.example.com", 5)
		in := []ListEntryInput{{Value: "+8613900000666", Note: "abusive"}, {Value: "+8613900000777"}}
		if _, err := s.AddListEntries(ctx, admin1, tn, "blacklist", in); !errors.Is(err, ErrNotFound) {
			t.Fatalf("undeclared list: %v", err)
		}
		_, err := s.PutFlowIntegrations(ctx, admin1, tn, FlowIntegrations{Lists: []string{"blacklist"}})
		must(t, err)
		n, err := s.AddListEntries(ctx, admin1, tn, "blacklist", in)
		must(t, err)
		again, err := s.AddListEntries(ctx, admin1, tn, "blacklist", in[:1])
		must(t, err)
		if n != 2 || again != 0 {
			t.Fatalf("added %d then %d", n, again)
		}
		for key, want := range map[string]bool{"+8613900000666": true, "+8613900000888": false} {
			if got, err := s.ListContains(ctx, tn, "blacklist", key); err != nil || got != want {
				t.Errorf("contains %s = %v %v", key, got, err)
			}
		}
		if got, _ := s.ListContains(ctx, other, "blacklist", "+8613900000666"); got {
			t.Error("another tenant's lookup sees the entry")
		}
		must(t, s.DeleteListEntry(ctx, admin1, tn, "blacklist", "+8613900000777"))
		if err := s.DeleteListEntry(ctx, admin1, other, "blacklist", "+8613900000666"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("delete across tenants: %v", err)
		}
		l, err := s.ListListEntries(ctx, tn, "blacklist", Page{})
		must(t, err)
		if len(l.Items) != 1 || l.Items[0].Note != "abusive" {
			t.Fatalf("entries %+v", l.Items)
		}
		at := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
		must(t, s.SaveSurveyScore(ctx, tn, SurveyScore{CallID: "c1", AgentID: "1001", Question: "satisfaction", Score: 5, At: at}))
		must(t, s.SaveSurveyScore(ctx, tn, SurveyScore{CallID: "c2", FlowID: "f1", Version: 3, AgentID: "1002", Question: "satisfaction", Score: 2, At: at}))
		if err := s.SaveSurveyScore(ctx, tn, SurveyScore{CallID: "c3"}); !errors.Is(err, ErrInvalid) {
			t.Fatalf("score without question: %v", err)
		}
		sc, err := s.ListSurveyScores(ctx, tn, HistoryFilter{AgentID: "1002"}, Page{})
		must(t, err)
		none, _ := s.ListSurveyScores(ctx, other, HistoryFilter{}, Page{})
		if len(sc.Items) != 1 || sc.Items[0].Score != 2 || !sc.Items[0].At.Equal(at) || sc.Items[0].Version != 3 ||
			sc.Items[0].FlowID != "f1" || len(none.Items) != 0 {
			t.Fatalf("scores %+v, other tenant %+v", sc.Items, none.Items)
		}
	})
}
