package ivrflows

import (
	"testing"
	"time"
)

// collectFlow has one collect node "c" with the given params; ok goes to
// "got", fail to "failed" (both hang up).
func collectFlow(params string) string {
	return flowJSON(`"x": {"type": "string"}`,
		`{"id": "c", "type": "collect", "params": {"variable": "x", "prompts": [{"prompt": "main_menu"}],
		  "invalid_prompts": [{"prompt": "invalid"}], "no_input_prompts": [{"prompt": "welcome"}], `+params+`},
		  "exits": {"ok": "got", "fail": "failed"}}`,
		`{"id": "got", "type": "hangup"}`, `{"id": "failed", "type": "hangup", "params": {"cause": "NO_USER_RESPONSE"}}`)
}

var (
	menuPrompt    = []PlayItem{file("acme/en/main_menu.wav")}
	retryInvalid  = []PlayItem{file("acme/en/invalid.wav"), file("acme/en/main_menu.wav")}
	retryNoInput  = []PlayItem{file("acme/en/welcome.wav"), file("acme/en/main_menu.wav")}
	firstTimeout  = 5 * time.Second
	interTimeout  = 3 * time.Second
	askFirst      = Collect{Prompt: menuPrompt, Timeout: firstTimeout}
	askNext       = Collect{Timeout: interTimeout}
	askAfterReset = Collect{Timeout: firstTimeout}
)

// step is one input of a DTMF script and the Collect it must produce (nil:
// the entry is complete).
type step struct {
	in  Input
	ask *Collect
}

func key(k string) Input { return Digit{Key: k} }

func TestCollectDTMFRules(t *testing.T) {
	ask := func(c Collect) *Collect { return &c }
	tests := []struct {
		name   string
		params string
		steps  []step
		want   string // value of x, or "" when the collect failed
	}{
		{"single key is the entry", `"mode": "single"`,
			[]step{{key("7"), nil}}, "7"},
		{"single takes star and hash as keys", `"mode": "single"`,
			[]step{{key("#"), nil}}, "#"},
		{"fixed completes at length without terminator", `"mode": "fixed", "length": 3`,
			[]step{{key("1"), ask(askNext)}, {key("2"), ask(askNext)}, {key("3"), nil}}, "123"},
		{"fixed ended early by # is invalid, then retried", `"mode": "fixed", "length": 3, "tries": 2`,
			[]step{{key("1"), ask(askNext)}, {key("#"), ask(Collect{Prompt: retryInvalid, Timeout: firstTimeout})},
				{key("4"), ask(askNext)}, {key("5"), ask(askNext)}, {key("6"), nil}}, "456"},
		{"fixed cut by inter-digit timeout is invalid", `"mode": "fixed", "length": 3, "tries": 1`,
			[]step{{key("1"), ask(askNext)}, {Timeout{}, nil}}, ""},
		{"variable ends at # which is not part of the entry", `"mode": "variable", "min": 2, "max": 6`,
			[]step{{key("1"), ask(askNext)}, {key("2"), ask(askNext)}, {key("3"), ask(askNext)}, {key("#"), nil}}, "123"},
		{"variable ends at inter-digit timeout", `"mode": "variable", "min": 2, "max": 6`,
			[]step{{key("1"), ask(askNext)}, {key("2"), ask(askNext)}, {Timeout{}, nil}}, "12"},
		{"variable ends at max", `"mode": "variable", "max": 3`,
			[]step{{key("9"), ask(askNext)}, {key("8"), ask(askNext)}, {key("7"), nil}}, "987"},
		{"variable shorter than min is invalid", `"mode": "variable", "min": 3, "max": 6, "tries": 1`,
			[]step{{key("1"), ask(askNext)}, {key("#"), nil}}, ""},
		{"star resets the entry and restarts the first-digit timeout", `"mode": "variable", "max": 6`,
			[]step{{key("1"), ask(askNext)}, {key("2"), ask(askNext)}, {key("*"), ask(askAfterReset)},
				{key("3"), ask(askNext)}, {key("#"), nil}}, "3"},
		{"custom terminator and reset keys", `"mode": "variable", "max": 6, "terminator": "*", "reset_key": "#"`,
			[]step{{key("1"), ask(askNext)}, {key("#"), ask(askAfterReset)}, {key("2"), ask(askNext)}, {key("*"), nil}}, "2"},
		{"no terminator: # is an ordinary key", `"mode": "variable", "max": 3, "terminator": ""`,
			[]step{{key("1"), ask(askNext)}, {key("#"), ask(askNext)}, {Timeout{}, nil}}, "1#"},
		{"first-digit timeout plays the no-input prompt, then succeeds", `"mode": "single", "tries": 2`,
			[]step{{Timeout{}, ask(Collect{Prompt: retryNoInput, Timeout: firstTimeout})}, {key("5"), nil}}, "5"},
		{"all tries without input fail", `"mode": "single", "tries": 2`,
			[]step{{Timeout{}, ask(Collect{Prompt: retryNoInput, Timeout: firstTimeout})}, {Timeout{}, nil}}, ""},
		{"pattern rejects an entry", `"mode": "variable", "max": 4, "pattern": "1[0-9]+", "tries": 2`,
			[]step{{key("2"), ask(askNext)}, {key("#"), ask(Collect{Prompt: retryInvalid, Timeout: firstTimeout})},
				{key("1"), ask(askNext)}, {key("2"), ask(askNext)}, {key("#"), nil}}, "12"},
		{"custom timeouts", `"mode": "variable", "max": 4, "first_digit_timeout_ms": 8000, "inter_digit_timeout_ms": 1500`,
			[]step{{key("1"), ask(Collect{Timeout: 1500 * time.Millisecond})}, {Timeout{}, nil}}, "1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := startFlow(t, collectFlow(tt.params))
			d.at("c")
			first := d.last.Commands[0].(Collect)
			if len(first.Prompt) != 1 || first.Prompt[0] != menuPrompt[0] || first.Timeout <= 0 {
				t.Fatalf("first command %#v, want the prompt and the first-digit timeout", first)
			}
			for i, st := range tt.steps {
				d.feed(st.in)
				if st.ask != nil {
					d.want(*st.ask)
					continue
				}
				if i != len(tt.steps)-1 {
					t.Fatalf("step %d ended the collect early", i)
				}
			}
			if tt.want == "" {
				d.ended(OutcomeHangup)
				d.want(Hangup{Cause: "NO_USER_RESPONSE"})
				return
			}
			d.ended(OutcomeHangup)
			if got := d.s.Vars["x"]; got != tt.want {
				t.Fatalf("x = %q, want %q", got, tt.want)
			}
		})
	}
}

