package flowrun

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/ivrflows"
	"github.com/switchboard-cc/switchboard/tenancy"
)

const ioFlow = `{"id": "main", "name": "IO", "start": "black",
 "variables": {"account": {"type": "string", "default": "42"}, "balance": {"type": "number"}, "orders": {"type": "number"}},
 "nodes": [
  {"id": "black", "type": "lookup", "params": {"list": "blacklist"}, "exits": {"found": "blocked", "not_found": "crm"}},
  {"id": "blocked", "type": "hangup", "params": {"cause": "CALL_REJECTED"}},
  {"id": "crm", "type": "http", "params": {"endpoint": "crm_api", "path": "/accounts/${account}", "timeout_ms": 1000, "retries": 1,
   "map": {"balance": "body.balance"}}, "exits": {"ok": "db", "error": "bye"}},
  {"id": "db", "type": "sql", "params": {"datasource": "crm", "query": "SELECT count(*) AS n FROM orders WHERE account = $1",
   "params": ["account"], "map": {"orders": "rows[0].n"}}, "exits": {"ok": "bye", "error": "bye"}},
  {"id": "bye", "type": "hangup", "params": {"prompts": [{"text": {"*": "Goodbye"}}]}}
 ]}`

func TestLookupHTTPSQL(t *testing.T) {
	sw, s := newFakeSwitch(), &sinks{}
	h := &fakeHTTP{fn: func(r ivrflows.HTTPRequest) ivrflows.HTTPResponse {
		if r.Attempt == 1 {
			return ivrflows.HTTPResponse{Err: "connection refused"}
		}
		return ivrflows.HTTPResponse{Status: 200, Body: []byte(`{"balance": 12.5}`)}
	}}
	q := &fakeSQL{rows: []map[string]any{{"n": float64(3)}}}
	r := newTestRunner(t, sw, s, func(c *Config) { c.HTTP, c.SQL, c.Lists = h, q, fakeLists{} })
	o := runFlow(t, sw, r, ioFlow)
	if o.Vars["balance"] != 12.5 || o.Vars["orders"] != float64(3) {
		t.Errorf("vars %v", o.Vars)
	}
	if len(h.reqs) != 2 || h.reqs[1].URL != "http://crm.example/api/accounts/42" || h.reqs[1].Attempt != 2 {
		t.Errorf("http requests %+v", h.reqs)
	}
	if len(q.got) != 1 || !q.got[0].ReadOnly || !slices.Equal(q.got[0].Args, []any{"42"}) {
		t.Errorf("sql %+v", q.got)
	}
	want := []string{"answer", "speak en:Goodbye", "hangup NORMAL_CLEARING"}
	if !slices.Equal(sw.Log(), want) {
		t.Errorf("log %q, want %q", sw.Log(), want)
	}
}

func TestBlacklistedCallerRejected(t *testing.T) {
	sw, s := newFakeSwitch(), &sinks{}
	lists := fakeLists{"acme/blacklist": {"+8613800000001"}}
	r := newTestRunner(t, sw, s, func(c *Config) { c.Lists = lists })
	runFlow(t, sw, r, ioFlow)
	if want := []string{"answer", "hangup CALL_REJECTED"}; !slices.Equal(sw.Log(), want) {
		t.Errorf("log %q, want %q", sw.Log(), want)
	}
}

// fakeTTS renders text to a file name.
type fakeTTS struct{}

func (fakeTTS) Synthesize(ctx context.Context, text, voice string) (string, error) {
	if text == "fail" {
		return "", errors.New("engine down")
	}
	return "/tts/" + voice + "-" + text + ".wav", nil
}

func TestPromptsThroughTTS(t *testing.T) {
	sw, s := newFakeSwitch(), &sinks{}
	r := newTestRunner(t, sw, s, func(c *Config) {
		c.Prompter = fakeTTS{}
		c.HTTP = &fakeHTTP{fn: func(ivrflows.HTTPRequest) ivrflows.HTTPResponse { return ivrflows.HTTPResponse{Status: 500} }}
	})
	runFlow(t, sw, r, ioFlow)
	if !slices.Contains(sw.Log(), "play /tts/en-Goodbye.wav") {
		t.Errorf("log %q: text not played as a TTS file", sw.Log())
	}
}

