package fssim

import (
	"strings"
	"time"
)

// Bridging: the bridge application dials an endpoint and joins the legs;
// uuid_bridge joins two existing channels. FreeSWITCH's failure rule
// (switch_channel_handle_cause) decides whether a failed bridge hangs up
// the caller.

// dialTarget is one endpoint of a dial string.
type dialTarget struct {
	key      string // phone key: "user/1000@dom" or "gateway/gw/number"
	user     string // for channel names
	gateway  string // sofia/gateway/GW/...: GW
	loopback bool   // loopback/EXT: answers at once (the -b half is not simulated)
}

// parseDialString splits "{a=b,c=d}user/1000@dom|user/1001@dom" into
// variables and sequential targets.
func parseDialString(s string) (map[string]string, []string, []dialTarget, error) {
	vars := map[string]string{}
	var order []string
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "{") {
		end := strings.IndexByte(s, '}')
		if end < 0 {
			return nil, nil, nil, errorf("dial string %q: unclosed {", s)
		}
		for _, kv := range splitEscaped(s[1:end]) {
			k, v, _ := strings.Cut(kv, "=")
			if k = strings.TrimSpace(k); k != "" {
				vars[k] = v
				order = append(order, k)
			}
		}
		s = s[end+1:]
	}
	var targets []dialTarget
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == '|' || r == ',' }) {
		t, err := parseTarget(strings.TrimSpace(part))
		if err != nil {
			return nil, nil, nil, err
		}
		targets = append(targets, t)
	}
	if len(targets) == 0 {
		return nil, nil, nil, errorf("dial string %q: no endpoint", s)
	}
	return vars, order, targets, nil
}

// splitEscaped splits a variable block at commas that are not escaped as
// "\,", and unescapes those (switch_separate_string), so a value such as
// tone_stream://%(300\,4700\,440) survives whole.
func splitEscaped(s string) []string {
	var parts []string
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\' && i+1 < len(s) && s[i+1] == ',':
			b.WriteByte(',')
			i++
		case s[i] == ',':
			parts = append(parts, b.String())
			b.Reset()
		default:
			b.WriteByte(s[i])
		}
	}
	return append(parts, b.String())
}

func parseTarget(s string) (dialTarget, error) {
	switch {
	case strings.HasPrefix(s, "user/"):
		u := strings.TrimPrefix(s, "user/")
		user, dom, ok := strings.Cut(u, "@")
		if !ok || user == "" || dom == "" {
			return dialTarget{}, errorf("endpoint %q: want user/EXT@DOMAIN", s)
		}
		return dialTarget{key: phoneKey(user, dom), user: user + "@" + dom}, nil
	case strings.HasPrefix(s, "loopback/"):
		ext := strings.TrimPrefix(s, "loopback/")
		if ext == "" {
			return dialTarget{}, errorf("endpoint %q: want loopback/EXTENSION", s)
		}
		return dialTarget{key: s, user: ext, loopback: true}, nil
	case strings.HasPrefix(s, "sofia/gateway/"):
		gw, num, ok := strings.Cut(strings.TrimPrefix(s, "sofia/gateway/"), "/")
		if !ok || gw == "" || num == "" {
			return dialTarget{}, errorf("endpoint %q: want sofia/gateway/GW/NUMBER", s)
		}
		return dialTarget{key: gatewayKey(gw, num), user: num, gateway: gw}, nil
	}
	return dialTarget{}, errorf("endpoint %q: fssim dials only user/, sofia/gateway/ and loopback/", s)
}

