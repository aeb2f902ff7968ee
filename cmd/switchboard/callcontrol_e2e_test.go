package main

import (
	"bufio"
	"context"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/fssim"
	"github.com/switchboard-cc/switchboard/store"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// supervisor creates a supervisor user with an agent record (a phone) in a
// tenant through the API and returns its access token and extension.
func (w *world) supervisor(c *client, admin, tenant, ext string) string {
	w.t.Helper()
	return w.userWithPhone(c, admin, tenant, ext, "supervisor")
}

// userWithPhone creates a user of role with an agent record and a registered
// phone, and returns its access token.
func (w *world) userWithPhone(c *client, admin, tenant, ext, role string) string {
	w.t.Helper()
	wt := w.ten[tenant]
	base := "/api/v1/tenants/" + string(wt.ID)
	var u struct{ ID string }
	email := role + ext + "@" + wt.SIPDomain
	before := len(w.ctrl.conf.Snapshot().Agents[wt.ID])
	c.must(201, "POST", base+"/users", admin, map[string]any{"email": email, "display_name": role, "role": role, "password": "supervisor-pass-1"}, &u)
	c.must(201, "POST", base+"/agents", admin, map[string]any{"user_id": u.ID, "extension": ext, "display_name": role,
		"sip_password": "sip-secret-" + ext, "skills": []any{}, "queues": []any{map[string]any{"queue_id": wt.queue.ID, "priority": 1}}}, nil)
	if err := w.node.RegisterPhone(ext, wt.SIPDomain, fssim.PhoneScript{AnswerAfter: 50 * time.Millisecond}); err != nil {
		w.t.Fatal(err)
	}
	waitUntil(w.t, "supervisor phone and agent record", func() bool {
		_, ok := w.ctrl.conf.Snapshot().QueueID(wt.ID, wt.queue.ID)
		return ok && w.ctrl.conf.Registered(ext, wt.SIPDomain) && len(w.ctrl.conf.Snapshot().Agents[wt.ID]) == before+1
	})
	return c.login(email, "supervisor-pass-1")
}

// liveLegTo is the live leg the node dialled to ext (an agent's phone).
func (w *world) liveLegTo(t *testing.T, ext string) fssim.CallInfo {
	t.Helper()
	var leg fssim.CallInfo
	waitUntil(t, "a live leg to "+ext, func() bool {
		for _, ci := range w.node.Calls() {
			if ci.To == ext && ci.Answered && ci.HangupCause == "" {
				leg = ci
				return true
			}
		}
		return false
	})
	return leg
}

func TestSupervisorAndAgentCallControlOverREST(t *testing.T) {
	w := newWorld(t, "", 5)
	c, admin := w.apiClient()
	acmeSup := w.supervisor(c, admin, "acme", "1009")
	boltSup := w.supervisor(c, admin, "bolt", "1009")
	if err := w.node.AddGatewayNumber("pstn", "95511", fssim.PhoneScript{AnswerAfter: 50 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	w.agentReady("acme", "1001", fssim.PhoneScript{AnswerAfter: 50 * time.Millisecond})
	call := w.place("acme", "13800000001", 0)
	acme, bolt := "/api/v1/tenants/"+string(w.ten["acme"].ID), "/api/v1/tenants/"+string(w.ten["bolt"].ID)

	var live []struct {
		CallID string `json:"call_id"`
		Agent  string `json:"agent_id"`
		State  string `json:"state"`
	}
	waitUntil(t, "the call talking", func() bool {
		c.must(200, "GET", acme+"/live-calls", acmeSup, nil, &live)
		return len(live) == 1 && live[0].State == "talking"
	})
	if live[0].CallID != call.UUID() || live[0].Agent != w.ten["acme"].agents["1001"].ID {
		t.Fatalf("live call: %+v", live)
	}
	// Bolt's supervisor sees none of it and can touch none of it.
	c.must(200, "GET", bolt+"/live-calls", boltSup, nil, &live)
	if len(live) != 0 {
		t.Fatalf("Bolt sees Acme's calls: %+v", live)
	}
	for _, path := range []string{bolt + "/live-calls/" + call.UUID() + "/hold", acme + "/live-calls/" + call.UUID() + "/hold"} {
		if st, body := c.call("POST", path, boltSup, map[string]bool{"on": true}, nil); st != 404 {
			t.Fatalf("Bolt's supervisor holding Acme's call via %s: want 404, got %d %s", path, st, body)
		}
	}

	// Hold: the caller hears the music and not the agent; the agent's phone
	// is re-INVITEd, the caller's gateway is not. Unhold restores the talk.
	agentLeg := w.liveLegTo(t, "1001").UUID
	c.must(200, "POST", acme+"/live-calls/"+call.UUID()+"/hold", acmeSup, map[string]bool{"on": true}, nil)
	waitUntil(t, "the caller hearing hold music", func() bool { return call.Info().Hears.Media == "local_stream://moh" })
	if h, _ := w.node.Hears(agentLeg); !h.Silent() {
		t.Errorf("the held agent hears %+v, want silence", h)
	}
	c.must(200, "POST", acme+"/live-calls/"+call.UUID()+"/hold", acmeSup, map[string]bool{"on": false}, nil)
	waitUntil(t, "caller and agent hearing each other again", func() bool {
		h, _ := w.node.Hears(agentLeg)
		return call.Info().Hears.Peer == agentLeg && h.Peer == call.UUID()
	})
	if a, _ := w.node.CallByUUID(agentLeg); !slices.Equal(a.ReInvites, []string{"sendonly", "sendrecv"}) || len(call.Info().ReInvites) != 0 {
		t.Fatalf("re-INVITEs: agent %v, caller %v", a.ReInvites, call.Info().ReInvites)
	}

	// Listen: the supervisor's phone rings, answers and eavesdrops on the agent leg.
	var res struct{ Leg string }
	c.must(200, "POST", acme+"/live-calls/"+call.UUID()+"/monitor", acmeSup, map[string]string{"mode": "listen"}, &res)
	// The monitor request returns once the eavesdrop app is sent; the node
	// starts it a moment later.
	waitUntil(t, "the supervisor's leg eavesdropping", func() bool {
		sup, ok := w.node.CallByUUID(res.Leg)
		return ok && len(sup.Eavesdropped) == 1
	})
	if st, _ := c.call("POST", acme+"/live-calls/"+call.UUID()+"/monitor", acmeSup, map[string]string{"mode": "shout"}, nil); st != 422 {
		t.Fatalf("bad monitor mode: want 422, got %d", st)
	}

	// Blind transfer to an external number, made while the caller is on hold
	// (FreeSWITCH hangs up the partner of a held leg that hangs up, so the
	// agent's leg must be unheld first): the agent is released, the caller
	// is bridged to the number, and the CDR says transferred.
	c.must(200, "POST", acme+"/live-calls/"+call.UUID()+"/hold", acmeSup, map[string]bool{"on": true}, nil)
	c.must(200, "POST", acme+"/live-calls/"+call.UUID()+"/transfer", acmeSup, map[string]string{"kind": "number", "target": "95511"}, nil)
	defer func() {
		if t.Failed() {
			for _, ci := range w.node.Calls() {
				t.Logf("node call %s %s->%s answered=%v apps=%v bridged=%v cause=%s", ci.UUID, ci.From, ci.To, ci.Answered, ci.Apps, ci.Bridged, ci.HangupCause)
			}
		}
	}()
	waitUntil(t, "the caller bridged to the number", func() bool {
		return slices.ContainsFunc(w.node.Calls(), func(ci fssim.CallInfo) bool {
			return (ci.To == "95511" || ci.To == "pstn") && ci.Answered && slices.Contains(ci.Bridged, call.UUID())
		})
	})
	waitUntil(t, "the caller hearing the number", func() bool {
		h := call.Info().Hears
		ci, ok := w.node.CallByUUID(h.Peer)
		return ok && (ci.To == "95511" || ci.To == "pstn")
	})
	call.Hangup("")
	waitCall(t, call)
	if r := w.waitCallerCDR("acme", call.UUID()); r.Disposition != "transferred" {
		t.Fatalf("caller CDR after transfer: %+v", r)
	}

	// Every action is in the tenant's audit log.
	var audit struct {
		Items []struct{ Action string }
	}
	c.must(200, "GET", acme+"/audit?limit=200", admin, nil, &audit)
	var actions []string
	for _, a := range audit.Items {
		actions = append(actions, a.Action)
	}
	for _, want := range []string{"call.hold", "call.unhold", "call.monitor_listen", "call.transfer"} {
		if !slices.Contains(actions, want) {
			t.Errorf("audit lacks %s: %v", want, actions)
		}
	}
}

func TestScreenPopReachesTheAgentsEventStream(t *testing.T) {
	w := newWorld(t, "", 5)
	c, admin := w.apiClient()
	sup := w.supervisor(c, admin, "acme", "1009")
	boltSup := w.supervisor(c, admin, "bolt", "1009")
	w.agentReady("acme", "1001", fssim.PhoneScript{AnswerAfter: 50 * time.Millisecond, TalkFor: 4 * time.Second})

	acmeEvents := openStream(t, c.base+"/api/v1/tenants/"+string(w.ten["acme"].ID)+"/live-calls/events", sup)
	boltEvents := openStream(t, c.base+"/api/v1/tenants/"+string(w.ten["bolt"].ID)+"/live-calls/events", boltSup)
	call, err := w.node.RouteCall(context.Background(), w.xc, fssim.IncomingCall{From: "13800000001", To: w.ten["acme"].number,
		Vars: map[string]string{"sb_data_policy": "P-77"}})
	if err != nil {
		t.Fatal(err)
	}
	ev := acmeEvents.next(t, "offer")
	if !strings.Contains(ev, `"policy":"P-77"`) || !strings.Contains(ev, `"caller":"13800000001"`) ||
		!strings.Contains(ev, w.ten["acme"].agents["1001"].ID) || !strings.Contains(ev, w.ten["acme"].queue.ID) {
		t.Fatalf("screen pop lacks caller, agent, queue or attached data: %s", ev)
	}
	acmeEvents.next(t, "connected")
	call.Hangup("")
	waitCall(t, call)
	if got := boltEvents.drain(); len(got) != 0 {
		t.Fatalf("Bolt's stream received Acme's notices: %v", got)
	}
}

// sseStream reads server-sent events in the background.
type sseStream struct {
	events chan string
	cancel context.CancelFunc
}

func openStream(t *testing.T, url, token string) *sseStream {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 200 {
		cancel()
		t.Fatalf("open stream %s: %v %v", url, err, res)
	}
	s := &sseStream{events: make(chan string, 64), cancel: cancel}
	t.Cleanup(cancel)
	go func() {
		defer res.Body.Close()
		sc := bufio.NewScanner(res.Body)
		var kind string
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				kind = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				select {
				case s.events <- kind + " " + strings.TrimPrefix(line, "data: "):
				default:
				}
			}
		}
	}()
	return s
}

func (s *sseStream) next(t *testing.T, kind string) string {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case ev := <-s.events:
			if strings.HasPrefix(ev, kind+" ") {
				return ev
			}
		case <-deadline:
			t.Fatalf("no %s event", kind)
		}
	}
}

