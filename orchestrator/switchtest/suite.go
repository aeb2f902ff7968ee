package switchtest

import (
	"context"
	"errors"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/orchestrator"
)

// Option changes how Run runs the suite.
type Option func(*runConfig)

type runConfig struct{ known map[string]string }

// KnownGap skips the named contract test with reason (it shows in the test
// output as SKIP): for a gap of the implementation that is reported and not
// fixed yet. Set SWITCHTEST_STRICT=1 to run known gaps anyway.
func KnownGap(test, reason string) Option {
	return func(c *runConfig) { c.known[test] = reason }
}

// Run runs every contract test, each with a fresh harness from newHarness.
func Run(t *testing.T, newHarness func(t *testing.T) Harness, opts ...Option) {
	cfg := runConfig{known: map[string]string{}}
	for _, o := range opts {
		o(&cfg)
	}
	for _, tc := range contract {
		t.Run(tc.name, func(t *testing.T) {
			if reason, ok := cfg.known[tc.name]; ok && os.Getenv("SWITCHTEST_STRICT") != "1" {
				t.Skipf("known gap of this implementation: %s (SWITCHTEST_STRICT=1 runs it)", reason)
			}
			h := newHarness(t)
			waitNodeUp(t, h)
			tc.run(t, h)
		})
	}
}

// waitNodeUp waits until the implementation reports the node up, so every
// test starts from a connected node (and NodeDown has an up to end).
func waitNodeUp(t *testing.T, h Harness) {
	t.Helper()
	deadline := time.After(arriveTimeout)
	for {
		select {
		case e, ok := <-h.Watcher().NodeEvents():
			if !ok {
				t.Fatal("node events closed before NodeUp")
			}
			if e.Kind == orchestrator.NodeUp && e.Node == h.Node() {
				return
			}
		case <-deadline:
			t.Fatalf("node %s not up within %v", h.Node(), arriveTimeout)
		}
	}
}

type contractTest struct {
	name string
	run  func(t *testing.T, h Harness)
}

var contract = []contractTest{
	{"InboundCallArrives", testInboundArrives},
	{"Answer", testAnswer},
	{"PreAnswerThenAnswer", testPreAnswer},
	{"StartAnswerThenPlay", testStartAnswer},
	{"PlayCompletes", testPlay},
	{"StopPlayEndsLoop", testStopPlay},
	{"CollectWithTerminator", testCollectTerminator},
	{"CollectResetKey", testCollectReset},
	{"CollectTimeout", testCollectTimeout},
	{"BridgeAnswered", testBridgeAnswered},
	{"BridgeNoAnswerKeepsCaller", testBridgeNoAnswer},
	{"BridgeUnregisteredKeepsCaller", testBridgeUnregistered},
	{"BridgeBusyKeepsCaller", testBridgeBusy},
	{"OriginateUnregistered", testOriginateUnregistered},
	{"OriginateAndBridgeCalls", testOriginateBridgeCalls},
	{"OriginateJoinOnAnswer", testOriginateJoinOnAnswer},
	{"OriginateJoinLosesToAnEarlierJoin", testOriginateJoinLost},
	{"JoinedCallerThroughAConsultation", testJoinedConsult},
	{"OriginateJoinNoAnswerKeepsCaller", testJoinNoAnswer},
	{"OriginateJoinUnregisteredKeepsCaller", testJoinUnregistered},
	{"OriginateJoinWithdrawnKeepsCaller", testJoinWithdrawn},
	{"HoldUnhold", testHold},
	{"HoldUnknownCall", testHoldUnknown},
	{"RecordStartStop", testRecord},
	{"BlindTransfer", testTransfer},
	{"Eavesdrop", testEavesdrop},
	{"EavesdropFromACaller", testEavesdropFromACaller},
	{"ConferenceJoin", testConferenceJoin},
	{"SetVarGetVar", testVars},
	{"SendDTMF", testSendDTMF},
	{"HangupUnknownCall", testHangupUnknown},
	{"HangupByController", testHangupController},
	{"HangupByCaller", testHangupCaller},
	{"EventsInOrder", testEventsInOrder},
	{"EachEventOnce", testEachEventOnce},
	{"PhoneRegistrationReported", testRegistrationReported},
	{"NodeDown", testNodeDown},
}

// timeouts are generous: the suite also runs against a real switch.
const (
	arriveTimeout = 10 * time.Second
	verbTimeout   = 15 * time.Second
)

