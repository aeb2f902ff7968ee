package freeswitch

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/switchboard-cc/switchboard/orchestrator"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/esl"
)

// Joining an offered leg with a caller at the answer (OriginateSpec.
// JoinOnAnswer) the way FreeSWITCH's own dialplan does it: the caller's
// channel runs the bridge application to the leg. The leg is dialled by the
// caller's own thread, which joins the media the moment the leg answers, so
// what the caller waits after the agent's 200 OK is the switch's own time
// (docs/freeswitch-contract.md, Latency). The other way, an originate over
// the node's connection with &intercept(caller), joins through
// switch_ivr_uuid_bridge, which lets the caller's playback notice the break
// only at its next frame and polls for the transfer in 20 ms steps: about
// 40 ms more on a real switch.
//
// On the caller's socket, in order (sendmsg execute, one queue):
//
//  1. `multiset`: continue_on_fail=true (a failed attempt, even
//     USER_NOT_REGISTERED, must not hang the caller up: capture 08c),
//     hangup_after_bridge=false, park_after_bridge=true (the caller outlives
//     the join parked under the controller: capture 14), and
//     transfer_ringback: what an answered caller hears while the bridge
//     application rings (switch_ivr_originate: transfer_ringback for an
//     answered caller, ringback otherwise), the music the call's looping
//     Play was playing, made endless (endlessRingback).
//  2. `bridge {origination_uuid=<leg ID>,instant_ringback=true,
//     ignore_early_media=true,originate_timeout=...,<spec vars>}<endpoint>`:
//     the leg is tracked under the controller's ID before it exists; the
//     music plays at once rather than after the phone's 180, and stays
//     until the answer.
//
// The call's playback (its hold music) is not broken first: FreeSWITCH runs
// what is queued on a channel inside its playback, at the next frame, so the
// leg rings at once and the playback is frozen under the bridge
// application (startBridge). After a failed offer the playback goes on
// where it was; at a join, the Plays under way return ("what the call was
// playing stops") and the switch ends their playback when the join ends
// and the call parks (capture 14).
//
// The join is confirmed by the caller's CHANNEL_BRIDGE naming the leg (the
// leg itself gets no CHANNEL_BRIDGE of its own: capture 07), which Originate
// passes on to the leg's stream as its EventBridged. A failed attempt ends
// with the bridge application's completion and its result variables
// (originate_failed_cause...). An offer the controller gives up on (ctx
// cancelled: no answer in time, another agent won) kills the leg, again if
// the leg shows up only afterwards (the bridge application may still have
// been queued behind what the call was doing, its answer), until the bridge
// application has returned; the music it ran inside then goes on.
//
// While the bridge application rings, the channel's thread is inside it and
// would run any other application sent to the call in the middle of the
// ringing (switch_ivr_originate parses the channel's events), holding up
// the join until it ended. So a Play waits until the offer is settled
// (executePlay): the caller hears the music as the ringback meanwhile; a
// Play waiting when the call is joined returns. Once joined, a Play runs
// inside the bridge as after any other join.
//
// Only one such offer runs on a call at a time, and only on a call with its
// own socket. Any other offer (a second phone ringing for the same caller,
// ring-all) goes the intercept way, whose intercept_unbridged_only refuses a
// caller already joined: of two phones answering, the second is not joined
// (ErrJoinFailed).

// callerJoin is a call's own bridge application in flight. Its fields but
// sendMu are guarded by call.mu.
type callerJoin struct {
	// sendMu orders the sendmsg of a Play against an offer's bridge: a
	// media application queued behind the bridge application would play
	// after the join.
	sendMu sync.Mutex
	offer  *bridgeOffer
	// music is what the call's looping Play plays (a playback argument),
	// or "": the ringback of the next offer.
	music string
	// frozen are the Plays under way when the offer's bridge application
	// was sent: it runs inside them, so they cannot complete while it
	// rings and StopPlay does not wait for them. They go back to plays if
	// the offer fails; at a join they are forgotten.
	frozen []string
	// joinedAway is closed, and replaced, when the call is joined by its
	// bridge application: the Plays then waiting return.
	joinedAway chan struct{}
}

