package freeswitch

import (
	"strings"
	"time"

	"github.com/switchboard-cc/switchboard/orchestrator"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/esl"
)

// translate maps a FreeSWITCH channel event to the port's event, when the
// port has a kind for it. Strings are cloned: the parser's values share one
// allocation per event body, which a queued event must not keep alive. CHANNEL_HANGUP_COMPLETE and DESTROY are not mapped:
// the stream's end is EventEnded, emitted once by Adapter.end.
func translate(key orchestrator.Key, ev *esl.Event, now time.Time) (orchestrator.Event, bool) {
	e := orchestrator.Event{Call: key, At: now, Seq: ev.Seq()}
	switch ev.Name() {
	case "CHANNEL_PROGRESS", "CHANNEL_PROGRESS_MEDIA":
		e.Kind = orchestrator.EventRinging
	case "CHANNEL_ANSWER":
		e.Kind = orchestrator.EventAnswered
	case "DTMF":
		e.Kind, e.Digit = orchestrator.EventDTMF, ev.Get("DTMF-Digit")
	case "PLAYBACK_START":
		e.Kind, e.Path = orchestrator.EventPlayStarted, ev.Get("Playback-File-Path")
	case "PLAYBACK_STOP":
		e.Kind, e.Path = orchestrator.EventPlayStopped, ev.Get("Playback-File-Path")
	case "CHANNEL_BRIDGE":
		e.Kind, e.Peer = orchestrator.EventBridged, peerKey(key, ev)
	case "CHANNEL_UNBRIDGE":
		e.Kind, e.Peer = orchestrator.EventUnbridged, peerKey(key, ev)
	case "CHANNEL_HOLD":
		e.Kind = orchestrator.EventHeld
	case "CHANNEL_UNHOLD":
		e.Kind = orchestrator.EventUnheld
	case "RECORD_START":
		e.Kind, e.Path = orchestrator.EventRecordStarted, ev.Get("Record-File-Path")
	case "RECORD_STOP":
		e.Kind, e.Path = orchestrator.EventRecordStopped, ev.Get("Record-File-Path")
	case "CHANNEL_HANGUP":
		e.Kind, e.Cause = orchestrator.EventHangup, orchestrator.HangupCause(ev.Get("Hangup-Cause"))
		e.SIPCause = strings.Clone(sipCause(ev))
	default:
		return e, false
	}
	e.Digit, e.Path = strings.Clone(e.Digit), strings.Clone(e.Path)
	e.Cause, e.Peer.ID = orchestrator.HangupCause(strings.Clone(string(e.Cause))), strings.Clone(e.Peer.ID)
	return e, true
}

func peerKey(key orchestrator.Key, ev *esl.Event) orchestrator.Key {
	id := ev.Get("Other-Leg-Unique-ID")
	if id == "" {
		id = ev.Get("Bridge-B-Unique-ID")
	}
	if id == "" || id == key.ID {
		if a := ev.Get("Bridge-A-Unique-ID"); a != "" && a != key.ID {
			id = a
		}
	}
	if id == "" {
		return orchestrator.Key{}
	}
	return orchestrator.Key{Node: key.Node, ID: id}
}

// sipCause is the SIP status that ended a leg: mod_sofia sets
// proto_specific_hangup_cause ("sip:200" when the far end sent BYE, "sip:486"
// for a busy answer); a leg FreeSWITCH ended itself has none.
func sipCause(ev *esl.Event) string {
	code, ok := strings.CutPrefix(ev.Get("variable_proto_specific_hangup_cause"), "sip:")
	if !ok {
		return ""
	}
	return code
}
