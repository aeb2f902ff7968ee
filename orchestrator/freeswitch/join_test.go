package freeswitch_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/orchestrator"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/fssim"
	"github.com/switchboard-cc/switchboard/orchestrator/switchtest/fssimharness"
)

// joinWorld is a simulated node, the adapter, and one answered caller that
// plays looping hold music.
type joinWorld struct {
	sim    *fssim.Node
	a      *freeswitch.Adapter
	caller *fssim.Call
	key    orchestrator.Key
	music  string
	played chan error // the looping Play's result
}

func newJoinWorld(t *testing.T) *joinWorld {
	t.Helper()
	sim, a, sock := fssimharness.Start(t, fssim.Config{Hostname: "fssim-join", Heartbeat: -1})
	ctx, cancel := context.WithCancel(context.Background())
	calls := make(chan orchestrator.InboundCall, 1)
	served := make(chan struct{})
	go func() {
		defer close(served)
		a.ServeCalls(ctx, func(cctx context.Context, call orchestrator.InboundCall) {
			calls <- call
			for range call.Events {
			}
		})
	}()
	t.Cleanup(func() { cancel(); <-served })
	caller, err := sim.PlaceCall(ctx, sock, fssim.IncomingCall{From: "5551100", To: "9100",
		Vars: fssimharness.DialplanVars(fssimharness.Node, sim)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { caller.Hangup("NORMAL_CLEARING") })
	var call orchestrator.InboundCall
	select {
	case call = <-calls:
	case <-time.After(5 * time.Second):
		t.Fatal("the caller did not reach the adapter")
	}
	w := &joinWorld{sim: sim, a: a, caller: caller, key: call.Key, music: "tone_stream://%(3000,0,440)", played: make(chan error, 1)}
	if err := a.Answer(ctxT(t), w.key); err != nil {
		t.Fatal(err)
	}
	go func() {
		w.played <- a.Play(ctx, w.key, orchestrator.Playback{Files: []string{w.music}, Loop: true})
	}()
	w.waitHears(t, w.key.ID, func(h fssim.Hearing) bool { return h.Media == w.music }, "the hold music")
	return w
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// waitHears waits until channel uuid hears what ok accepts.
func (w *joinWorld) waitHears(t *testing.T, uuid string, ok func(fssim.Hearing) bool, what string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		h, _ := w.sim.Hears(uuid)
		if ok(h) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s does not hear %s: hears %+v", uuid, what, h)
		}
		time.Sleep(5 * time.Millisecond) // polling the simulator's state, not waiting for time to pass
	}
}

// waitRinging waits until the leg uuid exists, dialled by the caller's
// running bridge application, and the caller hears the music as its
// ringback.
func (w *joinWorld) waitRinging(t *testing.T, uuid string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, ok := w.sim.CallByUUID(uuid)
		ci, _ := w.sim.CallByUUID(w.key.ID)
		if n := len(ci.Apps); ok && n > 0 && ci.Apps[n-1].Name == "bridge" && ci.Apps[n-1].Response == "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("leg %s never created", uuid)
		}
		time.Sleep(5 * time.Millisecond) // polling the simulator's state
	}
	// the ringback is the music, made endless (a tone_stream cannot rewind)
	w.waitHears(t, w.key.ID, func(h fssim.Hearing) bool { return h.Media == w.music+";loops=-1" }, "the music as ringback")
}

func (w *joinWorld) apps(uuid string) []string {
	ci, _ := w.sim.CallByUUID(uuid)
	var names []string
	for _, a := range ci.Apps {
		names = append(names, a.Name)
	}
	return names
}

func (w *joinWorld) phone(t *testing.T, user string, s fssim.PhoneScript) orchestrator.Endpoint {
	t.Helper()
	if err := w.sim.RegisterPhone(user, "127.0.0.1", s); err != nil {
		t.Fatal(err)
	}
	return orchestrator.Endpoint{Kind: orchestrator.EndpointUser, User: user, Domain: "127.0.0.1"}
}