// bridgeOffer is one run of the bridge application on the call.
type bridgeOffer struct {
	leg       string        // the offered leg's ID (origination_uuid)
	app       string        // the bridge application's Application-UUID
	joined    bool          // the call's CHANNEL_BRIDGE with the leg was seen
	withdrawn bool          // the controller gave up on it; its leg is being killed
	done      chan struct{} // closed when the application completed or the call ended
	settled   chan struct{} // closed at the join or at done, whichever comes first
}

// settleLocked closes o.settled once.
func (o *bridgeOffer) settleLocked() {
	select {
	case <-o.settled:
	default:
		close(o.settled)
	}
}

// claimJoin makes o the call's offer, unless the call cannot run a bridge
// application for it now. An offer being withdrawn is over within moments
// (its leg is killed, its application returns): the next agent's offer
// (the ACD moving on after a ring-no-answer) waits for it rather than take
// the slower way.
func (a *Adapter) claimJoin(ctx context.Context, c *call, o *bridgeOffer) bool {
	wait := a.clock.After(withdrawWait)
	for {
		c.mu.Lock()
		cur := c.join.offer
		if c.socket == nil || c.ended || (cur != nil && !cur.withdrawn) {
			c.mu.Unlock()
			return false
		}
		if cur == nil {
			c.join.offer = o
			c.mu.Unlock()
			return true
		}
		c.mu.Unlock()
		select {
		case <-cur.done:
		case <-ctx.Done():
			return false
		case <-wait:
			return false
		}
	}
}

// withdrawWait bounds how long a new offer waits for a withdrawn one.
const withdrawWait = time.Second

// joinDoneLocked ends the offer whose bridge application completed (app),
// or any offer when app is "" (the call ended).
func (c *call) joinDoneLocked(app string) {
	o := c.join.offer
	if o == nil || (app != "" && app != o.app) {
		return
	}
	c.join.offer = nil
	if !o.joined { // the Plays it ran inside go on
		c.plays = append(c.plays, c.join.frozen...)
	}
	c.join.frozen = nil
	o.settleLocked()
	close(o.done)
}

// joinedLocked records that o joined the call with its leg: the Plays
// under way at the offer, which the bridge application runs inside, are
// over for the controller (the switch ends them when the join ends and the
// call parks), and Plays waiting for them return.
func (c *call) joinedLocked(o *bridgeOffer) {
	o.joined = true
	o.settleLocked()
	c.join.frozen = nil
	if c.join.joinedAway != nil {
		close(c.join.joinedAway)
	}
	c.join.joinedAway = make(chan struct{})
}

// errNoBridgeJoin: the call to join cannot run a bridge application for
// the offer now; nothing was done, the intercept way is taken instead.
var errNoBridgeJoin = errors.New("freeswitch: no bridge join")

