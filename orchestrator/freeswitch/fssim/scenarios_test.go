package fssim

import (
	"context"
	"net"
	"slices"
	"strings"
	"testing"
	"time"
)

// noise are events fssim does not produce (see README.md): they carry
// nothing the controller uses.
var noise = map[string]bool{"HEARTBEAT": true, "RE_SCHEDULE": true, "API": true,
	"PRESENCE_IN": true, "CALL_UPDATE": true, "MESSAGE_QUERY": true, "MESSAGE_WAITING": true,
	"PRIVATE_COMMAND": true, "CHANNEL_UUID": true}

func keepAll(summary) bool { return true }

func dropNoise(s summary) bool {
	name, _, _ := strings.Cut(s.name, ":")
	name, _, _ = strings.Cut(name, "/")
	return !noise[name]
}

// simConfig is the node the conformance tests replay against: hostname vm
// like the capture machine, and 10x faster than real time.
func simConfig() Config {
	return Config{Hostname: "vm", Heartbeat: -1, Speed: 10, Dialplan: map[string][]DialplanApp{
		"9199": {{"set", "outside_call=true"}, {"export", "RFC2822_DATE=Thu, 26 Nov 2026 18:56:16 +0000"},
			{"answer", ""}, {"playback", "tone_stream://%(2000,0,440)"}, {"hangup", "NORMAL_CLEARING"}},
	}}
}

func startSim(t *testing.T, cfg Config) *Node {
	t.Helper()
	n, err := Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Close)
	return n
}

func dialSim(t *testing.T, n *Node) net.Conn {
	t.Helper()
	nc, err := net.Dial("tcp", n.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	return nc
}

func TestConformanceInbound(t *testing.T) {
	cases := []struct {
		file  string
		cfg   func(*Config)
		keep  func(summary) bool
		hooks func(n *Node) map[int]func()
	}{
		{file: "01-inbound-basics.jsonl", cfg: func(c *Config) { c.Heartbeat = 300 * time.Millisecond }, keep: keepAll},
		{file: "02-inbound-auth-failure.jsonl", keep: keepAll},
		{file: "03-inbound-events-call-json.jsonl", keep: dropNoise, hooks: dialplanCall},
		{file: "03-inbound-events-call-plain.jsonl", keep: dropNoise, hooks: dialplanCall},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			cfg := simConfig()
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			n := startSim(t, cfg)
			sc := loadScript(t, tc.file, "esl", tc.keep)
			var hooks map[int]func()
			if tc.hooks != nil {
				hooks = tc.hooks(n)
			}
			got := replay(t, dialSim(t, n), sc, tc.keep, hooks)
			compareFrames(t, sc.want, got)
		})
	}
}

// dialplanCall places the 9199 call once `event ... ALL` is acknowledged.
func dialplanCall(n *Node) map[int]func() {
	return map[int]func(){1: func() {
		if _, err := n.PlaceDialplanCall(IncomingCall{From: "sipp", To: "9199"}); err != nil {
			panic(err)
		}
	}}
}

// TestConformanceOutbound plays the controller's side of each outbound
// socket capture: fssim connects to our listener for a simulated caller.
func TestConformanceOutbound(t *testing.T) {
	cases := []struct {
		file  string
		call  IncomingCall
		setup func(*Node) error
		watch func(*Call) func(summary)
		keep  func(summary) bool
		// pipeline, when set, is written with the command before it
		pipeline string
	}{
		// The caller presses 1 2 # once the collection runs (sipp pressed
		// them 3.4 s after the answer); pressing on the event keeps the
		// order deterministic on a loaded machine.
		{file: "04-outbound-ivr.jsonl", call: IncomingCall{From: "sipp", To: "9100"},
			watch: func(c *Call) func(summary) {
				return func(s summary) {
					if s.name == "CHANNEL_EXECUTE:play_and_get_digits" {
						c.Press("12#")
					}
				}
			}},
		{file: "05-outbound-caller-hangup.jsonl", call: IncomingCall{From: "sipp", To: "9100", HangupAfter: 3 * time.Second}},
		{file: "07-outbound-bridge-agent.jsonl", call: IncomingCall{From: "sipp", To: "9100"},
			setup: func(n *Node) error {
				return n.RegisterPhone("1000", "127.0.0.1", PhoneScript{AnswerAfter: time.Second, HangupAfter: 3 * time.Second})
			}},
		{file: "08-outbound-bridge-noanswer.jsonl", call: IncomingCall{From: "sipp", To: "9100"},
			setup: func(n *Node) error { return n.RegisterPhone("1000", "127.0.0.1", PhoneScript{NoAnswer: true}) }},
		{file: "08c-outbound-bridge-unregistered-user.jsonl", call: IncomingCall{From: "sipp", To: "9100"}},
		// The caller's own bridge application to an agent while it plays
		// hold music (join.go): break inside the playback, multiset, bridge;
		// the agent answers after 1 s and hangs up 2 s later; the caller
		// parks (park_after_bridge), still under the socket.
		{file: "14-outbound-caller-bridge.jsonl", call: IncomingCall{From: "sipp", To: "9100"},
			pipeline: "execute-app-name: bridge",
			setup: func(n *Node) error {
				return n.RegisterPhone("1015", "127.0.0.1", PhoneScript{AnswerAfter: time.Second, HangupAfter: 2 * time.Second})
			}},
		// The same offer withdrawn while the phone rings: the controller
		// kills the leg, the bridge application fails with
		// ORIGINATOR_CANCEL and the caller stays with its socket.
		{file: "14b-outbound-caller-bridge-withdrawn.jsonl", call: IncomingCall{From: "sipp", To: "9100"},
			pipeline: "execute-app-name: bridge",
			setup:    func(n *Node) error { return n.RegisterPhone("1015", "127.0.0.1", PhoneScript{NoAnswer: true}) }},
		// continue_on_fail: the caller hears a tone after the failed bridge.
		{file: "08b-outbound-bridge-noanswer-continue-on-fail.jsonl", call: IncomingCall{From: "sipp", To: "9100"},
			setup: func(n *Node) error { return n.RegisterPhone("1000", "127.0.0.1", PhoneScript{NoAnswer: true}) },
			keep:  withoutSocketPark},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			n := startSim(t, simConfig())
			if tc.setup != nil {
				if err := tc.setup(n); err != nil {
					t.Fatal(err)
				}
			}
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			call, err := n.PlaceCall(context.Background(), ln.Addr().String(), tc.call)
			if err != nil {
				t.Fatal(err)
			}
			var watch func(summary)
			if tc.watch != nil {
				watch = tc.watch(call)
			}
			nc, err := ln.Accept()
			if err != nil {
				t.Fatal(err)
			}
			defer nc.Close()
			keep := keepAll
			if tc.keep != nil {
				keep = tc.keep
			}
			sc := loadScript(t, tc.file, "out", keep)
			if tc.pipeline != "" {
				sc = pipelined(sc, tc.pipeline)
			}
			got := replayWatch(t, nc, sc, keep, nil, watch)
			compareFrames(t, sc.want, got)
		})
	}
}

