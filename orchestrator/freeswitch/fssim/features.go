package fssim

import (
	"slices"
	"strings"
)

// Recording, eavesdrop and transfer: the call-control features reached by
// api commands (uuid_record, uuid_transfer) and applications.

func (n *Node) recordStartLocked(ch *channel, path string) {
	if ch.recording[path] {
		return
	}
	ch.recording[path] = true
	ch.info.Recordings = append(ch.info.Recordings, path)
	n.chanEventLocked(ch, "RECORD_START", true, header{"Record-File-Path", path})
	n.mediaBugLocked(ch, "MEDIA_BUG_START", "session_record", path)
}

// recordStopLocked stops path, or every recording for "all".
func (n *Node) recordStopLocked(ch *channel, path string) bool {
	stopped := false
	for p := range ch.recording {
		if p != path && path != "all" {
			continue
		}
		delete(ch.recording, p)
		n.chanEventLocked(ch, "RECORD_STOP", true, header{"Record-File-Path", p},
			header{"Record-Completion-Cause", "success"})
		n.mediaBugLocked(ch, "MEDIA_BUG_STOP", "session_record", p)
		stopped = true
	}
	return stopped
}

// mediaBugLocked emits MEDIA_BUG_START/STOP: the bug's headers come before
// the channel data (capture 09).
func (n *Node) mediaBugLocked(ch *channel, name, function, target string) {
	e := n.newEventLocked(name, "", "switch_core_media_bug.c", "switch_core_media_bug_add", 0)
	e.uuid = ch.uuid
	e.add("Media-Bug-Function", function)
	e.add("Media-Bug-Target", target)
	ch.channelData(e, true)
	n.emitLocked(e)
}

func (n *Node) stopRecordingsLocked(ch *channel) { n.recordStopLocked(ch, "all") }

func appRecordSession(n *Node, ch *channel, a *runningApp) string {
	n.locked(func() { n.recordStartLocked(ch, strings.TrimSpace(a.arg)) })
	return "_none_"
}

func appStopRecordSession(n *Node, ch *channel, a *runningApp) string {
	n.locked(func() { n.recordStopLocked(ch, strings.TrimSpace(a.arg)) })
	return "_none_"
}

// eavesdrop is one eavesdrop application's media bug on its target, with
// the flags mod_dptools' eavesdrop derives from the eavesdropper's channel
// variables (switch_ivr_eavesdrop_session): eavesdrop_whisper_aleg gives
// ED_MUX_READ (the eavesdropper's voice is mixed into the audio read from the
// target, which goes to the target's bridged peer), eavesdrop_whisper_bleg
// ED_MUX_WRITE (mixed into the audio written to the target: the target hears
// it); eavesdrop_bridge_aleg / _bleg choose what the eavesdropper hears (the
// target's read and write streams), both when neither is set. The DTMF keys
// that change modes during an eavesdrop are not simulated.
type eavesdrop struct {
	by, target                                 *channel
	muxRead, muxWrite, bridgeRead, bridgeWrite bool
}

func newEavesdrop(by, target *channel) *eavesdrop {
	e := &eavesdrop{by: by, target: target, muxRead: by.vars.truthy("eavesdrop_whisper_aleg"),
		muxWrite: by.vars.truthy("eavesdrop_whisper_bleg"), bridgeRead: by.vars.truthy("eavesdrop_bridge_aleg"),
		bridgeWrite: by.vars.truthy("eavesdrop_bridge_bleg")}
	if !e.bridgeRead && !e.bridgeWrite {
		e.bridgeRead, e.bridgeWrite = true, true
	}
	return e
}

