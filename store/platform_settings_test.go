package store

import (
	"context"
	"errors"
	"testing"

	"github.com/switchboard-cc/switchboard/tenancy"
)

func TestTenantDefaultsStoredOnceThenReplaced(t *testing.T) {
	allBackends(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		if q, ok, err := s.TenantDefaults(ctx); err != nil || ok || q != (tenancy.Quotas{}) {
			t.Fatalf("fresh database: %+v %v %v", q, ok, err)
		}
		first := tenancy.Quotas{MaxAgents: 10, MaxPSTNCalls: 5}
		if stored, err := s.EnsureTenantDefaults(ctx, SystemActor, first); err != nil || !stored {
			t.Fatalf("first ensure: %v %v", stored, err)
		}
		if stored, err := s.EnsureTenantDefaults(ctx, SystemActor, tenancy.Quotas{MaxAgents: 1}); err != nil || stored {
			t.Fatalf("second ensure must keep the stored value: %v %v", stored, err)
		}
		if q, ok, err := s.TenantDefaults(ctx); err != nil || !ok || q != first {
			t.Fatalf("after ensure: %+v %v %v", q, ok, err)
		}
		next := tenancy.Quotas{MaxAgents: 20, MaxChats: 3}
		if _, err := s.SetTenantDefaults(ctx, SystemActor, next); err != nil {
			t.Fatal(err)
		}
		if q, _, err := s.TenantDefaults(ctx); err != nil || q != next {
			t.Fatalf("after set: %+v %v", q, err)
		}
		var fe *tenancy.FieldError
		if _, err := s.SetTenantDefaults(ctx, SystemActor, tenancy.Quotas{MaxChats: -1}); !errors.As(err, &fe) || fe.Field != "quotas" {
			t.Fatalf("a negative quota: %v", err)
		}
	})
}
