package freeswitch

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/switchboard-cc/switchboard/orchestrator"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/esl"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/eslconn"
)

// Bridge dials to from the call with the bridge app. continue_on_fail=true
// and hangup_after_bridge=false are set first, so a failed attempt (even
// USER_NOT_REGISTERED, which otherwise hangs the caller up) keeps the caller.
// It returns at CHANNEL_BRIDGE (answered) or at the bridge app's completion
// (failed, with the originate failure cause).
func (a *Adapter) Bridge(ctx context.Context, key orchestrator.Key, to orchestrator.Endpoint, timeout time.Duration) (orchestrator.BridgeResult, error) {
	dial, err := dialString(to)
	if err != nil {
		return orchestrator.BridgeResult{}, err
	}
	if timeout > 0 {
		dial = "{originate_timeout=" + seconds(timeout) + "}" + dial
	}
	c, err := a.lookup(key)
	if err != nil {
		return orchestrator.BridgeResult{}, err
	}
	for _, set := range []string{"continue_on_fail=true", "hangup_after_bridge=false"} {
		if _, err := a.execute(ctx, c, "set", set); err != nil {
			return orchestrator.BridgeResult{}, err
		}
	}
	id := newID()
	done := isComplete(id)
	w, err := c.await(func(ev *esl.Event) bool { return ev.Name() == "CHANNEL_BRIDGE" || done(ev) }, false, 1)
	if err != nil {
		return orchestrator.BridgeResult{}, err
	}
	defer c.cancel(w)
	if err := a.sendApp(ctx, c, id, "bridge", dial); err != nil {
		return orchestrator.BridgeResult{}, err
	}
	ev, err := c.wait(ctx, w)
	if err != nil {
		return orchestrator.BridgeResult{}, err
	}
	if ev.Name() == "CHANNEL_BRIDGE" {
		return orchestrator.BridgeResult{Answered: true, Peer: peerKey(key, ev)}, nil
	}
	if c.hungUp() {
		return orchestrator.BridgeResult{}, errorf(orchestrator.ErrCallEnded, "bridge from %s", key)
	}
	return orchestrator.BridgeResult{Cause: bridgeFailure(ev)}, nil
}

// bridgeFailure reads why a bridge failed from the app's completion event.
func bridgeFailure(ev *esl.Event) orchestrator.HangupCause {
	for _, h := range []string{"variable_originate_failed_cause", "variable_last_bridge_hangup_cause", "variable_bridge_hangup_cause"} {
		if v := ev.Get(h); v != "" {
			return orchestrator.HangupCause(v)
		}
	}
	if v := ev.Get("variable_DIALSTATUS"); v != "" {
		return orchestrator.HangupCause(v)
	}
	return "UNKNOWN"
}

// BridgeCalls joins two calls of the same node (uuid_bridge), confirmed by
// CHANNEL_BRIDGE on a.
func (a *Adapter) BridgeCalls(ctx context.Context, ka, kb orchestrator.Key) error {
	if ka.Node != kb.Node {
		return errorf(orchestrator.ErrUnsupported, "bridging calls of different nodes (%s, %s)", ka, kb)
	}
	c, err := a.lookup(ka)
	if err != nil {
		return err
	}
	_, err = a.confirmAPI(ctx, c, "uuid_bridge "+ka.ID+" "+kb.ID, named("CHANNEL_BRIDGE"))
	return err
}