// TestJoinOnAnswerCallerRunsBridge: the caller's own channel dials the
// offered leg with the bridge application (the leg under the controller's
// ID), inside its music, which goes on as the ringback until the phone
// answers; then the legs are joined, the looping Play returns and the
// leg's stream says so.
func TestJoinOnAnswerCallerRunsBridge(t *testing.T) {
	w := newJoinWorld(t)
	ep := w.phone(t, "1000", fssim.PhoneScript{AnswerAfter: 300 * time.Millisecond})
	id := orchestrator.NewCallID()
	type result struct {
		key    orchestrator.Key
		events <-chan orchestrator.Event
		err    error
	}
	done := make(chan result, 1)
	go func() {
		k, ev, err := w.a.Originate(ctxT(t), orchestrator.OriginateSpec{ID: id, Node: fssimharness.Node, To: ep,
			Timeout: 5 * time.Second, JoinOnAnswer: w.key})
		done <- result{k, ev, err}
	}()
	w.waitRinging(t, id)
	r := <-done
	if r.err != nil {
		t.Fatalf("Originate: %v", r.err)
	}
	select {
	case err := <-w.played:
		if err != nil {
			t.Errorf("the caller's looping Play: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the caller's looping Play went on after the join")
	}
	if got := w.apps(w.key.ID); !containsInOrder(got, "answer", "playback", "multiset", "bridge") || slices.Contains(got, "break") {
		t.Errorf("the caller ran %v, want multiset and bridge inside the music, not broken first", got)
	}
	ci, _ := w.sim.CallByUUID(w.key.ID)
	bridge := ci.Apps[slices.IndexFunc(ci.Apps, func(a fssim.AppRecord) bool { return a.Name == "bridge" })]
	if !strings.Contains(bridge.Arg, "origination_uuid="+id) || !strings.HasSuffix(bridge.Arg, "user/1000@127.0.0.1") {
		t.Errorf("bridge %q: want the leg dialled under the controller's ID", bridge.Arg)
	}
	if h, _ := w.sim.Hears(w.key.ID); h.Peer != id {
		t.Errorf("after the answer the caller hears %+v, want the leg %s", h, id)
	}
	var bridged orchestrator.Event
	for ev := range r.events {
		if ev.Kind == orchestrator.EventBridged {
			bridged = ev
			break
		}
	}
	if bridged.Peer != w.key {
		t.Errorf("the leg's EventBridged %+v, want its peer the caller %v", bridged, w.key)
	}
}

// TestJoinOnAnswerSecondOfferIntercepts: while one offer's bridge
// application runs on the caller, another offer for the same caller
// (ring-all) is originated over the node with intercept; the first to
// answer is joined.
func TestJoinOnAnswerSecondOfferIntercepts(t *testing.T) {
	w := newJoinWorld(t)
	slow := w.phone(t, "1000", fssim.PhoneScript{NoAnswer: true})
	fast := w.phone(t, "1001", fssim.PhoneScript{AnswerAfter: 200 * time.Millisecond})
	first := orchestrator.NewCallID()
	ctx, cancel := context.WithCancel(ctxT(t))
	defer cancel()
	firstErr := make(chan error, 1)
	go func() {
		_, _, err := w.a.Originate(ctx, orchestrator.OriginateSpec{ID: first, Node: fssimharness.Node, To: slow,
			Timeout: 5 * time.Second, JoinOnAnswer: w.key})
		firstErr <- err
	}()
	w.waitRinging(t, first)
	second := orchestrator.NewCallID()
	_, _, err := w.a.Originate(ctxT(t), orchestrator.OriginateSpec{ID: second, Node: fssimharness.Node, To: fast,
		Timeout: 5 * time.Second, JoinOnAnswer: w.key})
	if err != nil {
		t.Fatalf("second offer: %v", err)
	}
	if got := w.apps(second); !slices.Contains(got, "intercept") {
		t.Errorf("the second leg ran %v, want intercept", got)
	}
	if h, _ := w.sim.Hears(w.key.ID); h.Peer != second {
		t.Errorf("the caller hears %+v, want the second leg", h)
	}
	select {
	case err := <-firstErr:
		var lf *freeswitch.LegFailed
		if !errors.As(err, &lf) || lf.HangupCause() != orchestrator.CauseLoseRace {
			t.Errorf("the first offer = %v, want it lost the race (LOSE_RACE: the ACD's cancel is on its way, not a refusal)", err)
		}
	case <-time.After(5 * time.Second):
		t.Error("the first offer went on ringing after the caller was taken by the second")
	}
}

// TestJoinOnAnswerWithdrawnKillsLeg: an offer given up while its phone
// rings kills the leg and leaves no bridge application on the caller.
func TestJoinOnAnswerWithdrawnKillsLeg(t *testing.T) {
	w := newJoinWorld(t)
	ep := w.phone(t, "1000", fssim.PhoneScript{NoAnswer: true})
	id := orchestrator.NewCallID()
	ctx, cancel := context.WithCancel(ctxT(t))
	errc := make(chan error, 1)
	go func() {
		_, _, err := w.a.Originate(ctx, orchestrator.OriginateSpec{ID: id, Node: fssimharness.Node, To: ep,
			Timeout: 5 * time.Second, JoinOnAnswer: w.key})
		errc <- err
	}()
	w.waitRinging(t, id)
	cancel()
	select {
	case err := <-errc:
		if err == nil {
			t.Fatal("Originate succeeded after its context was cancelled")
		}
	case <-time.After(2 * time.Second): // the leg's own timeout is 5 s
		t.Fatal("Originate went on after its context was cancelled: the leg was not killed")
	}
	leg, _ := w.sim.CallByUUID(id)
	if leg.HangupCause != "ORIGINATOR_CANCEL" {
		t.Errorf("the leg's hangup cause %q, want ORIGINATOR_CANCEL", leg.HangupCause)
	}
	ci, _ := w.sim.CallByUUID(w.key.ID)
	if last := ci.Apps[len(ci.Apps)-1]; last.Name != "bridge" || last.Response == "" {
		t.Errorf("the caller's last application %+v, want a completed bridge", last)
	}
}

// containsInOrder reports whether want appear in got in this order.
func containsInOrder(got []string, want ...string) bool {
	i := 0
	for _, g := range got {
		if i < len(want) && g == want[i] {
			i++
		}
	}
	return i == len(want)
}

// TestJoinOnAnswerCallWithoutSocketIntercepts: a call the controller drives
// over the node's connection (an originated leg, parked) has no socket to
// run the bridge application from: the leg is joined with it by intercept.
func TestJoinOnAnswerCallWithoutSocketIntercepts(t *testing.T) {
	sim, a, _ := fssimharness.Start(t, fssim.Config{Hostname: "fssim-join", Heartbeat: -1})
	for e := range a.NodeEvents() {
		if e.Kind == orchestrator.NodeUp {
			break
		}
	}
	for _, u := range []string{"1000", "1001"} {
		if err := sim.RegisterPhone(u, "127.0.0.1", fssim.PhoneScript{AnswerAfter: 50 * time.Millisecond}); err != nil {
			t.Fatal(err)
		}
	}
	to := func(u string) orchestrator.Endpoint {
		return orchestrator.Endpoint{Kind: orchestrator.EndpointUser, User: u, Domain: "127.0.0.1"}
	}
	parked, _, err := a.Originate(ctxT(t), orchestrator.OriginateSpec{ID: orchestrator.NewCallID(), Node: fssimharness.Node, To: to("1000")})
	if err != nil {
		t.Fatal(err)
	}
	id := orchestrator.NewCallID()
	if _, _, err := a.Originate(ctxT(t), orchestrator.OriginateSpec{ID: id, Node: fssimharness.Node, To: to("1001"), JoinOnAnswer: parked}); err != nil {
		t.Fatalf("Originate with JoinOnAnswer a call without a socket: %v", err)
	}
	ci, _ := sim.CallByUUID(id)
	if !slices.ContainsFunc(ci.Apps, func(a fssim.AppRecord) bool { return a.Name == "intercept" }) {
		t.Errorf("the leg ran %+v, want intercept", ci.Apps)
	}
	if h, _ := sim.Hears(parked.ID); h.Peer != id {
		t.Errorf("the parked call hears %+v, want the leg", h)
	}
}
