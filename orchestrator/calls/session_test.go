package calls

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/syncbuf"
	"github.com/switchboard-cc/switchboard/orchestrator"
	"github.com/switchboard-cc/switchboard/orchestrator/admission"
	"github.com/switchboard-cc/switchboard/tenancy"
)

type rig struct {
	sw    *fakeSwitch
	q     *fakeQueuer
	adm   *admission.Controller
	cdrs  *cdrLog
	svc   *Service
	route Route
}

const acme = tenancy.TenantID("acme")

func newRig(t *testing.T, agents ...string) *rig {
	t.Helper()
	return newRigWith(t, nil, agents...)
}

// newRigWith is newRig with mod changing the service's Config first.
func newRigWith(t *testing.T, mod func(r *rig, cfg *Config), agents ...string) *rig {
	t.Helper()
	r := &rig{sw: newFakeSwitch(), q: &fakeQueuer{agents: agents}, adm: admission.New(), cdrs: &cdrLog{}}
	r.route = Route{Tenant: acme, Status: tenancy.StatusActive, Quotas: tenancy.Quotas{MaxPSTNCalls: 2}, AccessNumber: "4001", Queue: "sales",
		Greeting: orchestrator.Playback{Files: []string{"greeting.wav"}}}
	eps := fakeAgents{}
	for _, a := range []string{"ann", "bob"} {
		eps["acme/"+a] = AgentEndpoint{AgentID: a, Extension: a, Registered: true, Node: "fs1",
			Endpoint: orchestrator.Endpoint{Kind: orchestrator.EndpointUser, User: a, Domain: "acme.example"}}
	}
	eps["acme/offline"] = AgentEndpoint{AgentID: "offline", Registered: false}
	cfg := Config{Switch: r.sw, Router: fakeRouter{"4001": r.route}, Queuer: r.q, Agents: eps, Admission: r.adm,
		Records: r.cdrs, HoldMusic: orchestrator.Playback{Files: []string{"moh.wav"}}, Lines: fakeLines{}}
	if mod != nil {
		mod(r, &cfg)
	}
	svc, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	r.q.svc, r.svc = svc, svc
	return r
}

// call runs one inbound call in the background and returns its controls.
func (r *rig) call(to string) (cancel context.CancelCauseFunc, events chan orchestrator.Event, done chan struct{}) {
	ctx, cancel := context.WithCancelCause(context.Background())
	events = make(chan orchestrator.Event, 8)
	done = make(chan struct{})
	go func() {
		defer close(done)
		r.svc.HandleCall(ctx, orchestrator.InboundCall{Key: orchestrator.Key{Node: "fs1", ID: "c1"}, From: "13800000001", To: to, Events: events})
	}()
	return cancel, events, done
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func waitDone(t *testing.T, done chan struct{}) {
	t.Helper()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("call session did not end")
	}
}

func TestUnknownNumberIsRejectedWithCause(t *testing.T) {
	r := newRig(t)
	_, _, done := r.call("9999")
	waitDone(t, done)
	if !r.sw.has("hangup c1 UNALLOCATED_NUMBER") || r.sw.has("answer") {
		t.Fatalf("want a hangup with UNALLOCATED_NUMBER and no answer, got %v", r.sw.entries())
	}
	if r.svc.Stats().RejectedUnknown != 1 {
		t.Fatalf("stats: %+v", r.svc.Stats())
	}
}