// dial creates a leg to t and waits until it answers or fails. aleg is the
// caller (nil for originate); its hangup cancels the attempt.
func (n *Node) dial(t dialTarget, vars map[string]string, order []string, timeout time.Duration, aleg *channel, cid profile) (*channel, string) {
	n.mu.Lock()
	if t.gateway != "" && !n.hasGatewayLocked(t.gateway) {
		n.mu.Unlock()
		return nil, "INVALID_GATEWAY" // mod_sofia: "Invalid Gateway", the leg fails at once
	}
	ph := n.phones[t.key]
	if t.loopback {
		ph = &phone{user: t.user, loopback: true, registered: true}
	}
	if ph == nil || !ph.registered {
		n.mu.Unlock()
		if strings.HasPrefix(t.key, "gateway/") {
			return nil, "UNALLOCATED_NUMBER"
		}
		return nil, "USER_NOT_REGISTERED"
	}
	spec := legSpec{uuid: vars["origination_uuid"], direction: "outbound", name: ph.channelName(),
		profile: legProfile(ph, aleg, cid), vars: vars, varOrder: order, media: ph.loopback}
	if !ph.gateway && !ph.loopback {
		spec.presenceID = ph.user + "@" + ph.domain
	}
	leg := n.newChannelLocked(spec)
	if aleg != nil {
		aleg.profile.calleeName, aleg.profile.calleeNumber = "Outbound Call", ph.user
	}
	leg.phone = ph
	if aleg != nil {
		aleg.profile.hasCallee = true
	}
	n.chanEventLocked(leg, "CHANNEL_ORIGINATE", true)
	n.stateLocked(leg, "CS_ROUTING")
	n.stateLocked(leg, "CS_CONSUME_MEDIA")
	if ph.script.Busy {
		n.hangupLocked(leg, "USER_BUSY")
		n.mu.Unlock()
		return nil, "USER_BUSY"
	}
	rb := ""
	if aleg != nil {
		rb = ringbackLocked(aleg)
		if truthy(vars["instant_ringback"]) {
			aleg.ringback = rb
		}
	}
	if !ph.loopback {
		leg.profile.network = "127.0.0.1" // the 180 tells where the phone is
		n.chanEventLocked(leg, "CHANNEL_PROGRESS", true)
		n.callStateLocked(leg, "RINGING")
		if aleg != nil {
			aleg.ringback = rb // ring_ready: the ringback starts
		}
	}
	var taken <-chan struct{}
	if aleg != nil && aleg.app != nil {
		taken = aleg.app.stop
	}
	var ranOut <-chan time.Time
	if d, ok := toneDuration(rb); ok && aleg != nil && aleg.ringback != "" && d < endlessMedia {
		// a tone cannot rewind: switch_ivr_originate gives up when it ends
		t := time.NewTimer(n.dur(d))
		defer t.Stop()
		ranOut = t.C
	}
	n.mu.Unlock()
	defer func() {
		if aleg != nil {
			n.locked(func() { aleg.ringback = "" })
		}
	}()
	return n.waitAnswer(leg, ph.script, timeout, aleg, taken, ranOut)
}

// ringbackLocked is what a caller hears while its bridge application rings
// (switch_ivr_originate): transfer_ringback when the caller is answered,
// else ringback; nothing when neither is set.
func ringbackLocked(ch *channel) string {
	if ch.answerState == "answered" {
		if v, ok := ch.vars.get("transfer_ringback"); ok && v != "" {
			return v
		}
	}
	v, _ := ch.vars.get("ringback")
	return v
}

// waitAnswer waits for the phone of leg. aleg is the caller (nil for
// originate): its hangup, or taken closing (the caller was taken out of its
// bridge application: intercepted, bridged or transferred elsewhere),
// cancels the attempt. ranOut fires when the caller's ringback, a tone that
// cannot rewind, has ended: the attempt fails with NO_ANSWER, the leg too
// (FreeSWITCH 1.10.12, seen with a 200 ms tone as transfer_ringback).
func (n *Node) waitAnswer(leg *channel, s PhoneScript, timeout time.Duration, aleg *channel, taken <-chan struct{}, ranOut <-chan time.Time) (*channel, string) {
	if timeout <= 0 {
		timeout = 60 * time.Second
	}
	var answer <-chan time.Time
	if !s.NoAnswer {
		t := time.NewTimer(n.dur(s.AnswerAfter))
		defer t.Stop()
		answer = t.C
	}
	limit := time.NewTimer(n.dur(timeout))
	defer limit.Stop()
	var cancel <-chan struct{}
	if aleg != nil {
		cancel = aleg.hungup
	}
	var cause string
	select {
	case <-answer:
	case <-limit.C:
		cause = "NO_ANSWER"
	case <-cancel:
		cause = "ORIGINATOR_CANCEL"
	case <-taken:
		cause = "ORIGINATOR_CANCEL"
	case <-ranOut:
		n.locked(func() { n.hangupLocked(leg, "NO_ANSWER") })
		cause = "NO_ANSWER"
	case <-leg.hungup:
	case <-n.ctx.Done():
		cause = "SYSTEM_SHUTDOWN"
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if cause == "" && !leg.live() {
		cause = leg.hangupCause
	}
	if cause != "" {
		if cause == "NO_ANSWER" {
			n.hangupLocked(leg, "ORIGINATOR_CANCEL")
		} else {
			n.hangupLocked(leg, cause)
		}
		return nil, cause
	}
	n.answerLocked(leg)
	if !leg.phone.loopback {
		n.chanEventLocked(leg, "CHANNEL_OUTGOING", true)
	}
	if aleg == nil && !leg.phone.gateway {
		// an originated leg: once answered, FreeSWITCH shows the far end as
		// the caller and the originator's number as the callee (capture 09)
		p := &leg.profile
		first := *p
		p.original = &first
		p.callerName, p.callerNumber, p.calleeName, p.calleeNumber = p.calleeName, p.calleeNumber, "", p.callerNumber
	}
	if s.HangupAfter > 0 {
		n.hangupLater(leg, s.HangupAfter)
	}
	leg.talkFor = s.TalkFor
	return leg, ""
}

// legProfile is the caller profile of a new leg: a bridge copies the
// caller's identity; a bare originate (no caller) has FreeSWITCH's
// defaults, "Outbound Call" as callee and 0000000000 as number (capture 09).
func legProfile(ph *phone, aleg *channel, cid profile) profile {
	p := profile{dest: ph.user, context: "default", callerName: cid.callerName,
		callerNumber: cid.callerNumber, ani: cid.callerNumber, hasCallee: true,
		calleeName: "Outbound Call", calleeNumber: ph.user}
	switch {
	case ph.loopback:
		p.source, p.dialplan = "mod_loopback", "xml"
	case aleg != nil:
		p.username, p.network, p.source, p.dialplan = ph.user, "127.0.0.1", "mod_sofia", "XML"
		p.calleeName, p.calleeNumber = cid.callerName, cid.callerNumber
	default:
		p.source = "src/switch_ivr_originate.c"
	}
	return p
}

// hangupLater hangs ch up after d unless it ends first (a phone that sends
// BYE, or a caller's script).
func (n *Node) hangupLater(ch *channel, d time.Duration) {
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		if n.sleep(d, ch.hungup) {
			n.locked(func() { n.byeLocked(ch, "NORMAL_CLEARING") })
		}
	}()
}