func (s *sseStream) drain() []string {
	var out []string
	for {
		select {
		case ev := <-s.events:
			out = append(out, ev)
		case <-time.After(100 * time.Millisecond):
			return out
		}
	}
}

func TestAgentDialsOutAndCallsAnotherAgent(t *testing.T) {
	w := newWorld(t, "", 5)
	c, admin := w.apiClient()
	acme := w.ten["acme"]
	base := "/api/v1/tenants/" + string(acme.ID)
	agent := w.userWithPhone(c, admin, "acme", "1007", "agent")
	if err := w.node.AddGatewayNumber("pstn", "95599", fssim.PhoneScript{AnswerAfter: 50 * time.Millisecond, TalkFor: 2 * time.Second}); err != nil {
		t.Fatal(err)
	}
	// The agent logs in through the ACD (dialling needs a logged-in agent).
	c.must(200, "POST", base+"/acd/me/state", agent, map[string]string{"state": "login"}, nil)

	var res struct {
		CallID string `json:"call_id"`
	}
	c.must(200, "POST", base+"/agent-calls", agent, map[string]string{"number": "95599"}, &res)
	var rec store.CDR
	waitUntil(t, "the outbound CDR", func() bool {
		for _, r := range w.cdrs("acme") {
			if r.CallID == res.CallID {
				rec = r
				return true
			}
		}
		return false
	})
	if rec.Leg != "outbound" || rec.Disposition != "answered" || rec.AccessNumber != "95599" || rec.AnsweredAt == nil {
		t.Fatalf("outbound CDR: %+v", rec)
	}
	leg, _ := w.node.CallByUUID(res.CallID)
	if leg.Vars["effective_caller_id_number"] != strings.TrimPrefix(acme.number, "+") && leg.Vars["effective_caller_id_number"] != acme.number {
		t.Fatalf("outbound caller ID must be the tenant's number %s, got %q", acme.number, leg.Vars["effective_caller_id_number"])
	}
	waitUntil(t, "the PSTN line released", func() bool { return w.ctrl.adm.InUse(acme.ID, tenancy.ResourcePSTNCalls) == 0 })

	// An internal call rings the other agent's phone.
	if err := w.node.RegisterPhone("1002", acme.SIPDomain, fssim.PhoneScript{AnswerAfter: 50 * time.Millisecond, TalkFor: time.Second}); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "1002 registered", func() bool { return w.ctrl.conf.Registered("1002", acme.SIPDomain) })
	waitUntil(t, "the agent free again", func() bool {
		st, _ := c.call("POST", base+"/agent-calls", agent, map[string]string{"agent_id": acme.agents["1002"].ID}, &res)
		return st == 200
	})
	waitUntil(t, "the internal call answered", func() bool {
		for _, r := range w.cdrs("acme") {
			if r.CallID == res.CallID && r.Disposition == "answered" {
				return true
			}
		}
		return false
	})
	// Bad input is refused with the field named; another tenant's agent is unknown.
	if st, body := c.call("POST", base+"/agent-calls", agent, map[string]string{"number": "9559x"}, nil); st != 422 || !strings.Contains(body, "number") {
		t.Fatalf("bad number: %d %s", st, body)
	}
	if st, _ := c.call("POST", base+"/agent-calls", agent, map[string]string{"agent_id": w.ten["bolt"].agents["1001"].ID}, nil); st != 422 {
		t.Fatalf("calling another tenant's agent: want 422, got %d", st)
	}
}