// Keys pressed before a collect starts (during a prompt) are used first, so
// no prompt is played; keys typed ahead are dropped after a failed attempt.
func TestCollectTypeAhead(t *testing.T) {
	doc := flowJSON(`"x": {"type": "string"}`,
		`{"id": "p", "type": "play", "params": {"prompts": [{"prompt": "welcome"}]}, "exits": {"next": "c"}}`,
		`{"id": "c", "type": "collect", "params": {"variable": "x", "mode": "fixed", "length": 2, "prompts": [{"prompt": "main_menu"}],
		  "invalid_prompts": [{"prompt": "invalid"}]}, "exits": {"ok": "end", "fail": "end"}}`, hangupNode)
	d := startFlow(t, doc)
	d.want(Play{Items: []PlayItem{file("acme/en/welcome.wav")}})
	d.keys("4")
	d.want() // no barge-in: the prompt goes on, the key is kept
	d.feed(PlayDone{})
	d.want(Collect{Timeout: interTimeout}) // one key already in, no prompt
	d.keys("2")
	d.ended(OutcomeHangup)
	if d.s.Vars["x"] != "42" {
		t.Fatalf("x = %v, want 42", d.s.Vars["x"])
	}

	d = startFlow(t, doc)
	d.keys("1#99")
	d.feed(PlayDone{})
	d.want(Collect{Prompt: retryInvalid, Timeout: firstTimeout}) // "1#" invalid, "99" dropped
	if d.s.TypeAhead != "" {
		t.Fatalf("type-ahead %q kept after a failed attempt", d.s.TypeAhead)
	}
}

func TestMenu(t *testing.T) {
	doc := flowJSON(``,
		`{"id": "m", "type": "menu", "params": {"prompts": [{"prompt": "main_menu"}], "invalid_prompts": [{"prompt": "invalid"}], "tries": 2},
		  "exits": {"1": "one", "*": "star", "fail": "end"}}`,
		`{"id": "one", "type": "hangup", "params": {"cause": "USER_BUSY"}}`,
		`{"id": "star", "type": "hangup", "params": {"cause": "CALL_REJECTED"}}`, hangupNode)
	d := startFlow(t, doc)
	d.want(askFirst)
	d.keys("1")
	d.want(Hangup{Cause: "USER_BUSY"})

	d = startFlow(t, doc)
	d.keys("*")
	d.want(Hangup{Cause: "CALL_REJECTED"})

	d = startFlow(t, doc)
	d.keys("5")
	d.want(Collect{Prompt: retryInvalid, Timeout: firstTimeout})
	d.keys("9")
	d.want(Hangup{Cause: "NORMAL_CLEARING"})
	if got := d.visited(); len(got) != 2 || got[0] != "m:fail" {
		t.Fatalf("trace %v, want m:fail then end", got)
	}
}

// IVR-6: keys typed ahead jump through nested menus without their prompts.
func TestMenuShortcutToAnyDepth(t *testing.T) {
	doc := flowJSON(``,
		`{"id": "hello", "type": "play", "params": {"prompts": [{"prompt": "welcome"}], "barge_in": true}, "exits": {"next": "top"}}`,
		`{"id": "top", "type": "menu", "params": {"prompts": [{"prompt": "main_menu"}]}, "exits": {"2": "sub", "fail": "end"}}`,
		`{"id": "sub", "type": "menu", "params": {"prompts": [{"prompt": "sales_menu"}]}, "exits": {"3": "subsub", "fail": "end"}}`,
		`{"id": "subsub", "type": "menu", "params": {"prompts": [{"prompt": "goodbye"}]}, "exits": {"1": "target", "fail": "end"}}`,
		`{"id": "target", "type": "hangup", "params": {"cause": "USER_BUSY"}}`, hangupNode)
	d := startFlow(t, doc)
	d.keys("2")
	d.want(StopPlay{}) // barge-in
	d.keys("31")
	d.want() // StopPlay only once
	d.feed(PlayDone{})
	d.want(Hangup{Cause: "USER_BUSY"})
	want := []string{"hello:next", "top:2", "sub:3", "subsub:1", "target:"}
	if got := d.visited(); !equal(got, want) {
		t.Fatalf("visited %v, want %v", got, want)
	}

	// Barge into each menu prompt as it plays: same path.
	d = startFlow(t, doc)
	d.feed(PlayDone{})
	d.want(Collect{Prompt: menuPrompt, Timeout: firstTimeout})
	d.keys("2")
	d.want(Collect{Prompt: []PlayItem{file("acme/en/sales_menu.wav")}, Timeout: firstTimeout})
	d.keys("3")
	d.at("subsub")
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