// appEavesdrop attaches a media bug to the target until either side ends.
func appEavesdrop(n *Node, ch *channel, a *runningApp) string {
	target := strings.TrimSpace(a.arg)
	var t *channel
	var e *eavesdrop
	n.locked(func() {
		t = n.channels[target]
		if t == nil || !t.live() {
			t = nil
			return
		}
		n.answerLocked(ch)
		ch.info.Eavesdropped = append(ch.info.Eavesdropped, target)
		e = newEavesdrop(ch, t)
		ch.eavesdrop, t.eavesdroppers = e, append(t.eavesdroppers, e)
		n.mediaBugLocked(t, "MEDIA_BUG_START", "eavesdrop", ch.uuid)
	})
	if t == nil {
		return "_none_"
	}
	select {
	case <-ch.hungup:
	case <-t.hungup:
	case <-a.stop:
	case <-n.ctx.Done():
	}
	n.locked(func() {
		ch.eavesdrop = nil
		t.eavesdroppers = slices.DeleteFunc(t.eavesdroppers, func(x *eavesdrop) bool { return x == e })
		n.mediaBugLocked(t, "MEDIA_BUG_STOP", "eavesdrop", ch.uuid)
	})
	return "_none_"
}

// appTransfer is the transfer application: "DEST [XML [context]]".
func appTransfer(n *Node, ch *channel, a *runningApp) string {
	n.locked(func() { n.transferLocked(ch, strings.Fields(a.arg)) })
	return "_none_"
}

// transferLocked sends ch to a destination of the simulated dialplan: it
// leaves a bridge (the other leg follows park_after_bridge), the socket
// application returns (the outbound socket stays connected and keeps
// receiving the channel's events until hangup, as mod_event_socket keeps
// its session), and the extension runs; it parks when Config.Dialplan does
// not know the destination.
func (n *Node) transferLocked(ch *channel, args []string) {
	if len(args) == 0 {
		return
	}
	dest := args[0]
	ch.info.Transfers = append(ch.info.Transfers, dest)
	if ch.peer != nil { // switch_ivr_session_transfer clears both legs' signal_bond
		ch.peer.bond = nil
	}
	ch.bond = nil
	n.leaveBridgeForTransferLocked(ch)
	if ch.app != nil {
		ch.app.stopLocked()
	}
	if ch.outer != nil {
		ch.outer.stopLocked()
	}
	ch.queue = nil
	n.leaveSocketAppLocked(ch, "_none_")
	if o := ch.profile.original; o != nil { // the new profile starts from the original caller id
		ch.profile.callerName, ch.profile.callerNumber = o.callerName, o.callerNumber
		ch.profile.calleeName, ch.profile.calleeNumber = o.calleeName, o.calleeNumber
	}
	ch.profile.rdnis, ch.profile.dest = ch.profile.dest, dest
	ch.profile.transferSource = "uuid_transfer"
	ch.other = nil // a transfer starts a new caller profile
	n.stateLocked(ch, "CS_ROUTING")
	n.stateLocked(ch, "CS_EXECUTE")
	steps, ok := n.cfg.Dialplan[dest]
	if len(args) > 1 && args[1] == "inline" {
		// the inline dialplan (mod_dptools.c inline_dialplan_hunt):
		// "app[:data],app[:data]..."
		steps, ok = nil, true
		for _, a := range strings.Split(dest, ",") {
			app, data, _ := strings.Cut(a, ":")
			steps = append(steps, DialplanApp{App: app, Arg: data})
		}
	}
	if !ok {
		steps = []DialplanApp{{App: "park"}}
	}
	for _, s := range steps {
		ch.queue = append(ch.queue, appReq{name: s.App, arg: s.Arg, source: "dialplan"})
	}
	ch.dialplan = true
	ch.signal()
}

// leaveBridgeForTransferLocked takes ch out of its bridge. A bridge made by
// the bridge application ends: the caller's side (A) transferred clears the
// dialled leg; the dialled leg (B) transferred ends the A side's bridge
// application, which carries on. A uuid_bridge ends as on hangup.
func (n *Node) leaveBridgeForTransferLocked(ch *channel) {
	other := ch.peer
	switch {
	case other == nil:
	case !ch.bridgeApp:
		n.endBridgeLocked(ch)
	case ch.bridgeA:
		n.unbridgeLocked(ch)
		n.hangupLocked(other, "NORMAL_CLEARING")
	default:
		n.unbridgeLocked(ch)
		if other.app != nil && other.app.name == "bridge" {
			other.app.stopLocked()
		}
	}
}

// DialplanApp is one action of a simulated dialplan extension.
type DialplanApp struct {
	App string `json:"app"`
	Arg string `json:"arg"`
}