// withoutSocketPark drops CHANNEL_PARK: the socket application parks the
// channel while the controller subscribes, so whether the socket sees that
// PARK is a race (only capture 08b has it); fssim does not send it.
func withoutSocketPark(s summary) bool { return s.name != "CHANNEL_PARK" }

// membership are the conference::maintenance actions fssim simulates; the
// sound ones (play-file, play-file-done) are left out (README.md).
var membership = map[string]bool{"conference-create": true, "add-member": true, "floor-change": true,
	"kick-member": true, "del-member": true, "conference-destroy": true, "mute-member": true, "unmute-member": true}

func keepConference(s summary) bool {
	if s.name == "" {
		return true
	}
	action, ok := strings.CutPrefix(s.name, "CUSTOM/conference::maintenance:")
	return ok && membership[action]
}

func TestConformance10Conference(t *testing.T) {
	t.Parallel()
	cfg := simConfig()
	cfg.Dialplan = map[string][]DialplanApp{"9110": {{"answer", ""}, {"conference", "test-room@default"}}}
	n := startSim(t, cfg)
	sc := loadScript(t, "10-conference.jsonl", "esl", keepConference)
	hooks := map[int]func(){2: func() {
		for _, hangup := range []time.Duration{8 * time.Second, 0} {
			if _, err := n.PlaceDialplanCall(IncomingCall{From: "sipp", To: "9110", HangupAfter: hangup}); err != nil {
				t.Error(err)
			}
			time.Sleep(n.dur(time.Second))
		}
	}}
	got := replay(t, dialSim(t, n), sc, keepConference, hooks)
	compareFrames(t, sc.want, got)
}

// directoryParams are what FreeSWITCH appends to sofia::register from the
// user's directory entry (vanilla user 1000 in capture 06); fssim has no
// directory, so they are left out of the comparison.
var directoryParams = map[string]bool{}

func init() {
	for _, n := range strings.Fields(`sip_number_alias sip_auth_username sip_auth_realm number_alias
		user_name domain_name record_stereo default_gateway default_areacode
		transfer_fallback_extension toll_allow accountcode user_context effective_caller_id_name
		effective_caller_id_number outbound_caller_id_name outbound_caller_id_number callgroup`) {
		directoryParams[n] = true
	}
}

func withoutDirectory(ss []summary) []summary {
	out := make([]summary, len(ss))
	for i, s := range ss {
		s.hdrs = slices.DeleteFunc(slices.Clone(s.hdrs), func(n string) bool { return directoryParams[n] })
		out[i] = s
	}
	return out
}

func TestConformance06Registrations(t *testing.T) {
	t.Parallel()
	n := startSim(t, simConfig())
	must := func(err error) {
		if err != nil {
			t.Error(err)
		}
	}
	hooks := map[int]func(){
		1: func() { must(n.RegisterPhone("1000", "127.0.0.1", PhoneScript{})) },
		2: func() {
			must(n.UnregisterPhone("1000", "127.0.0.1"))
			must(n.RegisterPhone("1000", "127.0.0.1", PhoneScript{}))
		},
		3: func() { must(n.ExpirePhone("1000", "127.0.0.1")) },
	}
	sc := loadScript(t, "06-registrations.jsonl", "reg", keepAll)
	got := replay(t, dialSim(t, n), sc, keepAll, hooks)
	compareFrames(t, withoutDirectory(sc.want), withoutDirectory(got))
}