// bridgeLocked joins a (Bridge-A) and b and emits CHANNEL_BRIDGE on a.
func (n *Node) bridgeLocked(a, b *channel, byApp bool) {
	a.peer, b.peer = b, a
	a.bond, b.bond = b, a
	a.other, b.other = b.snapshot(), a.snapshot()
	a.otherIsB, b.otherIsB = true, false
	a.bridgeA, b.bridgeA = true, false
	a.bridgeApp, b.bridgeApp = byApp, byApp
	a.info.Bridged = append(a.info.Bridged, b.uuid)
	b.info.Bridged = append(b.info.Bridged, a.uuid)
	a.vars.set("bridge_uuid", b.uuid)
	a.vars.set("last_bridge_to", b.uuid)
	b.vars.set("bridge_uuid", a.uuid)
	n.bridgeEventLocked(a, b, "CHANNEL_BRIDGE")
	for _, ch := range []*channel{a, b} {
		if d := ch.talkFor; d > 0 {
			ch.talkFor = 0
			n.hangupLater(ch, d)
		}
	}
}

func (n *Node) bridgeEventLocked(a, b *channel, name string) {
	e := n.newEventLocked(name, "", "switch_ivr_bridge.c", "audio_bridge_thread", 0)
	e.uuid = a.uuid
	e.add("Bridge-A-Unique-ID", a.uuid)
	e.add("Bridge-B-Unique-ID", b.uuid)
	a.channelData(e, true)
	n.emitLocked(e)
}

// unbridgeLocked separates ch from its peer and emits CHANNEL_UNBRIDGE on
// the A leg. It returns the other leg.
func (n *Node) unbridgeLocked(ch *channel) *channel {
	peer := ch.peer
	if peer == nil {
		return nil
	}
	a, b := ch, peer
	if !ch.bridgeA {
		a, b = peer, ch
	}
	n.bridgeEventLocked(a, b, "CHANNEL_UNBRIDGE")
	a.peer, b.peer = nil, nil
	a.bridgeApp, b.bridgeApp = false, false
	return peer
}

// endBridgeLocked ends a bridge no application owns (uuid_bridge) because
// ch hung up, was transferred or was bridged elsewhere; the other leg parks
// (park_after_bridge), returns to its socket, or hangs up (see
// bridgeHoldEndLocked).
func (n *Node) endBridgeLocked(ch *channel) {
	if owner := ch.peer; ch.bridgeApp && !ch.bridgeA && owner != nil {
		// the dialled leg of a bridge application leaves (uuid_bridge
		// elsewhere): the caller's application ends and decides what the
		// caller does next (holdBridge)
		n.unbridgeLocked(ch)
		if owner.app != nil && owner.app.name == "bridge" {
			owner.app.stopLocked()
		}
		return
	}
	other := n.unbridgeLocked(ch)
	if other == nil {
		return
	}
	if n.bridgeHoldEndLocked(ch, other) || !other.live() {
		return
	}
	n.afterBridgeLocked(other)
}

