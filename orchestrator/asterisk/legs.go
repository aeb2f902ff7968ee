package asterisk

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/CyCoreSystems/ari/v6"

	"github.com/switchboard-cc/switchboard/orchestrator"
)

// answered matches what ends the wait for a new leg: it entered Stasis
// answered, or it was destroyed (no answer, busy: captures 05, with no
// StasisStart and no final Dial event).
func answered(ev ari.Event) bool {
	switch e := ev.(type) {
	case *ari.StasisStart:
		return true
	case *ari.ChannelDestroyed:
		return true
	case *ari.ChannelStateChange:
		return e.Channel.State == "Up"
	}
	return false
}

// dial creates leg id to ep (POST /channels with the controller's
// channelId, into our app) and waits until it answered or failed. The leg
// is tracked (and its events subscribed) before the request.
func (a *Adapter) dial(ctx context.Context, id string, ep orchestrator.Endpoint, kind callKind,
	timeout time.Duration, callerID string, vars map[string]string) (*callState, error) {
	target, err := a.dialString(ep)
	if err != nil {
		return nil, err
	}
	leg := newCall(a.key(id), kind)
	a.mu.Lock()
	if a.calls[id] != nil {
		a.mu.Unlock()
		return nil, fmt.Errorf("asterisk: call ID %s in use", id)
	}
	a.trackLocked(leg)
	w := leg.waitLocked(answered)
	a.mu.Unlock()
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	secs := int((timeout + time.Second - 1) / time.Second)
	q := url.Values{"endpoint": {target}, "app": {a.opts.App}, "appArgs": {"sb-leg"}, "channelId": {id},
		"timeout": {strconv.Itoa(secs)}}
	if callerID != "" {
		q.Set("callerId", callerID)
	}
	var body any
	if len(vars) > 0 {
		body = map[string]any{"variables": vars}
	}
	if err := a.call(ctx, "POST", "/channels", q, body, nil); err != nil {
		a.mu.Lock()
		a.endLocked(leg)
		a.mu.Unlock()
		if allocationFailed(err) && ep.Kind == orchestrator.EndpointUser {
			return leg, fmt.Errorf("%w: %s (%v)", orchestrator.ErrNotRegistered, target, err)
		}
		return leg, err
	}
	ev, err := await(ctx, leg, w)
	if err == nil {
		if d, ok := ev.(*ari.ChannelDestroyed); ok {
			return leg, &CauseError{Cause: q850(d.Cause)}
		}
		// Up: wait for StasisStart too, so the leg can be bridged.
		return leg, a.waitStasis(ctx, leg, ev)
	}
	if errors.Is(err, orchestrator.ErrCallEnded) {
		a.mu.Lock()
		d := leg.destroy
		a.mu.Unlock()
		return leg, &CauseError{Cause: q850(d)}
	}
	// Given up (ctx): the leg goes, with ORIGINATOR_CANCEL.
	a.abandon(leg)
	return leg, err
}

// waitStasis waits for the leg's StasisStart after its answer.
func (a *Adapter) waitStasis(ctx context.Context, leg *callState, first ari.Event) error {
	if _, ok := first.(*ari.StasisStart); ok {
		return nil
	}
	w := a.watch(leg, func(ev ari.Event) bool { _, ok := ev.(*ari.StasisStart); return ok })
	a.mu.Lock()
	in := leg.inStasis
	a.mu.Unlock()
	if in {
		return nil
	}
	_, err := await(ctx, leg, w)
	return err
}

// abandon hangs up a leg the controller gave up on.
func (a *Adapter) abandon(leg *callState) {
	a.mu.Lock()
	if leg.cause == "" {
		leg.cause = orchestrator.CauseOriginatorCancel
	}
	a.mu.Unlock()
	ctx, cancel := context.WithTimeout(a.ctx, 10*time.Second)
	defer cancel()
	a.chanCall(ctx, "DELETE", leg.key.ID, "", url.Values{"reason_code": {"16"}})
}

