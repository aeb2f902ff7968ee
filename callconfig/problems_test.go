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
	path := filepath.Join(t.TempDir(), "sb.db")
	st, err := store.Open(ctx, "sqlite:"+path, store.Options{SecretKey: make([]byte, 32)})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
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
