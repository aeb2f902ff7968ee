package esl

import (
	"slices"
	"strings"
	"testing"

	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/internal/capture"
)

// TestCapturesPerCallSequence: across every capture, a channel's events
// arrive in increasing Event-Sequence (the node-wide stream does not: events
// of different channels interleave out of sequence), so per-call arrival order
// is Event-Sequence order.
func TestCapturesPerCallSequence(t *testing.T) {
	names, _ := capture.ESLFiles()
	nodeWide := 0
	for _, name := range names {
		f := load(t, name)
		for _, conn := range f.Conns() {
			last := map[string]uint64{}
			var prev uint64
			for _, e := range events(t, readAll(t, strings.NewReader(f.Stream(conn, "recv")))) {
				if e.Seq() < prev {
					nodeWide++
				}
				prev = e.Seq()
				id := e.UUID()
				if id == "" {
					continue
				}
				if e.Seq() <= last[id] {
					t.Errorf("%s/%s: %s seq %d after %d", name, conn, id, e.Seq(), last[id])
				}
				last[id] = e.Seq()
			}
		}
	}
	if nodeWide == 0 {
		t.Error("expected some node-wide reordering in the captures (README: 09)")
	}
}

// lastFrames gives the events of one conn by name, for scenario checks.
func eventsOf(t *testing.T, file, conn string) []*Event {
	return events(t, readAll(t, strings.NewReader(load(t, file).Stream(conn, "recv"))))
}

func find(evs []*Event, name, app string) *Event {
	for _, e := range evs {
		if e.Name() == name && (app == "" || e.Get("Application") == app) {
			return e
		}
	}
	return nil
}

func TestCaptureScenarioQuirks(t *testing.T) {
	// 05: caller hangs up during playback; linger 5.
	f05 := readAll(t, strings.NewReader(load(t, "05-outbound-caller-hangup.jsonl").Stream("out", "recv")))
	if e := find(events(t, f05), "CHANNEL_EXECUTE_COMPLETE", "playback"); e == nil || e.Get("Application-Response") != "PLAYBACK ERROR" {
		t.Errorf("05: playback completion %v", e)
	}
	var lingers []string
	for _, f := range f05 {
		if f.ContentType() == TypeDisconnectNotice {
			lingers = append(lingers, f.Get("Content-Disposition")+"/"+f.Get("Linger-Time"))
		}
	}
	if !slices.Equal(lingers, []string{"linger/5", "disconnect/"}) {
		t.Errorf("05: disconnect notices %v", lingers)
	}
	// 08: no answer; the caller is not hung up before the bridge completes.
	e08 := find(eventsOf(t, "08-outbound-bridge-noanswer.jsonl", "out"), "CHANNEL_EXECUTE_COMPLETE", "bridge")
	if e08 == nil || e08.Get("variable_originate_disposition") != "NO_ANSWER" || e08.Get("variable_DIALSTATUS") != "NOANSWER" ||
		e08.Get("Application-Response") != "_none_" {
		t.Errorf("08: bridge completion %v", e08)
	}
	// 08c: USER_NOT_REGISTERED hangs the caller up before the bridge completes.
	evs := eventsOf(t, "08c-outbound-bridge-unregistered-user.jsonl", "out")
	hang, done := slices.IndexFunc(evs, func(e *Event) bool { return e.Name() == "CHANNEL_HANGUP" }),
		slices.IndexFunc(evs, func(e *Event) bool { return e.Name() == "CHANNEL_EXECUTE_COMPLETE" && e.Get("Application") == "bridge" })
	if hang < 0 || done < 0 || hang > done || evs[done].Get("variable_originate_failed_cause") != "USER_NOT_REGISTERED" {
		t.Errorf("08c: hangup at %d, bridge completion at %d", hang, done)
	}
	// 10: conference maintenance actions in order.
	var actions []string
	for _, e := range eventsOf(t, "10-conference.jsonl", "esl") {
		if e.Subclass() == "conference::maintenance" && e.Get("Action") != "" {
			actions = append(actions, e.Get("Action"))
		}
	}
	if len(actions) < 6 || !slices.Equal(actions[:3], []string{"conference-create", "play-file", "add-member"}) ||
		actions[len(actions)-1] != "conference-destroy" {
		t.Errorf("10: actions %v", actions)
	}
	// 12: socket app fails quietly; the call still ends NORMAL_CLEARING.
	e12 := find(eventsOf(t, "12-socket-unreachable.jsonl", "esl"), "CHANNEL_EXECUTE_COMPLETE", "socket")
	if e12 == nil || e12.Get("Application-Response") != "_none_" {
		t.Errorf("12: socket completion %v", e12)
	}
}

// TestCaptureCallControlReplies checks the api replies of capture 09 that the
// adapter relies on: -ERR for uuid_kill of an unknown call, and +OK Success
// for uuid_hold of the same unknown call (why hold is confirmed by event).
func TestCaptureCallControlReplies(t *testing.T) {
	var replies []*Frame
	for _, f := range readAll(t, strings.NewReader(load(t, "09-inbound-call-control.jsonl").Stream("esl", "recv"))) {
		if f.ContentType() == TypeAPIResponse {
			replies = append(replies, f)
		}
	}
	n := len(replies)
	if n < 4 {
		t.Fatalf("%d api replies", n)
	}
	kill, hold := replies[n-3], replies[n-2] // then the final show channels
	if kill.ReplyText() != "-ERR No such channel!" || kill.OK() {
		t.Errorf("uuid_kill unknown: %q", kill.ReplyText())
	}
	if hold.ReplyText() != "+OK Success" || !hold.OK() {
		t.Errorf("uuid_hold unknown: %q", hold.ReplyText())
	}
}
