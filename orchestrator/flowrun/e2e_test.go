package flowrun

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/ivrflows"
	"github.com/switchboard-cc/switchboard/orchestrator"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/fssim"
	"github.com/switchboard-cc/switchboard/orchestrator/switchtest/fssimharness"
)

// End to end: the real FreeSWITCH adapter over loopback ESL to a simulated
// node; the runner drives calls the node hands over with `socket`.

type e2e struct {
	t      *testing.T
	node   *fssim.Node
	sw     *freeswitch.Adapter
	addr   string // the adapter's outbound-socket listener
	sinks  *sinks
	runner *Runner
}

func newE2E(t *testing.T, mod func(*Config)) *e2e {
	t.Helper()
	node, a, addr := fssimharness.Start(t, fssim.Config{Heartbeat: -1, FileDuration: 150 * time.Millisecond})
	e := &e2e{t: t, node: node, sw: a, addr: addr, sinks: &sinks{}}
	e.runner = newTestRunner(t, a, e.sinks, func(c *Config) {
		if testing.Verbose() {
			c.Log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
		}
		if mod != nil {
			mod(c)
		}
	})
	return e
}

// serve runs h for every call the node hands over, until the test ends.
func (e *e2e) serve(h orchestrator.CallHandler) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.sw.ServeCalls(ctx, h) }()
	e.t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			e.t.Errorf("ServeCalls: %v", err)
		}
	})
}

// runAll serves calls by running prog on each, reporting outcomes.
func (e *e2e) runAll(prog func() *ivrflows.Program, version func() int) <-chan Outcome {
	out := make(chan Outcome, 4)
	e.serve(func(ctx context.Context, call orchestrator.InboundCall) {
		o, err := e.runner.Run(ctx, call, prog(), Meta{Tenant: "acme", FlowID: "main", Version: version()})
		if err != nil {
			e.t.Errorf("Run: %v", err)
		}
		out <- o
	})
	return out
}

