package fssim

import (
	"time"

	"github.com/google/uuid"
)

// legSpec describes a new channel.
type legSpec struct {
	uuid       string
	name       string
	direction  string
	profile    profile
	vars       map[string]string
	varOrder   []string
	presenceID string
	media      bool // codec known from the start (loopback)
}

// newChannelLocked creates a channel and emits its birth events in
// FreeSWITCH's order: CS_NEW, CS_INIT, CHANNEL_CREATE (inbound) or
// CHANNEL_OUTGOING first (outbound). It starts the channel's goroutine.
func (n *Node) newChannelLocked(s legSpec) *channel {
	if s.uuid == "" {
		s.uuid = uuid.NewString()
	}
	now := time.Now()
	s.profile.created = now
	ch := &channel{uuid: s.uuid, name: s.name, direction: s.direction, created: now,
		profile: s.profile, state: "CS_NEW", callState: "DOWN", answerState: "ringing",
		wake: make(chan struct{}, 1), nest: make(chan struct{}, 1), hungup: make(chan struct{}), done: make(chan struct{}),
		digitCh: make(chan struct{}, 1), recording: map[string]bool{},
		media: s.media}
	ch.vars.set("direction", s.direction)
	ch.vars.set("uuid", s.uuid)
	ch.vars.set("session_id", itoa(n.sessions+1))
	ch.vars.set("channel_name", s.name)
	for _, k := range s.varOrder {
		ch.vars.set(k, s.vars[k])
	}
	ch.info = &CallInfo{UUID: s.uuid, Direction: s.direction, From: s.profile.callerNumber,
		To: s.profile.dest, Created: now}
	n.channels[ch.uuid] = ch
	n.calls = append(n.calls, ch.info)
	n.sessions++
	if s.direction == "outbound" {
		n.chanEventLocked(ch, "CHANNEL_OUTGOING", true)
		ch.presenceID = s.presenceID // known after the first event (capture 09)
	} else {
		n.stateLocked(ch, "CS_NEW")
	}
	n.stateLocked(ch, "CS_INIT")
	n.chanEventLocked(ch, "CHANNEL_CREATE", true)
	n.wg.Add(1)
	go n.runChannel(ch)
	return ch
}

// chanEventLocked emits a channel event with the standard channel data.
func (n *Node) chanEventLocked(ch *channel, name string, withVars bool, extra ...header) *event {
	if !n.wantedLocked(name, ch.uuid) {
		n.skipLocked()
		return nil
	}
	e := n.newEventLocked(name, "", "switch_channel.c", "switch_channel_event", 0)
	e.uuid = ch.uuid
	ch.channelData(e, withVars)
	e.addAll(extra)
	n.emitLocked(e)
	return e
}

// stateLocked moves the channel to state and emits CHANNEL_STATE (without
// variables, as FreeSWITCH does).
func (n *Node) stateLocked(ch *channel, state string) {
	ch.state = state
	if !n.wantedLocked("CHANNEL_STATE", ch.uuid) {
		n.skipLocked()
		return
	}
	e := n.newEventLocked("CHANNEL_STATE", "", "switch_core_state_machine.c", "switch_core_session_run", 0)
	e.uuid = ch.uuid
	if state == "CS_NEW" {
		for _, h := range []header{{"Channel-State", state}, {"Channel-Call-State", ch.callState},
			{"Channel-State-Number", "0"}, {"Channel-Name", ch.name}, {"Unique-ID", ch.uuid},
			{"Call-Direction", ch.direction}, {"Presence-Call-Direction", ch.direction},
			{"Channel-HIT-Dialplan", "true"}, {"Channel-Call-UUID", ch.uuid}, {"Answer-State", ch.answerState}} {
			e.add(h.name, h.value)
		}
	} else {
		ch.channelData(e, false)
	}
	n.emitLocked(e)
}

// callStateLocked changes Channel-Call-State and emits CHANNEL_CALLSTATE.
func (n *Node) callStateLocked(ch *channel, cs string) {
	orig := ch.callState
	ch.callState = cs
	if !n.wantedLocked("CHANNEL_CALLSTATE", ch.uuid) {
		n.skipLocked()
		return
	}
	e := n.newEventLocked("CHANNEL_CALLSTATE", "", "switch_channel.c", "switch_channel_perform_set_callstate", 0)
	e.uuid = ch.uuid
	e.add("Original-Channel-Call-State", orig)
	e.add("Channel-Call-State-Number", itoa(callStateNumbers[cs]))
	ch.channelData(e, false)
	n.emitLocked(e)
}

var callStateNumbers = map[string]int{"DOWN": 0, "DIALING": 1, "RINGING": 2, "EARLY": 3,
	"ACTIVE": 4, "HELD": 5, "RING_WAIT": 6, "HANGUP": 7, "UNHELD": 8}

// mediaLocked negotiates the codec once: two CODEC events, then codec
// headers on every later event.
func (n *Node) mediaLocked(ch *channel) {
	if ch.media {
		return
	}
	ch.media = true
	n.chanEventLocked(ch, "CODEC", false, header{"channel-read-codec-name", "PCMU"},
		header{"channel-read-codec-rate", "8000"}, header{"channel-read-codec-bit-rate", "64000"})
	n.chanEventLocked(ch, "CODEC", false, header{"Channel-Write-Codec-Name", "PCMU"},
		header{"Channel-Write-Codec-Rate", "8000"}, header{"Channel-Write-codec-bit-rate", "64000"})
}

