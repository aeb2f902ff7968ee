package fssim

import (
	"strings"

	"github.com/google/uuid"
)

// Hold as FreeSWITCH 1.10 does it (src/switch_ivr.c switch_ivr_hold,
// switch_ivr_unhold, switch_ivr_hold_uuid; mod_commands uuid_hold; mod_sofia
// on SWITCH_MESSAGE_INDICATE_HOLD) and as capture 09 shows it:
//
//   - `uuid_hold X` re-INVITEs X's own endpoint with a=sendonly, suspends X's
//     bridge in both directions (CF_HOLD, CF_SUSPEND) and fires CHANNEL_HOLD
//     on X (call state HELD).
//   - The music is X's hold_music variable (temp_hold_music first; the stock
//     configuration sets hold_music=local_stream://moh globally), broadcast in
//     a loop to X's partner: the signal_bond left by X's last bridge, which
//     only a transfer clears. So X's far end hears the music, X hears nothing,
//     and a leg that was never bridged holds in silence.
//   - `uuid_hold off X` re-INVITEs X with sendrecv, stops the broadcast on X's
//     partner of that moment and fires CHANNEL_UNHOLD.
//   - Holding a held leg or unholding one that is not held: -ERR Operation
//     failed. An unknown UUID: +OK Success.

// defaultHoldMusic is the stock global hold_music.
const defaultHoldMusic = "local_stream://moh"

// holdMusicOf is what X's partner hears while X is held.
func holdMusicOf(x *channel) string {
	for _, name := range []string{"temp_hold_music", "hold_music"} {
		if v, _ := x.vars.get(name); v != "" {
			return v
		}
	}
	return defaultHoldMusic
}

func apiUUIDHold(n *Node, arg string, r func(string)) {
	f := strings.Fields(arg)
	if len(f) == 0 {
		r("-USAGE: [off|toggle] <uuid> [<display>]\n")
		return
	}
	mode := "on"
	if f[0] == "off" || f[0] == "toggle" {
		mode, f = f[0], f[1:]
	}
	var ch *channel
	if len(f) > 0 {
		ch = n.channels[f[0]]
	}
	if ch == nil || !ch.live() {
		r("+OK Success\n") // switch_ivr_hold_uuid: nothing to locate is success
		return
	}
	if mode == "toggle" {
		mode = map[bool]string{true: "off", false: "on"}[ch.held]
	}
	if (mode == "on") == ch.held {
		r("-ERR Operation failed\n")
		return
	}
	r("+OK Success\n")
	ch.info.APIs = append(ch.info.APIs, "uuid_hold "+mode)
	if mode == "on" {
		n.holdLocked(ch)
	} else {
		n.unholdLocked(ch)
	}
}

func (n *Node) holdLocked(ch *channel) {
	ch.held = true
	ch.info.ReInvites = append(ch.info.ReInvites, "sendonly")
	n.callStateLocked(ch, "HELD")
	n.chanEventLocked(ch, "CHANNEL_HOLD", true)
	if p := ch.bond; p != nil && p.live() && p.holdApp == nil {
		n.startBroadcastLocked(p, holdMusicOf(ch))
	}
}

func (n *Node) unholdLocked(ch *channel) {
	ch.held = false
	ch.info.ReInvites = append(ch.info.ReInvites, "sendrecv")
	n.callStateLocked(ch, "UNHELD")
	if p := ch.bond; p != nil && p.live() {
		n.stopBroadcastLocked(p)
	}
	n.chanEventLocked(ch, "CHANNEL_UNHOLD", true)
	n.callStateLocked(ch, "ACTIVE")
}

// startBroadcastLocked plays file to ch in a loop as a broadcast (playback
// events on ch, capture 09) until stopBroadcastLocked. Music that cannot be
// opened (a local stream that does not run) plays nothing: ch hears silence.
func (n *Node) startBroadcastLocked(ch *channel, file string) {
	if !n.playableLocked(file) {
		return
	}
	ch.holdApp = &runningApp{name: "playback", arg: file, uuid: uuid.NewString()}
	ch.info.Played = append(ch.info.Played, file)
	n.chanEventLocked(ch, "CHANNEL_EXECUTE", true, header{"Application", "playback"},
		header{"Application-Data", file}, header{"Application-UUID", ch.holdApp.uuid})
	n.chanEventLocked(ch, "PLAYBACK_START", true, header{"Playback-File-Type", fileType(file)}, header{"Playback-File-Path", file})
}

// stopBroadcastLocked is switch_channel_stop_broadcast: the loop ends with
// PLAYBACK_STOP and EXECUTE_COMPLETE.
func (n *Node) stopBroadcastLocked(ch *channel) {
	a := ch.holdApp
	if a == nil {
		return
	}
	ch.holdApp = nil
	n.chanEventLocked(ch, "PLAYBACK_STOP", true, header{"Playback-File-Type", fileType(a.arg)},
		header{"Playback-File-Path", a.arg}, header{"Playback-Status", "break"})
	n.appCompleteLocked(ch, a, "FILE PLAYED")
}
