package acdowner

import (
	"context"
	"errors"
	"testing"

	"github.com/switchboard-cc/switchboard/acd"
)

func TestRegistryOneOwnerPerTenant(t *testing.T) {
	ctx := context.Background()
	off := &recOfferer{fail: map[string]bool{}}
	started := map[string]int{}
	r := NewRegistry(func(_ context.Context, tenant string) (Config, error) {
		started[tenant]++
		return Config{Tenant: tenant, Offerer: off, Logger: quiet(), Clock: newFakeClock(),
			Queues: []acd.QueueConfig{{ID: "q"}},
			Agents: []acd.AgentProfile{{ID: "a1", Tenant: tenant, Queues: []acd.Membership{{Queue: "q"}}}}}, nil
	})
	a1, err := r.Get(ctx, "A")
	if err != nil {
		t.Fatal(err)
	}
	a2, _ := r.Get(ctx, "A")
	b, _ := r.Get(ctx, "B")
	if a1 != a2 || a1 == b || started["A"] != 1 || a1.Tenant() != "A" || b.Tenant() != "B" {
		t.Fatalf("owners %p %p %p, started %v", a1, a2, b, started)
	}
	if err := r.Stop(ctx, "B"); err != nil {
		t.Fatal(err)
	}
	if _, ok := r.Owner("B"); ok {
		t.Fatal("stopped owner still listed")
	}
	if err := r.StopAll(ctx); err != nil {
		t.Fatal(err)
	}
	if err := a1.Ready(ctx, "a1"); !errors.Is(err, ErrStopped) {
		t.Fatalf("owner after StopAll: %v", err)
	}
	if _, err := r.Get(ctx, "C"); !errors.Is(err, ErrRegistryStopped) {
		t.Fatal(err)
	}
}
