package callconfig

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/orchestrator"
	"github.com/switchboard-cc/switchboard/orchestrator/calls"
	"github.com/switchboard-cc/switchboard/store"
	"github.com/switchboard-cc/switchboard/tenancy"
)

func newStore(t *testing.T) *store.Store {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "sb.db"), store.Options{SecretKey: make([]byte, 32)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return st
}

type fixture struct {
	tenant tenancy.Tenant
	queue  store.Queue
	agent  store.Agent
}

func seed(t testing.TB, st *store.Store, name, domain, number string) fixture {
	t.Helper()
	ctx := context.Background()
	a := store.SystemActor
	ten, err := st.CreateTenant(ctx, a, store.TenantInput{Name: name, SIPDomain: domain, Language: "en", TimeZone: "Asia/Shanghai",
		Quotas: tenancy.Quotas{MaxAgents: 5, MaxPSTNCalls: 3, MaxWebCalls: 1, MaxChats: 1, MaxPublishedFlows: 1}})
	if err != nil {
		t.Fatal(err)
	}
	q, err := st.CreateQueue(ctx, a, ten.ID, store.QueueInput{Name: "sales", Strategy: "longest_idle", RingTimeoutSeconds: 15})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateAccessNumber(ctx, a, ten.ID, store.AccessNumberInput{Number: number, EntryKind: store.EntryQueue, EntryAlias: "sales"}); err != nil {
		t.Fatal(err)
	}
	u, err := st.CreateUser(ctx, a, ten.ID, store.UserInput{Email: "ann@" + domain, DisplayName: "Ann", Role: tenancy.RoleAgent, PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	ag, err := st.CreateAgent(ctx, a, ten.ID, store.AgentInput{UserID: u.ID, Extension: "1001", DisplayName: "Ann", SIPPassword: "sip-secret-1"})
	if err != nil {
		t.Fatal(err)
	}
	return fixture{ten, q, ag}
}

func TestRouteAndEndpointsFromTheStore(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	acme := seed(t, st, "Acme", "acme.example", "+8620000001")
	bolt := seed(t, st, "Bolt", "bolt.example", "+8620000002")
	live, err := New(ctx, st, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		t.Fatal(err)
	}
	r, err := live.Route(ctx, "8620000002", nil, time.Now()) // dialled without the "+"
	if err != nil {
		t.Fatal(err)
	}
	if r.Tenant != bolt.tenant.ID || r.Queue != bolt.queue.ID || r.Status != tenancy.StatusActive || r.Quotas.MaxPSTNCalls != 3 {
		t.Fatalf("route of Bolt's number: %+v", r)
	}
	if r.AccessNumber != "+8620000002" {
		t.Fatalf("access number %q, want it as configured (+8620000002)", r.AccessNumber)
	}
	_, err = live.Route(ctx, "+8620009999", nil, time.Now())
	var rej *calls.Rejection
	if !errors.As(err, &rej) || rej.Cause != orchestrator.CauseUnallocatedNumber {
		t.Fatalf("unknown number: want UNALLOCATED_NUMBER rejection, got %v", err)
	}

	if id, ok := live.AgentByExtension(acme.tenant.ID, "1001"); !ok || id != acme.agent.ID {
		t.Fatalf("Acme's extension 1001: %q %v", id, ok)
	}
	if id, ok := live.AgentByExtension(bolt.tenant.ID, "1001"); !ok || id != bolt.agent.ID {
		t.Fatalf("Bolt's extension 1001: %q %v", id, ok)
	}
	if _, ok := live.AgentByExtension(acme.tenant.ID, "1009"); ok {
		t.Fatal("an extension nobody has was found")
	}
	ep, ok := live.Endpoint(acme.tenant.ID, acme.agent.ID)
	if !ok || ep.Endpoint.User != "1001" || ep.Endpoint.Domain != "acme.example" || ep.Registered {
		t.Fatalf("Acme's agent before registration: %+v %v", ep, ok)
	}
	if _, ok := live.Endpoint(bolt.tenant.ID, acme.agent.ID); ok {
		t.Fatal("Bolt resolved Acme's agent")
	}
	live.ApplyNodeEvent(orchestrator.NodeEvent{Kind: orchestrator.NodeRegistered, Node: "fs1", User: "1001", Domain: "ACME.example"})
	if ep, _ := live.Endpoint(acme.tenant.ID, acme.agent.ID); !ep.Registered {
		t.Fatal("registration not applied")
	}
	if ep, _ := live.Endpoint(bolt.tenant.ID, bolt.agent.ID); ep.Registered {
		t.Fatal("Acme's 1001 registration made Bolt's 1001 reachable")
	}
	live.ApplyNodeEvent(orchestrator.NodeEvent{Kind: orchestrator.NodeDown, Node: "fs1"})
	if ep, _ := live.Endpoint(acme.tenant.ID, acme.agent.ID); ep.Registered {
		t.Fatal("a lost node's registrations must be forgotten")
	}

	// Suspension shows after a reload and is passed to the call path.
	if _, err := st.SuspendTenant(ctx, store.SystemActor, acme.tenant.ID); err != nil {
		t.Fatal(err)
	}
	if err := live.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	r, err = live.Route(ctx, "+8620000001", nil, time.Now())
	if err != nil || r.Status != tenancy.StatusSuspended {
		t.Fatalf("suspended tenant's number: %+v %v", r, err)
	}
}

// A reload that read the database before a change must not store its
// snapshot after a reload that read it after the change: the older load is
// held inside its read (LoadLocation is called while tenants are loaded)
// while the tenant is suspended and a second reload runs.
func TestReloadsNeverStoreAnOlderSnapshotLast(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	acme := seed(t, st, "Acme", "acme.example", "+8620000001")
	live, err := New(ctx, st, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		t.Fatal(err)
	}
	inRead, release := make(chan struct{}), make(chan struct{})
	var hold atomic.Bool
	hold.Store(true)
	orig := LoadLocation
	t.Cleanup(func() { LoadLocation = orig })
	LoadLocation = func(name string) (*time.Location, error) {
		if hold.CompareAndSwap(true, false) {
			close(inRead)
			<-release
		}
		return orig(name)
	}
	// A change, so the older reload builds a snapshot (one that finds
	// nothing changed builds nothing and calls no LoadLocation).
	if _, err := st.CreateSkill(ctx, store.SystemActor, acme.tenant.ID, store.SkillInput{Name: "billing"}); err != nil {
		t.Fatal(err)
	}
	older := make(chan error, 1)
	go func() { older <- live.Reload(ctx) }()
	<-inRead // the older reload has read Acme as active
	if _, err := st.SuspendTenant(ctx, store.SystemActor, acme.tenant.ID); err != nil {
		t.Fatal(err)
	}
	newer := make(chan error, 1)
	go func() { newer <- live.Reload(ctx) }()
	// Give the newer reload every chance to finish first when nothing
	// orders the two; with Reload serialised it waits for the older one.
	select {
	case err := <-newer:
		if err != nil {
			t.Fatal(err)
		}
		close(release)
	case <-time.After(2 * time.Second):
		close(release)
		if err := <-newer; err != nil {
			t.Fatal(err)
		}
	}
	if err := <-older; err != nil {
		t.Fatal(err)
	}
	r, err := live.Route(ctx, "+8620000001", nil, time.Now())
	if err != nil || r.Status != tenancy.StatusSuspended {
		t.Fatalf("after both reloads the suspension must show: %+v %v", r, err)
	}
}

// A queue's settings reach its calls' routes (recording, agent
// announcement, position announcements), parsed at load: a change is
// served after the next reload, and settings that do not parse leave the
// route without them (a Problem) rather than failing the call.
func TestRouteCarriesQueueSettingsAcrossReloads(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	acme := seed(t, st, "Acme", "acme.example", "+8620000001")
	live, err := New(ctx, st, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		t.Fatal(err)
	}
	route := func() calls.Route {
		t.Helper()
		r, err := live.Route(ctx, "+8620000001", nil, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	if r := route(); r.Record || r.AnnounceAgent || r.AnnouncePositionEvery != 0 {
		t.Fatalf("default settings: %+v", r)
	}
	in := store.QueueInput{Name: "sales", Strategy: "longest_idle", RingTimeoutSeconds: 15,
		Settings: []byte(`{"record": true, "announce_agent": true, "announce_position_seconds": 30}`)}
	if _, err := st.UpdateQueue(ctx, store.SystemActor, acme.tenant.ID, acme.queue.ID, in); err != nil {
		t.Fatal(err)
	}
	if err := live.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	if r := route(); !r.Record || !r.AnnounceAgent || r.AnnouncePositionEvery != 30*time.Second {
		t.Fatalf("after the change: %+v", r)
	}
	in.Settings = []byte(`{"record": false}`)
	if _, err := st.UpdateQueue(ctx, store.SystemActor, acme.tenant.ID, acme.queue.ID, in); err != nil {
		t.Fatal(err)
	}
	if err := live.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	if r := route(); r.Record || r.AnnounceAgent {
		t.Fatalf("after switching them off: %+v", r)
	}
}