const queueFlow = `{"id": "main", "name": "Q", "start": "queue",
 "variables": {"account": {"type": "string", "default": "42"}},
 "nodes": [
  {"id": "queue", "type": "queue", "params": {"queue": "sales", "priority": 5, "skills": ["en"],
   "data": {"account": "account", "caller": "caller"}}, "exits": {"done": "survey", "failed": "vm"}},
  {"id": "survey", "type": "survey", "params": {"question": "satisfaction", "prompts": [{"prompt": "survey"}], "min": 1, "max": 5, "timeout_ms": 1000, "tries": 1},
   "exits": {"next": "bye"}},
  {"id": "vm", "type": "voicemail", "params": {"mailbox": "general", "greeting": [{"prompt": "vm"}], "max_seconds": 1, "notify": true},
   "exits": {"next": "bye"}},
  {"id": "bye", "type": "hangup", "params": {"prompts": [{"prompt": "bye"}]}}
 ]}`

func TestQueueHandOffAgentLegSurvey(t *testing.T) {
	sw, s := newFakeSwitch(), &sinks{}
	sw.onPlay = map[string]string{"survey.wav": "4"}
	r := newTestRunner(t, sw, s, nil)
	ctx, call := sw.call(t)
	o, err := r.Run(ctx, call, compileFlow(t, queueFlow), acme)
	if err != nil || o.Kind != HandOffQueue || o.Suspend == nil {
		t.Fatalf("Run = %+v, %v; want a queue hand-off", o, err)
	}
	q := o.Queue
	if q.Queue != "sales" || q.Priority != 5 || !slices.Equal(q.Skills, []string{"en"}) ||
		q.Data["account"] != "42" || q.Data["caller"] != "+8613800000001" {
		t.Errorf("queue hand-off %+v", q)
	}
	if st := r.Stats(); st.InIVR != 0 || st.Flow(FlowKey{"acme", "main", 1}).Completed != 1 {
		t.Errorf("while queued: stats %+v", st)
	}
	o, err = r.Resume(ctx, o.Suspend, ivrflows.QueueResult{Answered: true, Agent: "1001"})
	if err != nil || o.Kind != AgentLeg || o.Vars["agent_id"] != "1001" {
		t.Fatalf("Resume(answered) = %+v, %v; want AgentLeg", o, err)
	}
	sw.press("9") // the agent's business: dropped by the interpreter
	o, err = r.Resume(ctx, o.Suspend, ivrflows.AgentLegEnded{})
	if err != nil || o.Kind != Ended || o.Result != ivrflows.OutcomeHangup {
		t.Fatalf("Resume(agent leg ended) = %+v, %v", o, err)
	}
	if len(s.surveys) != 1 || s.surveys[0].Score != 4 || s.surveys[0].Agent != "1001" || s.surveys[0].CallID != "call-1" ||
		s.surveys[0].Tenant != "acme" || s.surveys[0].Question != "satisfaction" {
		t.Errorf("surveys %+v", s.surveys)
	}
	if want := []string{"answer", "play survey.wav", "stop", "play bye.wav", "hangup NORMAL_CLEARING"}; !slices.Equal(sw.Log(), want) {
		t.Errorf("log %q, want %q (the 9 pressed for the agent is not a survey answer)", sw.Log(), want)
	}
	if got, want := s.nodes(), []string{"queue", "survey", "bye"}; !slices.Equal(got, want) {
		t.Errorf("trace %q, want %q", got, want)
	}
	if st := r.Stats(); st.InIVR != 0 || st.Flow(FlowKey{"acme", "main", 1}).Completed != 1 {
		t.Errorf("after: stats %+v", st)
	}
	if _, err := r.Resume(ctx, o.Suspend, ivrflows.AgentLegEnded{}); !errors.Is(err, ErrBadCall) {
		t.Errorf("resume of an ended flow: %v", err)
	}
}