// Originate creates an outbound leg with the controller's ID as
// origination_uuid. The call is tracked (its events subscribed) before the
// leg is dialled; it returns when the leg answered.
//
// With JoinOnAnswer the call to join dials the leg itself with the bridge
// application when it can (join.go); otherwise (the call has no socket of
// its own, or another offer's bridge application already runs on it) the
// leg is originated over the node's connection with &intercept.
func (a *Adapter) Originate(ctx context.Context, spec orchestrator.OriginateSpec) (orchestrator.Key, <-chan orchestrator.Event, error) {
	key := orchestrator.Key{Node: spec.Node, ID: spec.ID}
	cmd, err := originateCommand(spec)
	if err != nil {
		return key, nil, err
	}
	var target *call
	if !spec.JoinOnAnswer.IsZero() {
		if target, err = a.lookup(spec.JoinOnAnswer); err != nil {
			return key, nil, errorf(orchestrator.ErrJoinFailed, "originate %s: %v", key, err)
		}
		if key, events, err := a.originateJoined(ctx, spec, target); !errors.Is(err, errNoBridgeJoin) {
			return key, events, err
		}
	}
	conn, err := a.nodeConn(spec.Node)
	if err != nil {
		return key, nil, err
	}
	if target != nil {
		// A channel joined by intercept is hung up when that bridge ends
		// (seen on FreeSWITCH 1.10.12: the joined leg hanging up, or
		// bridged to a consulted party, took the caller down): parked,
		// it stays under the controller, as after a uuid_bridge.
		if _, err := a.api(ctx, target, "uuid_setvar "+target.key.ID+" park_after_bridge true"); err != nil {
			return key, nil, errorf(orchestrator.ErrJoinFailed, "originate %s: keep %s after the join: %v", key, target.key, err)
		}
		target.joinStarted()
	}
	joined := false
	if target != nil {
		defer func() { target.joinEnded(joined) }()
	}
	c, err := a.track(key, nil)
	if err != nil {
		return key, nil, err
	}
	confirmed := named("CHANNEL_ANSWER")
	if target != nil {
		// intercept joins the legs at the answer; a leg it could not join
		// has nothing left to run and hangs up.
		confirmed = func(ev *esl.Event) bool {
			return ev.Name() == "CHANNEL_BRIDGE" || ev.Name() == "CHANNEL_HANGUP"
		}
	}
	w, _ := c.await(confirmed, false, 1)
	out, err := conn.BgAPI(ctx, cmd)
	if err != nil {
		var re *eslconn.ReplyError
		if !errors.As(err, &re) {
			a.cancelOriginate(key) // we stop waiting; the leg must not live on untracked
		}
		cause := originateCause(out)
		a.end(c, cause)
		if cause == orchestrator.CauseUserNotRegistered {
			return key, c.q.out, errorf(orchestrator.ErrNotRegistered, "originate %s", key)
		}
		return key, c.q.out, a.mapErr(nil, err)
	}
	wctx, cancel := a.bound(ctx)
	defer cancel()
	ev, err := c.wait(wctx, w)
	if err != nil {
		// answered by the job's word, unconfirmed by events: not left up
		// behind the controller's back (an agent's phone in a call the
		// controller does not know, or a caller joined after all)
		a.cancelOriginate(key)
		return key, c.q.out, errorf(ErrNotConfirmed, "originate %s: %v", key, err)
	}
	if ev.Name() == "CHANNEL_HANGUP" {
		return key, c.q.out, errorf(orchestrator.ErrJoinFailed, "originate %s: not joined with %s (%s)", key, spec.JoinOnAnswer, ev.Get("Hangup-Cause"))
	}
	joined = target != nil
	return key, c.q.out, nil
}

// cancelOriginate kills a leg whose originate the controller gave up on
// (ctx done, connection lost): with origination_uuid the ID is known even
// though the job's result never came. Best effort, on its own short context.
func (a *Adapter) cancelOriginate(key orchestrator.Key) {
	conn, err := a.nodeConn(key.Node)
	if err != nil {
		return
	}
	ctx, cancel := a.stopContext(5 * time.Second)
	defer cancel()
	if _, err := conn.API(ctx, "uuid_kill "+key.ID+" "+string(orchestrator.CauseOriginatorCancel)); err != nil {
		a.log.Debug("freeswitch: cancel originate", "call", key.String(), "err", err)
	}
}

func originateCommand(spec orchestrator.OriginateSpec) (string, error) {
	vars, dial, err := legVars(spec)
	if err != nil {
		return "", err
	}
	app := "&park()"
	if j := spec.JoinOnAnswer; !j.IsZero() {
		if err := checkArg("call to join", j.ID, " \t{}(),'"); err != nil {
			return "", err
		}
		// intercept (switch_ivr_intercept_session) bridges the answered leg
		// with the call in the switch; unbridged_only refuses a call
		// already joined with another leg, so of two phones answering one
		// caller the second is hung up.
		vars["intercept_unbridged_only"] = "true"
		app = "&intercept(" + j.ID + ")"
	}
	block, err := channelVarBlock(vars)
	if err != nil {
		return "", err
	}
	return "originate " + block + dial + " " + app, nil
}

// legVars are the channel variables of a leg originated for spec, and its
// dial string: the controller's ID as origination_uuid, the hold music, the
// caller ID, the ring timeout and spec.Vars.
func legVars(spec orchestrator.OriginateSpec) (map[string]string, string, error) {
	if err := checkArg("originate ID", spec.ID, " \t{},"); err != nil {
		return nil, "", err
	}
	if j := spec.JoinOnAnswer; !j.IsZero() && j.Node != spec.Node {
		return nil, "", errorf(orchestrator.ErrUnsupported, "joining a leg of %s with a call of %s", spec.Node, j.Node)
	}
	dial, err := dialString(spec.To)
	if err != nil {
		return nil, "", err
	}
	vars := map[string]string{"origination_uuid": spec.ID}
	// FreeSWITCH plays a held leg's hold_music to its partner (switch_ivr_hold).
	if music, ok := holdMusicVar(spec.HoldMusic); ok {
		vars["hold_music"] = music
	}
	for k, v := range spec.Vars {
		vars[k] = v
	}
	if name := displayName(spec.CallerID.Name); name != "" {
		vars["origination_caller_id_name"] = name
	}
	if spec.CallerID.Number != "" {
		vars["origination_caller_id_number"] = spec.CallerID.Number
	}
	if spec.Timeout > 0 {
		vars["originate_timeout"] = seconds(spec.Timeout)
	}
	return vars, dial, nil
}

