package api

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/acd"
	"github.com/switchboard-cc/switchboard/callconfig"
	"github.com/switchboard-cc/switchboard/orchestrator"
	"github.com/switchboard-cc/switchboard/orchestrator/acdowner"
	"github.com/switchboard-cc/switchboard/orchestrator/admission"
	"github.com/switchboard-cc/switchboard/orchestrator/calls"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// liveServices are the server's live parts, wired for the isolation walk
// with the real implementations: the call configuration (callconfig.Live:
// number routing, agents' phones and phone modes, caller IDs), one ACD owner
// per tenant (acdowner), and the call path (orchestrator/calls) with its
// screen-pop hub. Only the switch is a double (walkSwitch: every verb
// succeeds at once), and calls are offered straight to the tenant's first
// agent instead of through the ACD (the walk tests the REST edge's tenant
// scoping, not distribution).
type liveServices struct {
	conf   *callconfig.Live
	calls  *calls.Service
	sw     *walkSwitch
	queuer *offerFirst
	owners map[string]*acdowner.Owner
	mu     sync.Mutex
	talks  map[string]context.CancelCauseFunc // inbound call ID -> ends its session
}

// wireLive connects live services over the store's current configuration to
// e's server. Every agent's phone is registered on node fs1; callee is, per
// tenant, the agent inbound calls are offered to.
func (e *env) wireLive(callee map[string]string) *liveServices {
	t, ctx := e.t, context.Background()
	conf, err := callconfig.New(ctx, e.store, e.api.log, nil)
	if err != nil {
		t.Fatal(err)
	}
	snap := conf.Snapshot()
	conf.ApplyNodeEvent(orchestrator.NodeEvent{Kind: orchestrator.NodeUp, Node: "fs1"})
	l := &liveServices{conf: conf, sw: newWalkSwitch(), owners: map[string]*acdowner.Owner{}, talks: map[string]context.CancelCauseFunc{}}
	for id, ten := range snap.Tenants {
		var queues []acd.QueueConfig
		for _, q := range snap.Queues[id] {
			queues = append(queues, acd.QueueConfig{ID: q.ID})
		}
		var agents []acd.AgentProfile
		for _, a := range snap.Agents[id] {
			conf.ApplyNodeEvent(orchestrator.NodeEvent{Kind: orchestrator.NodeRegistered, Node: "fs1", User: a.Extension, Domain: ten.SIPDomain})
			p := acd.AgentProfile{ID: a.ID, Tenant: string(id)}
			for _, m := range a.Queues {
				p.Queues = append(p.Queues, acd.Membership{Queue: m.QueueID, Priority: m.Priority})
			}
			agents = append(agents, p)
		}
		o, err := acdowner.Start(ctx, acdowner.Config{Tenant: string(id), Queues: queues, Agents: agents, Offerer: nopOfferer{}, Logger: e.api.log})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = o.Stop(context.Background()) })
		l.owners[string(id)] = o
	}
	hub := calls.NewHub()
	l.queuer = &offerFirst{callee: callee, l: l}
	svc, err := calls.New(calls.Config{Switch: l.sw, Router: conf, Queuer: l.queuer, Agents: conf,
		Names: conf, Lines: conf, Admission: admission.New(), Notifier: hub, Log: e.api.log})
	if err != nil {
		t.Fatal(err)
	}
	l.calls = svc
	e.api.UseACD(l)
	e.api.UsePhones(conf)
	e.api.UseCalls(svc, hub)
	t.Cleanup(func() {
		acdByServer.Delete(e.api)
		phonesByServer.Delete(e.api)
		callsByServer.Delete(e.api)
		l.endAll()
	})
	return l
}

// Owner implements ACDOwners.
func (l *liveServices) Owner(tenant string) (*acdowner.Owner, bool) {
	o, ok := l.owners[tenant]
	return o, ok
}