func TestBlindTransferToAQueueAndToAnAgent(t *testing.T) {
	w := newWorld(t, "", 5)
	c, admin := w.apiClient()
	acme := w.ten["acme"]
	base := "/api/v1/tenants/" + string(acme.ID)
	sup := w.supervisor(c, admin, "acme", "1009")
	w.agentReady("acme", "1001", fssim.PhoneScript{AnswerAfter: 50 * time.Millisecond})
	call := w.place("acme", "13800000001", 0)
	first := acme.agents["1001"].ID
	var live []struct {
		Agent string `json:"agent_id"`
		State string `json:"state"`
	}
	talkingTo := func(agent string) func() bool {
		return func() bool {
			c.must(200, "GET", base+"/live-calls", sup, nil, &live)
			return len(live) == 1 && live[0].State == "talking" && live[0].Agent == agent
		}
	}
	waitUntil(t, "talking to 1001", talkingTo(first))
	// 1002 becomes ready; the call is sent to 1002 by name.
	w.agentReady("acme", "1002", fssim.PhoneScript{AnswerAfter: 50 * time.Millisecond})
	second := acme.agents["1002"].ID
	c.must(200, "POST", base+"/live-calls/"+call.UUID()+"/transfer", sup, map[string]string{"kind": "agent", "target": second}, nil)
	waitUntil(t, "talking to 1002", talkingTo(second))
	// Back to the queue: someone ready takes it (1001 after its wrap-up).
	c.must(200, "POST", base+"/live-calls/"+call.UUID()+"/transfer", sup, map[string]string{"kind": "queue", "target": "sales"}, nil)
	waitUntil(t, "talking again after the queue transfer", func() bool {
		c.must(200, "GET", base+"/live-calls", sup, nil, &live)
		return len(live) == 1 && live[0].State == "talking" && live[0].Agent != second
	})
	call.Hangup("")
	waitCall(t, call)
	waitUntil(t, "the call gone from the live list", func() bool {
		c.must(200, "GET", base+"/live-calls", sup, nil, &live)
		return len(live) == 0
	})
	if st, _ := c.call("POST", base+"/live-calls/"+call.UUID()+"/transfer", sup, map[string]string{"kind": "queue", "target": "nope"}, nil); st != 404 {
		t.Fatalf("transfer of an ended call: want 404, got %d", st)
	}
	// Three agent legs: 1001 and 1002 handed on (transferred), then the
	// queue's pick, answered (CDRs are written as the session ends, a
	// moment after the caller's channel). Each keeps its own times: a
	// handed-on leg ends before the caller does, and the caller's answer is
	// the first agent's.
	var legs, callers []store.CDR
	waitUntil(t, "three agent legs", func() bool {
		legs, callers = nil, nil
		for _, r := range w.cdrs("acme") {
			switch r.Leg {
			case "agent":
				legs = append(legs, r)
			case "caller":
				callers = append(callers, r)
			}
		}
		return len(legs) == 3 && len(callers) == 1
	})
	sort.Slice(legs, func(i, j int) bool { return legs[i].AnsweredAt.Before(*legs[j].AnsweredAt) })
	caller := callers[0]
	for i, l := range legs {
		want := "transferred"
		if i == 2 {
			want = "answered"
		}
		if l.Disposition != want {
			t.Errorf("agent leg %d (%s): %s, want %s", i, l.AgentID, l.Disposition, want)
		}
		if i < 2 && (l.EndedAt == nil || l.EndedAt.After(*legs[i+1].AnsweredAt)) {
			t.Errorf("agent leg %d ended %v, after the next agent answered at %v", i, l.EndedAt, legs[i+1].AnsweredAt)
		}
	}
	if caller.AnsweredAt == nil || !caller.AnsweredAt.Equal(*legs[0].AnsweredAt) || caller.AgentID != first {
		t.Errorf("the caller's CDR: answered %v by %s, want the first agent's answer %v by %s", caller.AnsweredAt, caller.AgentID, legs[0].AnsweredAt, first)
	}
}

