package flowrun

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/ivrflows"
)

// menuFlow is a two-level menu: 1 sales (1 orders, 9 back), 2 support.
const menuFlow = `{"id": "main", "name": "Main", "start": "welcome",
 "nodes": [
  {"id": "welcome", "type": "play", "params": {"prompts": [{"prompt": "welcome"}], "barge_in": true}, "exits": {"next": "main_menu"}},
  {"id": "main_menu", "type": "menu", "params": {"prompts": [{"prompt": "main"}], "timeout_ms": 500, "tries": 1},
   "exits": {"1": "sales_menu", "2": "support_menu", "fail": "bye"}},
  {"id": "sales_menu", "type": "menu", "params": {"prompts": [{"prompt": "sales"}], "timeout_ms": 500, "tries": 1},
   "exits": {"1": "orders", "9": "main_menu", "fail": "bye"}},
  {"id": "support_menu", "type": "menu", "params": {"prompts": [{"prompt": "support"}], "timeout_ms": 500, "tries": 1},
   "exits": {"1": "bye", "fail": "bye"}},
  {"id": "orders", "type": "play", "params": {"prompts": [{"prompt": "orders"}]}, "exits": {"next": "bye"}},
  {"id": "bye", "type": "hangup", "params": {"prompts": [{"prompt": "bye"}]}}
 ]}`

func runFlow(t *testing.T, sw *fakeSwitch, r *Runner, doc string) Outcome {
	t.Helper()
	ctx, call := sw.call(t)
	o, err := r.Run(ctx, call, compileFlow(t, doc), acme)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return o
}

func TestMenus(t *testing.T) {
	tests := []struct {
		name   string
		onPlay map[string]string
		log    []string
		nodes  []string
	}{
		{"keys after each prompt", map[string]string{"sales.wav": "1", "main.wav": "1"},
			[]string{"answer", "play welcome.wav", "play main.wav", "stop", "play sales.wav", "stop", "play orders.wav", "play bye.wav", "hangup NORMAL_CLEARING"},
			[]string{"welcome", "main_menu", "sales_menu", "orders", "bye"}},
		{"deep shortcut typed during the barge-in welcome", map[string]string{"welcome.wav": "11"},
			[]string{"answer", "play welcome.wav", "stop", "play orders.wav", "play bye.wav", "hangup NORMAL_CLEARING"},
			[]string{"welcome", "main_menu", "sales_menu", "orders", "bye"}},
		{"back to the main menu", map[string]string{"welcome.wav": "19", "main.wav": "11"},
			[]string{"answer", "play welcome.wav", "stop", "play main.wav", "stop", "play orders.wav", "play bye.wav", "hangup NORMAL_CLEARING"},
			[]string{"welcome", "main_menu", "sales_menu", "main_menu", "sales_menu", "orders", "bye"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sw, s := newFakeSwitch(), &sinks{}
			sw.onPlay = tt.onPlay
			o := runFlow(t, sw, newTestRunner(t, sw, s, nil), menuFlow)
			if o.Kind != Ended || o.Result != ivrflows.OutcomeHangup {
				t.Fatalf("outcome %+v", o)
			}
			if tt.log != nil && !slices.Equal(sw.Log(), tt.log) {
				t.Errorf("switch log\n got %q\nwant %q", sw.Log(), tt.log)
			}
			if got := s.nodes(); !slices.Equal(got, tt.nodes) {
				t.Errorf("trace %q, want %q", got, tt.nodes)
			}
		})
	}
}

func TestKeyDuringPlayWithoutBargeInIsTypeAhead(t *testing.T) {
	doc := strings.Replace(menuFlow, `"barge_in": true`, `"barge_in": false`, 1)
	sw, s := newFakeSwitch(), &sinks{}
	sw.onPlay = map[string]string{"welcome.wav": "2", "support.wav": "1"}
	runFlow(t, sw, newTestRunner(t, sw, s, nil), doc)
	want := []string{"answer", "play welcome.wav", "play support.wav", "stop", "play bye.wav", "hangup NORMAL_CLEARING"}
	if !slices.Equal(sw.Log(), want) {
		t.Errorf("log %q, want %q (welcome plays to its end, 2 skips the main menu)", sw.Log(), want)
	}
}