// bridgeHoldEndLocked is what the end of audio_bridge_thread does with held
// legs (switch_ivr_bridge.c, CF_LEG_HOLDING): when the leg that leaves the
// bridge (hangs up, is transferred or bridged elsewhere) is held, FreeSWITCH
// hangs up the partner that stays unless it is parked; and every held leg
// of the bridge is marked unheld (CHANNEL_UNHOLD, no re-INVITE). It reports
// whether staying was hung up.
func (n *Node) bridgeHoldEndLocked(leaving, staying *channel) bool {
	hungUp := false
	if leaving.held && staying.live() && !staying.parked {
		n.stopBroadcastLocked(staying)
		hungUp = n.hangupLocked(staying, "NORMAL_CLEARING")
	}
	for _, ch := range []*channel{leaving, staying} {
		if ch.held {
			ch.held = false
			n.callStateLocked(ch, "UNHELD")
			n.chanEventLocked(ch, "CHANNEL_UNHOLD", true)
		}
	}
	return hungUp
}

func (n *Node) afterBridgeLocked(ch *channel) {
	intercepted := ch.intercepted
	ch.intercepted = false
	switch {
	case ch.vars.truthy("park_after_bridge"):
		n.stateLocked(ch, "CS_PARK")
		ch.parked = true
		n.chanEventLocked(ch, "CHANNEL_PARK", true)
	case intercepted:
		// FreeSWITCH 1.10.12 hangs up a channel taken by intercept when
		// that bridge ends, socket or not (found by the contract suite's
		// OriginateJoinOnAnswer on the real switch)
		n.hangupLocked(ch, "NORMAL_CLEARING")
	case ch.sock != nil, ch.app != nil:
		// back to the socket or the running application
	default:
		n.hangupLocked(ch, "NORMAL_CLEARING")
	}
}

// appBridge is the bridge application (see scenarios 07, 08, 08b, 08c).
func appBridge(n *Node, ch *channel, a *runningApp) string {
	vars, order, targets, err := parseDialString(a.arg)
	if err != nil {
		n.locked(func() { n.bridgeFailedLocked(ch, "INVALID_GATEWAY") })
		return "_none_"
	}
	timeout := time.Duration(atoiDefault(vars["originate_timeout"], 60)) * time.Second
	var leg *channel
	cause := ""
	for _, t := range targets {
		n.mu.Lock()
		cid := bridgeCallerID(ch)
		n.mu.Unlock()
		if leg, cause = n.dial(t, vars, order, timeout, ch, cid); leg != nil {
			break
		}
	}
	if leg == nil {
		n.locked(func() { n.bridgeFailedLocked(ch, cause) })
		return "_none_"
	}
	return n.holdBridge(ch, leg, a)
}

// bridgeCallerID is the caller ID a bridge presents: the caller's own, or
// its effective_caller_id_name/number when set (switch_ivr_originate.c
// turns them into origination_caller_id_*). The node lock is held.
func bridgeCallerID(ch *channel) profile {
	cid := profile{callerName: ch.profile.callerName, callerNumber: ch.profile.callerNumber}
	if v, ok := ch.vars.get("effective_caller_id_name"); ok && v != "" {
		cid.callerName = v
	}
	if v, ok := ch.vars.get("effective_caller_id_number"); ok && v != "" {
		cid.callerNumber = v
	}
	return cid
}

// bridgeFailedLocked sets the variables FreeSWITCH sets and applies the
// continue_on_fail rule.
func (n *Node) bridgeFailedLocked(ch *channel, cause string) {
	ch.vars.set("originate_disposition", cause)
	ch.vars.set("DIALSTATUS", dialStatus(cause))
	ch.vars.set("originate_failed_cause", cause)
	ch.vars.set("last_bridge_hangup_cause", cause)
	if !ch.live() || keepsCaller(ch, cause) {
		return
	}
	n.hangupLocked(ch, cause)
}