func TestAgentCapacityIsAppliedLive(t *testing.T) {
	w := newWorld(t, "", 5)
	c, admin := w.apiClient()
	acme := w.ten["acme"]
	agentPath := "/api/v1/tenants/" + string(acme.ID) + "/agents/" + acme.agents["1001"].ID
	c.must(200, "PATCH", agentPath, admin, map[string]any{"capacity": map[string]int{"voice": 0}}, nil)
	if st, body := c.call("PATCH", agentPath, admin, map[string]any{"capacity": map[string]int{"chat": 50}}, nil); st != 422 || !strings.Contains(body, "capacity.chat") {
		t.Fatalf("chat capacity 50: want 422 naming capacity.chat, got %d %s", st, body)
	}
	waitUntil(t, "capacity in the snapshot", func() bool {
		a := w.ctrl.conf.Snapshot().Agents[acme.ID][acme.agents["1001"].ID]
		return a.Capacity != nil && a.Capacity.Voice != nil && *a.Capacity.Voice == 0
	})
	w.agentReady("acme", "1001", fssim.PhoneScript{AnswerAfter: 50 * time.Millisecond, TalkFor: 4 * time.Second})
	call := w.place("acme", "13800000001", 0)
	time.Sleep(500 * time.Millisecond)
	if info := call.Info(); len(info.Bridged) != 0 {
		t.Fatalf("an agent with no voice capacity was given a call: %+v", info)
	}
	// Capacity back to one call, without a restart: the waiting call goes to 1001.
	c.must(200, "PATCH", agentPath, admin, map[string]any{"capacity": map[string]int{"voice": 1}}, nil)
	waitUntil(t, "the waiting call bridged to 1001", func() bool { return len(call.Info().Bridged) > 0 })
	call.Hangup("")
	waitCall(t, call)
}

