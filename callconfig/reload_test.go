package callconfig

import (
	"context"
	"database/sql"
	"log/slog"
	"testing"

	"github.com/switchboard-cc/switchboard/internal/pgtest"
	"github.com/switchboard-cc/switchboard/store"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// seedAll gives tenant acme a row in every table the configuration is read
// from: a skill and the agent's memberships, a flow live behind a second
// number, and a node.
func seedAll(t *testing.T, st *store.Store) fixture {
	t.Helper()
	ctx := context.Background()
	a := store.SystemActor
	acme := seed(t, st, "Acme", "acme.example", "+8620000001")
	sk, err := st.CreateSkill(ctx, a, acme.tenant.ID, store.SkillInput{Name: "billing"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.UpdateAgent(ctx, a, acme.tenant.ID, acme.agent.ID, store.AgentPatch{
		Skills: &[]store.AgentSkill{{SkillID: sk.ID, Level: 3}}, Queues: &[]store.AgentQueue{{QueueID: acme.queue.ID, Priority: 1}}}); err != nil {
		t.Fatal(err)
	}
	doc := []byte(`{"id":"main","start":"a","nodes":[{"id":"a","type":"hangup"}]}`)
	fl, err := st.CreateFlow(ctx, a, acme.tenant.ID, store.FlowDraft{Name: "main", Doc: doc})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.PublishFlow(ctx, a, acme.tenant.ID, fl.ID, store.PublishInput{Doc: doc, Alias: "live"}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateAccessNumber(ctx, a, acme.tenant.ID, store.AccessNumberInput{Number: "+8620000002",
		EntryKind: store.EntryFlow, EntryAlias: "main"}); err != nil {
		t.Fatal(err)
	}
	site, err := st.CreateSite(ctx, a, store.SiteInput{Name: "gz"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateNode(ctx, a, store.NodeInput{SiteID: site.ID, Name: "fs1", Kind: store.NodeFreeSWITCH,
		Address: "127.0.0.1:8021", Secret: "ClueCon", Enabled: true}); err != nil {
		t.Fatal(err)
	}
	return acme
}

// TestEveryChangeIsSeenByTheNextReload: a reload reads only what changed
// (the tenants' configuration versions say what), yet a change to any table
// the configuration comes from, made behind the store's back, is served
// after the next reload; a reload with nothing changed keeps the snapshot.
func TestEveryChangeIsSeenByTheNextReload(t *testing.T) {
	ctx := context.Background()
	st, path := migratedSQLite(t)
	seedAll(t, st)
	live, err := New(ctx, st, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		t.Fatal(err)
	}
	if p := live.Snapshot().Problems; len(p) != 0 {
		t.Fatalf("problems before any change: %+v", p)
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// In an order where each edit changes what is served (the alias goes
	// before the flow is renamed: with no flow, its alias serves nothing).
	for _, edit := range []string{
		`UPDATE queues SET ring_timeout_s = 99`,
		`UPDATE skills SET name = 'sales_skill'`,
		`UPDATE agents SET display_name = 'Zed'`,
		`UPDATE agent_skills SET level = 9`,
		`UPDATE agent_queues SET priority = 9`,
		`UPDATE access_numbers SET entry_alias = 'nosuch' WHERE number = '+8620000001'`,
		`DELETE FROM flow_aliases`,
		`UPDATE flows SET name = 'renamed'`,
		`UPDATE tenants SET max_pstn_calls = 7`,
		`UPDATE nodes SET address = '127.0.0.1:8022'`,
	} {
		before := live.Snapshot()
		if err := live.Reload(ctx); err != nil {
			t.Fatal(err)
		}
		if live.Snapshot() != before {
			t.Fatalf("before %q: a reload with nothing changed replaced the snapshot", edit)
		}
		if _, err := db.Exec(edit); err != nil {
			t.Fatalf("%s: %v", edit, err)
		}
		if err := live.Reload(ctx); err != nil {
			t.Fatal(err)
		}
		if live.Snapshot() == before {
			t.Errorf("%s: not seen by the next reload", edit)
		}
	}
}

// TestChangesOfAnotherReplicaAreSeen: on a shared PostgreSQL, changes made
// through another controller's store (signed in as the application role,
// under row-level security) reach this one's next reload: a new agent, a
// suspension, a node's new address.
func TestChangesOfAnotherReplicaAreSeen(t *testing.T) {
	ctx := context.Background()
	u := pgtest.SchemaURL(t, "sb_callconfig")
	open := func(url string) *store.Store {
		st, err := store.Open(ctx, url, store.Options{SecretKey: make([]byte, 32)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	here := open(u)
	if err := here.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	acme := seedAll(t, here)
	live, err := New(ctx, here, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		t.Fatal(err)
	}
	other := open(pgtest.AppRoleURL(t, u))
	reload := func() *Snapshot {
		t.Helper()
		if err := live.Reload(ctx); err != nil {
			t.Fatal(err)
		}
		return live.Snapshot()
	}

	usr, err := other.CreateUser(ctx, store.SystemActor, acme.tenant.ID, store.UserInput{Email: "bob@acme.example", DisplayName: "Bob",
		Role: tenancy.RoleAgent, PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	bob, err := other.CreateAgent(ctx, store.SystemActor, acme.tenant.ID, store.AgentInput{UserID: usr.ID, Extension: "1002",
		DisplayName: "Bob", SIPPassword: "sip-secret-2"})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := reload().Agents[acme.tenant.ID][bob.ID]; !ok {
		t.Error("the other replica's new agent is not served")
	}
	if _, err := other.SuspendTenant(ctx, store.SystemActor, acme.tenant.ID); err != nil {
		t.Fatal(err)
	}
	if got := reload().Tenants[acme.tenant.ID].Status; got != tenancy.StatusSuspended {
		t.Errorf("after the other replica suspended the tenant: %s", got)
	}
	nodes := reload().Nodes
	addr := "127.0.0.1:8022"
	if _, err := other.UpdateNode(ctx, store.SystemActor, nodes[0].ID, store.NodePatch{Address: &addr}); err != nil {
		t.Fatal(err)
	}
	if got := reload().Nodes[0]; got.Address != addr || got.Secret != "ClueCon" {
		t.Errorf("after the other replica moved the node: %+v", got)
	}
}