// displayName makes a caller-ID name (it carries user-typed names, in any
// script) safe in a dial string's variable block: characters that would end
// the block, start a ${variable} expansion or a quoted run are dropped, so
// a name like "{Bob}" shows as "Bob" instead of failing the call.
func displayName(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '{', '}', '[', ']', '$', '\'', '"', '\r', '\n':
			return -1
		}
		return r
	}, s)
}

// originateCause reads "-ERR USER_NOT_REGISTERED" style outputs.
func originateCause(out string) orchestrator.HangupCause {
	rest, ok := strings.CutPrefix(strings.TrimSpace(out), "-ERR ")
	if !ok {
		return ""
	}
	return orchestrator.HangupCause(strings.Fields(rest + " x")[0])
}

// BlindTransfer sends the call to destination in the dialplan ("9199" or
// "9199 XML default") with uuid_transfer, confirmed when the channel enters
// CS_ROUTING again.
func (a *Adapter) BlindTransfer(ctx context.Context, key orchestrator.Key, destination string) error {
	if err := checkArg("destination", destination, ""); err != nil {
		return err
	}
	c, err := a.lookup(key)
	if err != nil {
		return err
	}
	if err := a.socketEvent(ctx, c, "CHANNEL_STATE"); err != nil {
		return err
	}
	_, err = a.confirmAPI(ctx, c, "uuid_transfer "+key.ID+" "+destination, func(ev *esl.Event) bool {
		return ev.Name() == "CHANNEL_STATE" && ev.Get("Channel-State") == "CS_ROUTING"
	})
	return err
}

// Hold puts the call on hold, confirmed by CHANNEL_HOLD (uuid_hold answers
// +OK even for unknown calls).
func (a *Adapter) Hold(ctx context.Context, key orchestrator.Key) error {
	return a.hold(ctx, key, "uuid_hold "+key.ID, "CHANNEL_HOLD")
}

// Unhold takes the call off hold, confirmed by CHANNEL_UNHOLD.
func (a *Adapter) Unhold(ctx context.Context, key orchestrator.Key) error {
	return a.hold(ctx, key, "uuid_hold off "+key.ID, "CHANNEL_UNHOLD")
}

func (a *Adapter) hold(ctx context.Context, key orchestrator.Key, cmd, event string) error {
	c, err := a.lookup(key)
	if err != nil {
		return err
	}
	_, err = a.confirmAPI(ctx, c, cmd, named(event))
	return err
}

// Mute stops the caller's audio reaching the far end (uuid_audio read mute).
// FreeSWITCH emits no event for it, so the reply is all there is to confirm.
func (a *Adapter) Mute(ctx context.Context, key orchestrator.Key) error {
	return a.simpleAPI(ctx, key, "uuid_audio "+key.ID+" start read mute -4")
}

// Unmute undoes Mute.
func (a *Adapter) Unmute(ctx context.Context, key orchestrator.Key) error {
	return a.simpleAPI(ctx, key, "uuid_audio "+key.ID+" stop")
}

func (a *Adapter) simpleAPI(ctx context.Context, key orchestrator.Key, cmd string) error {
	c, err := a.lookup(key)
	if err != nil {
		return err
	}
	ctx, cancel := a.bound(ctx)
	defer cancel()
	_, err = a.api(ctx, c, cmd)
	return err
}

// Hangup hangs the call up with cause (uuid_kill), confirmed by
// CHANNEL_HANGUP or the end of the call. A call that has already hung up is
// not an error. A call the adapter does not track is killed on its node on
// the strength of the reply.
func (a *Adapter) Hangup(ctx context.Context, key orchestrator.Key, cause orchestrator.HangupCause) error {
	if cause == "" {
		cause = orchestrator.CauseNormalClearing
	}
	if err := checkArg("hangup cause", string(cause), " "); err != nil {
		return err
	}
	cmd := "uuid_kill " + key.ID + " " + string(cause)
	c, err := a.lookup(key)
	if err != nil {
		conn, cerr := a.nodeConn(key.Node)
		if cerr != nil {
			return cerr
		}
		ctx, cancel := a.bound(ctx)
		defer cancel()
		_, err := conn.API(ctx, cmd)
		return a.mapErr(nil, err)
	}
	if c.hungUp() {
		return nil
	}
	_, err = a.confirmAPI(ctx, c, cmd, named("CHANNEL_HANGUP"))
	if err != nil && c.hungUp() {
		return nil
	}
	return err
}