// Originate creates a leg with the controller's ID and returns when it
// answered (and, with JoinOnAnswer, was joined) or failed. On Asterisk the
// join is made by the adapter on the leg's answer (StasisStart): a mixing
// bridge with the controller's ID, the call's playback stopped first; one
// round trip more than FreeSWITCH's bridge at answer.
func (a *Adapter) Originate(ctx context.Context, spec orchestrator.OriginateSpec) (orchestrator.Key, <-chan orchestrator.Event, error) {
	if spec.ID == "" {
		return orchestrator.Key{}, nil, errors.New("asterisk: OriginateSpec.ID is required")
	}
	if spec.Node != "" && spec.Node != a.opts.Node {
		return orchestrator.Key{}, nil, fmt.Errorf("%w: node %s", orchestrator.ErrNoSuchCall, spec.Node)
	}
	var join *callState
	if !spec.JoinOnAnswer.IsZero() {
		c, err := a.lookup(spec.JoinOnAnswer)
		if err != nil {
			return orchestrator.Key{}, nil, err
		}
		join = c
	}
	cid := ""
	if spec.CallerID.Name != "" || spec.CallerID.Number != "" {
		cid = fmt.Sprintf("%q <%s>", spec.CallerID.Name, spec.CallerID.Number)
	}
	leg, err := a.dial(ctx, spec.ID, spec.To, kindOriginated, spec.Timeout, cid, spec.Vars)
	key := a.key(spec.ID)
	var events <-chan orchestrator.Event
	if leg != nil {
		events = leg.out.out
	}
	if err != nil {
		return key, events, err
	}
	if join == nil {
		return key, events, nil
	}
	if err := a.join(ctx, join, leg); err != nil {
		return key, events, err
	}
	return key, events, nil
}

// join bridges leg with call unless call ended or is joined with another
// leg already (then the leg is hung up: ErrJoinFailed).
func (a *Adapter) join(ctx context.Context, call, leg *callState) error {
	a.mu.Lock()
	taken := call.ended || call.joined != ""
	if !taken {
		call.joined = leg.key.ID
		leg.joined = call.key.ID
	}
	a.mu.Unlock()
	if taken {
		a.mu.Lock()
		leg.cause = orchestrator.CauseLoseRace
		a.mu.Unlock()
		a.chanCall(ctx, "DELETE", leg.key.ID, "", url.Values{"reason_code": {"26"}})
		return fmt.Errorf("%w: %s", orchestrator.ErrJoinFailed, call.key)
	}
	a.StopPlay(ctx, call.key)
	if err := a.pair(ctx, call, leg); err != nil {
		a.mu.Lock()
		if call.joined == leg.key.ID {
			call.joined = ""
		}
		a.mu.Unlock()
		if errors.Is(err, orchestrator.ErrCallEnded) || errors.Is(err, orchestrator.ErrNoSuchCall) {
			a.abandon(leg)
			return fmt.Errorf("%w: %v", orchestrator.ErrJoinFailed, err)
		}
		return err
	}
	return nil
}

// pair puts x and y in a new mixing bridge with a controller-chosen ID
// (moving them out of any other) and returns when both are in it.
func (a *Adapter) pair(ctx context.Context, x, y *callState) error {
	id := pairPrefix + orchestrator.NewCallID()
	wx := a.watch(x, enteredBridge(id))
	wy := a.watch(y, enteredBridge(id))
	q := url.Values{"type": {"mixing"}, "name": {id}}
	if err := a.call(ctx, "POST", "/bridges/"+url.PathEscape(id), q, nil, nil); err != nil {
		return err
	}
	q = url.Values{"channel": {x.key.ID + "," + y.key.ID}}
	if err := a.call(ctx, "POST", "/bridges/"+url.PathEscape(id)+"/addChannel", q, nil, nil); err != nil {
		a.destroyBridge(id)
		return noSuchCall(err, x.key.ID+","+y.key.ID)
	}
	if _, err := await(ctx, x, wx); err != nil {
		a.destroyBridge(id)
		return err
	}
	if _, err := await(ctx, y, wy); err != nil {
		a.destroyBridge(id)
		return err
	}
	return nil
}

func (a *Adapter) destroyBridge(id string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.destroyBridgeLocked(id)
}

func enteredBridge(id string) func(ari.Event) bool {
	return func(ev ari.Event) bool {
		e, ok := ev.(*ari.ChannelEnteredBridge)
		return ok && e.Bridge.ID == id
	}
}

