package fssim

import (
	"strings"
	"testing"

	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/esl"
)

// TestFilterCommandReplies: the `filter` forms and their reply texts, as
// mod_event_socket 1.10.12 words them (parse at mod_event_socket.c "filter ").
func TestFilterCommandReplies(t *testing.T) {
	c := newConn(nil, nil)
	for _, tc := range []struct{ arg, want string }{
		{"Event-Name CHANNEL_ANSWER", "+OK filter added. [Event-Name]=[CHANNEL_ANSWER]"},
		{"add Unique-ID -abc def", "+OK filter added. [Unique-ID]=[-abc def]"},
		{"  Core-UUID  x", "+OK filter added. [Core-UUID]=[ x]"}, // leading spaces skipped, the value's kept
		{"add X", "+OK filter added. [X]=[(null)]"},
		{"Event-Name", "-ERR invalid syntax"},
		{"delete", "-ERR invalid syntax"},
		{"delete Event-Name CHANNEL_ANSWER", "+OK filter deleted. [Event-Name][CHANNEL_ANSWER]"},
		{"delete unique-id", "+OK filter deleted. [unique-id][]"},
		{"delete all", "+OK filter deleted. [all][]"},
	} {
		if got := c.filterCommand(tc.arg); got != tc.want {
			t.Errorf("filter %s = %q, want %q", tc.arg, got, tc.want)
		}
	}
}

// TestFilterSelection: which events get through a filter list, case by case
// as event_handler in mod_event_socket.c decides.
func TestFilterSelection(t *testing.T) {
	ev := func(kv ...string) *event {
		e := &event{}
		for i := 0; i < len(kv); i += 2 {
			e.add(kv[i], kv[i+1])
		}
		return e
	}
	answer := ev("Event-Name", "CHANNEL_ANSWER", "Unique-ID", "u1", "variable_sb_mark", "Yes")
	state := ev("Event-Name", "CHANNEL_STATE", "Unique-ID", "u1", "Channel-State", "CS_ROUTING")
	for _, tc := range []struct {
		name    string
		filters []string // `filter` arguments, in order
		e       *event
		want    bool
	}{
		{"no filter: everything", nil, answer, true},
		{"positive match", []string{"Event-Name CHANNEL_ANSWER"}, answer, true},
		{"names and values fold case", []string{"event-name channel_answer"}, answer, true},
		{"no positive matches", []string{"Event-Name CHANNEL_HANGUP"}, answer, false},
		{"header absent: skipped, nothing matched", []string{"Channel-State CS_ROUTING"}, answer, false},
		{"a second positive may match", []string{"Event-Name CHANNEL_HANGUP", "Channel-State CS_ROUTING"}, state, true},
		{"'+' is positive", []string{"Event-Name +CHANNEL_ANSWER"}, answer, true},
		{"negative after a positive drops", []string{"Event-Name CHANNEL_ANSWER", "variable_sb_mark -yes"}, answer, false},
		{"negative before a positive drops", []string{"variable_sb_mark -yes", "Event-Name CHANNEL_ANSWER"}, answer, false},
		{"negative alone never sends", []string{"variable_sb_mark -no"}, answer, false},
		{"negative on an absent header", []string{"Event-Name CHANNEL_STATE", "variable_sb_mark -yes"}, state, true},
		{"negative not matching", []string{"Event-Name CHANNEL_ANSWER", "variable_sb_mark -no"}, answer, true},
		{"regex", []string{"Event-Name /^CHANNEL_(ANSWER|HANGUP)$/"}, answer, true},
		{"regex is case-sensitive", []string{"Event-Name /^channel_answer$/"}, answer, false},
		{"regex flag i", []string{"Event-Name /^channel_answer$/i"}, answer, true},
		{"regex is unanchored", []string{"Unique-ID /1/"}, answer, true},
		{"a prefix makes /.../ a plain value", []string{"Event-Name +/^CHANNEL_ANSWER$/"}, answer, false},
		{"no negative regex: compared as text", []string{"Event-Name CHANNEL_ANSWER", "Event-Name -/CHANNEL/"}, answer, true},
		{"regex without its closing slash", []string{"Event-Name /CHANNEL"}, answer, false},
		{"regex with too many groups", []string{"Event-Name /(C)(H)(A)(N)(N)(E)(L)(_)(A)(N)/"}, answer, false},
		{"regex with nine groups", []string{"Event-Name /(C)(H)(A)(N)(N)(E)(L)(_)(A)/"}, answer, true},
		{"deleting the only filter lifts filtering", []string{"Event-Name CHANNEL_HANGUP", "delete Event-Name CHANNEL_HANGUP"}, answer, true},
		{"delete compares the value exactly", []string{"Event-Name CHANNEL_HANGUP", "Event-Name CHANNEL_ANSWER",
			"delete event-name channel_answer"}, answer, true},
		{"delete without a value deletes every one of the name", []string{"Event-Name CHANNEL_HANGUP", "Event-Name CHANNEL_ANSWER",
			"Unique-ID nobody", "delete Event-Name"}, answer, false},
		{"delete all", []string{"Event-Name CHANNEL_HANGUP", "delete all"}, answer, true},
	} {
		c := newConn(nil, nil)
		for _, f := range tc.filters {
			c.filterCommand(f)
		}
		if got := c.passesFilters(tc.e); got != tc.want {
			t.Errorf("%s: %v passes = %v, want %v", tc.name, tc.filters, got, tc.want)
		}
	}
}

