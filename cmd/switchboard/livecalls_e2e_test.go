package main

import (
	"context"
	"strings"
	"testing"

	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/fssim"
	"github.com/switchboard-cc/switchboard/store"
)

// wallboardFlow plays a long prompt, then queues the caller in sales.
const wallboardFlow = `{"id": "wallboard", "name": "Wallboard", "start": "welcome",
 "nodes": [
  {"id": "welcome", "type": "play", "params": {"prompts": [{"prompt": "long_welcome"}]}, "exits": {"next": "queue"}},
  {"id": "queue", "type": "queue", "params": {"queue": "sales"}, "exits": {"done": "bye", "failed": "bye"}},
  {"id": "bye", "type": "hangup", "params": {"prompts": [{"text": {"*": "Goodbye"}}]}}
 ]}`

// liveCall is a line of GET /live-calls.
type liveCall struct {
	CallID   string `json:"call_id"`
	State    string `json:"state"`
	Queue    string `json:"queue_id"`
	Agent    string `json:"agent_id"`
	Flow     string `json:"flow_id"`
	FlowNode string `json:"flow_node"`
	Caller   string `json:"caller"`
	Dir      string `json:"direction"`
}

// liveCalls reads a tenant's live-call list into a fresh slice (decoding
// into a reused one would keep fields a later answer omits).
func liveCalls(c *client, tenantPath, token string) []liveCall {
	c.t.Helper()
	var l []liveCall
	c.must(200, "GET", tenantPath+"/live-calls", token, nil, &l)
	return l
}

// TestLiveCallsShowCallsInTheIVR: a call whose number enters a flow is
// listed as ivr (with the flow and node) while the flow's prompt plays,
// then as queued once the flow queues it, and leaves the list when the
// caller hangs up; a supervisor's force release ends a call in the IVR;
// the other tenant's supervisor neither sees nor touches these calls.
func TestLiveCallsShowCallsInTheIVR(t *testing.T) {
	w := newWorld(t, "", 5)
	c, admin := w.apiClient()
	acme := w.ten["acme"]
	acmePath, boltPath := "/api/v1/tenants/"+string(acme.ID), "/api/v1/tenants/"+string(w.ten["bolt"].ID)
	acmeSup := w.supervisor(c, admin, "acme", "1009")
	boltSup := w.supervisor(c, admin, "bolt", "1009")
	// 100 s of silence: fssim times silence_stream by its URL (5 s at the
	// world's speed); an uploaded file would last fssim's FileDuration.
	if _, err := w.ctrl.st.CreatePrompt(context.Background(), store.SystemActor, acme.ID, store.PromptInput{Name: "long_welcome",
		Language: "en", Path: "silence_stream://100000", SizeBytes: 1, DurationMS: 100000}); err != nil {
		t.Fatal(err)
	}
	w.publishFlowOn(c, admin, "acme", wallboardFlow, "wallboard", "+862000009100")
	var flows struct {
		Items []struct{ ID, Name string }
	}
	c.must(200, "GET", acmePath+"/flows", admin, nil, &flows)
	if len(flows.Items) != 1 {
		t.Fatalf("flows: %+v", flows)
	}
	flowID := flows.Items[0].ID
	place := func(from string) *fssim.Call {
		call, err := w.node.RouteCall(context.Background(), w.xc, fssim.IncomingCall{From: from, To: "+862000009100"})
		if err != nil {
			t.Fatal(err)
		}
		return call
	}
	inIVR := func(call *fssim.Call) {
		t.Helper()
		waitUntil(t, "the call listed in the IVR", func() bool {
			l := liveCalls(c, acmePath, acmeSup)
			return len(l) == 1 && l[0].CallID == call.UUID() && l[0].State == "ivr" && l[0].FlowNode == "welcome"
		})
		if l := liveCalls(c, acmePath, acmeSup); len(l) != 1 || l[0].Flow != flowID || l[0].Queue != "" || l[0].Agent != "" || l[0].Dir != "inbound" {
			t.Fatalf("call in the IVR: %+v (flow %s)", l, flowID)
		}
	}
	gone := func(what string) {
		t.Helper()
		waitUntil(t, what, func() bool { return len(liveCalls(c, acmePath, acmeSup)) == 0 })
	}

	call := place("13800000011")
	inIVR(call)
	if l := liveCalls(c, boltPath, boltSup); len(l) != 0 {
		t.Fatalf("Bolt sees Acme's call: %+v", l)
	}
	for _, p := range []string{boltPath, acmePath} {
		for _, action := range []string{"hangup", "hold"} {
			if st, body := c.call("POST", p+"/live-calls/"+call.UUID()+"/"+action, boltSup, map[string]bool{"on": true}, nil); st != 404 {
				t.Fatalf("Bolt's supervisor: %s of Acme's call via %s: want 404, got %d %s", action, p, st, body)
			}
		}
	}
	if st, body := c.call("POST", acmePath+"/live-calls/"+call.UUID()+"/hold", acmeSup, map[string]bool{"on": true}, nil); st != 409 || !strings.Contains(body, "not_connected") {
		t.Fatalf("hold of a call in the IVR: want 409 not_connected, got %d %s", st, body)
	}
	waitUntil(t, "the call queued by the flow", func() bool {
		l := liveCalls(c, acmePath, acmeSup)
		return len(l) == 1 && l[0].CallID == call.UUID() && l[0].State == "queued" && l[0].Queue == acme.queue.ID && l[0].Flow == ""
	})
	if call.Info().Ended {
		t.Fatal("the caller's leg ended while queued")
	}
	call.Hangup("")
	waitCall(t, call)
	gone("the hung-up call leaving the list")

	// Force release while the prompt plays: the caller's leg ends (the call
	// would otherwise wait in the queue for good: no agent is ready).
	call = place("13800000012")
	inIVR(call)
	c.must(200, "POST", acmePath+"/live-calls/"+call.UUID()+"/hangup", acmeSup, nil, nil)
	waitCall(t, call)
	gone("the released call leaving the list")
	if l := liveCalls(c, boltPath, boltSup); len(l) != 0 {
		t.Fatalf("Bolt sees Acme's calls: %+v", l)
	}
}