// AgentOfUser implements ACDOwners from the configuration, as serve does.
func (l *liveServices) AgentOfUser(_ context.Context, tenant, userID string) (string, bool, error) {
	for id, a := range l.conf.Snapshot().Agents[tenancy.TenantID(tenant)] {
		if a.UserID == userID {
			return id, true, nil
		}
	}
	return "", false, nil
}

// talking makes sure inbound call id to number is up and talking to the
// tenant's callee, starting it if it is not (an earlier request may have
// hung it up or transferred it away).
func (l *liveServices) talking(t testing.TB, tenant, number, id string) {
	t.Helper()
	if l.state(tenant, id) == calls.StateTalking && l.sw.up(id) { // hung up: the list may lag a moment
		return
	}
	l.waitGone(t, tenant, id)
	l.start(id, number)
	waitUntil(t, "call "+id+" talking", func() bool { return l.state(tenant, id) == calls.StateTalking })
}

// start runs inbound call id to number until it ends or waitGone ends it.
func (l *liveServices) start(id, number string) {
	ctx, cancel := context.WithCancelCause(context.Background())
	events := l.sw.open(id)
	done := make(chan struct{})
	go func() {
		defer close(done)
		l.calls.HandleCall(ctx, orchestrator.InboundCall{Key: orchestrator.Key{Node: "fs1", ID: id}, From: "13800000001", To: number, Events: events})
	}()
	l.mu.Lock()
	l.talks[id] = func(cause error) { cancel(cause); <-done }
	l.mu.Unlock()
}

func (l *liveServices) state(tenant, id string) calls.CallState {
	for _, c := range l.calls.LiveCalls(tenancy.TenantID(tenant)) {
		if c.CallID == id {
			return c.State
		}
	}
	return ""
}

// waitGone ends call id if it is still up in some other state and waits
// for its session to finish, so the ID can be used again.
func (l *liveServices) waitGone(t testing.TB, tenant, id string) {
	l.mu.Lock()
	end := l.talks[id]
	delete(l.talks, id)
	l.mu.Unlock()
	if end != nil {
		l.sw.end(id)
		end(orchestrator.ErrCallEnded)
	}
	waitUntil(t, "call "+id+" gone", func() bool { return l.state(tenant, id) == "" })
}

func (l *liveServices) endAll() {
	l.mu.Lock()
	talks := l.talks
	l.talks = nil
	l.mu.Unlock()
	for id, end := range talks {
		l.sw.end(id)
		end(orchestrator.ErrCallEnded)
	}
}

