package callconfig

import (
	"context"
	"database/sql"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/store"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// TestUnreadableRowsCostOnlyTheirTenant: an agent row the store cannot even
// read (capacity JSON written by hand) makes acme's agents unreadable. A
// reload keeps acme's previous rows and lists the problem; bolt's new agent
// is served; a restart (New) succeeds, without acme's agents.
func TestUnreadableRowsCostOnlyTheirTenant(t *testing.T) {
	ctx := context.Background()
	st, path := migratedSQLite(t)
	acme := seed(t, st, "Acme", "acme.example", "+8620000001")
	bolt := seed(t, st, "Bolt", "bolt.example", "+8620000002")
	live, err := New(ctx, st, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`UPDATE agents SET capacity = '{not json' WHERE id = $1`, acme.agent.ID); err != nil {
		t.Fatal(err)
	}
	u, err := st.CreateUser(ctx, store.SystemActor, bolt.tenant.ID, store.UserInput{Email: "bob@bolt.example", DisplayName: "Bob",
		Role: tenancy.RoleAgent, PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	newAgent, err := st.CreateAgent(ctx, store.SystemActor, bolt.tenant.ID, store.AgentInput{UserID: u.ID, Extension: "1002",
		DisplayName: "Bob", SIPPassword: "sip-secret-2"})
	if err != nil {
		t.Fatal(err)
	}
	if err := live.Reload(ctx); err != nil {
		t.Fatalf("one tenant's unreadable row failed the reload: %v", err)
	}
	if _, ok := live.Endpoint(bolt.tenant.ID, newAgent.ID); !ok {
		t.Fatal("bolt's new agent is not served")
	}
	if _, ok := live.Endpoint(acme.tenant.ID, acme.agent.ID); !ok {
		t.Fatal("acme's agents must keep their previous rows on a reload")
	}
	onlyAcme := func(s *Snapshot) {
		t.Helper()
		if len(s.Problems) != 1 || string(s.Problems[0].Tenant) != string(acme.tenant.ID) ||
			!strings.Contains(s.Problems[0].Reason, "agents could not be read") {
			t.Fatalf("problems: %+v", s.Problems)
		}
	}
	onlyAcme(live.Snapshot())
	if r, err := live.Route(ctx, "+8620000001", nil, time.Now()); err != nil || r.Tenant != acme.tenant.ID {
		t.Fatalf("acme's number: %+v %v", r, err)
	}

	restarted, err := New(ctx, st, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		t.Fatalf("restart: %v", err)
	}
	onlyAcme(restarted.Snapshot())
	if _, ok := restarted.Endpoint(bolt.tenant.ID, newAgent.ID); !ok {
		t.Fatal("bolt's agent after a restart")
	}
	if _, ok := restarted.Endpoint(acme.tenant.ID, acme.agent.ID); ok {
		t.Fatal("after a restart there are no previous rows to keep")
	}
}

// TestNumbersWithoutTheirEntryAreProblems: an access number whose queue is
// gone (deleted by hand here; the store refuses it, but a concurrent delete
// or an old row can do the same), or whose flow has no live version, is
// listed with its tenant, number and why; it stays routed, and its calls
// are refused saying the same. Publishing the flow as live clears its
// problem at the next reload.
func TestNumbersWithoutTheirEntryAreProblems(t *testing.T) {
	ctx := context.Background()
	st, path := migratedSQLite(t)
	acme := seed(t, st, "Acme", "acme.example", "+8620000001")
	doc := []byte(`{"id":"main","start":"a","nodes":[{"id":"a","type":"hangup"}]}`)
	fl, err := st.CreateFlow(ctx, store.SystemActor, acme.tenant.ID, store.FlowDraft{Name: "main", Doc: doc})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateAccessNumber(ctx, store.SystemActor, acme.tenant.ID, store.AccessNumberInput{Number: "+8620000002",
		EntryKind: store.EntryFlow, EntryAlias: "main"}); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`DELETE FROM queues WHERE id = $1`, acme.queue.ID); err != nil {
		t.Fatal(err)
	}
	live, err := New(ctx, st, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		t.Fatal(err)
	}
	reasons := map[string]string{}
	for _, p := range live.Snapshot().Problems {
		if string(p.Tenant) != string(acme.tenant.ID) {
			t.Errorf("problem of another tenant: %+v", p)
		}
		reasons[p.Object] = p.Reason
	}
	want := map[string]string{`"+8620000001"`: `entry_alias: the tenant has no queue "sales"`,
		`"+8620000002"`: `entry_alias: flow "main" has no live version`}
	for number, reason := range want {
		found := false
		for obj, r := range reasons {
			if strings.Contains(obj, number) && strings.Contains(r, reason) {
				found = true
			}
		}
		if !found {
			t.Errorf("no problem for %s saying %q: %v", number, reason, reasons)
		}
	}
	if len(reasons) != len(want) {
		t.Errorf("problems %v, want %d", reasons, len(want))
	}
	if _, err := live.Route(ctx, "+8620000001", nil, time.Now()); err == nil || !strings.Contains(err.Error(), `queue sales`) {
		t.Errorf("a call to the number of the deleted queue: %v", err)
	}

	if _, err := st.PublishFlow(ctx, store.SystemActor, acme.tenant.ID, fl.ID, store.PublishInput{Doc: doc, Alias: "live"}); err != nil {
		t.Fatal(err)
	}
	if err := live.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	if p := live.Snapshot().Problems; len(p) != 1 || !strings.Contains(p[0].Object, "+8620000001") {
		t.Errorf("after publishing the flow as live: %+v", p)
	}
}

// migratedSQLite opens and migrates a store on a SQLite file, closed when
// the test ends; the path lets a test write rows behind the store's back.
func migratedSQLite(t testing.TB) (*store.Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "sb.db")
	st, err := store.Open(context.Background(), "sqlite:"+path, store.Options{SecretKey: make([]byte, 32)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return st, path
}