// originateJoined is Originate with JoinOnAnswer through the bridge
// application of target (see the top of this file), or errNoBridgeJoin.
func (a *Adapter) originateJoined(ctx context.Context, spec orchestrator.OriginateSpec, target *call) (orchestrator.Key, <-chan orchestrator.Event, error) {
	key := orchestrator.Key{Node: spec.Node, ID: spec.ID}
	arg, err := bridgeArg(spec)
	if err != nil {
		return key, nil, err
	}
	o := &bridgeOffer{leg: spec.ID, app: newID(), done: make(chan struct{}), settled: make(chan struct{})}
	if !a.claimJoin(ctx, target, o) {
		return key, nil, errNoBridgeJoin
	}
	c, err := a.track(key, nil)
	if err != nil {
		a.releaseJoin(target, o)
		return key, nil, err
	}
	outcome, err := target.await(func(ev *esl.Event) bool {
		return isComplete(o.app)(ev) || (ev.Name() == "CHANNEL_BRIDGE" && ev.Get("Bridge-B-Unique-ID") == o.leg)
	}, false, 1)
	if err != nil {
		a.releaseJoin(target, o)
		a.end(c, orchestrator.CauseOriginatorCancel)
		return key, c.q.out, errorf(orchestrator.ErrJoinFailed, "originate %s: %v", key, err)
	}
	defer target.cancel(outcome)
	answered, err := c.await(named("CHANNEL_ANSWER"), false, 1)
	if err == nil {
		defer c.cancel(answered)
	}
	target.joinStarted()
	joined := false
	defer func() { target.joinEnded(joined) }()
	if err := a.startBridge(target, o, arg); err != nil {
		a.releaseJoin(target, o)
		a.cancelOriginate(key) // in case the bridge application got through
		a.end(c, orchestrator.CauseOriginatorCancel)
		if target.hungUp() {
			err = errorf(orchestrator.ErrJoinFailed, "originate %s: %v", key, err)
		}
		return key, c.q.out, err
	}
	ev, err := target.wait(ctx, outcome)
	switch {
	case err != nil && ctx.Err() != nil:
		target.mu.Lock()
		o.withdrawn = true
		target.mu.Unlock()
		a.withdraw(c, o)
		a.end(c, orchestrator.CauseOriginatorCancel)
		return key, c.q.out, err
	case err != nil: // the caller ended: the switch cancels the leg itself
		a.cancelOriginate(key)
		a.end(c, orchestrator.CauseOriginatorCancel)
		return key, c.q.out, errorf(orchestrator.ErrJoinFailed, "originate %s: not joined with %s: %v", key, target.key, err)
	case ev.Name() != "CHANNEL_BRIDGE":
		return key, c.q.out, a.bridgeFailed(c, target, ev)
	}
	target.mu.Lock()
	target.joinedLocked(o)
	target.mu.Unlock()
	joined = true
	a.legJoined(ctx, c, answered, ev)
	return key, c.q.out, nil
}

// startBridge sends the caller's variables and the bridge application.
// A Play under way is not broken: FreeSWITCH runs the bridge application
// inside it at its next frame (the playback parses the channel's queue each
// frame), which rings the leg at once, where breaking the playback first
// would cost two frames (the playback noticing the break, then the socket's
// park loop reading a frame before the next application: 40 ms, capture
// 14's first version and README). The Play is frozen meanwhile: it resumes
// after a failed offer (the caller's music goes on) and ends when a join
// ends (the call parks). The sends are not given up with ctx: a bridge
// application that may have reached the switch is waited for (and its leg
// killed when ctx is done) by the caller.
func (a *Adapter) startBridge(target *call, o *bridgeOffer, arg string) error {
	ctx, cancel := a.stopContext(a.opts.CommandTimeout)
	defer cancel()
	target.join.sendMu.Lock()
	defer target.join.sendMu.Unlock()
	target.mu.Lock()
	music := target.join.music
	target.join.frozen, target.plays = target.plays, nil
	target.mu.Unlock()
	vars := "^^|continue_on_fail=true|hangup_after_bridge=false|park_after_bridge=true"
	if music != "" && !strings.Contains(music, "|") {
		vars += "|transfer_ringback=" + endlessRingback(music)
	}
	if err := a.sendApp(ctx, target, newID(), "multiset", vars); err != nil {
		return err
	}
	return a.sendApp(ctx, target, o.app, "bridge", arg)
}

// endlessRingback is music as a ringback that lasts until the answer.
// switch_ivr_originate rewinds a ringback that runs out, but a tone_stream
// cannot rewind, and a ringback it cannot read again ends the attempt
// (NO_ANSWER as soon as a 200 ms tone was played once, on FreeSWITCH
// 1.10.12): a tone loops for ever (loops=-1), silence lasts for ever (-1).
func endlessRingback(music string) string {
	switch {
	case strings.HasPrefix(music, "tone_stream://"):
		if i := strings.Index(strings.ToLower(music), ";loops="); i >= 0 {
			music = music[:i]
		}
		return music + ";loops=-1"
	case strings.HasPrefix(music, "silence_stream://"):
		return "silence_stream://-1"
	}
	return music
}