func (e *e2e) place(from string) *fssim.Call {
	e.t.Helper()
	vars := fssimharness.DialplanVars(fssimharness.Node, e.node) // the node's socket token, as its dialplan sets it
	vars["sb_tenant"] = "acme"
	c, err := e.node.PlaceCall(context.Background(), e.addr, fssim.IncomingCall{From: from, To: "4000", Vars: vars})
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// waitPlayed waits until the caller heard file (n-th time, from 1).
func waitPlayed(t *testing.T, c *fssim.Call, file string, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		played := c.Info().Played
		count := 0
		for _, p := range played {
			if p == file {
				count++
			}
		}
		if count >= n {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("%s never played; played %q", file, c.Info().Played)
}

func waitDone(t *testing.T, c *fssim.Call) fssim.CallInfo {
	t.Helper()
	select {
	case <-c.Done():
	case <-time.After(10 * time.Second):
		t.Fatalf("call did not end; info %+v", c.Info())
	}
	return c.Info()
}

func waitOutcome(t *testing.T, ch <-chan Outcome) Outcome {
	t.Helper()
	select {
	case o := <-ch:
		return o
	case <-time.After(10 * time.Second):
		t.Fatal("no outcome")
	}
	return Outcome{}
}

func TestE2EMenuDeepShortcut(t *testing.T) {
	e := newE2E(t, nil)
	// The welcome here does not take barge-in, so both keys of "11" are
	// in hand when it ends. (With barge-in the first key cuts the welcome
	// and the second may reach the controller only after the sales prompt
	// started, as with a real caller's spaced keys: that prompt is then cut,
	// which the level-by-level call below covers.)
	doc := strings.Replace(menuFlow, `"barge_in": true`, `"barge_in": false`, 1)
	if doc == menuFlow {
		t.Fatal("menuFlow has no barge-in welcome to turn off")
	}
	prog := compileFlow(t, doc)
	outcomes := e.runAll(func() *ivrflows.Program { return prog }, func() int { return 1 })

	// Shortcut: "11" typed during the welcome jumps two menu levels.
	c := e.place("+8613800000001")
	waitPlayed(t, c, "welcome.wav", 1)
	c.Press("11")
	info := waitDone(t, c)
	if o := waitOutcome(t, outcomes); o.Result != ivrflows.OutcomeHangup {
		t.Errorf("outcome %+v", o)
	}
	if want := []string{"welcome.wav", "orders.wav", "bye.wav"}; !slices.Equal(info.Played, want) {
		t.Errorf("played %q, want %q (menus skipped by type-ahead)", info.Played, want)
	}
	if !info.Answered || info.HangupCause != "NORMAL_CLEARING" || info.DTMF != "11" {
		t.Errorf("call %+v", info)
	}

	// Level by level: each key cuts its menu's prompt.
	c = e.place("+8613800000002")
	waitPlayed(t, c, "main.wav", 1)
	c.Press("1")
	waitPlayed(t, c, "sales.wav", 1)
	c.Press("1")
	info = waitDone(t, c)
	waitOutcome(t, outcomes)
	if want := []string{"welcome.wav", "main.wav", "sales.wav", "orders.wav", "bye.wav"}; !slices.Equal(info.Played, want) {
		t.Errorf("played %q, want %q", info.Played, want)
	}
	if !slices.Contains(info.APIs, "uuid_break") {
		t.Errorf("no uuid_break for the cut prompts: %q", info.APIs)
	}
	noPlaybackLeft(t)
}

func TestE2EHTTPLookup(t *testing.T) {
	var paths sync.Map
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		paths.Store(r.URL.Path, r.Header.Get("Authorization"))
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"balance": 250}`))
	}))
	defer srv.Close()
	catalog := strings.Replace(testCatalog, `"base_url": "http://crm.example/api"`,
		`"base_url": "`+srv.URL+`/api", "headers": {"Authorization": "Bearer acme"}`, 1)
	doc := `{"id": "main", "name": "H", "start": "crm",
	 "variables": {"account": {"type": "string", "default": "42"}, "balance": {"type": "number"}},
	 "nodes": [
	  {"id": "crm", "type": "http", "params": {"endpoint": "crm_api", "path": "/accounts/${account}", "timeout_ms": 2000,
	   "map": {"balance": "body.balance"}}, "exits": {"ok": "rich", "error": "bye"}},
	  {"id": "rich", "type": "condition", "params": {"expr": "balance > 100"}, "exits": {"true": "vip", "false": "bye"}},
	  {"id": "vip", "type": "play", "params": {"prompts": [{"prompt": "orders"}]}, "exits": {"next": "bye"}},
	  {"id": "bye", "type": "hangup", "params": {"prompts": [{"prompt": "bye"}]}}]}`
	e := newE2E(t, func(c *Config) { c.HTTP = NewHTTPClient(true) })
	prog := compileWith(t, doc, catalog)
	outcomes := e.runAll(func() *ivrflows.Program { return prog }, func() int { return 1 })
	c := e.place("+8613800000001")
	info := waitDone(t, c)
	o := waitOutcome(t, outcomes)
	if o.Vars["balance"] != float64(250) {
		t.Errorf("vars %v", o.Vars)
	}
	if auth, ok := paths.Load("/api/accounts/42"); !ok || auth != "Bearer acme" {
		t.Errorf("server saw %v %v", auth, ok)
	}
	if want := []string{"orders.wav", "bye.wav"}; !slices.Equal(info.Played, want) {
		t.Errorf("played %q, want %q", info.Played, want)
	}
	if got := e.sinks.nodes(); !slices.Equal(got, []string{"crm", "rich", "vip", "bye"}) {
		t.Errorf("trace %q", got)
	}
}

// queueSession is what the call session does around a queue hand-off:
// check the data, then either an agent leg or no agent.
func (e *e2e) queueSession(answered bool, got chan<- Outcome) {
	e.serve(func(ctx context.Context, call orchestrator.InboundCall) {
		o, err := e.runner.Run(ctx, call, compileFlow(e.t, queueFlow), acme)
		if err != nil || o.Kind != HandOffQueue {
			e.t.Errorf("Run = %+v, %v", o, err)
			got <- o
			return
		}
		got <- o
		if !answered {
			o, err = e.runner.Resume(ctx, o.Suspend, ivrflows.QueueResult{Reason: "no agent"})
		} else if o, err = e.runner.Resume(ctx, o.Suspend, ivrflows.QueueResult{Answered: true, Agent: "1001"}); err == nil {
			time.Sleep(50 * time.Millisecond) // the agent leg (simulated)
			o, err = e.runner.Resume(ctx, o.Suspend, ivrflows.AgentLegEnded{})
		}
		if err != nil {
			e.t.Errorf("Resume: %v", err)
		}
		got <- o
	})
}

func TestE2EQueueHandOffAndSurvey(t *testing.T) {
	e := newE2E(t, nil)
	got := make(chan Outcome, 2)
	e.queueSession(true, got)
	c := e.place("+8613800000009")
	o := waitOutcome(t, got)
	if o.Queue.Queue != "sales" || o.Queue.Data["account"] != "42" || o.Queue.Data["caller"] != "+8613800000009" {
		t.Errorf("hand-off %+v: the data for the agent's screen is missing", o.Queue)
	}
	waitPlayed(t, c, "survey.wav", 1)
	c.Press("5")
	info := waitDone(t, c)
	if o := waitOutcome(t, got); o.Result != ivrflows.OutcomeHangup {
		t.Errorf("end %+v", o)
	}
	e.sinks.mu.Lock()
	defer e.sinks.mu.Unlock()
	if len(e.sinks.surveys) != 1 || e.sinks.surveys[0].Score != 5 || e.sinks.surveys[0].Agent != "1001" || e.sinks.surveys[0].CallID != c.UUID() {
		t.Errorf("surveys %+v", e.sinks.surveys)
	}
	if want := []string{"survey.wav", "bye.wav"}; !slices.Equal(info.Played, want) {
		t.Errorf("played %q, want %q", info.Played, want)
	}
}

// unconfirmedRecorder works around an adapter gap: on an outbound-socket
// call the adapter subscribes with `myevents` only, whose event list (real
// FreeSWITCH's, which fssim follows) has no RECORD_START/RECORD_STOP, so
// Adapter.RecordStart/RecordStop wait for a confirmation that never comes
// (until CommandTimeout). The command itself reaches the node; this wrapper
// gives the confirmation 300 ms and then trusts the reply. Remove it once the
// adapter also subscribes to RECORD_* on socket connections.
type unconfirmedRecorder struct{ *freeswitch.Adapter }

func (u unconfirmedRecorder) RecordStart(ctx context.Context, k orchestrator.Key, path string) error {
	return u.short(ctx, func(ctx context.Context) error { return u.Adapter.RecordStart(ctx, k, path) })
}

func (u unconfirmedRecorder) RecordStop(ctx context.Context, k orchestrator.Key, path string) error {
	return u.short(ctx, func(ctx context.Context) error { return u.Adapter.RecordStop(ctx, k, path) })
}

func (u unconfirmedRecorder) short(ctx context.Context, f func(context.Context) error) error {
	sctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	if err := f(sctx); err != nil && !(errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil) {
		return err
	}
	return nil
}

func TestE2EVoicemail(t *testing.T) {
	e := newE2E(t, nil)
	e.runner.cfg.Switch = unconfirmedRecorder{e.sw}
	got := make(chan Outcome, 2)
	e.queueSession(false, got)
	c := e.place("+8613800000007")
	waitOutcome(t, got)
	info := waitDone(t, c)
	waitOutcome(t, got)
	e.sinks.mu.Lock()
	defer e.sinks.mu.Unlock()
	if len(e.sinks.vms) != 1 {
		t.Fatalf("voicemails %+v", e.sinks.vms)
	}
	m := e.sinks.vms[0]
	if m.Mailbox != "general" || m.Caller != "+8613800000007" || m.Duration < 900*time.Millisecond || m.Duration > 3*time.Second ||
		!slices.Equal(info.Recordings, []string{m.Path}) || !strings.HasPrefix(m.Path, "/rec/acme/voicemail/general/") {
		t.Errorf("message %+v, node recordings %q", m, info.Recordings)
	}
	if want := []string{"vm.wav", beepOnNode(t), "bye.wav"}; !slices.Equal(info.Played, want) {
		t.Errorf("played %q, want %q", info.Played, want)
	}
	if !slices.Contains(info.APIs, "uuid_record start "+m.Path) || !slices.Contains(info.APIs, "uuid_record stop "+m.Path) {
		t.Errorf("apis %q", info.APIs)
	}
}

func TestE2ECallKeepsItsVersion(t *testing.T) {
	const v = `{"id": "main", "name": "V", "start": "menu", "nodes": [
	  {"id": "menu", "type": "menu", "params": {"prompts": [{"prompt": "PROMPT"}], "timeout_ms": 5000, "tries": 1},
	   "exits": {"1": "one", "fail": "bye"}},
	  {"id": "one", "type": "play", "params": {"prompts": [{"prompt": "BRANCH"}]}, "exits": {"next": "bye"}},
	  {"id": "bye", "type": "hangup", "params": {}}]}`
	v1 := compileFlow(t, strings.NewReplacer("PROMPT", "v1", "BRANCH", "sales").Replace(v))
	v2 := compileFlow(t, strings.NewReplacer("PROMPT", "v2", "BRANCH", "support").Replace(v))
	type live struct {
		prog    *ivrflows.Program
		version int
	}
	var current atomic.Pointer[live]
	current.Store(&live{v1, 1})
	e := newE2E(t, nil)
	outcomes := make(chan Outcome, 2)
	e.serve(func(ctx context.Context, call orchestrator.InboundCall) {
		l := current.Load() // the session resolves the alias once, at the start
		o, err := e.runner.Run(ctx, call, l.prog, Meta{Tenant: "acme", FlowID: "main", Version: l.version})
		if err != nil {
			t.Errorf("Run: %v", err)
		}
		outcomes <- o
	})
	a := e.place("+8613800000001")
	waitPlayed(t, a, "v1.wav", 1)
	current.Store(&live{v2, 2}) // v2 published and made live
	b := e.place("+8613800000002")
	waitPlayed(t, b, "v2.wav", 1)
	st := e.runner.Stats()
	if st.Flow(FlowKey{"acme", "main", 1}).Active != 1 || st.Flow(FlowKey{"acme", "main", 2}).Active != 1 {
		t.Errorf("stats %+v", st.Flows)
	}
	a.Press("1")
	b.Press("1")
	ia, ib := waitDone(t, a), waitDone(t, b)
	waitOutcome(t, outcomes)
	waitOutcome(t, outcomes)
	if want := []string{"v1.wav", "sales.wav"}; !slices.Equal(ia.Played, want) {
		t.Errorf("in-flight call played %q, want v1's %q", ia.Played, want)
	}
	if want := []string{"v2.wav", "support.wav"}; !slices.Equal(ib.Played, want) {
		t.Errorf("new call played %q, want v2's %q", ib.Played, want)
	}
}

// beepOnNode is the record beep as the simulated node plays it: the
// adapter's rendering of the port's tone.
func beepOnNode(t *testing.T) string {
	t.Helper()
	s, ok := freeswitch.ToneStream(orchestrator.ToneRecordBeep)
	if !ok {
		t.Fatal("the adapter renders no record beep")
	}
	return s
}