func TestAnsweredCallBridgesAgentAndWritesCDRs(t *testing.T) {
	r := newRig(t, "ann")
	_, _, done := r.call("4001")
	waitFor(t, "bridge", func() bool { return r.sw.connected("c1") })
	if got := r.adm.InUse(acme, tenancy.ResourcePSTNCalls); got != 1 {
		t.Fatalf("in use while talking = %d, want 1", got)
	}
	r.sw.agentHangsUp("ann")
	waitDone(t, done)
	want := []string{"answer c1", "play c1 greeting.wav", "play c1 moh.wav", "originate ann@acme.example"}
	log := r.sw.entries()
	for _, w := range want {
		if !slices.Contains(log, w) {
			t.Errorf("switch log lacks %q: %v", w, log)
		}
	}
	// The switch joins the agent at the answer (JoinOnAnswer): the
	// controller does not bridge; it still stops its music loop.
	if !slices.ContainsFunc(log, func(e string) bool { return strings.HasPrefix(e, "join c1 ") }) ||
		r.sw.has("bridge_calls") || !r.sw.has("stop_play c1") {
		t.Errorf("want the agent joined by the switch, no bridge_calls, and the music stopped: %v", log)
	}
	if specs := r.sw.originated(); len(specs) != 1 || specs[0].JoinOnAnswer != (orchestrator.Key{Node: "fs1", ID: "c1"}) {
		t.Errorf("agent leg spec JoinOnAnswer: %+v, want the caller", specs)
	}
	if !r.sw.has("hangup c1 NORMAL_CLEARING") {
		t.Errorf("caller not released after the agent hung up: %v", log)
	}
	if got := r.q.entries(); !slices.Equal(got, []string{"enqueue sales", "accept ann", "finish"}) {
		t.Errorf("ACD calls = %v", got)
	}
	caller := r.cdrs.leg(t, "caller")
	if len(caller) != 1 {
		t.Fatalf("caller CDRs: %+v", caller)
	}
	c := caller[0]
	if c.Disposition != Answered || c.Agent != "ann" || c.Tenant != acme || c.Queue != "sales" || c.AccessNumber != "4001" || c.Caller != "13800000001" {
		t.Errorf("caller CDR fields: %+v", c)
	}
	if c.Queued.Before(c.Arrived) || c.Offered.Before(c.Queued) || c.Answered.Before(c.Offered) || c.Ended.Before(c.Answered) {
		t.Errorf("CDR times out of order: %+v", c)
	}
	agent := r.cdrs.leg(t, "agent")
	if len(agent) != 1 || agent[0].Disposition != Answered || agent[0].HangupCause != orchestrator.CauseNormalClearing {
		t.Errorf("agent CDR: %+v", agent)
	}
	// The agent's phone ended with a BYE (SIP 200); the controller then
	// hung the caller up, so no SIP status ended the caller's leg.
	if agent[0].SIPHangupCause != "200" || c.SIPHangupCause != "" {
		t.Errorf("SIP hangup causes: agent %q, caller %q; want 200 and none", agent[0].SIPHangupCause, c.SIPHangupCause)
	}
	if got := r.adm.InUse(acme, tenancy.ResourcePSTNCalls); got != 0 {
		t.Fatalf("admission leaked: %d in use after the call", got)
	}
	// The switch joined the agent at the answer: the controller adds no
	// bridge delay, so none is recorded.
	if l := r.svc.Latency(); len(l.Offer) != 1 || len(l.Bridge) != 0 || l.Offer[0] <= 0 {
		t.Fatalf("the controller's added delays: %+v, want one offer and no bridge", l)
	}
}

func TestRONAMovesToNextAgentAndSkipsUnregisteredPhone(t *testing.T) {
	r := newRig(t, "offline", "ann", "bob")
	r.sw.answerOf["ann"] = orchestrator.CauseNoAnswer
	_, _, done := r.call("4001")
	waitFor(t, "bridge with bob", func() bool { return r.sw.connected("c1") })
	r.sw.agentHangsUp("bob")
	waitDone(t, done)
	if r.sw.has("originate @") || r.sw.has("originate offline") {
		t.Errorf("an unregistered phone was rung: %v", r.sw.entries())
	}
	if got := r.q.entries(); !slices.Equal(got, []string{"enqueue sales", "reject offline", "reject ann", "accept bob", "finish"}) {
		t.Errorf("ACD calls = %v", got)
	}
	legs := r.cdrs.leg(t, "agent")
	if len(legs) != 2 || legs[0].Agent != "ann" || legs[0].Disposition != Failed || legs[0].HangupCause != orchestrator.CauseNoAnswer ||
		legs[1].Agent != "bob" || legs[1].Disposition != Answered {
		t.Errorf("agent legs: %+v", legs)
	}
}

