package main

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/switchboard-cc/switchboard/acd"
	"github.com/switchboard-cc/switchboard/callconfig"
	"github.com/switchboard-cc/switchboard/orchestrator/acdowner"
	"github.com/switchboard-cc/switchboard/orchestrator/admission"
	"github.com/switchboard-cc/switchboard/tenancy"
)

type noOffers struct{}

func (noOffers) Offer(context.Context, acdowner.Offer) error       { return nil }
func (noOffers) CancelOffer(context.Context, acdowner.Offer) error { return nil }

// BenchmarkScrapeACDs measures one gather of the controller's collector
// with 1,000 tenants of 2 queues and 20 logged-in agents each: what every
// Prometheus scrape costs the ACD owners.
func BenchmarkScrapeACDs(b *testing.B) {
	ctx := context.Background()
	acds := &tenantACDs{owners: map[tenancy.TenantID]*acdowner.Owner{}}
	adm := admission.New()
	for i := range 1000 {
		t := fmt.Sprintf("t%04d", i)
		var agents []acd.AgentProfile
		for j := range 20 {
			agents = append(agents, acd.AgentProfile{ID: fmt.Sprintf("a%d", j), Tenant: t,
				Queues: []acd.Membership{{Queue: "q0"}, {Queue: "q1"}}})
		}
		o, err := acdowner.Start(ctx, acdowner.Config{Tenant: t, Queues: []acd.QueueConfig{{ID: "q0"}, {ID: "q1"}},
			Agents: agents, Offerer: noOffers{}, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { o.Stop(ctx) })
		for _, a := range agents {
			if err := o.Login(ctx, a.ID); err != nil {
				b.Fatal(err)
			}
		}
		acds.owners[tenancy.TenantID(t)] = o
		if _, err := adm.Admit(tenancy.TenantID(t), tenancy.ResourcePSTNCalls, admission.Holder{ID: t}, 10); err != nil {
			b.Fatal(err)
		}
	}
	conf := newLiveForBench(b)
	reg := prometheus.NewRegistry()
	reg.MustRegister(controllerCollector{acds: acds, adm: adm, conf: conf})
	b.ResetTimer()
	for range b.N {
		mfs, err := reg.Gather()
		if err != nil || len(mfs) == 0 {
			b.Fatal(err)
		}
	}
}

func newLiveForBench(b *testing.B) *callconfig.Live {
	dir := b.TempDir()
	st, err := openStore(context.Background(), serveConfig{DataDir: dir, Database: "sqlite:" + filepath.Join(dir, "sb.db")},
		bytes.Repeat([]byte{9}, 32))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	conf, err := callconfig.New(context.Background(), st, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		b.Fatal(err)
	}
	return conf
}
