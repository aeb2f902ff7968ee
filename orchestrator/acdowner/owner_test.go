package acdowner

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"runtime"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/acd"
)

type fixture struct {
	t     *testing.T
	ctx   context.Context
	clock *fakeClock
	off   *recOfferer
	hist  *memHistory
	snaps *memSnapshots
	ovf   *recOverflower
}

func newFixture(t *testing.T) *fixture {
	return &fixture{t: t, ctx: context.Background(), clock: newFakeClock(), off: &recOfferer{fail: map[string]bool{}},
		hist: &memHistory{}, snaps: &memSnapshots{}, ovf: &recOverflower{}}
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// start runs an owner for tenant with queue q (10 s RONA) and agents a1, a2.
func (f *fixture) start(tenant string) *Owner {
	f.t.Helper()
	o, err := Start(f.ctx, Config{Tenant: tenant, Clock: f.clock, Offerer: f.off, History: f.hist, Snapshots: f.snaps,
		Overflower: f.ovf, Logger: quiet(),
		Queues: []acd.QueueConfig{{ID: "q", OfferTimeout: 10 * time.Second,
			OnNoAgents: acd.OverflowTarget{Kind: acd.OverflowVoicemail, Target: "vm-q"}}},
		Agents: []acd.AgentProfile{
			{ID: "a1", Tenant: tenant, Queues: []acd.Membership{{Queue: "q"}}},
			{ID: "a2", Tenant: tenant, Queues: []acd.Membership{{Queue: "q"}}},
		}})
	if err != nil {
		f.t.Fatal(err)
	}
	prev := f.clock.settle
	f.clock.settle = func() {
		if prev != nil {
			prev()
		}
		_ = o.Sync(f.ctx)
	}
	f.t.Cleanup(func() { _ = o.Stop(context.Background()) })
	return o
}

func (f *fixture) must(err error) {
	f.t.Helper()
	if err != nil {
		f.t.Fatal(err)
	}
}

func TestOfferAcceptFinishAndHistory(t *testing.T) {
	f := newFixture(t)
	o := f.start("t1")
	f.must(o.Login(f.ctx, "a1"))
	f.must(o.Ready(f.ctx, "a1"))
	f.must(o.Enqueue(f.ctx, acd.Interaction{ID: "x", Tenant: "t1", Queue: "q", Data: map[string]string{"crm": "42"}}))
	offers := f.off.take()
	if len(offers) != 1 || offers[0].Agent != "a1" || offers[0].Tenant != "t1" || !offers[0].Deadline.Equal(t0.Add(10*time.Second)) ||
		offers[0].Data["crm"] != "42" {
		t.Fatalf("offers %+v", offers)
	}
	f.must(o.Accept(f.ctx, "a1", "x"))
	f.clock.Advance(time.Minute) // the stale RONA timer fires harmlessly; history flushes
	f.must(o.Finish(f.ctx, "x"))
	f.clock.Advance(2 * time.Second)
	var got []string
	for _, r := range f.hist.all() {
		if r.Tenant != "t1" {
			t.Fatalf("record of tenant %q", r.Tenant)
		}
		got = append(got, r.From.String()+"->"+r.To.String())
	}
	want := []string{"logged_out->not_ready", "not_ready->ready", "ready->reserved", "reserved->busy", "busy->ready"}
	if len(got) != len(want) {
		t.Fatalf("history %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("history %v, want %v", got, want)
		}
	}
	if len(f.off.cancels) != 0 {
		t.Fatalf("answered offer cancelled: %+v", f.off.cancels)
	}
	f.clock.mu.Lock()
	pending := len(f.clock.timers)
	f.clock.mu.Unlock()
	if pending != 1 { // only the flush tick: the answered offer's RONA timer was stopped
		t.Fatalf("%d timers pending", pending)
	}
}

func TestRONAThroughTimers(t *testing.T) {
	f := newFixture(t)
	o := f.start("t1")
	for _, a := range []string{"a1", "a2"} {
		f.must(o.Login(f.ctx, a))
		f.must(o.Ready(f.ctx, a))
		f.clock.Advance(time.Second)
	}
	f.must(o.Enqueue(f.ctx, acd.Interaction{ID: "x", Tenant: "t1", Queue: "q"}))
	if of := f.off.take(); len(of) != 1 || of[0].Agent != "a1" {
		t.Fatalf("%+v", of)
	}
	f.clock.Advance(10 * time.Second)
	if of := f.off.take(); len(of) != 1 || of[0].Agent != "a2" {
		t.Fatalf("after RONA: %+v", of)
	}
	if len(f.off.cancels) != 1 || f.off.cancels[0].Agent != "a1" {
		t.Fatalf("cancels %+v", f.off.cancels)
	}
	v, err := o.Agent(f.ctx, "a1")
	f.must(err)
	if v.State != acd.NotReady || v.Reason != acd.ReasonNoAnswer {
		t.Fatalf("a1 %v %q", v.State, v.Reason)
	}
}

func TestOfferFailureIsRejection(t *testing.T) {
	f := newFixture(t)
	o := f.start("t1")
	f.off.fail["a1"] = true
	for _, a := range []string{"a1", "a2"} {
		f.must(o.Login(f.ctx, a))
		f.must(o.Ready(f.ctx, a))
		f.clock.Advance(time.Second)
	}
	f.must(o.Enqueue(f.ctx, acd.Interaction{ID: "x", Tenant: "t1", Queue: "q"}))
	if of := f.off.take(); len(of) != 1 || of[0].Agent != "a2" {
		t.Fatalf("%+v", of)
	}
	if o.Counters().OfferFailures != 1 {
		t.Fatal(o.Counters())
	}
}

func TestIllegalTransitionCarriesState(t *testing.T) {
	f := newFixture(t)
	o := f.start("t1")
	err := o.Ready(f.ctx, "a1")
	var te *acd.TransitionError
	if !errors.As(err, &te) || te.State != acd.LoggedOut {
		t.Fatalf("%v", err)
	}
}

// TestTenantsIsolated: two tenants with the same agent and queue names share
// one Offerer; nothing of tenant A reaches an agent of tenant B.
func TestTenantsIsolated(t *testing.T) {
	f := newFixture(t)
	a, b := f.start("A"), f.start("B")
	for _, o := range []*Owner{a, b} {
		f.must(o.Login(f.ctx, "a1"))
		f.must(o.Ready(f.ctx, "a1"))
	}
	f.must(a.Enqueue(f.ctx, acd.Interaction{ID: "x", Tenant: "A", Queue: "q"}))
	if err := b.Enqueue(f.ctx, acd.Interaction{ID: "y", Tenant: "A", Queue: "q"}); !errors.Is(err, acd.ErrWrongTenant) {
		t.Fatalf("B accepted A's interaction: %v", err)
	}
	if err := b.SetAgent(f.ctx, acd.AgentProfile{ID: "a9", Tenant: "A"}); !errors.Is(err, acd.ErrWrongTenant) {
		t.Fatalf("B accepted A's agent: %v", err)
	}
	of := f.off.take()
	if len(of) != 1 || of[0].Tenant != "A" {
		t.Fatalf("%+v", of)
	}
	vb, _ := b.Agent(f.ctx, "a1")
	if vb.State != acd.Ready || len(vb.Offers) != 0 {
		t.Fatalf("B's a1 touched: %+v", vb)
	}
	if err := b.Accept(f.ctx, "a1", "x"); !errors.Is(err, acd.ErrUnknownInteraction) {
		t.Fatalf("B's agent accepted A's interaction: %v", err)
	}
}

func TestSlowSubscriberDropped(t *testing.T) {
	f := newFixture(t)
	o := f.start("t1")
	slow := o.Subscribe(16)
	fast := o.Subscribe(1024)
	for range 10 { // 20+ transitions, well over 16
		f.must(o.Login(f.ctx, "a1"))
		f.must(o.Logout(f.ctx, "a1", ""))
	}
	n := 0
	for range slow.C {
		n++
	}
	if n != 16 || slow.Err() == "" || o.Counters().SubscribersDrop != 1 {
		t.Fatalf("slow got %d, err %q, counters %+v", n, slow.Err(), o.Counters())
	}
	if fast.Err() != "" || len(fast.C) < 20 {
		t.Fatalf("fast dropped: %q, %d", fast.Err(), len(fast.C))
	}
	u := <-fast.C
	if u.Tenant != "t1" || u.Decision.Kind != acd.DecTransition {
		t.Fatalf("%+v", u)
	}
	fast.Close()
	if _, ok := <-drainAll(fast.C); ok {
		t.Fatal("closed subscription still open")
	}
}

func drainAll(c <-chan Update) <-chan Update {
	for range c {
	}
	return c
}

func TestQueueStatsPublished(t *testing.T) {
	f := newFixture(t)
	o := f.start("t1")
	sub := o.Subscribe(64)
	f.must(o.Login(f.ctx, "a1"))
	f.must(o.Enqueue(f.ctx, acd.Interaction{ID: "x", Tenant: "t1", Queue: "q"}))
	f.clock.Advance(time.Second)
	for u := range sub.C {
		if u.Queue != nil {
			if u.Queue.Queue != "q" || u.Queue.Waiting != 1 || u.Queue.LoggedIn != 1 {
				t.Fatalf("%+v", u.Queue)
			}
			return
		}
	}
}

func TestOverflowCarriedOut(t *testing.T) {
	f := newFixture(t)
	o := f.start("t1")
	f.must(o.Enqueue(f.ctx, acd.Interaction{ID: "x", Tenant: "t1", Queue: "q"}))
	if len(f.ovf.got) != 1 || f.ovf.got[0].Target.Target != "vm-q" || f.ovf.got[0].Reason != acd.ReasonNoAgents {
		t.Fatalf("%+v", f.ovf.got)
	}
}

func TestRestartRestoresStateAndWaiting(t *testing.T) {
	f := newFixture(t)
	o := f.start("t1")
	f.must(o.Login(f.ctx, "a1"))
	f.must(o.Login(f.ctx, "a2"))
	f.must(o.Ready(f.ctx, "a2"))
	f.must(o.Enqueue(f.ctx, acd.Interaction{ID: "busy", Tenant: "t1", Queue: "q"}))
	f.must(o.Accept(f.ctx, "a2", "busy"))
	f.must(o.Enqueue(f.ctx, acd.Interaction{ID: "w", Tenant: "t1", Queue: "q"}))
	f.must(o.Stop(f.ctx))
	if err := o.Ready(f.ctx, "a1"); !errors.Is(err, ErrStopped) {
		t.Fatalf("after stop: %v", err)
	}

	f.clock.settle = nil
	o2 := f.start("t1")
	v1, _ := o2.Agent(f.ctx, "a1")
	v2, _ := o2.Agent(f.ctx, "a2")
	if v1.State != acd.NotReady || v2.State != acd.Busy {
		t.Fatalf("restored %v %v", v1.State, v2.State)
	}
	f.off.take()
	f.must(o2.Ready(f.ctx, "a1"))
	if of := f.off.take(); len(of) != 1 || of[0].Interaction != "w" {
		t.Fatalf("%+v", of)
	}
}

func TestSnapshotSavedPeriodically(t *testing.T) {
	f := newFixture(t)
	o := f.start("t1")
	f.must(o.Login(f.ctx, "a1"))
	f.clock.Advance(11 * time.Second)
	snap, found, _ := f.snaps.LoadACDSnapshot(f.ctx, "t1")
	if !found {
		t.Fatal("no snapshot before Stop")
	}
	for _, a := range snap.Agents {
		if a.ID == "a1" && a.State != acd.NotReady {
			t.Fatalf("%+v", a)
		}
	}
}

// TestNoSnapshotWhileNothingChanges: an owner with nothing going on saves
// no snapshot period after period (the flush ticks and Sync are no
// change); the next change is saved at the next period.
func TestNoSnapshotWhileNothingChanges(t *testing.T) {
	f := newFixture(t)
	o := f.start("t1")
	f.must(o.Login(f.ctx, "a1"))
	f.clock.Advance(11 * time.Second)
	if n := f.snaps.saved(); n != 1 {
		t.Fatalf("%d snapshots after the first period, want 1", n)
	}
	for range 3 {
		f.clock.Advance(11 * time.Second)
	}
	if n := f.snaps.saved(); n != 1 {
		t.Fatalf("%d snapshots after three idle periods, want still 1", n)
	}
	f.must(o.Ready(f.ctx, "a1"))
	f.clock.Advance(11 * time.Second)
	snap, _, _ := f.snaps.LoadACDSnapshot(f.ctx, "t1")
	if n := f.snaps.saved(); n != 2 {
		t.Fatalf("%d snapshots after a change, want 2", n)
	}
	for _, a := range snap.Agents {
		if a.ID == "a1" && a.State != acd.Ready {
			t.Fatalf("the saved a1: %+v", a)
		}
	}
}

func TestHistoryRetriedWhileStoreFails(t *testing.T) {
	f := newFixture(t)
	o := f.start("t1")
	f.hist.failing = true
	f.must(o.Login(f.ctx, "a1"))
	f.clock.Advance(3 * time.Second)
	// Writes run on the owner's writer goroutine: wait for them.
	eventually(t, "a failed write counted", func() bool { return o.Counters().HistoryFailures > 0 })
	if len(f.hist.all()) != 0 {
		t.Fatal(o.Counters())
	}
	f.hist.mu.Lock()
	f.hist.failing = false
	f.hist.mu.Unlock()
	for i := 0; i < 20 && len(f.hist.all()) != 1; i++ {
		f.clock.Advance(time.Second) // the next flush retries the failed batch
		time.Sleep(5 * time.Millisecond)
	}
	if len(f.hist.all()) != 1 {
		t.Fatalf("%d records", len(f.hist.all()))
	}
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out: %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestStopEndsGoroutine(t *testing.T) {
	before := runtime.NumGoroutine()
	f := newFixture(t)
	o := f.start("t1")
	f.must(o.Stop(f.ctx))
	f.must(o.Stop(f.ctx)) // idempotent
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Fatalf("goroutines %d > %d before", n, before)
	}
}

// TestQueueStatsSoonAfterAChange (OPS-8: wallboards at most a second old): a
// queue's figures go out StatsDelay (200 ms) after they change, an agent's
// state change included (agents by state), several changes within it
// together; nothing changing publishes nothing.
func TestQueueStatsSoonAfterAChange(t *testing.T) {
	f := newFixture(t)
	o := f.start("t1")
	sub := o.Subscribe(64)
	stats := func() []acd.QueueStats {
		var out []acd.QueueStats
		for {
			select {
			case u := <-sub.C:
				if u.Queue != nil {
					out = append(out, *u.Queue)
				}
			default:
				return out
			}
		}
	}
	f.must(o.Login(f.ctx, "a1"))
	f.must(o.Login(f.ctx, "a2"))
	f.clock.Advance(199 * time.Millisecond)
	if got := stats(); len(got) != 0 {
		t.Fatalf("published before StatsDelay: %+v", got)
	}
	f.clock.Advance(time.Millisecond)
	got := stats()
	if len(got) != 1 || got[0].Queue != "q" || got[0].LoggedIn != 2 || got[0].Agents[acd.NotReady] != 2 {
		t.Fatalf("after two logins: %+v", got)
	}
	f.clock.Advance(10 * time.Second)
	if got := stats(); len(got) != 0 {
		t.Fatalf("published with nothing changing: %+v", got)
	}
	f.must(o.Ready(f.ctx, "a1"))
	f.clock.Advance(200 * time.Millisecond)
	if got := stats(); len(got) != 1 || got[0].Agents[acd.Ready] != 1 || got[0].Agents[acd.NotReady] != 1 {
		t.Fatalf("after a1 ready: %+v", got)
	}
	f.must(o.Enqueue(f.ctx, acd.Interaction{ID: "x", Tenant: "t1", Queue: "q"}))
	f.clock.Advance(200 * time.Millisecond)
	if got := stats(); len(got) != 1 || got[0].Agents[acd.Reserved] != 1 {
		t.Fatalf("after an offer: %+v", got)
	}
}

// TestStateNowFollowsTransitions: StateNow answers without a round trip
// what the owner last applied, from the start (configured agents, a
// restored snapshot) and after every transition, command returned.
func TestStateNowFollowsTransitions(t *testing.T) {
	f := newFixture(t)
	o := f.start("t1")
	if s, ok := o.StateNow("a1"); !ok || s != acd.LoggedOut {
		t.Fatalf("a configured agent at the start: %s %v", s, ok)
	}
	if _, ok := o.StateNow("nobody"); ok {
		t.Fatal("an agent the ACD never had is known")
	}
	steps := []struct {
		do   func() error
		want acd.State
	}{
		{func() error { return o.Login(f.ctx, "a1") }, acd.NotReady},
		{func() error { return o.Ready(f.ctx, "a1") }, acd.Ready},
		{func() error { return o.Break(f.ctx, "a1", "") }, acd.Break},
		{func() error { return o.EndBreak(f.ctx, "a1") }, acd.Ready},
		{func() error { return o.NotReady(f.ctx, "a1", "lunch") }, acd.NotReady},
	}
	for i, st := range steps {
		f.must(st.do())
		if s, _ := o.StateNow("a1"); s != st.want {
			t.Fatalf("step %d: %s, want %s", i, s, st.want)
		}
	}
	f.must(o.Ready(f.ctx, "a1"))
	f.must(o.Stop(f.ctx)) // saves the snapshot
	again := f.start("t1")
	if s, ok := again.StateNow("a1"); !ok || s != acd.Ready {
		t.Fatalf("after a restore: %s %v, want ready", s, ok)
	}
}