func TestAbandonInQueueFinishesAndReleases(t *testing.T) {
	r := newRig(t) // no agents: the call waits
	cancel, _, done := r.call("4001")
	waitFor(t, "hold music", func() bool { return r.sw.has("play c1 moh.wav") })
	cancel(orchestrator.ErrCallEnded)
	waitDone(t, done)
	c := r.cdrs.leg(t, "caller")
	if len(c) != 1 || c[0].Disposition != Abandoned || c[0].Queued.IsZero() {
		t.Fatalf("caller CDR: %+v", c)
	}
	if got := r.q.entries(); !slices.Equal(got, []string{"enqueue sales", "finish"}) {
		t.Errorf("ACD calls = %v", got)
	}
	if r.adm.InUse(acme, tenancy.ResourcePSTNCalls) != 0 || r.svc.Stats().Abandoned != 1 {
		t.Errorf("in use %d, stats %+v", r.adm.InUse(acme, tenancy.ResourcePSTNCalls), r.svc.Stats())
	}
}

// TestCallerHangsUpWhileAgentRings: the agent leg the controller stops
// because the caller left says so (caller_abandoned, ORIGINATOR_CANCEL, its
// own end time), instead of "failed" with no cause; a leg stopped because
// the call was released through the API is "cancelled".
func TestCallerHangsUpWhileAgentRings(t *testing.T) {
	for _, tc := range []struct {
		name    string
		release bool
		want    Disposition
	}{{"caller hangs up", false, CallerAbandoned}, {"released through the API", true, Cancelled}} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, "ann")
			r.sw.ringGate = make(chan struct{}) // ann's phone rings until the call ends
			cancel, _, done := r.call("4001")
			waitFor(t, "ann's phone ringing", func() bool { return r.sw.has("originate ann@") })
			if tc.release {
				if err := r.svc.Release(context.Background(), acme, "c1"); err != nil {
					t.Fatal(err)
				}
			}
			before := time.Now()
			cancel(orchestrator.ErrCallEnded)
			waitDone(t, done)
			legs := r.cdrs.leg(t, "agent")
			if len(legs) != 1 || legs[0].Disposition != tc.want || legs[0].HangupCause != orchestrator.CauseOriginatorCancel ||
				legs[0].Ended.Before(before.Add(-time.Second)) || !legs[0].Answered.IsZero() {
				t.Fatalf("agent leg: %+v", legs)
			}
		})
	}
}

// TestMissingHoldMusicFallsBackToATone: when the music fails to play on a
// node nothing said lacked it (not checked, or gone since), the waiting
// caller hears the fallback tone instead of dead air, with a log line giving
// the reason; from then on that node's callers get the tone at once (each
// hold warned) and its agent legs carry it as their hold music, and the
// node is reported as missing its music.
func TestMissingHoldMusicFallsBackToATone(t *testing.T) {
	var logs syncbuf.Buffer
	r := newRigWith(t, func(r *rig, cfg *Config) {
		cfg.Log = slog.New(slog.NewTextHandler(&logs, nil))
		r.sw.missingFile = "moh.wav"
	}) // no agent: the caller waits
	if missing, _ := r.svc.HoldMusicMissing("fs1"); missing {
		t.Fatal("music reported missing before any was played")
	}
	cancel, _, done := r.call("4001")
	waitFor(t, "the fallback tone", func() bool { return r.sw.has("play c1 tone:hold_fallback") })
	if log := r.sw.entries(); !before(log, "play c1 moh.wav", "play c1 tone:hold_fallback") {
		t.Fatalf("want the music tried, then the tone: %v", log)
	}
	if !strings.Contains(logs.String(), "hold music failed: the caller hears a tone instead") || !strings.Contains(logs.String(), "FILE NOT FOUND") {
		t.Fatalf("no warning with the reason:\n%s", logs.String())
	}
	if missing, why := r.svc.HoldMusicMissing("fs1"); !missing || why == "" {
		t.Fatalf("fs1 must be reported as missing its music, with why (%q)", why)
	}
	if missing, _ := r.svc.HoldMusicMissing("fs2"); missing {
		t.Fatal("fs2 reported as missing its music")
	}
	if got := r.svc.holdMusicOn("fs1"); got.Tone != orchestrator.ToneHoldFallback || len(got.Files) != 0 {
		t.Errorf("an agent leg on fs1 gets hold music %+v, want the fallback tone", got)
	}
	if got := r.svc.holdMusicOn("fs2"); !slices.Equal(got.Files, []string{"moh.wav"}) {
		t.Errorf("an agent leg on fs2 gets hold music %+v, want the configured music", got)
	}
	cancel(orchestrator.ErrCallEnded)
	waitDone(t, done)
	if n := r.svc.Stats().HoldMusicFallbacks; n != 1 {
		t.Errorf("fallbacks %d, want 1", n)
	}
}

