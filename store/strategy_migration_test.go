package store

import (
	"context"
	"testing"
)

// TestOldStrategyNamesAreMigrated: queues stored with the store's old names
// (fewest_calls, skills_based) carry the ACD's names after migration 00061,
// on every backend (as the owner role in platform scope on PostgreSQL), and
// the old names are refused from then on.
func TestOldStrategyNamesAreMigrated(t *testing.T) {
	allBackends(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		ten := mkTenant(t, s, "acme.test", 5)
		admin := SystemActor
		ids := map[string]string{}
		for old, name := range map[string]string{"fewest_calls": "f", "skills_based": "s"} {
			q, err := s.CreateQueue(ctx, admin, ten.ID, QueueInput{Name: name, Strategy: "longest_idle"})
			if err != nil {
				t.Fatal(err)
			}
			ids[old] = q.ID
		}
		db := s.db.DB
		if s.postgres {
			pdb, err := platformScopedDB(s.url)
			if err != nil {
				t.Fatal(err)
			}
			defer pdb.Close()
			db = pdb
		}
		p, err := s.migrator(db)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.DownTo(ctx, 60); err != nil {
			t.Fatal(err)
		}
		for old, id := range ids {
			if _, err := db.ExecContext(ctx, s.db.Rebind(`UPDATE queues SET strategy = ? WHERE id = ?`), old, id); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := p.Up(ctx); err != nil {
			t.Fatal(err)
		}
		for old, want := range map[string]string{"fewest_calls": "fewest_handled", "skills_based": "best_skill"} {
			q, err := s.GetQueue(ctx, ten.ID, ids[old])
			if err != nil || q.Strategy != want {
				t.Fatalf("%s after migration: %q, %v", old, q.Strategy, err)
			}
			if _, err := s.CreateQueue(ctx, admin, ten.ID, QueueInput{Name: "n" + old, Strategy: old}); err == nil {
				t.Fatalf("the old name %s is still accepted", old)
			}
		}
	})
}