func TestMenuTimeout(t *testing.T) {
	sw, s := newFakeSwitch(), &sinks{}
	sw.playFor = 300 * time.Millisecond
	start := time.Now()
	o := runFlow(t, sw, newTestRunner(t, sw, s, nil), menuFlow)
	// welcome 300 ms, menu prompt 300 ms, then the 500 ms timeout counted
	// from the end of the prompt (IVR-4), then the goodbye prompt.
	if took := time.Since(start); took < 1400*time.Millisecond || took > 2500*time.Millisecond {
		t.Errorf("flow ended after %v, want about 1.4 s", took)
	}
	if o.Result != ivrflows.OutcomeHangup || !slices.Equal(s.nodes(), []string{"welcome", "main_menu", "bye"}) {
		t.Errorf("outcome %+v trace %q", o, s.nodes())
	}
}

func TestCallerHangupMidFlow(t *testing.T) {
	sw, s := newFakeSwitch(), &sinks{}
	sw.onPlay = map[string]string{"welcome.wav": "1"}
	sw.hangOn = "sales.wav"
	sw.playFor = time.Second
	r := newTestRunner(t, sw, s, nil)
	start := time.Now()
	o := runFlow(t, sw, r, menuFlow)
	if time.Since(start) > 900*time.Millisecond {
		t.Errorf("Run took %v: it did not stop at the hang-up", time.Since(start))
	}
	if o.Kind != Ended || o.Result != ivrflows.OutcomeCallerHangup {
		t.Fatalf("outcome %+v", o)
	}
	if got, want := s.nodes(), []string{"welcome", "main_menu", "sales_menu"}; !slices.Equal(got, want) {
		t.Errorf("flushed trace %q, want %q", got, want)
	}
	if slices.Contains(sw.Log(), "hangup NORMAL_CLEARING") {
		t.Errorf("runner hung up a call that was already gone: %q", sw.Log())
	}
	st := r.Stats()
	if st.InIVR != 0 || st.Flow(FlowKey{"acme", "main", 1}).Abandoned != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestAnswerFailure(t *testing.T) {
	sw, s := newFakeSwitch(), &sinks{}
	ctx, call := sw.call(t)
	sw.cancel(errors.New("gone before answer"))
	r := newTestRunner(t, sw, s, nil)
	o, err := r.Run(ctx, call, compileFlow(t, menuFlow), acme)
	if err == nil || o.Result != ivrflows.OutcomeError {
		t.Fatalf("Run = %+v, %v; want an answer error", o, err)
	}
	if st := r.Stats(); st.InIVR != 0 || st.Flow(FlowKey{"acme", "main", 1}).Failed != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestRunRefusesBadCalls(t *testing.T) {
	sw := newFakeSwitch()
	r := newTestRunner(t, sw, &sinks{}, nil)
	ctx, call := sw.call(t)
	if _, err := r.Run(ctx, call, nil, acme); !errors.Is(err, ErrBadCall) {
		t.Errorf("nil program: %v", err)
	}
	if _, err := r.Run(ctx, call, compileFlow(t, menuFlow), Meta{}); !errors.Is(err, ErrBadCall) || !strings.Contains(err.Error(), "no tenant") {
		t.Errorf("no tenant: %v", err)
	}
	call.Key.Node = ""
	if _, err := r.Run(ctx, call, compileFlow(t, menuFlow), acme); !errors.Is(err, ErrBadCall) || !strings.Contains(err.Error(), "call key") {
		t.Errorf("no node: %v", err)
	}
	if _, err := New(Config{}); !errors.Is(err, ErrConfig) {
		t.Errorf("no switch: %v", err)
	}
	if len(sw.Log()) != 0 {
		t.Errorf("switch touched: %q", sw.Log())
	}
}
