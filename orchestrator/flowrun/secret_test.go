package flowrun

import (
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/switchboard-cc/switchboard/ivrflows"
)

// pinFlow collects a secret PIN, sends it to the tenant's CRM (in the path
// and the body), copies it into an ordinary variable, then queues the call
// with data that reads it directly, through the copy, and not at all.
const pinFlow = `{"id": "main", "name": "PIN", "start": "ask",
 "variables": {"pin": {"type": "string", "secret": true}, "pin_copy": {"type": "string"}, "verified": {"type": "bool"}},
 "nodes": [
  {"id": "ask", "type": "collect", "params": {"variable": "pin", "mode": "fixed", "length": 4, "prompts": [{"prompt": "welcome"}]},
   "exits": {"ok": "copy", "fail": "bye"}},
  {"id": "copy", "type": "set", "params": {"assign": [{"var": "pin_copy", "expr": "pin"}]}, "exits": {"next": "verify"}},
  {"id": "verify", "type": "http", "params": {"endpoint": "crm_api", "method": "post", "path": "/verify/${pin}", "body": {"pin": "pin"},
   "timeout_ms": 2000, "map": {"verified": "body.ok"}}, "exits": {"ok": "queue", "error": "bye"}},
  {"id": "queue", "type": "queue", "params": {"queue": "sales",
   "data": {"pin": "pin", "copy": "pin_copy", "pin_note": "'PIN ' + pin", "verified": "string(verified)", "account": "'42'"}},
   "exits": {"done": "bye", "failed": "bye"}},
  {"id": "bye", "type": "hangup", "params": {"prompts": [{"prompt": "bye"}]}}
 ]}`

// TestSecretPINLeavesTheRunnerMasked: the CRM gets the PIN; the hand-off's
// data (the agent's screen pop), every Outcome.Vars and the trace do not.
func TestSecretPINLeavesTheRunnerMasked(t *testing.T) {
	sw, s := newFakeSwitch(), &sinks{}
	sw.onPlay = map[string]string{"welcome.wav": "1234"}
	h := &fakeHTTP{fn: func(ivrflows.HTTPRequest) ivrflows.HTTPResponse {
		return ivrflows.HTTPResponse{Status: 200, Body: []byte(`{"ok": true}`)}
	}}
	r := newTestRunner(t, sw, s, func(c *Config) { c.HTTP = h })
	ctx, call := sw.call(t)
	o, err := r.Run(ctx, call, compileFlow(t, pinFlow), acme)
	if err != nil || o.Kind != HandOffQueue {
		t.Fatalf("Run = %+v, %v; want a queue hand-off", o, err)
	}
	if len(h.reqs) != 1 || !strings.HasSuffix(h.reqs[0].URL, "/verify/1234") || string(h.reqs[0].Body) != `{"pin":"1234"}` {
		t.Errorf("the CRM must get the PIN in clear: %+v", h.reqs)
	}
	want := map[string]string{"pin": ivrflows.SecretMask, "copy": ivrflows.SecretMask, "pin_note": ivrflows.SecretMask,
		"verified": "true", "account": "42"}
	for k, v := range want {
		if o.Queue.Data[k] != v {
			t.Errorf("queue data %s = %q, want %q", k, o.Queue.Data[k], v)
		}
	}
	noPIN(t, "hand-off", o)
	if o.Vars["pin"] != ivrflows.SecretMask || o.Vars["verified"] != true || o.Vars["caller"] != "+8613800000001" {
		t.Errorf("hand-off vars %v", o.Vars)
	}
	o, err = r.Resume(ctx, o.Suspend, ivrflows.QueueResult{Answered: true, Agent: "1001"})
	if err != nil || o.Kind != AgentLeg {
		t.Fatalf("Resume(answered) = %+v, %v", o, err)
	}
	noPIN(t, "agent leg", o)
	o, err = r.Resume(ctx, o.Suspend, ivrflows.AgentLegEnded{})
	if err != nil || o.Kind != Ended || o.Result != ivrflows.OutcomeHangup {
		t.Fatalf("Resume(agent left) = %+v, %v", o, err)
	}
	noPIN(t, "end", o)
	s.mu.Lock()
	defer s.mu.Unlock()
	if b, _ := json.Marshal(s.batches); len(s.batches) == 0 || strings.Contains(string(b), "1234") {
		t.Errorf("trace shows the PIN: %s", b)
	}
}

// TestEmptySecretStaysEmpty: a PIN never collected shows as "" (nothing to
// hide; the reader can tell it was not given).
func TestEmptySecretStaysEmpty(t *testing.T) {
	sw, s := newFakeSwitch(), &sinks{}
	sw.hangOn = "welcome.wav"
	r := newTestRunner(t, sw, s, nil)
	o := runFlow(t, sw, r, pinFlow)
	if o.Kind != Ended || o.Vars["pin"] != "" {
		t.Errorf("outcome %+v", o)
	}
}

// noPIN fails if the outcome carries 1234 anywhere (Suspend aside: it is
// the runner's own, opaque to the session).
func noPIN(t *testing.T, what string, o Outcome) {
	t.Helper()
	o.Suspend = nil
	if b, err := json.Marshal(o); err != nil || strings.Contains(string(b), "1234") {
		t.Errorf("%s: the outcome shows the PIN (or does not encode: %v): %s", what, err, b)
	}
}

// TestSecretInAnErrorIsScrubbed: an expression failing on the PIN quotes
// it; the outcome's error, the trace and the log do not.
func TestSecretInAnErrorIsScrubbed(t *testing.T) {
	doc := `{"id": "main", "name": "PIN", "start": "ask",
	 "variables": {"pin": {"type": "string", "secret": true}, "n": {"type": "number"}},
	 "nodes": [
	  {"id": "ask", "type": "collect", "params": {"variable": "pin", "mode": "fixed", "length": 4, "prompts": [{"prompt": "welcome"}]},
	   "exits": {"ok": "calc", "fail": "bye"}},
	  {"id": "calc", "type": "set", "params": {"assign": [{"var": "n", "expr": "int(pin + 'x')"}]}, "exits": {"next": "bye"}},
	  {"id": "bye", "type": "hangup"}]}`
	sw, s := newFakeSwitch(), &sinks{}
	sw.onPlay = map[string]string{"welcome.wav": "1234"}
	var log strings.Builder
	r := newTestRunner(t, sw, s, func(c *Config) { c.Log = slog.New(slog.NewTextHandler(&log, nil)) })
	o := runFlow(t, sw, r, doc)
	if o.Result != ivrflows.OutcomeError || !strings.Contains(o.Error, ivrflows.SecretMask) {
		t.Errorf("outcome %+v: want an error with the PIN masked", o)
	}
	noPIN(t, "error end", o)
	s.mu.Lock()
	defer s.mu.Unlock()
	if b, _ := json.Marshal(s.batches); strings.Contains(string(b), "1234") || strings.Contains(log.String(), "1234") {
		t.Errorf("the PIN shows in the trace %s or the log %s", b, log.String())
	}
}