// waitUntil polls cond (state changes on other goroutines) for up to 10 s.
func waitUntil(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// offerFirst is the walk's calls.Queuer: a queued call is offered at once to
// its tenant's callee.
type offerFirst struct {
	l      *liveServices
	mu     sync.Mutex
	callee map[string]string
}

// setCallee makes agent the one tenant's next calls are offered to.
func (q *offerFirst) setCallee(tenant, agent string) {
	q.mu.Lock()
	q.callee[tenant] = agent
	q.mu.Unlock()
}

func (q *offerFirst) Enqueue(_ context.Context, t tenancy.TenantID, in acd.Interaction) error {
	q.mu.Lock()
	agent := q.callee[string(t)]
	q.mu.Unlock()
	q.l.calls.Offer(t, in.ID, agent, 1)
	return nil
}
func (*offerFirst) Accept(context.Context, tenancy.TenantID, string, string) error { return nil }
func (*offerFirst) Reject(context.Context, tenancy.TenantID, string, string) error { return nil }
func (*offerFirst) Finish(context.Context, tenancy.TenantID, string) error         { return nil }
func (*offerFirst) Dial(context.Context, tenancy.TenantID, string, string) error   { return nil }
func (*offerFirst) Position(context.Context, tenancy.TenantID, string) (int, time.Duration, error) {
	return 1, 0, nil
}

// walkSwitch is a switch on which everything succeeds at once: phones
// answer, bridges connect. A leg's event stream ends when it is hung up.
type walkSwitch struct {
	mu    sync.Mutex
	legs  map[string]chan orchestrator.Event // call ID -> its stream, while up
	loops map[string]chan struct{}           // call ID -> stops its looped playback
}

func newWalkSwitch() *walkSwitch {
	return &walkSwitch{legs: map[string]chan orchestrator.Event{}, loops: map[string]chan struct{}{}}
}

// open gives call id an event stream that end closes.
func (w *walkSwitch) open(id string) chan orchestrator.Event {
	ch := make(chan orchestrator.Event, 4)
	w.mu.Lock()
	w.legs[id] = ch
	w.mu.Unlock()
	return ch
}

// up reports whether call id's leg is up (not hung up).
func (w *walkSwitch) up(id string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.legs[id] != nil
}

// end reports call id's hangup on its stream and closes it.
func (w *walkSwitch) end(id string) {
	w.mu.Lock()
	ch := w.legs[id]
	delete(w.legs, id)
	w.mu.Unlock()
	if ch != nil {
		ch <- orchestrator.Event{Kind: orchestrator.EventHangup, Cause: orchestrator.CauseNormalClearing}
		ch <- orchestrator.Event{Kind: orchestrator.EventEnded, Cause: orchestrator.CauseNormalClearing}
		close(ch)
	}
}

func (w *walkSwitch) Answer(context.Context, orchestrator.Key) error    { return nil }
func (w *walkSwitch) PreAnswer(context.Context, orchestrator.Key) error { return nil }

func (w *walkSwitch) Play(ctx context.Context, c orchestrator.Key, p orchestrator.Playback) error {
	if !p.Loop {
		return nil
	}
	stop := make(chan struct{})
	w.mu.Lock()
	w.loops[c.ID] = stop
	w.mu.Unlock()
	select {
	case <-ctx.Done():
	case <-stop:
	}
	return nil
}

func (w *walkSwitch) StopPlay(_ context.Context, c orchestrator.Key) error {
	w.mu.Lock()
	if stop := w.loops[c.ID]; stop != nil {
		close(stop)
		delete(w.loops, c.ID)
	}
	w.mu.Unlock()
	return nil
}

func (w *walkSwitch) Bridge(_ context.Context, c orchestrator.Key, _ orchestrator.Endpoint, _ time.Duration) (orchestrator.BridgeResult, error) {
	return orchestrator.BridgeResult{Answered: true, Peer: orchestrator.Key{Node: c.Node, ID: "peer-" + c.ID}}, nil
}

func (w *walkSwitch) BridgeCalls(context.Context, orchestrator.Key, orchestrator.Key) error {
	return nil
}

func (w *walkSwitch) Originate(_ context.Context, s orchestrator.OriginateSpec) (orchestrator.Key, <-chan orchestrator.Event, error) {
	return orchestrator.Key{Node: s.Node, ID: s.ID}, w.open(s.ID), nil
}

func (w *walkSwitch) RecordStart(context.Context, orchestrator.Key, string) error { return nil }
func (w *walkSwitch) RecordStop(context.Context, orchestrator.Key, string) error  { return nil }

func (w *walkSwitch) Hangup(_ context.Context, c orchestrator.Key, _ orchestrator.HangupCause) error {
	w.end(c.ID)
	return nil
}

func (w *walkSwitch) Hold(context.Context, orchestrator.Key) error   { return nil }
func (w *walkSwitch) Unhold(context.Context, orchestrator.Key) error { return nil }
func (w *walkSwitch) Mute(context.Context, orchestrator.Key) error   { return nil }
func (w *walkSwitch) Unmute(context.Context, orchestrator.Key) error { return nil }

func (w *walkSwitch) Eavesdrop(context.Context, orchestrator.Key, orchestrator.Key, orchestrator.EavesdropMode) error {
	return nil
}
