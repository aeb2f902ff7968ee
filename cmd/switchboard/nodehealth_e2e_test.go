package main

import (
	"encoding/json"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/api"
	"github.com/switchboard-cc/switchboard/orchestrator"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/fssim"
)

// TestANodeWithoutMusicOrGatewayThroughServe: serve on a node with no music
// installed and no gateway. /readyz shows both as soon as the node is up (no
// call needed); a waiting caller hears the fallback tone at once, the music
// never tried, with a WARN; an agent's dial-out is refused with 409
// gateway_missing naming the gateway and the node before anything is
// originated (no leg on the node, no CDR). Once the gateway is added on the
// node, the node's event tells the controller and the same dial-out goes
// through.
func TestANodeWithoutMusicOrGatewayThroughServe(t *testing.T) {
	w := newWorldNode(t, "", 5, func(c *fssim.Config) { c.NoMusic, c.NoGateways = true, true })
	srv := httptest.NewServer(w.ctrl.mux)
	defer srv.Close()
	c, admin := w.apiClient()
	acme := w.ten["acme"]
	base := "/api/v1/tenants/" + string(acme.ID)

	r := readyz(t, srv.URL)
	if len(r.Nodes) != 1 {
		t.Fatalf("readyz nodes %+v", r.Nodes)
	}
	n := r.Nodes[0]
	if n.HoldMusic != "missing" || !n.HoldMusicMissing || !strings.Contains(n.HoldMusicDetail, "local_stream moh") ||
		n.Gateways == nil || len(n.Gateways) != 0 || n.GatewayMissing != "pstn" {
		t.Errorf("readyz node %+v: want music missing, gateways known and empty, pstn missing", n)
	}
	if !slices.ContainsFunc(r.Warnings, func(s string) bool { return strings.Contains(s, "no playable hold music") }) ||
		!slices.ContainsFunc(r.Warnings, func(s string) bool { return strings.Contains(s, `no gateway "pstn"`) }) {
		t.Errorf("readyz warnings %q", r.Warnings)
	}

	// A caller waits (no agent is ready): the tone at once, never the music.
	tone, _ := freeswitch.ToneStream(orchestrator.ToneHoldFallback)
	waiting := w.place("acme", "13800000001", 0)
	waitUntil(t, "the caller hearing the fallback tone", func() bool { return waiting.Info().Hears.Media == tone })
	if played := waiting.Info().Played; slices.Contains(played, "local_stream://moh") {
		t.Errorf("the music was tried first: %q", played)
	}
	if !strings.Contains(w.logs.String(), "hold music missing on this node") {
		t.Error("no WARN for the hold that fell back")
	}
	if err := waiting.Hangup("NORMAL_CLEARING"); err != nil {
		t.Fatal(err)
	}

	// The far end would answer if the gateway existed.
	if err := w.node.AddGatewayNumber("pstn", "95599", fssim.PhoneScript{AnswerAfter: 50 * time.Millisecond, TalkFor: time.Second}); err != nil {
		t.Fatal(err)
	}
	agent := w.userWithPhone(c, admin, "acme", "1007", "agent")
	c.must(200, "POST", base+"/acd/me/state", agent, map[string]string{"state": "login"}, nil)
	legsBefore := len(w.node.Calls())
	st, body := c.call("POST", base+"/agent-calls", agent, map[string]string{"number": "95599"}, nil)
	var e struct {
		Error struct{ Code, Message string }
	}
	_ = json.Unmarshal([]byte(body), &e)
	if st != 409 || e.Error.Code != "gateway_missing" || !strings.Contains(e.Error.Message, `"pstn"`) || !strings.Contains(e.Error.Message, "fs1") {
		t.Fatalf("dial-out through a missing gateway: %d %s, want 409 gateway_missing naming pstn and fs1", st, body)
	}
	if calls := w.node.Calls(); len(calls) != legsBefore {
		t.Fatalf("something was originated: %+v", calls[legsBefore:])
	}
	for _, rec := range w.cdrs("acme") {
		if rec.Leg == "outbound" {
			t.Fatalf("a CDR for a call never placed: %+v", rec)
		}
	}

	// The operator adds the gateway: the node says so, and the dial works.
	if err := w.node.AddGateway("pstn"); err != nil {
		t.Fatal(err)
	}
	var res struct {
		CallID string `json:"call_id"`
	}
	waitUntil(t, "the dial-out accepted", func() bool {
		st, _ := c.call("POST", base+"/agent-calls", agent, map[string]string{"number": "95599"}, &res)
		return st == 200
	})
	waitUntil(t, "the outbound call answered", func() bool {
		for _, rec := range w.cdrs("acme") {
			if rec.CallID == res.CallID && rec.Disposition == "answered" {
				return true
			}
		}
		return false
	})
	if r := readyz(t, srv.URL); r.Nodes[0].GatewayMissing != "" ||
		!slices.Equal(r.Nodes[0].Gateways, []api.GatewayState{{Name: "pstn", State: "ADDED"}}) {
		t.Errorf("readyz after the gateway was added: %+v", r.Nodes[0])
	}
}
