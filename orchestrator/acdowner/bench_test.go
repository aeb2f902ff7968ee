package acdowner

import (
	"context"
	"fmt"
	"testing"

	"github.com/switchboard-cc/switchboard/acd"
)

// BenchmarkOwnerRoundTrip: one interaction through the owner goroutine
// (enqueue and offer, accept, finish): three mailbox round trips with the
// plan carried out, as the API and call sessions see them.
func BenchmarkOwnerRoundTrip(b *testing.B) {
	ctx := context.Background()
	off := &recOfferer{fail: map[string]bool{}}
	cfg := Config{Tenant: "t", Offerer: off, Logger: quiet(), Clock: newFakeClock(), Queues: []acd.QueueConfig{{ID: "q"}}}
	for i := range 100 {
		cfg.Agents = append(cfg.Agents, acd.AgentProfile{ID: fmt.Sprintf("a%d", i), Tenant: "t", Queues: []acd.Membership{{Queue: "q"}}})
	}
	o, err := Start(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer o.Stop(ctx)
	for _, a := range cfg.Agents {
		_ = o.Login(ctx, a.ID)
		_ = o.Ready(ctx, a.ID)
	}
	ids := make([]string, 1024)
	for i := range ids {
		ids[i] = fmt.Sprintf("x%d", i)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		id := ids[i%len(ids)]
		if err := o.Enqueue(ctx, acd.Interaction{ID: id, Tenant: "t", Queue: "q"}); err != nil {
			b.Fatal(err)
		}
		of := off.take()
		if len(of) != 1 {
			b.Fatalf("offers %v", of)
		}
		if err := o.Accept(ctx, of[0].Agent, id); err != nil {
			b.Fatal(err)
		}
		if err := o.Finish(ctx, id); err != nil {
			b.Fatal(err)
		}
	}
}