// fakeHealth is what an adapter's checks reported, by node.
type fakeHealth map[string]orchestrator.NodeHealth

func (f fakeHealth) NodeHealth(node string) orchestrator.NodeHealth {
	if h, ok := f[node]; ok {
		return h
	}
	return orchestrator.NodeHealth{Node: node}
}

// TestHoldMusicKnownMissingPlaysTheToneAtOnce: on a node whose adapter found
// the hold music missing when it connected, a waiting caller hears the
// fallback tone at once — the music is never tried, so no failed playback
// sits on the call path — its agent's leg carries the tone as hold music,
// and every hold there (the queue's, the agent's) is warned with the
// adapter's reason. Another node keeps the music.
func TestHoldMusicKnownMissingPlaysTheToneAtOnce(t *testing.T) {
	var logs syncbuf.Buffer
	r := newRigWith(t, func(r *rig, cfg *Config) {
		cfg.Log = slog.New(slog.NewTextHandler(&logs, nil))
		r.sw.missingFile = "moh.wav" // trying it would log "play c1 moh.wav" and fail
		r.sw.ringGate = make(chan struct{})
		cfg.Health = fakeHealth{
			"fs1": {Node: "fs1", Up: true, Media: map[string]orchestrator.Availability{"moh.wav": orchestrator.Missing},
				MediaDetail: map[string]string{"moh.wav": "no running local_stream moh"}},
			"fs2": {Node: "fs2", Up: true, Media: map[string]orchestrator.Availability{"moh.wav": orchestrator.Available}},
		}
	}, "ann")
	if missing, why := r.svc.HoldMusicMissing("fs1"); !missing || !strings.Contains(why, "no running local_stream moh") {
		t.Fatalf("fs1: missing %v (%q), want missing with the adapter's reason", missing, why)
	}
	if missing, _ := r.svc.HoldMusicMissing("fs2"); missing {
		t.Fatal("fs2 reported as missing its music")
	}
	ann, _ := func() (string, chan struct{}) {
		cancel, _, done := r.call("4001")
		t.Cleanup(func() { cancel(orchestrator.ErrCallEnded); waitDone(t, done) })
		// The greeting plays first; wait for what comes after it.
		waitFor(t, "the caller's hold", func() bool { return r.sw.has("play c1 moh.wav") || r.sw.has("play c1 tone:") })
		if log := r.sw.entries(); slices.Contains(log, "play c1 moh.wav") || !slices.Contains(log, "play c1 tone:hold_fallback") {
			t.Fatalf("want the fallback tone at once, without trying the music: %v", log)
		}
		close(r.sw.ringGate) // ann answers
		waitFor(t, "talking", func() bool { c := r.liveOne(t, acme); return c != nil && c.State == "talking" })
		return r.sw.lastSpec(t, "ann").ID, done
	}()
	if got := r.sw.lastSpec(t, "ann").HoldMusic; got.Tone != orchestrator.ToneHoldFallback {
		t.Errorf("ann's leg carries hold music %+v, want the fallback tone", got)
	}
	if err := r.svc.Hold(context.Background(), acme, "c1", true); err != nil {
		t.Fatal(err)
	}
	if !r.sw.has("hold " + ann) {
		t.Fatalf("the agent leg was not held: %v", r.sw.entries())
	}
	if n := strings.Count(logs.String(), "hold music missing on this node"); n != 2 {
		t.Errorf("%d warnings, want one per hold (queue, agent):\n%s", n, logs.String())
	}
	if !strings.Contains(logs.String(), "no running local_stream moh") {
		t.Errorf("the warning lacks the adapter's reason:\n%s", logs.String())
	}
	if n := r.svc.Stats().HoldMusicFallbacks; n != 2 {
		t.Errorf("fallbacks %d, want 2", n)
	}
}