// TestFilterOnTheWire: an inbound connection with positive filters on the
// event name and the channel state and a negative one on a channel variable
// gets what they let through, in order, and still its commands' replies.
func TestFilterOnTheWire(t *testing.T) {
	n := fastNode(t)
	c := inbound(t, n)
	for _, cmd := range []string{"event json CHANNEL_ANSWER CHANNEL_HANGUP CHANNEL_HANGUP_COMPLETE CHANNEL_STATE",
		"filter Event-Name CHANNEL_ANSWER", "filter Event-Name CHANNEL_HANGUP_COMPLETE", "filter Channel-State CS_HANGUP",
		"filter variable_sb_mark -on"} {
		c.send(cmd)
		if f := c.frame(); !strings.HasPrefix(f.ReplyText(), "+OK") {
			t.Fatalf("%s: %q", cmd, f.ReplyText())
		}
	}
	marked, _ := controller(t, n, IncomingCall{From: "100", To: "9100", Vars: map[string]string{"sb_mark": "on"}})
	execute(marked, "answer", "")
	execute(marked, "hangup", "")
	marked.event("CHANNEL_HANGUP_COMPLETE") // its events went by the inbound connection's filter first
	plain, call := controller(t, n, IncomingCall{From: "200", To: "9100"})
	execute(plain, "answer", "")
	execute(plain, "hangup", "")
	var got []string
	for len(got) == 0 || got[len(got)-1] != "plain CHANNEL_HANGUP_COMPLETE" {
		_, e := c.until(func(_ *esl.Frame, e *esl.Event) bool { return e != nil })
		name := "marked " + e.Name()
		if e.UUID() == call.UUID() {
			name = "plain " + e.Name()
		}
		if e.Name() == "CHANNEL_STATE" {
			name += "(" + e.Get("Channel-State") + ")"
		}
		got = append(got, name)
	}
	// CHANNEL_HANGUP is not let through; CS_HANGUP is the one state that
	// is, and CHANNEL_STATE carries no channel variables (switch_channel.c
	// adds them to a fixed list of events), so the negative filter does not
	// keep the marked call's from the connection.
	want := []string{"marked CHANNEL_STATE(CS_HANGUP)",
		"plain CHANNEL_ANSWER", "plain CHANNEL_STATE(CS_HANGUP)", "plain CHANNEL_HANGUP_COMPLETE"}
	if strings.Join(got, ", ") != strings.Join(want, ", ") {
		t.Errorf("events %v, want %v", got, want)
	}
	if c.api("status") == "" {
		t.Error("no api reply through a filtered connection")
	}
}

// TestSendEvent: `sendevent CUSTOM` fires an event with the command's
// headers to the subscribers of its subclass, through their filters; the
// reply names its Event-UUID.
func TestSendEvent(t *testing.T) {
	n := fastNode(t)
	sub := inbound(t, n)
	for _, cmd := range []string{"filter X-Mark -no", "filter Event-Subclass sb::t", "event json CUSTOM sb::t"} {
		sub.send(cmd)
		sub.frame()
	}
	pub := inbound(t, n)
	for _, mark := range []string{"no", "yes"} {
		pub.send("sendevent CUSTOM\nEvent-Subclass: sb::t\nX-Mark: " + mark)
		if f := pub.frame(); !strings.HasPrefix(f.ReplyText(), "+OK ") {
			t.Fatalf("sendevent: %q", f.ReplyText())
		}
	}
	e := sub.event("CUSTOM")
	if e.Get("X-Mark") != "yes" || e.Subclass() != "sb::t" || e.Get("Event-UUID") == "" || !strings.HasPrefix(e.Get("Command"), "sendevent CUSTOM\n") {
		t.Errorf("event: mark %q subclass %q Event-UUID %q Command %q", e.Get("X-Mark"), e.Subclass(), e.Get("Event-UUID"), e.Get("Command"))
	}
}