// Bridge dials to from call and bridges them on the answer. A failed leg
// leaves the caller up (BridgeResult.Cause). The leg's events are the
// adapter's own (the port gives Bridge no stream); the call's stream
// shows EventBridged/EventUnbridged with the leg as Peer.
func (a *Adapter) Bridge(ctx context.Context, k orchestrator.Key, to orchestrator.Endpoint, timeout time.Duration) (orchestrator.BridgeResult, error) {
	call, err := a.lookup(k)
	if err != nil {
		return orchestrator.BridgeResult{}, err
	}
	leg, err := a.dial(ctx, orchestrator.NewCallID(), to, kindInternal, timeout, "", nil)
	var ce *CauseError
	switch {
	case errors.As(err, &ce):
		return orchestrator.BridgeResult{Cause: ce.Cause}, nil
	case errors.Is(err, orchestrator.ErrNotRegistered):
		return orchestrator.BridgeResult{Cause: orchestrator.CauseUserNotRegistered}, err
	case err != nil:
		return orchestrator.BridgeResult{}, err
	}
	if err := a.pair(ctx, call, leg); err != nil {
		a.abandon(leg)
		return orchestrator.BridgeResult{}, err
	}
	return orchestrator.BridgeResult{Answered: true, Peer: leg.key}, nil
}

// BridgeCalls joins two calls in a new bridge (each leaves the bridge it
// was in; a pair bridge left with one leg is destroyed).
func (a *Adapter) BridgeCalls(ctx context.Context, x, y orchestrator.Key) error {
	cx, err := a.lookup(x)
	if err != nil {
		return err
	}
	cy, err := a.lookup(y)
	if err != nil {
		return err
	}
	return a.pair(ctx, cx, cy)
}

// Eavesdrop lets supervisor hear target through a snoop channel (spy both;
// Whisper adds whisper out, heard by the target only; Barge whisper both)
// bridged with the supervisor.
func (a *Adapter) Eavesdrop(ctx context.Context, supervisor, target orchestrator.Key, mode orchestrator.EavesdropMode) error {
	sup, err := a.lookup(supervisor)
	if err != nil {
		return err
	}
	if err := a.checkNode(target); err != nil {
		return err
	}
	whisper := map[orchestrator.EavesdropMode]string{orchestrator.Listen: "none", orchestrator.Whisper: "out", orchestrator.Barge: "both"}[mode]
	if whisper == "" {
		return fmt.Errorf("asterisk: eavesdrop mode %d", mode)
	}
	id := snoopPrefix + orchestrator.NewCallID()
	snoop := newCall(a.key(id), kindInternal)
	a.mu.Lock()
	a.trackLocked(snoop)
	w := snoop.waitLocked(func(ev ari.Event) bool { _, ok := ev.(*ari.StasisStart); return ok })
	a.mu.Unlock()
	q := url.Values{"spy": {"both"}, "whisper": {whisper}, "app": {a.opts.App}, "appArgs": {"sb-snoop"}}
	if err := a.chanCall(ctx, "POST", target.ID, "/snoop/"+url.PathEscape(id), q); err != nil {
		a.mu.Lock()
		a.endLocked(snoop)
		a.mu.Unlock()
		return err
	}
	if _, err := await(ctx, snoop, w); err != nil {
		return err
	}
	return a.pair(ctx, sup, snoop)
}

// ConferenceJoin puts the call in the room's mixing bridge (created on
// first use, ID sb-room-<room>) and returns when it entered.
func (a *Adapter) ConferenceJoin(ctx context.Context, k orchestrator.Key, room string) error {
	c, err := a.lookup(k)
	if err != nil {
		return err
	}
	id := roomPrefix + room
	w := a.watch(c, enteredBridge(id))
	if err := a.call(ctx, "POST", "/bridges/"+url.PathEscape(id), url.Values{"type": {"mixing"}, "name": {room}}, nil, nil); err != nil {
		return err
	}
	if err := a.call(ctx, "POST", "/bridges/"+url.PathEscape(id)+"/addChannel", url.Values{"channel": {k.ID}}, nil, nil); err != nil {
		return noSuchCall(err, k.ID)
	}
	_, err = await(ctx, c, w)
	return err
}

// ConferenceKick removes member (a call ID) from the room.
func (a *Adapter) ConferenceKick(ctx context.Context, node, room, member string) error {
	if node != a.opts.Node {
		return fmt.Errorf("%w: node %s", orchestrator.ErrNoSuchCall, node)
	}
	return a.call(ctx, "POST", "/bridges/"+url.PathEscape(roomPrefix+room)+"/removeChannel", url.Values{"channel": {member}}, nil, nil)
}

// ConferenceMute mutes or unmutes member (a call ID) in the room.
func (a *Adapter) ConferenceMute(ctx context.Context, node, room, member string, mute bool) error {
	k := orchestrator.Key{Node: node, ID: member}
	if mute {
		return a.Mute(ctx, k)
	}
	return a.Unmute(ctx, k)
}