// keepsCaller is switch_channel_handle_cause: continue_on_fail (true or a
// list of causes) keeps the caller, and so do NO_ANSWER, NO_USER_RESPONSE
// and ORIGINATOR_CANCEL.
func keepsCaller(ch *channel, cause string) bool {
	switch cause {
	case "NO_ANSWER", "NO_USER_RESPONSE", "ORIGINATOR_CANCEL":
		return true
	}
	if ch.vars.truthy("continue_on_fail") {
		return true
	}
	cof, _ := ch.vars.get("continue_on_fail")
	for _, c := range strings.Split(cof, ",") {
		if strings.TrimSpace(c) == cause {
			return true
		}
	}
	return false
}

// dialStatus is switch_ivr_originate's DIALSTATUS for a failed originate:
// a few causes have Asterisk-style names, every other is the cause itself
// (USER_NOT_REGISTERED, NO_USER_RESPONSE...: capture 08c).
func dialStatus(cause string) string {
	switch cause {
	case "NO_ANSWER":
		return "NOANSWER"
	case "USER_BUSY":
		return "BUSY"
	case "ORIGINATOR_CANCEL":
		return "CANCEL"
	case "DESTINATION_OUT_OF_ORDER", "INVALID_PROFILE":
		return "INVALIDARGS"
	case "CALL_REJECTED":
		return "DONTCALL"
	}
	return cause
}

// holdBridge keeps the legs bridged until one ends, then completes the
// bridge application as FreeSWITCH does.
func (n *Node) holdBridge(ch, leg *channel, a *runningApp) string {
	n.mu.Lock()
	if !ch.live() {
		n.hangupLocked(leg, "ORIGINATOR_CANCEL")
		n.mu.Unlock()
		return "_none_"
	}
	ch.vars.set("originate_disposition", "SUCCESS")
	ch.vars.set("DIALSTATUS", "SUCCESS")
	ch.vars.set("bridge_channel", leg.name)
	n.bridgeLocked(ch, leg, true)
	n.mu.Unlock()
	select {
	case <-ch.hungup:
	case <-leg.hungup:
	case <-a.stop:
	case <-n.ctx.Done():
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	// The leg is ours to clear only while still bridged: a transferred
	// leg (uuid_transfer -bleg) leaves the bridge and lives on.
	if leg.hangupCause != "" { // set before CHANNEL_UNBRIDGE, which carries them (capture 07)
		ch.vars.set("bridge_hangup_cause", leg.hangupCause)
		ch.vars.set("last_bridge_hangup_cause", leg.hangupCause)
	}
	if ch.peer == leg {
		n.unbridgeLocked(ch)
		if ch.live() && !leg.live() {
			n.bridgeHoldEndLocked(leg, ch)
		} else {
			n.bridgeHoldEndLocked(ch, leg)
		}
		if leg.live() {
			n.hangupLocked(leg, "NORMAL_CLEARING")
		}
	}
	ch.vars.set("bridge_hangup_cause", leg.hangupCause)
	ch.vars.set("last_bridge_hangup_cause", leg.hangupCause)
	switch {
	case !ch.live():
	case ch.vars.truthy("park_after_bridge"):
		n.parkAfterBridgeAppLocked(ch, a)
	case ch.vars.truthy("hangup_after_bridge"):
		n.hangupLocked(ch, "NORMAL_CLEARING")
	}
	return "_none_"
}

// parkAfterBridgeAppLocked is the end of a bridge application whose caller
// has park_after_bridge (switch_ivr_multi_threaded_bridge after an answered
// peer: switch_ivr_park_session, which makes the channel not ready). The
// application completes; a media application it ran inside ends
// (PLAYBACK ERROR), and then parkIfPendingLocked parks the channel.
func (n *Node) parkAfterBridgeAppLocked(ch *channel, a *runningApp) {
	n.appCompleteLocked(ch, a, "_none_")
	a.completed = true
	ch.parkPending = true
}

// parkIfPendingLocked parks a channel whose bridge application asked for
// it, once every application it ran inside has returned: a socket call's
// socket application returns (CHANNEL_UNPARK, its EXECUTE_COMPLETE) and the
// channel parks in CS_PARK (CHANNEL_PARK), still under the socket's control
// (capture 14).
func (n *Node) parkIfPendingLocked(ch *channel) {
	if !ch.parkPending {
		return
	}
	ch.parkPending = false
	if !ch.live() {
		return
	}
	n.leaveSocketAppLocked(ch, ch.lastResponse) // the last application's response, as at hangup (capture 14)
	n.stateLocked(ch, "CS_PARK")
	ch.parked = true
	n.chanEventLocked(ch, "CHANNEL_PARK", true)
}