func TestOverQuotaIsRefusedWithCongestion(t *testing.T) {
	r := newRig(t)
	for i := 0; i < 2; i++ { // the tenant's two PSTN calls are up elsewhere
		if _, err := r.adm.Admit(acme, tenancy.ResourcePSTNCalls, admission.Holder{Node: "fs2", ID: string(rune('a' + i))}, 2); err != nil {
			t.Fatal(err)
		}
	}
	_, _, done := r.call("4001")
	waitDone(t, done)
	if !r.sw.has("hangup c1 NORMAL_CIRCUIT_CONGESTION") || r.sw.has("answer c1") {
		t.Fatalf("want a refusal without answer: %v", r.sw.entries())
	}
	if c := r.cdrs.leg(t, "caller"); len(c) != 1 || c[0].Disposition != RefusedQuota {
		t.Fatalf("CDR: %+v", c)
	}
	if r.adm.InUse(acme, tenancy.ResourcePSTNCalls) != 2 || r.svc.Stats().RefusedQuota != 1 {
		t.Fatal("the refused call must not hold a unit")
	}
}

func TestSuspendedTenantHearsAnnouncementAndIsReleased(t *testing.T) {
	r := newRig(t, "ann")
	rt := r.route
	rt.Status = tenancy.StatusSuspended
	r.svc.cfg.Router = fakeRouter{"4001": rt}
	r.svc.cfg.SuspendedPrompt = orchestrator.Playback{Files: []string{"suspended.wav"}}
	_, _, done := r.call("4001")
	waitDone(t, done)
	log := r.sw.entries()
	if !slices.Equal(log, []string{"pre_answer c1", "play c1 suspended.wav", "hangup c1 CALL_REJECTED"}) {
		t.Fatalf("switch log: %v", log)
	}
	if len(r.q.entries()) != 0 {
		t.Fatal("a suspended tenant's call reached the ACD")
	}
}

func TestNodeLostMidCallClosesWithDisposition(t *testing.T) {
	r := newRig(t, "ann")
	cancel, _, done := r.call("4001")
	waitFor(t, "bridge", func() bool { return r.sw.connected("c1") })
	cancel(orchestrator.ErrNodeDown)
	waitDone(t, done)
	c := r.cdrs.leg(t, "caller")
	if len(c) != 1 || c[0].Disposition != NodeLost {
		t.Fatalf("caller CDR: %+v", c)
	}
	if r.adm.InUse(acme, tenancy.ResourcePSTNCalls) != 0 {
		t.Fatal("admission leaked after node loss")
	}
	if got := r.q.entries(); got[len(got)-1] != "finish" {
		t.Fatalf("the ACD must hear the end: %v", got)
	}
}

func TestWithdrawnOfferReleasesAgentLeg(t *testing.T) {
	r := newRig(t, "ann")
	r.q.refuse = true
	cancel, _, done := r.call("4001")
	waitFor(t, "agent leg released", func() bool { return r.sw.has("hangup ") })
	cancel(orchestrator.ErrCallEnded)
	waitDone(t, done)
	if r.sw.has("bridge_calls") {
		t.Fatalf("bridged an offer the ACD withdrew: %v", r.sw.entries())
	}
}