func ctxFor(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func mustAnswer(t *testing.T, h Harness, c *session) {
	t.Helper()
	if err := h.Switch().Answer(ctxFor(t, verbTimeout), c.Key); err != nil {
		t.Fatalf("Answer: %v", err)
	}
}

func testInboundArrives(t *testing.T, h Harness) {
	c := arrive(t, h, CallerSpec{From: "5551001", To: "9100", Vars: map[string]string{"sb_tenant": "acme"}})
	if c.From != "5551001" || c.To != "9100" {
		t.Errorf("from/to = %q/%q, want 5551001/9100", c.From, c.To)
	}
	if c.Vars["sb_tenant"] != "acme" {
		t.Errorf("Vars[sb_tenant] = %q, want acme", c.Vars["sb_tenant"])
	}
	if c.Key.Node != h.Node() || c.Key.ID == "" {
		t.Errorf("key = %v, want node %q and an ID", c.Key, h.Node())
	}
}

func testAnswer(t *testing.T, h Harness) {
	c := arrive(t, h, CallerSpec{From: "5551002", To: "9100"})
	mustAnswer(t, h, c)
	c.waitFor(t, orchestrator.EventAnswered)
}

// testStartAnswer: an answer sent without waiting is confirmed, and media
// sent right after it plays after it (the controller queues a caller and
// starts hold music while the switch confirms the answer).
func testStartAnswer(t *testing.T, h Harness) {
	as, ok := h.Switch().(orchestrator.AnswerStarter)
	if !ok {
		t.Skip("the switch answers only in line (no orchestrator.AnswerStarter); optional")
	}
	c := arrive(t, h, CallerSpec{From: "5551020", To: "9100"})
	confirm, err := as.StartAnswer(ctxFor(t, verbTimeout), c.Key)
	if err != nil {
		t.Fatalf("StartAnswer: %v", err)
	}
	if err := h.Switch().Play(ctxFor(t, verbTimeout), c.Key, orchestrator.Playback{Files: []string{h.Media(200 * time.Millisecond)}}); err != nil {
		t.Fatalf("Play right after StartAnswer: %v", err)
	}
	select {
	case err := <-confirm:
		if err != nil {
			t.Fatalf("answer not confirmed: %v", err)
		}
	case <-time.After(verbTimeout):
		t.Fatal("no confirmation of the answer")
	}
	ans := c.waitFor(t, orchestrator.EventAnswered)
	play := c.waitFor(t, orchestrator.EventPlayStarted)
	if play.Seq <= ans.Seq {
		t.Errorf("play started (seq %d) before the answer (seq %d)", play.Seq, ans.Seq)
	}
}

func testPreAnswer(t *testing.T, h Harness) {
	c := arrive(t, h, CallerSpec{From: "5551019", To: "9100"})
	if err := h.Switch().PreAnswer(ctxFor(t, verbTimeout), c.Key); err != nil {
		t.Fatalf("PreAnswer: %v", err)
	}
	if _, ok := c.seen(orchestrator.EventAnswered); ok {
		t.Error("PreAnswer answered the call")
	}
	mustAnswer(t, h, c)
	c.waitFor(t, orchestrator.EventAnswered)
}

func testPlay(t *testing.T, h Harness) {
	c := arrive(t, h, CallerSpec{From: "5551003", To: "9100"})
	mustAnswer(t, h, c)
	start := time.Now()
	err := h.Switch().Play(ctxFor(t, verbTimeout), c.Key, orchestrator.Playback{Files: []string{h.Media(300 * time.Millisecond)}})
	if err != nil {
		t.Fatalf("Play: %v", err)
	}
	if time.Since(start) < 20*time.Millisecond {
		t.Errorf("Play returned after %v: it must block until the media finished", time.Since(start))
	}
	c.waitFor(t, orchestrator.EventPlayStopped)
}

// testStopPlay: music on hold (Loop) plays until StopPlay, then Play returns.
func testStopPlay(t *testing.T, h Harness) {
	c := arrive(t, h, CallerSpec{From: "5551018", To: "9100"})
	mustAnswer(t, h, c)
	done := make(chan error, 1)
	go func() {
		done <- h.Switch().Play(ctxFor(t, verbTimeout), c.Key, orchestrator.Playback{
			Files: []string{h.Media(200 * time.Millisecond)}, Loop: true})
	}()
	select {
	case err := <-done:
		t.Fatalf("a looping Play returned by itself: %v", err)
	case <-time.After(700 * time.Millisecond):
	}
	if err := h.Switch().StopPlay(ctxFor(t, verbTimeout), c.Key); err != nil {
		t.Fatalf("StopPlay: %v", err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Play after StopPlay: %v", err)
		}
	case <-time.After(verbTimeout):
		t.Fatal("Play still blocked after StopPlay")
	}
}

func collect(t *testing.T, h Harness, digits string, spec orchestrator.CollectSpec) orchestrator.CollectResult {
	t.Helper()
	c := arrive(t, h, CallerSpec{From: "5551004", To: "9100", Digits: digits, DigitGap: 300 * time.Millisecond})
	mustAnswer(t, h, c)
	res, err := h.Switch().Collect(ctxFor(t, verbTimeout), c.Key, spec)
	if err != nil {
		t.Fatalf("Collect: %v", err)
	}
	return res
}

func testCollectTerminator(t *testing.T, h Harness) {
	res := collect(t, h, "12#", orchestrator.CollectSpec{Min: 1, Max: 4, Terminators: "#",
		FirstDigitTimeout: 3 * time.Second, InterDigitTimeout: 2 * time.Second})
	if res.Digits != "12" || res.Terminator != "#" || !res.Valid || res.TimedOut {
		t.Errorf("Collect = %+v, want digits 12, terminator #, valid", res)
	}
}

func testCollectReset(t *testing.T, h Harness) {
	res := collect(t, h, "19*23#", orchestrator.CollectSpec{Min: 1, Max: 6, Terminators: "#", ResetKey: "*",
		FirstDigitTimeout: 3 * time.Second, InterDigitTimeout: 2 * time.Second})
	if res.Digits != "23" || !res.Valid {
		t.Errorf("Collect = %+v, want 23 (the reset key clears 19)", res)
	}
}

func testCollectTimeout(t *testing.T, h Harness) {
	res := collect(t, h, "", orchestrator.CollectSpec{Min: 1, Max: 4, Terminators: "#",
		FirstDigitTimeout: 500 * time.Millisecond, InterDigitTimeout: 500 * time.Millisecond})
	if !res.TimedOut || res.Valid || res.Digits != "" {
		t.Errorf("Collect = %+v, want a timeout with no digits", res)
	}
}

func testBridgeAnswered(t *testing.T, h Harness) {
	ep := register(t, h, "1000", PhoneBehaviour{AnswerAfter: 200 * time.Millisecond})
	c := arrive(t, h, CallerSpec{From: "5551005", To: "9100"})
	mustAnswer(t, h, c)
	res, err := h.Switch().Bridge(ctxFor(t, verbTimeout), c.Key, ep, 5*time.Second)
	if err != nil {
		t.Fatalf("Bridge: %v", err)
	}
	if !res.Answered || res.Peer.IsZero() {
		t.Fatalf("Bridge = %+v, want answered with a peer", res)
	}
	if e := c.waitFor(t, orchestrator.EventBridged); e.Peer != res.Peer {
		t.Errorf("EventBridged peer %v, want %v", e.Peer, res.Peer)
	}
}

// stillUp checks the call can still be used after a failed bridge.
func stillUp(t *testing.T, h Harness, c *session) {
	t.Helper()
	if err := h.Switch().SetVar(ctxFor(t, verbTimeout), c.Key, "sb_after_bridge", "1"); err != nil {
		t.Errorf("caller is not usable after the failed bridge: %v", err)
	}
	if e, ok := c.seen(orchestrator.EventHangup); ok {
		t.Errorf("caller was hung up: %+v", e)
	}
}

func testBridgeNoAnswer(t *testing.T, h Harness) {
	ep := register(t, h, "1001", PhoneBehaviour{NoAnswer: true})
	c := arrive(t, h, CallerSpec{From: "5551006", To: "9100"})
	mustAnswer(t, h, c)
	res, err := h.Switch().Bridge(ctxFor(t, verbTimeout), c.Key, ep, time.Second)
	if err != nil {
		t.Fatalf("Bridge: %v", err)
	}
	if res.Answered || res.Cause != orchestrator.CauseNoAnswer {
		t.Errorf("Bridge = %+v, want NO_ANSWER", res)
	}
	stillUp(t, h, c)
}

func testBridgeUnregistered(t *testing.T, h Harness) {
	c := arrive(t, h, CallerSpec{From: "5551007", To: "9100"})
	mustAnswer(t, h, c)
	res, err := h.Switch().Bridge(ctxFor(t, verbTimeout), c.Key, h.Unregistered(), time.Second)
	if err != nil && !errors.Is(err, orchestrator.ErrNotRegistered) {
		t.Fatalf("Bridge: %v", err)
	}
	if res.Answered || err == nil && res.Cause != orchestrator.CauseUserNotRegistered {
		t.Errorf("Bridge = %+v, %v; want USER_NOT_REGISTERED", res, err)
	}
	stillUp(t, h, c)
}

// testBridgeBusy: FreeSWITCH hangs the caller up on USER_BUSY unless
// continue_on_fail is set; the port promises the caller stays up.
func testBridgeBusy(t *testing.T, h Harness) {
	ep := register(t, h, "1004", PhoneBehaviour{Busy: true})
	c := arrive(t, h, CallerSpec{From: "5551020", To: "9100"})
	mustAnswer(t, h, c)
	res, err := h.Switch().Bridge(ctxFor(t, verbTimeout), c.Key, ep, 5*time.Second)
	if err != nil {
		t.Fatalf("Bridge: %v", err)
	}
	if res.Answered || res.Cause != orchestrator.CauseUserBusy {
		t.Errorf("Bridge = %+v, want USER_BUSY", res)
	}
	stillUp(t, h, c)
}

func testOriginateUnregistered(t *testing.T, h Harness) {
	_, _, err := h.Switch().Originate(ctxFor(t, verbTimeout), orchestrator.OriginateSpec{
		ID: orchestrator.NewCallID(), Node: h.Node(), To: h.Unregistered(), Timeout: 5 * time.Second})
	if !errors.Is(err, orchestrator.ErrNotRegistered) {
		t.Errorf("Originate to an unregistered user = %v, want ErrNotRegistered", err)
	}
}

func testOriginateBridgeCalls(t *testing.T, h Harness) {
	ep := register(t, h, "1002", PhoneBehaviour{AnswerAfter: 100 * time.Millisecond})
	c := arrive(t, h, CallerSpec{From: "5551008", To: "9100"})
	mustAnswer(t, h, c)
	id := orchestrator.NewCallID()
	key, events, err := h.Switch().Originate(ctxFor(t, verbTimeout), orchestrator.OriginateSpec{
		ID: id, Node: h.Node(), To: ep, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatalf("Originate: %v", err)
	}
	if key.ID != id || key.Node != h.Node() {
		t.Errorf("Originate key %v, want the controller's ID %s on %s", key, id, h.Node())
	}
	leg := track(t, key, events)
	if err := h.Switch().BridgeCalls(ctxFor(t, verbTimeout), c.Key, key); err != nil {
		t.Fatalf("BridgeCalls: %v", err)
	}
	c.waitFor(t, orchestrator.EventBridged)
	_ = leg
}

// originateLeg originates a leg to ep with a fresh ID, joined with join at
// the answer unless join is zero.
func originateLeg(t *testing.T, h Harness, ep orchestrator.Endpoint, join orchestrator.Key, vars map[string]string) (orchestrator.Key, <-chan orchestrator.Event, error) {
	return h.Switch().Originate(ctxFor(t, verbTimeout), orchestrator.OriginateSpec{
		ID: orchestrator.NewCallID(), Node: h.Node(), To: ep, Timeout: 5 * time.Second, JoinOnAnswer: join, Vars: vars})
}

// testOriginateJoinOnAnswer: the switch joins the answered leg with the
// caller by itself; the caller's looping music stops (Play returns, no
// further round over the bridge), and when the leg leaves, the caller is
// still up and can be played to.
func testOriginateJoinOnAnswer(t *testing.T, h Harness) {
	ep := register(t, h, "1005", PhoneBehaviour{AnswerAfter: 300 * time.Millisecond})
	c := arrive(t, h, CallerSpec{From: "5551021", To: "9100"})
	mustAnswer(t, h, c)
	music := make(chan error, 1)
	go func() {
		music <- h.Switch().Play(ctxFor(t, verbTimeout), c.Key, orchestrator.Playback{
			Files: []string{h.Media(200 * time.Millisecond)}, Loop: true})
	}()
	c.waitFor(t, orchestrator.EventPlayStarted)
	key, events, err := originateLeg(t, h, ep, c.Key, nil)
	if err != nil {
		t.Fatalf("Originate with JoinOnAnswer: %v", err)
	}
	leg := track(t, key, events)
	if e := leg.waitFor(t, orchestrator.EventBridged); e.Peer != c.Key {
		t.Errorf("leg's EventBridged peer %v, want the caller %v", e.Peer, c.Key)
	}
	select {
	case err := <-music:
		if err != nil {
			t.Errorf("the caller's looping Play after the join: %v", err)
		}
	case <-time.After(verbTimeout):
		t.Fatal("the caller's looping Play went on after the join")
	}
	if err := h.Switch().Hangup(ctxFor(t, verbTimeout), key, orchestrator.CauseNormalClearing); err != nil {
		t.Fatalf("Hangup of the joined leg: %v", err)
	}
	leg.waitEnded(t)
	if err := h.Switch().Play(ctxFor(t, verbTimeout), c.Key, orchestrator.Playback{Files: []string{h.Media(200 * time.Millisecond)}}); err != nil {
		t.Errorf("Play to the caller after the joined leg left: %v", err)
	}
	stillUp(t, h, c)
}

// testOriginateJoinLost: a second leg answering for a caller already joined
// with another is not joined (ring-all's loser) and the first join holds.
func testOriginateJoinLost(t *testing.T, h Harness) {
	first := register(t, h, "1006", PhoneBehaviour{AnswerAfter: 100 * time.Millisecond})
	second := register(t, h, "1007", PhoneBehaviour{AnswerAfter: 100 * time.Millisecond})
	c := arrive(t, h, CallerSpec{From: "5551022", To: "9100"})
	mustAnswer(t, h, c)
	key, events, err := originateLeg(t, h, first, c.Key, nil)
	if err != nil {
		t.Fatalf("first Originate with JoinOnAnswer: %v", err)
	}
	leg := track(t, key, events)
	leg.waitFor(t, orchestrator.EventBridged)
	lostKey, lostEvents, err := originateLeg(t, h, second, c.Key, nil)
	if !errors.Is(err, orchestrator.ErrJoinFailed) {
		t.Fatalf("second Originate with JoinOnAnswer = %v, want ErrJoinFailed", err)
	}
	if lostEvents != nil {
		track(t, lostKey, lostEvents).waitEnded(t)
	}
	if e, ok := leg.seen(orchestrator.EventHangup); ok {
		t.Errorf("the first joined leg was hung up: %+v", e)
	}
	stillUp(t, h, c)
}

// testJoinedConsult: an agent joined with the caller by the switch consults
// a third party (the agent's leg is bridged away), the caller meanwhile
// hears music, and the agent comes back to the caller: the attended-transfer
// path after a join made at the answer.
func testJoinedConsult(t *testing.T, h Harness) {
	agentEP := register(t, h, "1008", PhoneBehaviour{AnswerAfter: 100 * time.Millisecond})
	thirdEP := register(t, h, "1009", PhoneBehaviour{AnswerAfter: 100 * time.Millisecond})
	c := arrive(t, h, CallerSpec{From: "5551023", To: "9100"})
	mustAnswer(t, h, c)
	parked := map[string]string{"park_after_bridge": "true"}
	agent, events, err := originateLeg(t, h, agentEP, c.Key, parked)
	if err != nil {
		t.Fatalf("Originate with JoinOnAnswer: %v", err)
	}
	leg := track(t, agent, events)
	leg.waitFor(t, orchestrator.EventBridged)
	third, thirdEvents, err := originateLeg(t, h, thirdEP, orchestrator.Key{}, parked)
	if err != nil {
		t.Fatalf("Originate of the consulted party: %v", err)
	}
	track(t, third, thirdEvents)
	if err := h.Switch().BridgeCalls(ctxFor(t, verbTimeout), agent, third); err != nil {
		t.Fatalf("BridgeCalls agent → consulted party: %v", err)
	}
	if err := h.Switch().Play(ctxFor(t, verbTimeout), c.Key, orchestrator.Playback{Files: []string{h.Media(200 * time.Millisecond)}}); err != nil {
		t.Errorf("Play to the caller while the agent consults: %v", err)
	}
	if err := h.Switch().BridgeCalls(ctxFor(t, verbTimeout), c.Key, agent); err != nil {
		t.Fatalf("BridgeCalls caller → agent (back from the consultation): %v", err)
	}
	c.waitFor(t, orchestrator.EventBridged)
	stillUp(t, h, c)
}

// testJoinNoAnswer: a leg to join with the caller that rings out fails
// with its cause (not ErrJoinFailed: it never answered), and leaves the
// caller up and free for the next thing.
func testJoinNoAnswer(t *testing.T, h Harness) {
	ep := register(t, h, "1010", PhoneBehaviour{NoAnswer: true})
	c := arrive(t, h, CallerSpec{From: "5551024", To: "9100"})
	mustAnswer(t, h, c)
	key, events, err := h.Switch().Originate(ctxFor(t, verbTimeout), orchestrator.OriginateSpec{
		ID: orchestrator.NewCallID(), Node: h.Node(), To: ep, Timeout: 2 * time.Second, JoinOnAnswer: c.Key})
	if err == nil || errors.Is(err, orchestrator.ErrJoinFailed) {
		t.Fatalf("Originate with JoinOnAnswer to a phone that never answers = %v, want a failure that is not ErrJoinFailed", err)
	}
	if events != nil {
		track(t, key, events).waitEnded(t)
	}
	playsAtOnce(t, h, c)
	stillUp(t, h, c)
}

// testJoinUnregistered: a leg to an unregistered user fails with
// ErrNotRegistered and the caller stays up (FreeSWITCH hangs up a caller
// whose bridge fails with USER_NOT_REGISTERED unless told otherwise,
// capture 08c).
func testJoinUnregistered(t *testing.T, h Harness) {
	c := arrive(t, h, CallerSpec{From: "5551025", To: "9100"})
	mustAnswer(t, h, c)
	_, _, err := originateLeg(t, h, h.Unregistered(), c.Key, nil)
	if !errors.Is(err, orchestrator.ErrNotRegistered) {
		t.Fatalf("Originate with JoinOnAnswer to an unregistered user = %v, want ErrNotRegistered", err)
	}
	playsAtOnce(t, h, c)
	stillUp(t, h, c)
}

// testJoinWithdrawn: the controller gives up on a ringing leg (ctx
// cancelled: the ACD withdrew the offer). Originate returns at once, long
// before the leg's own timeout, and the caller is up and free.
func testJoinWithdrawn(t *testing.T, h Harness) {
	ep := register(t, h, "1011", PhoneBehaviour{NoAnswer: true})
	c := arrive(t, h, CallerSpec{From: "5551026", To: "9100"})
	mustAnswer(t, h, c)
	music := make(chan error, 1)
	go func() {
		music <- h.Switch().Play(ctxFor(t, verbTimeout), c.Key, orchestrator.Playback{
			Files: []string{h.Media(200 * time.Millisecond)}, Loop: true})
	}()
	c.waitFor(t, orchestrator.EventPlayStarted)
	ctx, cancel := context.WithCancel(ctxFor(t, verbTimeout))
	ring := time.AfterFunc(500*time.Millisecond, cancel) // the offer's time is up
	defer ring.Stop()
	start := time.Now()
	key, events, err := h.Switch().Originate(ctx, orchestrator.OriginateSpec{
		ID: orchestrator.NewCallID(), Node: h.Node(), To: ep, Timeout: 10 * time.Second, JoinOnAnswer: c.Key})
	if err == nil {
		t.Fatal("Originate with JoinOnAnswer succeeded after its context was cancelled")
	}
	if took := time.Since(start); took > 4*time.Second {
		t.Errorf("Originate returned %v after it started, %v after its context was cancelled: the leg was not given up", took, took-500*time.Millisecond)
	}
	if events != nil {
		track(t, key, events).waitEnded(t)
	}
	h.Switch().StopPlay(ctxFor(t, verbTimeout), c.Key)
	select {
	case <-music:
	case <-time.After(verbTimeout):
		t.Fatal("the caller's looping Play did not end")
	}
	playsAtOnce(t, h, c)
	stillUp(t, h, c)
}

// playsAtOnce plays a short media to the call, which must finish well
// within 3 s: nothing of an earlier attempt holds the call.
func playsAtOnce(t *testing.T, h Harness, c *session) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := h.Switch().Play(ctx, c.Key, orchestrator.Playback{Files: []string{h.Media(200 * time.Millisecond)}}); err != nil {
		t.Errorf("Play to the caller: %v", err)
	}
}

func testHold(t *testing.T, h Harness) {
	c := arrive(t, h, CallerSpec{From: "5551009", To: "9100"})
	mustAnswer(t, h, c)
	if err := h.Switch().Hold(ctxFor(t, verbTimeout), c.Key); err != nil {
		t.Fatalf("Hold: %v", err)
	}
	c.waitFor(t, orchestrator.EventHeld)
	if err := h.Switch().Unhold(ctxFor(t, verbTimeout), c.Key); err != nil {
		t.Fatalf("Unhold: %v", err)
	}
	c.waitFor(t, orchestrator.EventUnheld)
}

// testHoldUnknownCall: FreeSWITCH answers +OK to uuid_hold on a call that
// does not exist; the implementation must not trust that reply.
func testHoldUnknown(t *testing.T, h Harness) {
	err := h.Switch().Hold(ctxFor(t, verbTimeout), orchestrator.Key{Node: h.Node(), ID: orchestrator.NewCallID()})
	if !errors.Is(err, orchestrator.ErrNoSuchCall) {
		t.Errorf("Hold on an unknown call = %v, want ErrNoSuchCall", err)
	}
}

func testRecord(t *testing.T, h Harness) {
	c := arrive(t, h, CallerSpec{From: "5551010", To: "9100"})
	mustAnswer(t, h, c)
	path := "/tmp/switchtest-" + c.Key.ID + ".wav"
	if err := h.Switch().RecordStart(ctxFor(t, verbTimeout), c.Key, path); err != nil {
		t.Fatalf("RecordStart: %v", err)
	}
	if err := h.Switch().RecordStop(ctxFor(t, verbTimeout), c.Key, path); err != nil {
		t.Fatalf("RecordStop: %v", err)
	}
	if e := c.waitFor(t, orchestrator.EventRecordStarted); e.Path != path {
		t.Errorf("record started path %q, want %q", e.Path, path)
	}
	c.waitFor(t, orchestrator.EventRecordStopped)
}

// testTransfer: the destination (Harness.TransferDestination) answers,
// plays and hangs up, so the stream ends with exactly one EventEnded.
func testTransfer(t *testing.T, h Harness) {
	c := arrive(t, h, CallerSpec{From: "5551011", To: "9100"})
	mustAnswer(t, h, c)
	if err := h.Switch().BlindTransfer(ctxFor(t, verbTimeout), c.Key, h.TransferDestination()); err != nil {
		t.Fatalf("BlindTransfer: %v", err)
	}
	c.waitEnded(t)
}

func testEavesdrop(t *testing.T, h Harness) {
	ep := register(t, h, "1003", PhoneBehaviour{AnswerAfter: 50 * time.Millisecond})
	c := arrive(t, h, CallerSpec{From: "5551012", To: "9100"})
	mustAnswer(t, h, c)
	key, events, err := h.Switch().Originate(ctxFor(t, verbTimeout), orchestrator.OriginateSpec{
		ID: orchestrator.NewCallID(), Node: h.Node(), To: ep, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatalf("Originate supervisor: %v", err)
	}
	track(t, key, events)
	if err := h.Switch().Eavesdrop(ctxFor(t, verbTimeout), key, c.Key, orchestrator.Listen); err != nil {
		t.Fatalf("Eavesdrop: %v", err)
	}
}

// testEavesdropFromACaller: the listener is itself a call the controller
// took from the switch (a supervisor who dialled in), so the verb's
// confirmation comes over that call's own socket on FreeSWITCH.
func testEavesdropFromACaller(t *testing.T, h Harness) {
	target := arrive(t, h, CallerSpec{From: "5551030", To: "9100"})
	mustAnswer(t, h, target)
	listener := arrive(t, h, CallerSpec{From: "5551031", To: "9100"})
	mustAnswer(t, h, listener)
	if err := h.Switch().Eavesdrop(ctxFor(t, verbTimeout), listener.Key, target.Key, orchestrator.Listen); err != nil {
		t.Fatalf("Eavesdrop: %v", err)
	}
}

// testConferenceJoin: two callers join one room; the verb returns once the
// switch confirms each member (IVR-7).
func testConferenceJoin(t *testing.T, h Harness) {
	room := "sb-contract-" + orchestrator.NewCallID()[:8]
	for _, from := range []string{"5551022", "5551023"} {
		c := arrive(t, h, CallerSpec{From: from, To: "9100"})
		mustAnswer(t, h, c)
		if err := h.Switch().ConferenceJoin(ctxFor(t, verbTimeout), c.Key, room); err != nil {
			t.Fatalf("ConferenceJoin %s: %v", from, err)
		}
	}
}

func testVars(t *testing.T, h Harness) {
	c := arrive(t, h, CallerSpec{From: "5551013", To: "9100"})
	sw := h.Switch()
	if err := sw.SetVar(ctxFor(t, verbTimeout), c.Key, "sb_test", "42 and more"); err != nil {
		t.Fatalf("SetVar: %v", err)
	}
	v, err := sw.GetVar(ctxFor(t, verbTimeout), c.Key, "sb_test")
	if err != nil || v != "42 and more" {
		t.Errorf("GetVar = %q, %v; want %q", v, err, "42 and more")
	}
	_, err = sw.GetVar(ctxFor(t, verbTimeout), orchestrator.Key{Node: h.Node(), ID: orchestrator.NewCallID()}, "sb_test")
	if !errors.Is(err, orchestrator.ErrNoSuchCall) {
		t.Errorf("GetVar on an unknown call = %v, want ErrNoSuchCall", err)
	}
}

func testSendDTMF(t *testing.T, h Harness) {
	c := arrive(t, h, CallerSpec{From: "5551021", To: "9100"})
	mustAnswer(t, h, c)
	if err := h.Switch().SendDTMF(ctxFor(t, verbTimeout), c.Key, "12#"); err != nil {
		t.Errorf("SendDTMF: %v", err)
	}
}

func testHangupUnknown(t *testing.T, h Harness) {
	err := h.Switch().Hangup(ctxFor(t, verbTimeout), orchestrator.Key{Node: h.Node(), ID: orchestrator.NewCallID()}, orchestrator.CauseNormalClearing)
	if !errors.Is(err, orchestrator.ErrNoSuchCall) {
		t.Errorf("Hangup of an unknown call = %v, want ErrNoSuchCall", err)
	}
}

// testHangupController hangs up with a cause other than the default, so a
// switch (or simulator) that reports NORMAL_CLEARING whatever happened fails.
func testHangupController(t *testing.T, h Harness) {
	c := arrive(t, h, CallerSpec{From: "5551014", To: "9100"})
	mustAnswer(t, h, c)
	if err := h.Switch().Hangup(ctxFor(t, verbTimeout), c.Key, orchestrator.CauseCallRejected); err != nil {
		t.Fatalf("Hangup: %v", err)
	}
	c.waitEnded(t)
	if e, ok := c.seen(orchestrator.EventHangup); !ok || e.Cause != orchestrator.CauseCallRejected {
		t.Errorf("EventHangup = %+v (seen %v), want CALL_REJECTED", e, ok)
	}
}

func testHangupCaller(t *testing.T, h Harness) {
	c := arrive(t, h, CallerSpec{From: "5551015", To: "9100"})
	mustAnswer(t, h, c)
	if err := c.caller.Hangup(); err != nil {
		t.Fatalf("caller hangup: %v", err)
	}
	c.waitEnded(t)
	if _, ok := c.seen(orchestrator.EventHangup); !ok {
		t.Error("no EventHangup before EventEnded")
	}
	select {
	case <-c.ctx.Done():
	case <-time.After(arriveTimeout):
		t.Error("the call's context was not cancelled at hangup")
	}
}

func testEventsInOrder(t *testing.T, h Harness) {
	c := arrive(t, h, CallerSpec{From: "5551016", To: "9100"})
	mustAnswer(t, h, c)
	h.Switch().Play(ctxFor(t, verbTimeout), c.Key, orchestrator.Playback{Files: []string{h.Media(100 * time.Millisecond)}})
	h.Switch().Hangup(ctxFor(t, verbTimeout), c.Key, orchestrator.CauseNormalClearing)
	c.waitEnded(t)
	var last uint64
	for _, e := range c.events() {
		if e.Seq != 0 && e.Seq <= last {
			t.Errorf("event %v seq %d after %d: out of order", e.Kind, e.Seq, last)
		}
		if e.Seq != 0 {
			last = e.Seq
		}
	}
	assertOrder(t, c.events(), orchestrator.EventAnswered, orchestrator.EventPlayStarted,
		orchestrator.EventPlayStopped, orchestrator.EventHangup, orchestrator.EventEnded)
}

// testEachEventOnce: a call's stream has each event its verbs cause
// exactly once, in order, whatever connections the implementation hears
// them on (a FreeSWITCH socket call's events reach the controller over its
// socket and, unless filtered, over the node's connection too).
func testEachEventOnce(t *testing.T, h Harness) {
	c := arrive(t, h, CallerSpec{From: "5551024", To: "9100"})
	mustAnswer(t, h, c)
	sw := h.Switch()
	path := "/tmp/switchtest-" + c.Key.ID + ".wav"
	steps := []struct {
		name string
		run  func() error
	}{
		{"Hold", func() error { return sw.Hold(ctxFor(t, verbTimeout), c.Key) }},
		{"Unhold", func() error { return sw.Unhold(ctxFor(t, verbTimeout), c.Key) }},
		{"Play", func() error {
			return sw.Play(ctxFor(t, verbTimeout), c.Key, orchestrator.Playback{Files: []string{h.Media(100 * time.Millisecond)}})
		}},
		{"RecordStart", func() error { return sw.RecordStart(ctxFor(t, verbTimeout), c.Key, path) }},
		{"RecordStop", func() error { return sw.RecordStop(ctxFor(t, verbTimeout), c.Key, path) }},
		{"ConferenceJoin", func() error { return sw.ConferenceJoin(ctxFor(t, verbTimeout), c.Key, "sb-contract-"+c.Key.ID[:8]) }},
		{"Hangup", func() error { return sw.Hangup(ctxFor(t, verbTimeout), c.Key, orchestrator.CauseNormalClearing) }},
	}
	for _, s := range steps {
		if err := s.run(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
	}
	c.waitEnded(t)
	want := []orchestrator.EventKind{orchestrator.EventAnswered, orchestrator.EventHeld, orchestrator.EventUnheld,
		orchestrator.EventPlayStarted, orchestrator.EventPlayStopped, orchestrator.EventRecordStarted,
		orchestrator.EventRecordStopped, orchestrator.EventHangup, orchestrator.EventEnded}
	var got []orchestrator.EventKind
	for _, e := range c.events() {
		if slices.Contains(want, e.Kind) {
			got = append(got, e.Kind)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("events %v, want each of %v once, in that order", kinds(c.events()), want)
	}
}

// testRegistrationReported: a phone's registration reaches the watcher.
func testRegistrationReported(t *testing.T, h Harness) {
	register(t, h, "1011", PhoneBehaviour{AnswerAfter: 50 * time.Millisecond})
	deadline := time.After(arriveTimeout)
	for {
		select {
		case e, ok := <-h.Watcher().NodeEvents():
			if !ok {
				t.Fatal("node events closed before NodeRegistered")
			}
			if e.Kind == orchestrator.NodeRegistered && e.Node == h.Node() && e.User == "1011" {
				return
			}
		case <-deadline:
			t.Fatal("no NodeRegistered for 1011")
		}
	}
}

func testNodeDown(t *testing.T, h Harness) {
	arrive(t, h, CallerSpec{From: "5551017", To: "9100"})
	if err := h.DropNode(); errors.Is(err, ErrNotSupported) {
		t.Skipf("harness cannot drop the node: %v", err)
	} else if err != nil {
		t.Fatalf("DropNode: %v", err)
	}
	deadline := time.After(30 * time.Second)
	for {
		select {
		case e, ok := <-h.Watcher().NodeEvents():
			if !ok {
				t.Fatal("node events closed before NodeDown")
			}
			if e.Kind == orchestrator.NodeDown && e.Node == h.Node() {
				return
			}
		case <-deadline:
			t.Fatal("no NodeDown within 30 s of losing the node")
		}
	}
}