func TestResumeTwiceRefused(t *testing.T) {
	sw, s := newFakeSwitch(), &sinks{}
	r := newTestRunner(t, sw, s, nil)
	ctx, call := sw.call(t)
	o, _ := r.Run(ctx, call, compileFlow(t, queueFlow), acme)
	susp := o.Suspend
	if _, err := r.Resume(ctx, susp, ivrflows.AgentLegEnded{}); !errors.Is(err, ErrNotWanted) {
		t.Errorf("AgentLegEnded before QueueResult: %v", err)
	}
	if _, err := r.Resume(ctx, susp, ivrflows.QueueResult{Answered: true, Agent: "7"}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Resume(ctx, susp, ivrflows.AgentLegEnded{}); !errors.Is(err, ErrResumed) {
		t.Errorf("second resume: %v", err)
	}
}

func TestQueueFailedVoicemail(t *testing.T) {
	tests := []struct {
		name     string
		hangup   bool // the caller hangs up while recording
		onRecord string
		minDur   time.Duration
		maxDur   time.Duration
	}{
		{"max length", false, "", 900 * time.Millisecond, 2 * time.Second},
		{"key ends the message", false, "#", 0, 300 * time.Millisecond},
		{"caller hangs up: message kept", true, "", 0, 500 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sw, s := newFakeSwitch(), &sinks{}
			sw.onRecord = tt.onRecord
			sw.hangOnRecord = tt.hangup // on the event, not after a fixed delay: under load that came before the recording
			r := newTestRunner(t, sw, s, nil)
			ctx, call := sw.call(t)
			o, _ := r.Run(ctx, call, compileFlow(t, queueFlow), acme)
			o, err := r.Resume(ctx, o.Suspend, ivrflows.QueueResult{Reason: "no agents"})
			if err != nil || o.Kind != Ended {
				t.Fatalf("Resume = %+v, %v", o, err)
			}
			if len(s.vms) != 1 {
				t.Fatalf("voicemails %+v", s.vms)
			}
			m := s.vms[0]
			wantPath := "/rec/acme/voicemail/general/call-1-1.wav"
			if m.Path != wantPath || m.Mailbox != "general" || !m.Notify || m.Caller != "+8613800000001" || m.Tenant != "acme" {
				t.Errorf("message %+v", m)
			}
			if m.Duration < tt.minDur || m.Duration > tt.maxDur {
				t.Errorf("duration %v, want %v..%v", m.Duration, tt.minDur, tt.maxDur)
			}
			log := sw.Log()
			if !slices.Contains(log, "play vm.wav") || !slices.Contains(log, "tone record_beep") || !slices.Contains(log, "record_start "+wantPath) {
				t.Errorf("log %q", log)
			}
			if stopped := slices.Contains(log, "record_stop "+wantPath); stopped == tt.hangup {
				t.Errorf("record_stop sent: %v with hang-up %v (log %q)", stopped, tt.hangup, log)
			}
			wantOutcome := ivrflows.OutcomeHangup
			if tt.hangup {
				wantOutcome = ivrflows.OutcomeCallerHangup
			}
			if o.Result != wantOutcome {
				t.Errorf("outcome %s, want %s", o.Result, wantOutcome)
			}
		})
	}
}

func TestTransferHandOff(t *testing.T) {
	doc := `{"id": "main", "name": "T", "start": "xfer", "nodes": [
	  {"id": "xfer", "type": "transfer", "params": {"to": "number", "target": "+862112345678"}, "exits": {"failed": "bye"}},
	  {"id": "bye", "type": "hangup", "params": {"cause": "NORMAL_CLEARING"}}]}`
	for _, ok := range []bool{true, false} {
		t.Run(fmt.Sprint("ok=", ok), func(t *testing.T) {
			sw, s := newFakeSwitch(), &sinks{}
			r := newTestRunner(t, sw, s, nil)
			ctx, call := sw.call(t)
			o, err := r.Run(ctx, call, compileFlow(t, doc), acme)
			if err != nil || o.Kind != HandOffTransfer || o.Transfer.To != "number" || o.Transfer.Target != "+862112345678" {
				t.Fatalf("Run = %+v, %v", o, err)
			}
			o, err = r.Resume(ctx, o.Suspend, ivrflows.TransferResult{OK: ok})
			want := ivrflows.OutcomeTransferred
			if !ok {
				want = ivrflows.OutcomeHangup
			}
			if err != nil || o.Result != want {
				t.Errorf("Resume = %+v, %v; want %s", o, err, want)
			}
			if hung := slices.Contains(sw.Log(), "hangup NORMAL_CLEARING"); hung == ok {
				t.Errorf("log %q", sw.Log())
			}
		})
	}
}