// releaseJoin forgets o when its bridge application was never started.
func (a *Adapter) releaseJoin(target *call, o *bridgeOffer) {
	target.mu.Lock()
	target.joinDoneLocked(o.app)
	target.mu.Unlock()
}

// legJoined hands the caller's CHANNEL_BRIDGE to the leg's stream as its
// EventBridged, after the leg's own answer (which comes over the node's
// connection, on its own cadence), so the leg's stream reads answered, then
// bridged.
func (a *Adapter) legJoined(ctx context.Context, c *call, answered *waiter, bridge *esl.Event) {
	if answered != nil {
		wctx, cancel := a.bound(ctx)
		_, err := c.wait(wctx, answered)
		cancel()
		if err != nil {
			a.log.Debug("freeswitch: joined leg's answer not seen", "call", c.key.String(), "err", err)
		}
	}
	typed, ok := translate(c.key, bridge, a.clock.Now())
	if !ok {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.ended {
		c.q.push(typed)
	}
}

// bridgeFailed ends the leg of a bridge application that completed without
// joining, with the failure cause it reports.
func (a *Adapter) bridgeFailed(c, target *call, complete *esl.Event) error {
	cause := bridgeFailure(complete)
	a.cancelOriginate(c.key) // an answered leg that could not be joined
	a.end(c, cause)
	switch {
	case target.hungUp():
		return errorf(orchestrator.ErrJoinFailed, "originate %s: %s ended", c.key, target.key)
	case cause == orchestrator.CauseUserNotRegistered:
		return errorf(orchestrator.ErrNotRegistered, "originate %s", c.key)
	case cause == orchestrator.CauseOriginatorCancel || cause == "PICKED_OFF":
		// the controller did not cancel it (ctx is live) and the caller is
		// up: the caller was taken elsewhere (another offer's leg joined
		// it by intercept), so this offer lost the race, not refused
		cause = orchestrator.CauseLoseRace
	}
	return &LegFailed{Key: c.key, Cause: cause}
}

// withdraw kills the leg of an offer the controller gave up on. The bridge
// application may not have created the leg yet (it can still be queued
// behind the call's playback): the leg is killed again if it shows up,
// until the application has returned.
func (a *Adapter) withdraw(c *call, o *bridgeOffer) {
	alive, err := c.await(func(ev *esl.Event) bool { return ev.Name() != "CHANNEL_HANGUP" }, false, 1)
	a.cancelOriginate(c.key)
	if err != nil {
		alive = &waiter{} // the leg is over; only the application's end is awaited
	} else {
		defer c.cancel(alive)
	}
	ctx, cancel := a.stopContext(a.opts.CommandTimeout)
	defer cancel()
	select {
	case <-o.done:
		return
	case <-alive.ch:
		a.cancelOriginate(c.key)
	case <-ctx.Done():
		a.log.Warn("freeswitch: a withdrawn offer's bridge application did not return", "call", c.key.String())
		return
	}
	select {
	case <-o.done:
	case <-ctx.Done():
		a.log.Warn("freeswitch: a withdrawn offer's bridge application did not return", "call", c.key.String())
	}
}

// LegFailed is an originated leg that was not answered, with the switch's
// cause (NO_ANSWER, USER_BUSY, CALL_REJECTED...).
type LegFailed struct {
	Key   orchestrator.Key
	Cause orchestrator.HangupCause
}

func (e *LegFailed) Error() string {
	return "freeswitch: originate " + e.Key.String() + ": " + string(e.Cause)
}

// HangupCause is the switch's cause, for the leg's record.
func (e *LegFailed) HangupCause() orchestrator.HangupCause { return e.Cause }

// bridgeArg is the bridge application's argument for spec: the leg's
// variables (originate's, see legVars) plus the ringback ones, then the
// endpoint.
func bridgeArg(spec orchestrator.OriginateSpec) (string, error) {
	vars, dial, err := legVars(spec)
	if err != nil {
		return "", err
	}
	vars["instant_ringback"] = "true"
	vars["ignore_early_media"] = "true"
	block, err := channelVarBlock(vars)
	if err != nil {
		return "", err
	}
	return block + dial, nil
}