func TestAttendedTransferConsultCancelThenComplete(t *testing.T) {
	w := newWorld(t, "", 5)
	c, admin := w.apiClient()
	acme := w.ten["acme"]
	base := "/api/v1/tenants/" + string(acme.ID)
	sup := w.supervisor(c, admin, "acme", "1009")
	w.agentReady("acme", "1001", fssim.PhoneScript{AnswerAfter: 50 * time.Millisecond})
	call := w.place("acme", "13800000001", 0)
	first, second := acme.agents["1001"].ID, acme.agents["1002"].ID
	var live []struct {
		Agent string `json:"agent_id"`
		State string `json:"state"`
	}
	waitUntil(t, "talking to 1001", func() bool {
		c.must(200, "GET", base+"/live-calls", sup, nil, &live)
		return len(live) == 1 && live[0].Agent == first
	})
	if st, _ := c.call("POST", base+"/live-calls/"+call.UUID()+"/consult/complete", sup, nil, nil); st != 409 {
		t.Fatalf("complete without a consultation: want 409, got %d", st)
	}
	// 1002's phone is registered (not necessarily ready in the ACD: a consult is a direct call).
	if err := w.node.RegisterPhone("1002", acme.SIPDomain, fssim.PhoneScript{AnswerAfter: 50 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "1002 registered", func() bool { return w.ctrl.conf.Registered("1002", acme.SIPDomain) })
	agentLeg := w.liveLegTo(t, "1001").UUID
	// During the consultation the caller hears the music and the agent talks
	// with 1002; nobody is put on hold, so no endpoint is re-INVITEd.
	consulting := func() {
		t.Helper()
		c.must(200, "POST", base+"/live-calls/"+call.UUID()+"/consult", sup, map[string]string{"kind": "agent", "target": second}, nil)
		expert := w.liveLegTo(t, "1002").UUID
		waitUntil(t, "the caller hearing hold music while the agent talks with 1002", func() bool {
			a, _ := w.node.Hears(agentLeg)
			e, _ := w.node.Hears(expert)
			return call.Info().Hears.Media == "local_stream://moh" && a.Peer == expert && e.Peer == agentLeg
		})
	}
	consulting()
	if st, body := c.call("POST", base+"/live-calls/"+call.UUID()+"/hold", sup, map[string]bool{"on": true}, nil); st != 409 || !strings.Contains(body, `"consulting"`) {
		t.Fatalf("hold during a consultation: want 409 consulting, got %d %s", st, body)
	}
	c.must(200, "POST", base+"/live-calls/"+call.UUID()+"/consult/cancel", sup, nil, nil)
	c.must(200, "GET", base+"/live-calls", sup, nil, &live)
	if len(live) != 1 || live[0].Agent != first {
		t.Fatalf("after cancel the caller is back with 1001: %+v", live)
	}
	waitUntil(t, "caller and 1001 hearing each other after cancel", func() bool {
		a, _ := w.node.Hears(agentLeg)
		return call.Info().Hears.Peer == agentLeg && a.Peer == call.UUID()
	})
	consulting()
	expert := w.liveLegTo(t, "1002").UUID
	c.must(200, "POST", base+"/live-calls/"+call.UUID()+"/consult/complete", sup, nil, nil)
	c.must(200, "GET", base+"/live-calls", sup, nil, &live)
	if len(live) != 1 || live[0].Agent != second {
		t.Fatalf("after complete the caller talks to 1002: %+v", live)
	}
	waitUntil(t, "caller and 1002 hearing each other after complete", func() bool {
		e, _ := w.node.Hears(expert)
		return call.Info().Hears.Peer == expert && e.Peer == call.UUID()
	})
	for _, ci := range w.node.Calls() {
		if len(ci.ReInvites) != 0 || slices.ContainsFunc(ci.APIs, func(s string) bool { return strings.HasPrefix(s, "uuid_hold") }) {
			t.Fatalf("%s (to %s) was held during the consultation: %v %v", ci.UUID, ci.To, ci.APIs, ci.ReInvites)
		}
	}
	call.Hangup("")
	waitCall(t, call)
	waitUntil(t, "CDR legs", func() bool {
		consults, transferred := 0, 0
		for _, r := range w.cdrs("acme") {
			if r.Leg == "consult" {
				consults++
			}
			if r.Leg == "agent" && r.Disposition == "transferred" && r.AgentID == first {
				transferred++
			}
		}
		return consults == 2 && transferred == 1
	})
}

func TestPhoneModeRingsTheAgentsExternalNumber(t *testing.T) {
	w := newWorld(t, "", 5)
	c, admin := w.apiClient()
	acme := w.ten["acme"]
	base := "/api/v1/tenants/" + string(acme.ID)
	agent := w.userWithPhone(c, admin, "acme", "1007", "agent")
	if err := w.node.AddGatewayNumber("pstn", "13912345678", fssim.PhoneScript{AnswerAfter: 50 * time.Millisecond, TalkFor: 4 * time.Second}); err != nil {
		t.Fatal(err)
	}
	if st, body := c.call("PUT", base+"/agent-phone", agent, map[string]string{"number": "139-1234"}, nil); st != 422 || !strings.Contains(body, "number") {
		t.Fatalf("a bad number: %d %s", st, body)
	}
	c.must(200, "PUT", base+"/agent-phone", agent, map[string]string{"number": "13912345678"}, nil)
	c.must(200, "POST", base+"/acd/me/state", agent, map[string]string{"state": "login"}, nil)
	c.must(200, "POST", base+"/acd/me/state", agent, map[string]string{"state": "ready"}, nil)
	call := w.place("acme", "13800000001", 0)
	waitUntil(t, "the call bridged to the external number", func() bool {
		return slices.ContainsFunc(w.node.Calls(), func(ci fssim.CallInfo) bool {
			return (ci.To == "pstn" || ci.To == "13912345678") && ci.Answered && slices.Contains(ci.Bridged, call.UUID())
		})
	})
	if slices.ContainsFunc(w.node.Calls(), func(ci fssim.CallInfo) bool { return ci.To == "1007" }) {
		t.Fatal("the agent's SIP phone rang although the agent works on its external number")
	}
	call.Hangup("")
	waitCall(t, call)
}

func TestDesktopAnswerModeConnectsThePhoneOnlyAfterTheClick(t *testing.T) {
	w := newWorld(t, "", 5)
	c, admin := w.apiClient()
	acme := w.ten["acme"]
	base := "/api/v1/tenants/" + string(acme.ID)
	agent := w.userWithPhone(c, admin, "acme", "1007", "agent")
	c.must(200, "PUT", base+"/agent-phone", agent, map[string]string{"number": "", "answer_mode": "desktop"}, nil)
	if st, _ := c.call("PUT", base+"/agent-phone", agent, map[string]string{"answer_mode": "sometimes"}, nil); st != 422 {
		t.Fatalf("a bad answer mode: want 422, got %d", st)
	}
	if st, _ := c.call("POST", base+"/agent-answer", agent, nil, nil); st != 409 {
		t.Fatalf("answer without an offer: want 409, got %d", st)
	}
	c.must(200, "POST", base+"/acd/me/state", agent, map[string]string{"state": "login"}, nil)
	c.must(200, "POST", base+"/acd/me/state", agent, map[string]string{"state": "ready"}, nil)
	call := w.place("acme", "13800000001", 0)
	phoneRang := func() bool {
		return slices.ContainsFunc(w.node.Calls(), func(ci fssim.CallInfo) bool { return ci.To == "1007" })
	}
	time.Sleep(300 * time.Millisecond)
	if phoneRang() {
		t.Fatal("desktop mode: the phone must not ring before the agent answers on the desktop")
	}
	waitUntil(t, "the agent answers", func() bool {
		st, _ := c.call("POST", base+"/agent-answer", agent, nil, nil)
		return st == 200
	})
	waitUntil(t, "bridged", func() bool { return len(call.Info().Bridged) > 0 })
	var leg fssim.CallInfo
	for _, ci := range w.node.Calls() {
		if ci.To == "1007" {
			leg = ci
		}
	}
	if v, _ := w.node.Var(leg.UUID, "sip_auto_answer"); v != "true" {
		t.Fatalf("the phone must be connected with auto-answer, sip_auto_answer=%q", v)
	}
	call.Hangup("")
	waitCall(t, call)
}

func TestAgentDialOutIsLiveUntilForceReleased(t *testing.T) {
	w := newWorld(t, "", 5)
	c, admin := w.apiClient()
	acme := w.ten["acme"]
	base, bolt := "/api/v1/tenants/"+string(acme.ID), "/api/v1/tenants/"+string(w.ten["bolt"].ID)
	sup := w.supervisor(c, admin, "acme", "1009")
	boltSup := w.supervisor(c, admin, "bolt", "1009")
	agent := w.userWithPhone(c, admin, "acme", "1007", "agent")
	var agentID string
	for id, a := range w.ctrl.conf.Snapshot().Agents[acme.ID] {
		if a.Extension == "1007" {
			agentID = id
		}
	}
	// The far end answers and stays on until someone hangs up.
	if err := w.node.AddGatewayNumber("pstn", "95599", fssim.PhoneScript{AnswerAfter: 50 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	c.must(200, "POST", base+"/acd/me/state", agent, map[string]string{"state": "login"}, nil)
	var res struct {
		CallID string `json:"call_id"`
	}
	c.must(200, "POST", base+"/agent-calls", agent, map[string]string{"number": "95599"}, &res)

	type liveCall struct {
		CallID    string    `json:"call_id"`
		Caller    string    `json:"caller"`
		Agent     string    `json:"agent_id"`
		State     string    `json:"state"`
		Direction string    `json:"direction"`
		Remote    string    `json:"remote_number"`
		Arrived   time.Time `json:"arrived_at"`
		Answered  time.Time `json:"answered_at"`
	}
	var live []liveCall
	waitUntil(t, "the dial-out talking in the live list", func() bool {
		c.must(200, "GET", base+"/live-calls", sup, nil, &live)
		return len(live) == 1 && live[0].State == "talking"
	})
	got := live[0]
	if got.CallID != res.CallID || got.Direction != "outbound" || got.Agent != agentID || got.Caller != "1007" ||
		got.Remote != "95599" || got.Arrived.IsZero() || got.Answered.Before(got.Arrived) {
		t.Fatalf("live dial-out: %+v (agent %s)", got, agentID)
	}
	// Bolt's supervisor neither sees nor touches it, by its own tenant's path or Acme's.
	c.must(200, "GET", bolt+"/live-calls", boltSup, nil, &live)
	if len(live) != 0 {
		t.Fatalf("Bolt sees Acme's dial-out: %+v", live)
	}
	for _, p := range []string{bolt, base} {
		if st, body := c.call("POST", p+"/live-calls/"+res.CallID+"/hangup", boltSup, nil, nil); st != 404 {
			t.Fatalf("Bolt's supervisor releasing Acme's dial-out via %s: want 404, got %d %s", p, st, body)
		}
	}
	// Hold holds the agent leg, so the far end hears the music and not the
	// agent; unhold restores the talk. Transfer is for inbound calls only.
	leg, _ := w.node.CallByUUID(res.CallID)
	if len(leg.Bridged) == 0 {
		t.Fatalf("agent leg not bridged: %+v", leg)
	}
	far, _ := w.node.CallByUUID(leg.Bridged[0])
	c.must(200, "POST", base+"/live-calls/"+res.CallID+"/hold", sup, map[string]bool{"on": true}, nil)
	waitUntil(t, "the far end hearing hold music", func() bool {
		h, _ := w.node.Hears(far.UUID)
		return h.Media == "local_stream://moh"
	})
	c.must(200, "POST", base+"/live-calls/"+res.CallID+"/hold", sup, map[string]bool{"on": false}, nil)
	waitUntil(t, "the far end hearing the agent again", func() bool {
		h, _ := w.node.Hears(far.UUID)
		return h.Peer == res.CallID
	})
	if leg, _ = w.node.CallByUUID(res.CallID); !slices.Equal(leg.ReInvites, []string{"sendonly", "sendrecv"}) {
		t.Fatalf("agent leg re-INVITEs: %v", leg.ReInvites)
	}
	if st, body := c.call("POST", base+"/live-calls/"+res.CallID+"/transfer", sup, map[string]string{"kind": "number", "target": "95511"}, nil); st != 409 {
		t.Fatalf("transfer of a dial-out: want 409, got %d %s", st, body)
	}

	// Force release ends both legs, and the call leaves the list.
	c.must(200, "POST", base+"/live-calls/"+res.CallID+"/hangup", sup, nil, nil)
	waitUntil(t, "the dial-out gone from the live list", func() bool {
		c.must(200, "GET", base+"/live-calls", sup, nil, &live)
		return len(live) == 0
	})
	waitUntil(t, "both legs hung up", func() bool {
		a, _ := w.node.CallByUUID(res.CallID)
		b, _ := w.node.CallByUUID(far.UUID)
		return a.HangupCause != "" && b.HangupCause != ""
	})
	waitUntil(t, "the answered outbound CDR", func() bool {
		for _, r := range w.cdrs("acme") {
			if r.CallID == res.CallID && r.Leg == "outbound" && r.Disposition == "answered" {
				return true
			}
		}
		return false
	})
	waitUntil(t, "the PSTN line released", func() bool { return w.ctrl.adm.InUse(acme.ID, tenancy.ResourcePSTNCalls) == 0 })
	if st, _ := c.call("POST", base+"/live-calls/"+res.CallID+"/hangup", sup, nil, nil); st != 404 {
		t.Fatalf("release of an ended dial-out: want 404, got %d", st)
	}
}

// TestMonitorModesAndMuteAreHeard checks, with fssim's model of who hears
// whom (eavesdrop media bugs as switch_ivr_eavesdrop_session mixes them,
// uuid_audio mutes), what each party hears in the supervisor's three monitor
// modes and when the agent of an inbound call mutes: listen, the supervisor
// hears both and nobody hears it; whisper, the agent hears it and the caller
// does not; barge, both do; mute, the caller no longer hears the agent, who
// still hears the caller.
func TestMonitorModesAndMuteAreHeard(t *testing.T) {
	w := newWorld(t, "", 5)
	c, admin := w.apiClient()
	sup := w.supervisor(c, admin, "acme", "1009")
	w.agentReady("acme", "1001", fssim.PhoneScript{AnswerAfter: 50 * time.Millisecond})
	call := w.place("acme", "13800000001", 0)
	tenantPath := "/api/v1/tenants/" + string(w.ten["acme"].ID)
	base := tenantPath + "/live-calls/" + call.UUID()
	// Call control answers 409 not_connected until the controller has seen
	// the bridge confirmed, a moment after the node has bridged: wait for
	// the live list to say talking, as a supervisor's screen does.
	waitUntil(t, "the call talking in the live list", func() bool {
		l := liveCalls(c, tenantPath, sup)
		return len(l) == 1 && l[0].CallID == call.UUID() && l[0].State == "talking"
	})
	agentLeg := w.liveLegTo(t, "1001").UUID
	talking := func() bool {
		a, _ := w.node.Hears(agentLeg)
		return call.Info().Hears.HearsVoice(agentLeg) && a.HearsVoice(call.UUID())
	}
	waitUntil(t, "caller and agent talking", talking)
	// The node bridges the media before the controller has read the bridge's
	// confirmation; monitoring needs the controller to know the call is
	// connected (under load the request could otherwise come first: 409).
	waitUntil(t, "the controller sees the call talking", func() bool {
		var live []struct {
			State string `json:"state"`
		}
		c.must(200, "GET", "/api/v1/tenants/"+string(w.ten["acme"].ID)+"/live-calls", sup, nil, &live)
		return len(live) == 1 && live[0].State == "talking"
	})

	for _, tc := range []struct {
		mode                    string
		agentHears, callerHears bool
	}{{"listen", false, false}, {"whisper", true, false}, {"barge", true, true}} {
		var res struct{ Leg string }
		c.must(200, "POST", base+"/monitor", sup, map[string]string{"mode": tc.mode}, &res)
		waitUntil(t, tc.mode+": the supervisor hearing agent and caller", func() bool {
			h, _ := w.node.Hears(res.Leg)
			return h.HearsVoice(agentLeg) && h.HearsVoice(call.UUID())
		})
		a, _ := w.node.Hears(agentLeg)
		if a.HearsVoice(res.Leg) != tc.agentHears {
			t.Errorf("%s: the agent hears the supervisor: %v, want %v (agent hears %+v)", tc.mode, a.HearsVoice(res.Leg), tc.agentHears, a)
		}
		if h := call.Info().Hears; h.HearsVoice(res.Leg) != tc.callerHears {
			t.Errorf("%s: the caller hears the supervisor: %v, want %v (caller hears %+v)", tc.mode, h.HearsVoice(res.Leg), tc.callerHears, h)
		}
		if !talking() {
			t.Errorf("%s: caller and agent no longer hear each other", tc.mode)
		}
		if err := w.node.Kill(res.Leg, ""); err != nil {
			t.Fatal(err)
		}
		waitUntil(t, tc.mode+": the supervisor's leg gone", func() bool { _, up := w.node.Hears(res.Leg); return !up })
	}

	c.must(200, "POST", base+"/mute", sup, map[string]bool{"on": true}, nil)
	if h := call.Info().Hears; h.HearsVoice(agentLeg) {
		t.Errorf("muted agent: the caller still hears the agent (%+v)", h)
	}
	if a, _ := w.node.Hears(agentLeg); !a.HearsVoice(call.UUID()) {
		t.Errorf("muted agent: the agent no longer hears the caller (%+v)", a)
	}
	c.must(200, "POST", base+"/mute", sup, map[string]bool{"on": false}, nil)
	if !talking() {
		t.Error("unmuted: caller and agent do not hear each other")
	}
	call.Hangup("")
	waitCall(t, call)
}