func TestRecordNodeSetsPath(t *testing.T) {
	doc := `{"id": "main", "name": "R", "start": "rec", "variables": {"msg": {"type": "string"}}, "nodes": [
	  {"id": "rec", "type": "record", "params": {"prompts": [{"prompt": "vm"}], "max_seconds": 1, "variable": "msg"}, "exits": {"next": "bye"}},
	  {"id": "bye", "type": "hangup", "params": {}}]}`
	sw, s := newFakeSwitch(), &sinks{}
	sw.onRecord = "1"
	o := runFlow(t, sw, newTestRunner(t, sw, s, nil), doc)
	if o.Vars["msg"] != "/rec/acme/call-1-1.wav" {
		t.Errorf("vars %v", o.Vars)
	}
	if slices.Contains(sw.Log(), "tone record_beep") || len(s.vms) != 0 {
		t.Errorf("log %q vms %v: no beep and no mailbox expected", sw.Log(), s.vms)
	}
}

func TestTraceBatchesAndRetry(t *testing.T) {
	sw, s := newFakeSwitch(), &sinks{failNext: 1}
	sw.onPlay = map[string]string{"welcome.wav": "19", "main.wav": "11"}
	r := newTestRunner(t, sw, s, func(c *Config) { c.TraceBatch = 2 })
	o := runFlow(t, sw, r, menuFlow)
	want := []string{"welcome", "main_menu", "sales_menu", "main_menu", "sales_menu", "orders", "bye"}
	if got := s.nodes(); !slices.Equal(got, want) || o.Trace != len(want) {
		t.Fatalf("trace %q (outcome says %d), want %q", got, o.Trace, want)
	}
	if len(s.batches) < 2 {
		t.Errorf("%d batches: entries were not batched", len(s.batches))
	}
	for _, b := range s.batches {
		if b.CallID != "call-1" || b.FlowID != "main" || b.Version != 1 {
			t.Errorf("batch header %+v", b)
		}
	}
	if st := r.Stats(); st.TraceFailed != 1 {
		t.Errorf("trace failures %d, want 1", st.TraceFailed)
	}
}

func TestPortsGauge(t *testing.T) {
	s := &sinks{}
	r := newTestRunner(t, newFakeSwitch(), s, nil)
	prog := compileFlow(t, menuFlow)
	const calls = 3
	var wg sync.WaitGroup
	sws := make([]*fakeSwitch, calls)
	for i := range sws {
		sw := newFakeSwitch()
		sw.playFor = 5 * time.Second
		sws[i] = sw
		tenant := tenancy.TenantID("acme")
		if i == 2 {
			tenant = "globex"
		}
		ctx, call := sw.call(t)
		call.Key.ID = fmt.Sprint("call-", i)
		rr := *r
		rr.cfg.Switch = sw
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _ = rr.Run(ctx, call, prog, Meta{Tenant: tenant, FlowID: "main", Version: 1})
		}()
	}
	deadline := time.Now().Add(2 * time.Second)
	for r.Stats().InIVR != calls && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	st := r.Stats()
	if st.InIVR != calls || st.Nodes["fs1"] != (NodePorts{Busy: 3, Idle: 7, Capacity: 10}) || st.Tenants["acme"] != 2 || st.Tenants["globex"] != 1 {
		t.Errorf("during: %+v", st)
	}
	if ts := r.TenantStats("globex"); ts.InIVR != 1 || len(ts.Flows) != 1 || ts.Nodes != nil || len(ts.Tenants) != 1 {
		t.Errorf("tenant view leaks or misses: %+v", ts)
	}
	for _, sw := range sws {
		sw.callerHangup()
	}
	wg.Wait()
	st = r.Stats()
	if st.InIVR != 0 || st.Flow(FlowKey{"acme", "main", 1}).Abandoned != 2 || st.Flow(FlowKey{"acme", "main", 1}).Started != 2 ||
		st.Nodes["fs1"] != (NodePorts{Idle: 10, Capacity: 10}) {
		t.Errorf("after: %+v", st)
	}
}