// preAnswerLocked gives early media (183).
func (n *Node) preAnswerLocked(ch *channel) {
	if ch.answerState != "ringing" {
		return
	}
	n.mediaLocked(ch)
	ch.answerState = "early" // switch_channel_mark_pre_answered: the flag, then the event
	n.chanEventLocked(ch, "CHANNEL_PROGRESS_MEDIA", true)
	n.callStateLocked(ch, "EARLY")
}

// answerLocked answers (200 OK): early media first if there was none.
func (n *Node) answerLocked(ch *channel) {
	if ch.answerState == "answered" || !ch.live() {
		return
	}
	n.preAnswerLocked(ch)
	ch.answerState = "answered"
	ch.answeredAt = time.Now()
	ch.info.Answered = true
	n.chanEventLocked(ch, "CHANNEL_ANSWER", true)
	n.callStateLocked(ch, "ACTIVE")
	if ch.phone == nil && ch.direction == "inbound" {
		n.startDTMFScriptLocked(ch)
		if ch.callerHangupAfter > 0 {
			n.hangupLater(ch, ch.callerHangupAfter)
		}
	}
}

// byeLocked is the far end hanging up an answered SIP leg with a BYE:
// mod_sofia records the status on the channel before the hangup (capture 05:
// proto_specific_hangup_cause sip:200, sip_term_status 200, recv_bye on the
// caller's CHANNEL_HANGUP and every event after it). A loopback leg or one
// not answered has no BYE to record.
func (n *Node) byeLocked(ch *channel, cause string) bool {
	if ch.live() && ch.answerState == "answered" && (ch.phone == nil || !ch.phone.loopback) {
		ch.vars.set("sip_term_status", "200")
		ch.vars.set("proto_specific_hangup_cause", "sip:200")
		ch.vars.set("sip_hangup_disposition", "recv_bye")
	}
	return n.hangupLocked(ch, cause)
}

// hangupLocked ends the channel with cause: CHANNEL_HANGUP now; the
// channel's goroutine finishes the running app and tears the channel down.
func (n *Node) hangupLocked(ch *channel, cause string) bool {
	if !ch.live() {
		return false
	}
	if cause == "" {
		cause = "NORMAL_CLEARING"
	}
	ch.hangupCause = cause
	ch.info.HangupCause = cause
	ch.answerState = "hangup" // switch_channel_event_set_basic_data: a channel going down says so
	n.chanEventLocked(ch, "CHANNEL_HANGUP", true)
	close(ch.hungup)
	ch.signal()
	n.leaveConferenceLocked(ch)
	n.stopRecordingsLocked(ch)
	if ch.peer != nil && !ch.bridgeApp {
		n.endBridgeLocked(ch)
	}
	return true
}

// runChannel is the channel's thread: it runs queued applications one at a
// time and, after hangup, the teardown. It is owned by the Node.
func (n *Node) runChannel(ch *channel) {
	defer n.wg.Done()
	for {
		n.mu.Lock()
		if !ch.live() {
			n.finishLocked(ch)
			n.mu.Unlock()
			return
		}
		if len(ch.queue) > 0 {
			req := ch.queue[0]
			ch.queue = ch.queue[1:]
			n.mu.Unlock()
			n.execApp(ch, req)
			n.locked(func() { n.parkIfPendingLocked(ch); n.resumeAfterSocketLocked(ch) })
			continue
		}
		if ch.dialplan && ch.peer == nil && ch.sock == nil && !ch.parked {
			// the extension ran out of actions: FreeSWITCH clears the call
			n.hangupLocked(ch, "NORMAL_CLEARING")
			n.mu.Unlock()
			continue
		}
		n.mu.Unlock()
		select {
		case <-ch.wake:
		case <-ch.hungup:
		case <-n.ctx.Done():
			return
		}
	}
}

// finishLocked is the teardown after hangup: the socket (or park) app
// returns, CS_HANGUP, CS_REPORTING, CHANNEL_HANGUP_COMPLETE; the outbound
// socket gets its linger notice here and never sees CHANNEL_DESTROY.
func (n *Node) finishLocked(ch *channel) {
	if ch.parked && ch.app == nil { // parked after a bridge, no park app
		ch.parked = false
		n.chanEventLocked(ch, "CHANNEL_UNPARK", true)
	}
	if ch.socketApp != "" {
		n.chanEventLocked(ch, "CHANNEL_UNPARK", true)
		n.appCompleteLocked(ch, &runningApp{name: "socket", arg: ch.socketApp, uuid: ch.socketAppUUID}, ch.lastResponse)
	}
	n.stateLocked(ch, "CS_HANGUP")
	n.callStateLocked(ch, "HANGUP")
	n.stateLocked(ch, "CS_REPORTING")
	e := n.newEventLocked("CHANNEL_HANGUP_COMPLETE", "", "switch_core_state_machine.c", "switch_core_session_reporting_state", 0)
	e.uuid = ch.uuid
	e.add("Hangup-Cause", ch.hangupCause)
	ch.channelData(e, true)
	n.emitLocked(e)
	n.releaseSocketLocked(ch)
	n.chanEventLocked(ch, "CHANNEL_DESTROY", true)
	n.stateLocked(ch, "CS_DESTROY")
	delete(n.channels, ch.uuid)
	ch.info.Ended = true
	ch.info.Vars = ch.vars.snapshot()
	close(ch.done)
}

func (v *vars) snapshot() map[string]string {
	m := make(map[string]string, len(v.vals))
	for k, val := range v.vals {
		m[k] = val
	}
	return m
}
