package fssim

import (
	"strings"
	"testing"
)

// TestNixEventSelection: which events a subscription takes after
// `nixevent`, case by case as mod_event_socket 1.10.12 decides
// ("nixevent" in parse_command, event_handler's event_list test).
func TestNixEventSelection(t *testing.T) {
	sess := &channel{uuid: "u1"}
	ev := func(name, sub string) *event { return &event{name: name, subclass: sub, uuid: "u1"} }
	for _, tc := range []struct {
		name  string
		setup func(c *conn)
		cmds  []string // event / nixevent lines, in order
		reply string   // the last command's reply
		e     *event
		want  bool
	}{
		{"myevents less a type", func(c *conn) { c.myEvents("json") }, []string{"nixevent json CHANNEL_STATE CHANNEL_PARK"},
			"+OK events nixed", ev("CHANNEL_STATE", ""), false},
		{"myevents keeps the others", func(c *conn) { c.myEvents("json") }, []string{"nixevent json CHANNEL_STATE"},
			"+OK events nixed", ev("CHANNEL_ANSWER", ""), true},
		{"subscribed again", func(c *conn) { c.myEvents("json") }, []string{"nixevent json CHANNEL_STATE", "event json CHANNEL_STATE"},
			"+OK event listener enabled json", ev("CHANNEL_STATE", ""), true},
		{"no event name", nil, []string{"event json ALL", "nixevent json"}, "-ERR no keywords supplied", ev("CHANNEL_STATE", ""), true},
		{"ALL less a type", nil, []string{"event json ALL", "nixevent CHANNEL_STATE"}, "+OK events nixed", ev("CHANNEL_STATE", ""), false},
		{"ALL less a type keeps another", nil, []string{"event json ALL", "nixevent CHANNEL_STATE"}, "+OK events nixed", ev("DTMF", ""), true},
		{"ALL taken apart: a CUSTOM subclass must be asked for", nil, []string{"event json ALL", "nixevent CHANNEL_STATE"},
			"+OK events nixed", ev("CUSTOM", "sofia::register"), false},
		{"ALL again takes everything", nil, []string{"event json ALL", "nixevent CHANNEL_STATE", "event json ALL"},
			"+OK event listener enabled json", ev("CHANNEL_STATE", ""), true},
		{"nixevent ALL", nil, []string{"event json CHANNEL_STATE DTMF", "nixevent ALL"}, "+OK events nixed", ev("DTMF", ""), false},
		{"a CUSTOM subclass", nil, []string{"event json CUSTOM a::b c::d", "nixevent CUSTOM a::b"}, "+OK events nixed", ev("CUSTOM", "a::b"), false},
		{"another CUSTOM subclass stays", nil, []string{"event json CUSTOM a::b c::d", "nixevent CUSTOM a::b"}, "+OK events nixed", ev("CUSTOM", "c::d"), true},
	} {
		c := newConn(nil, nil)
		c.session = sess
		if tc.setup != nil {
			tc.setup(c)
		}
		var reply string
		for _, line := range tc.cmds {
			word, arg, _ := strings.Cut(line, " ")
			if word == "nixevent" {
				reply = c.nix(strings.Fields(arg))
			} else {
				reply = c.subscribe(strings.Fields(arg))
			}
		}
		if reply != tc.reply {
			t.Errorf("%s: reply %q, want %q", tc.name, reply, tc.reply)
		}
		if got := c.subscribed(tc.e); got != tc.want {
			t.Errorf("%s: %s/%s taken = %v, want %v", tc.name, tc.e.name, tc.e.subclass, got, tc.want)
		}
	}
}
