package callconfig

import (
	"context"
	"fmt"
	"log/slog"
	"testing"

	"github.com/switchboard-cc/switchboard/store"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// BenchmarkReload is the periodic configuration reload on SQLite with two
// tenants of benchReloadAgents agents each: "unchanged" is the common case
// (nothing written since the last reload), "one-tenant-changed" a reload
// after one agent of one tenant was renamed (the rename is outside the
// timed part).
func BenchmarkReload(b *testing.B) {
	const benchReloadAgents = 500
	ctx := context.Background()
	st, _ := migratedSQLite(b)
	var tenants []fixture
	for i, name := range []string{"acme", "bolt"} {
		f := seed(b, st, name, name+".example", fmt.Sprintf("+862000000%d", i+1))
		q := f.tenant.Quotas
		q.MaxAgents = benchReloadAgents
		if _, err := st.UpdateTenant(ctx, store.SystemActor, f.tenant.ID, store.TenantPatch{Quotas: &q}); err != nil {
			b.Fatal(err)
		}
		for n := 1; n < benchReloadAgents; n++ {
			u, err := st.CreateUser(ctx, store.SystemActor, f.tenant.ID, store.UserInput{Email: fmt.Sprintf("a%d@%s.example", n, name),
				DisplayName: "A", Role: tenancy.RoleAgent, PasswordHash: "x"})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := st.CreateAgent(ctx, store.SystemActor, f.tenant.ID, store.AgentInput{UserID: u.ID,
				Extension: fmt.Sprint(2000 + n), DisplayName: "A", SIPPassword: "sip-secret-1",
				Queues: []store.AgentQueue{{QueueID: f.queue.ID, Priority: 1}}}); err != nil {
				b.Fatal(err)
			}
		}
		tenants = append(tenants, f)
	}
	live, err := New(ctx, st, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		b.Fatal(err)
	}
	reload := func(b *testing.B) {
		if err := live.Reload(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("unchanged", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			reload(b)
		}
	})
	b.Run("one-tenant-changed", func(b *testing.B) {
		b.ReportAllocs()
		bolt := tenants[1]
		for i := 0; b.Loop(); i++ {
			b.StopTimer()
			name := fmt.Sprint("Ann ", i)
			if _, err := st.UpdateAgent(ctx, store.SystemActor, bolt.tenant.ID, bolt.agent.ID, store.AgentPatch{DisplayName: &name}); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			reload(b)
		}
	})
}