func TestRecordingAnnouncementsAndPosition(t *testing.T) {
	r := newRig(t)
	rt := r.route
	rt.Record, rt.AnnounceAgent, rt.AnnouncePositionEvery = true, true, 20*time.Millisecond
	r.svc.cfg.Router = fakeRouter{"4001": rt}
	_, _, done := r.call("4001")
	waitFor(t, "a position announcement", func() bool {
		return r.sw.has("play c1 You are number 2 in the queue. Your estimated wait is 2 minutes.")
	})
	r.q.mu.Lock()
	r.q.agents = []string{"ann"}
	r.q.mu.Unlock()
	r.q.offerNext(acme, "c1")
	waitFor(t, "bridge", func() bool { return r.sw.connected("c1") })
	r.sw.agentHangsUp("ann")
	waitDone(t, done)
	log := r.sw.entries()
	iAnnounce := slices.Index(log, "play c1 Agent ann")
	iBridge := slices.IndexFunc(log, func(s string) bool { return strings.HasPrefix(s, "bridge_calls c1") })
	if iAnnounce < 0 || iAnnounce > iBridge {
		t.Fatalf("the agent ID must be announced before the bridge: %v", log)
	}
	if r.sw.has("join c1") {
		t.Fatalf("with an announcement to play first the switch must not join at the answer: %v", log)
	}
	if !slices.Contains(log, "record_start c1 /var/lib/freeswitch/recordings/acme/c1.wav") {
		t.Fatalf("recording not started in the tenant's directory: %v", log)
	}
	if c := r.cdrs.leg(t, "caller"); len(c) != 1 || c[0].RecordingPath != "/var/lib/freeswitch/recordings/acme/c1.wav" {
		t.Fatalf("caller CDR: %+v", c)
	}
}

// TestCallerByeIsTheCallersSIPCause: a caller who hangs up while talking
// (BYE) has SIP status 200 in its CDR; the agent leg the controller then
// hangs up has none.
func TestCallerByeIsTheCallersSIPCause(t *testing.T) {
	r := newRig(t, "ann")
	_, events, done := r.call("4001")
	waitFor(t, "bridge", func() bool { return r.sw.connected("c1") })
	events <- orchestrator.Event{Kind: orchestrator.EventHangup, Cause: orchestrator.CauseNormalClearing, SIPCause: "200"}
	events <- orchestrator.Event{Kind: orchestrator.EventEnded, Cause: orchestrator.CauseNormalClearing}
	close(events)
	waitDone(t, done)
	caller, agent := r.cdrs.leg(t, "caller"), r.cdrs.leg(t, "agent")
	if len(caller) != 1 || caller[0].SIPHangupCause != "200" {
		t.Fatalf("caller CDR: %+v", caller)
	}
	if len(agent) != 1 || agent[0].SIPHangupCause != "" {
		t.Fatalf("agent CDR: %+v", agent)
	}
}

// Without a greeting the call queues, and the agent's phone rings, while
// the switch has yet to confirm the caller's answer: that confirmation is
// an event on the switch's cadence and must not sit on the path (issue 11).
func TestAgentRingsBeforeTheAnswerIsConfirmed(t *testing.T) {
	r := newRigWith(t, withoutGreeting, "ann")
	r.sw.answerGate = make(chan struct{})
	_, _, done := r.call("4001")
	waitFor(t, "the agent's phone rung", func() bool { return r.sw.has("originate ann@acme.example") })
	log := r.sw.entries()
	if a, m := slices.Index(log, "answer c1"), slices.Index(log, "play c1 moh.wav"); a < 0 || (m >= 0 && m < a) {
		t.Fatalf("the answer must be sent first, before hold music: %v", log)
	}
	close(r.sw.answerGate)
	waitFor(t, "bridge", func() bool { return r.sw.connected("c1") })
	r.sw.agentHangsUp("ann")
	waitDone(t, done)
	if c := r.cdrs.leg(t, "caller"); len(c) != 1 || c[0].Disposition != Answered {
		t.Fatalf("caller CDR: %+v", c)
	}
}

