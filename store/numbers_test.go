package store

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// TestAccessNumberEntriesMustExist: a number's entry names a queue (by name
// or ID) or a flow (by name) of its own tenant, or it is refused naming
// entry_alias and what the tenant has; a queue or flow numbers route to
// cannot be deleted, nor the queue renamed, and the refusal names every
// number.
func TestAccessNumberEntriesMustExist(t *testing.T) {
	allBackends(t, func(t *testing.T, s *Store) {
		a, b := mkTenant(t, s, "a.example.com", 1), mkTenant(t, s, "b.example.com", 1)
		num := func(n string, kind EntryKind, alias string) AccessNumberInput {
			return AccessNumberInput{Number: n, EntryKind: kind, EntryAlias: alias}
		}
		fieldErr := func(err error, wants ...string) {
			t.Helper()
			if !errors.Is(err, ErrInvalid) || !strings.HasPrefix(err.Error(), "entry_alias: ") {
				t.Fatalf("want an invalid entry_alias, got %v", err)
			}
			for _, w := range wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%q does not say %q", err, w)
				}
			}
		}
		_, err := s.CreateAccessNumber(ctx, admin1, a.ID, num("+8657200", EntryQueue, "sales"))
		fieldErr(err, `no queue "sales"`, "no queues yet")
		_, err = s.CreateAccessNumber(ctx, admin1, a.ID, num("+8657200", EntryFlow, "main"))
		fieldErr(err, `no flow "main"`, "no flows yet")

		sales, err := s.CreateQueue(ctx, admin1, a.ID, QueueInput{Name: "sales", Strategy: "ring_all"})
		must(t, err)
		_, err = s.CreateQueue(ctx, admin1, a.ID, QueueInput{Name: "support", Strategy: "ring_all"})
		must(t, err)
		_, err = s.CreateQueue(ctx, admin1, b.ID, QueueInput{Name: "billing", Strategy: "ring_all"})
		must(t, err)
		fl, err := s.CreateFlow(ctx, admin1, a.ID, FlowDraft{Name: "main", Doc: flowDoc("main", "x")})
		must(t, err)

		_, err = s.CreateAccessNumber(ctx, admin1, a.ID, num("+8657200", EntryQueue, "sale"))
		fieldErr(err, `no queue "sale"`, "it has sales, support")
		_, err = s.CreateAccessNumber(ctx, admin1, a.ID, num("+8657200", EntryQueue, "billing")) // B's queue
		fieldErr(err, `no queue "billing"`, "it has sales, support")
		_, err = s.CreateAccessNumber(ctx, admin1, a.ID, num("+8657200", EntryFlow, "sales")) // a queue, not a flow
		fieldErr(err, `no flow "sales"`, "it has main")

		byName, err := s.CreateAccessNumber(ctx, admin1, a.ID, num("+8657201", EntryQueue, "sales"))
		must(t, err)
		byID, err := s.CreateAccessNumber(ctx, admin1, a.ID, num("+8657202", EntryQueue, sales.ID))
		must(t, err)
		_, err = s.CreateAccessNumber(ctx, admin1, a.ID, num("+8657203", EntryFlow, "main"))
		must(t, err)
		_, err = s.UpdateAccessNumber(ctx, admin1, a.ID, byID.ID, num("+8657202", EntryFlow, "other"))
		fieldErr(err, `no flow "other"`, "it has main")
		if got, _ := s.GetAccessNumber(ctx, a.ID, byID.ID); got.EntryAlias != sales.ID {
			t.Fatalf("a refused update changed the number: %+v", got)
		}

		var iu *InUseError
		err = s.DeleteQueue(ctx, admin1, a.ID, sales.ID)
		if !errors.As(err, &iu) || !errors.Is(err, ErrInUse) || iu.Name != "sales" ||
			!slices.Equal(iu.Numbers, []string{"+8657201", "+8657202"}) {
			t.Fatalf("deleting a queue two numbers route to (by name, by ID): %v", err)
		}
		_, err = s.UpdateQueue(ctx, admin1, a.ID, sales.ID, QueueInput{Name: "sales2", Strategy: "ring_all"})
		if !errors.As(err, &iu) || !slices.Equal(iu.Numbers, []string{"+8657201"}) {
			t.Fatalf("renaming a queue a number routes to by name: %v", err)
		}
		// Same name, other fields: fine.
		_, err = s.UpdateQueue(ctx, admin1, a.ID, sales.ID, QueueInput{Name: "sales", Strategy: "longest_idle"})
		must(t, err)
		err = s.DeleteFlow(ctx, admin1, a.ID, fl.ID)
		if !errors.As(err, &iu) || !errors.Is(err, ErrFlowInUse) || !slices.Equal(iu.Numbers, []string{"+8657203"}) {
			t.Fatalf("deleting a flow a number routes to: %v", err)
		}

		// Once the number by name is gone the queue may be renamed (the one
		// by ID still follows it), and once both are gone, deleted.
		must(t, s.DeleteAccessNumber(ctx, admin1, a.ID, byName.ID))
		_, err = s.UpdateQueue(ctx, admin1, a.ID, sales.ID, QueueInput{Name: "sales2", Strategy: "ring_all"})
		must(t, err)
		must(t, s.DeleteAccessNumber(ctx, admin1, a.ID, byID.ID))
		must(t, s.DeleteQueue(ctx, admin1, a.ID, sales.ID))
		if err := s.DeleteQueue(ctx, admin1, a.ID, sales.ID); !errors.Is(err, ErrNotFound) {
			t.Fatalf("deleting a deleted queue: %v", err)
		}

		live, err := s.FlowEntries(ctx, a.ID)
		if err != nil || len(live) != 1 || live["main"] {
			t.Fatalf("FlowEntries before publishing = %v %v", live, err)
		}
		_, err = s.PublishFlow(ctx, admin1, a.ID, fl.ID, PublishInput{Doc: flowDoc("main", "x"), Alias: "live"})
		must(t, err)
		if live, err = s.FlowEntries(ctx, a.ID); err != nil || !live["main"] {
			t.Fatalf("FlowEntries after publishing as live = %v %v", live, err)
		}
		if other, err := s.FlowEntries(ctx, b.ID); err != nil || len(other) != 0 {
			t.Fatalf("B's FlowEntries = %v %v", other, err)
		}
	})
}
