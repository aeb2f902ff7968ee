package fsreal

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/esl"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/eslconn"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/fssim"
)

// TestFilterConformance holds fssim's `filter` to the real switch: the same
// filter commands, then the same probe events (`sendevent CUSTOM`,
// subclass sb::filtertest, headers of the test's choosing), on the
// FreeSWITCH named by FREESWITCH_ESL and on a fssim node, must get the same
// replies and let the same probes through. After the probes a sentinel
// event (let through by an extra positive filter, or by none when the
// case leaves no filter) ends each run; it assumes the switch delivers one
// connection's events in the order they were fired, as its single event
// dispatch thread does on an idle switch.
func TestFilterConformance(t *testing.T) {
	cfg, ok, err := FromEnv()
	if err != nil {
		t.Fatal(err)
	}
	if !ok {
		t.Skip("filter conformance: set FREESWITCH_ESL, FREESWITCH_ESL_PASSWORD and FREESWITCH_SOCKET_ADDR to run (docs/freeswitch-contract.md)")
	}
	sim, err := fssim.Start(fssim.Config{Heartbeat: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	for _, tc := range filterCases {
		t.Run(tc.name, func(t *testing.T) {
			real := runFilterCase(t, cfg.ESL, cfg.ESLPassword, tc)
			simulated := runFilterCase(t, sim.Addr(), sim.Password(), tc)
			if !slices.Equal(real.replies, simulated.replies) {
				t.Errorf("replies:\n real  %q\n fssim %q", real.replies, simulated.replies)
			}
			if !slices.Equal(real.passed, simulated.passed) {
				t.Errorf("probes let through: real %v, fssim %v", real.passed, simulated.passed)
			}
		})
	}
}

// probes are the events every case sends, by index.
var probes = [][]esl.Header{
	{{Name: "X-Name", Value: "CHANNEL_ANSWER"}, {Name: "X-Mark", Value: "Yes"}, {Name: "X-Id", Value: "u1"}},
	{{Name: "X-Name", Value: "CHANNEL_STATE"}, {Name: "X-State", Value: "CS_ROUTING"}, {Name: "X-Id", Value: "u1"}},
	{{Name: "X-Name", Value: "channel_answer"}, {Name: "X-Mark", Value: "no"}},
	{{Name: "X-Name", Value: "CHANNEL_HANGUP"}, {Name: "X-Value", Value: " padded"}},
	{{Name: "X-Name", Value: "/CHANNEL/"}},
}

type filterCase struct {
	name    string
	filters []string // `filter` arguments, in order
	none    bool     // the case leaves no filter in effect: no sentinel filter
}

var filterCases = []filterCase{
	{name: "replies to every form", filters: []string{"X-Name CHANNEL_ANSWER", "add X-Id -u2 u3", "  X-Value  x",
		"add X-Lone", "X-Name", "delete", "delete X-Id -u2 u3", "delete x-value", "delete X-Nothing at-all"}},
	{name: "positive, case folded", filters: []string{"x-name channel_answer"}},
	{name: "header absent", filters: []string{"X-State CS_ROUTING"}},
	{name: "plus prefix", filters: []string{"X-Name +CHANNEL_HANGUP"}},
	{name: "negative after positive", filters: []string{"X-Name CHANNEL_ANSWER", "X-Mark -yes"}},
	{name: "negative before positive", filters: []string{"X-Mark -yes", "X-Name CHANNEL_ANSWER"}},
	{name: "negative alone", filters: []string{"X-Mark -no"}},
	{name: "value with a leading space", filters: []string{"X-Value  padded"}},
	{name: "regex", filters: []string{"X-Name /^CHANNEL_(ANSWER|STATE)$/"}},
	{name: "regex flag i", filters: []string{"X-Name /^channel_answer$/i"}},
	{name: "regex unanchored", filters: []string{"X-Id /1/"}},
	{name: "prefixed regex is text", filters: []string{"X-Name +/CHANNEL/"}},
	{name: "negative regex is text", filters: []string{"X-Id u1", "X-Name -/CHANNEL/"}},
	{name: "regex without its closing slash", filters: []string{"X-Name /CHANNEL"}},
	{name: "regex with ten groups", filters: []string{"X-Name /(C)(H)(A)(N)(N)(E)(L)(_)(A)(N)/"}},
	{name: "regex with nine groups", filters: []string{"X-Name /(C)(H)(A)(N)(N)(E)(L)(_)(A)/"}},
	{name: "the real Event-Name and subclass", filters: []string{"Event-Name CUSTOM", "X-Mark -YES"}},
	{name: "delete one value", filters: []string{"X-Name CHANNEL_HANGUP", "X-Name CHANNEL_STATE", "delete X-Name CHANNEL_HANGUP"}},
	{name: "delete compares the value exactly", filters: []string{"X-Name CHANNEL_HANGUP", "X-Name CHANNEL_STATE", "delete X-Name channel_state"}},
	{name: "delete the last filter", filters: []string{"X-Name CHANNEL_HANGUP", "delete X-Name"}, none: true},
	{name: "delete all", filters: []string{"X-Name CHANNEL_HANGUP", "X-Mark -yes", "delete all"}, none: true},
	{name: "no filter", none: true},
}

type filterRun struct {
	replies []string
	passed  []int // probe indexes let through, in arrival order
}

// runFilterCase sets tc's filters on one connection subscribed to the
// probes' subclass and fires every probe, then the sentinel, from another.
func runFilterCase(t *testing.T, addr, password string, tc filterCase) filterRun {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	got := make(chan *esl.Event, 64)
	sub, err := eslconn.Dial(ctx, addr, password, eslconn.Options{OnEvent: func(ev *esl.Event) {
		if ev.Subclass() == "sb::filtertest" {
			got <- ev
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	var run filterRun
	for _, f := range tc.filters {
		r, err := sub.Send(ctx, &esl.Frame{Line: "filter " + f})
		var refused *eslconn.ReplyError
		switch {
		case errors.As(err, &refused):
			run.replies = append(run.replies, refused.Text)
		case err != nil:
			t.Fatalf("filter %s: %v", f, err)
		default:
			run.replies = append(run.replies, r.ReplyText())
		}
	}
	if !tc.none {
		if _, err := sub.Send(ctx, &esl.Frame{Line: "filter X-Sentinel yes"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := sub.Send(ctx, &esl.Frame{Line: "event json CUSTOM sb::filtertest"}); err != nil {
		t.Fatal(err)
	}
	pub, err := eslconn.Dial(ctx, addr, password, eslconn.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	fire := func(id string, hs []esl.Header) {
		f := &esl.Frame{Line: "sendevent CUSTOM", Headers: append([]esl.Header{
			{Name: "Event-Subclass", Value: "sb::filtertest"}, {Name: "X-Probe", Value: id}}, hs...)}
		if _, err := pub.Send(ctx, f); err != nil {
			t.Fatalf("sendevent %s: %v", id, err)
		}
	}
	for i, hs := range probes {
		fire(strconv.Itoa(i), hs)
	}
	fire("sentinel", []esl.Header{{Name: "X-Sentinel", Value: "yes"}})
	for {
		select {
		case ev := <-got:
			id := ev.Get("X-Probe")
			if id == "sentinel" {
				return run
			}
			n, err := strconv.Atoi(id)
			if err != nil {
				t.Fatalf("probe %q", id)
			}
			run.passed = append(run.passed, n)
		case <-ctx.Done():
			t.Fatalf("%s: no sentinel from %s (let through so far: %v)", tc.name, addr, run.passed)
		}
	}
}