// An answer the switch does not confirm ends the call as failed, and the
// agent's phone, already ringing, is released.
func TestUnconfirmedAnswerReleasesTheRingingAgent(t *testing.T) {
	r := newRigWith(t, withoutGreeting, "ann")
	r.sw.answerGate, r.sw.answerErr = make(chan struct{}), errors.New("answer not confirmed")
	r.sw.ringGate = make(chan struct{})
	_, _, done := r.call("4001")
	waitFor(t, "the agent's phone rung", func() bool { return r.sw.has("originate ann@acme.example") })
	close(r.sw.answerGate)
	waitDone(t, done)
	if c := r.cdrs.leg(t, "caller"); len(c) != 1 || c[0].Disposition != Failed {
		t.Fatalf("caller CDR: %+v", c)
	}
	if a := r.cdrs.leg(t, "agent"); len(a) != 1 || a[0].Disposition == Answered {
		t.Fatalf("agent CDR: %+v", a)
	}
	if r.sw.has("bridge_calls") {
		t.Fatalf("bridged a caller whose answer failed: %v", r.sw.entries())
	}
}

// liveHealth is a HealthReporter whose answers a test changes.
type liveHealth struct {
	mu sync.Mutex
	h  orchestrator.NodeHealth
}

func (l *liveHealth) NodeHealth(node string) orchestrator.NodeHealth {
	l.mu.Lock()
	defer l.mu.Unlock()
	if node != l.h.Node {
		return orchestrator.NodeHealth{Node: node}
	}
	return l.h
}

func (l *liveHealth) set(h orchestrator.NodeHealth) { l.mu.Lock(); l.h = h; l.mu.Unlock() }

// TestHoldMusicComesBackOnceTheNodeHasIt: music that failed to play is
// replaced by the tone only until the node's adapter, checking after the
// failure, finds it — the operator installed it; an answer from before the
// failure does not count.
func TestHoldMusicComesBackOnceTheNodeHasIt(t *testing.T) {
	health := &liveHealth{h: orchestrator.NodeHealth{Node: "fs1"}}
	r := newRigWith(t, func(r *rig, cfg *Config) {
		r.sw.missingFile = "moh.wav"
		cfg.Health = health
	})
	cancel, _, done := r.call("4001")
	waitFor(t, "the fallback tone", func() bool { return r.sw.has("play c1 tone:hold_fallback") })
	cancel(orchestrator.ErrCallEnded)
	waitDone(t, done)
	available := map[string]orchestrator.Availability{"moh.wav": orchestrator.Available}
	health.set(orchestrator.NodeHealth{Node: "fs1", Media: available, Checked: time.Now().Add(-time.Hour)})
	if missing, _ := r.svc.HoldMusicMissing("fs1"); !missing {
		t.Fatal("a check from before the failure cleared it")
	}
	health.set(orchestrator.NodeHealth{Node: "fs1", Media: available, Checked: time.Now().Add(time.Second)})
	if missing, why := r.svc.HoldMusicMissing("fs1"); missing {
		t.Fatalf("the node has the music now, still missing: %s", why)
	}
	if got := r.svc.holdMusicOn("fs1"); !slices.Equal(got.Files, []string{"moh.wav"}) {
		t.Errorf("hold music %+v, want the configured music again", got)
	}
}

// A caller who hangs up while the controller answers is abandoned, not a
// failure of the controller (the switch no longer knows the call).
func TestCallerGoneBeforeTheAnswerIsAbandoned(t *testing.T) {
	r := newRigWith(t, withoutGreeting, "ann")
	r.sw.answerErr = fmt.Errorf("%w: -ERR invalid session id", orchestrator.ErrNoSuchCall)
	r.sw.ringGate = make(chan struct{})
	_, _, done := r.call("4001")
	waitDone(t, done)
	if c := r.cdrs.leg(t, "caller"); len(c) != 1 || c[0].Disposition != Abandoned {
		t.Fatalf("caller CDR: %+v", c)
	}
	if s := r.svc.Stats(); s.Abandoned != 1 {
		t.Fatalf("stats: %+v", s)
	}
}

// withoutGreeting routes 4001 to the queue with no greeting: the caller is
// answered and queued at once (AnswerStarter).
func withoutGreeting(r *rig, cfg *Config) {
	route := r.route
	route.Greeting = orchestrator.Playback{}
	cfg.Router = fakeRouter{"4001": route}
}
