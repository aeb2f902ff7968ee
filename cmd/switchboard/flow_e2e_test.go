package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/fssim"
	"github.com/switchboard-cc/switchboard/store"
)

// mainFlow queues the caller with attached data, then asks for a score after
// the agent leaves (OPS-6) and says goodbye.
const mainFlow = `{"id": "main", "name": "Main", "start": "queue",
 "variables": {"account": {"type": "string", "default": "P-42"}},
 "nodes": [
  {"id": "queue", "type": "queue", "params": {"queue": "sales", "priority": 5, "data": {"account": "account"}},
   "exits": {"done": "survey", "failed": "bye"}},
  {"id": "survey", "type": "survey", "params": {"question": "satisfaction", "prompts": [{"text": {"*": "Please rate us from 1 to 5"}}],
   "min": 1, "max": 5, "timeout_ms": 5000, "tries": 1}, "exits": {"next": "bye"}},
  {"id": "bye", "type": "hangup", "params": {"prompts": [{"text": {"*": "Goodbye"}}]}}
 ]}`

// apiClient serves the world's controller over HTTP and signs in the
// platform admin.
func (w *world) apiClient() (*client, string) {
	w.t.Helper()
	c := &client{t: w.t, base: w.web.URL}
	return c, c.login("admin@switchboard.local", "admin-password-123")
}

// publishFlowOn creates a flow from doc, publishes it live and routes number
// to it, waiting until the number is in the served plan.
func (w *world) publishFlowOn(c *client, admin, tenant, doc, alias, number string) {
	w.t.Helper()
	base := "/api/v1/tenants/" + string(w.ten[tenant].ID)
	var m map[string]any
	if err := json.Unmarshal([]byte(doc), &m); err != nil {
		w.t.Fatal(err)
	}
	var flow struct{ ID string }
	c.must(201, "POST", base+"/flows", admin, m, &flow)
	c.must(201, "POST", base+"/flows/"+flow.ID+"/versions", admin, map[string]string{"alias": "live"}, nil)
	if number == "" {
		return
	}
	c.must(201, "POST", base+"/numbers", admin, map[string]any{"number": number, "entry_kind": "flow", "entry_alias": alias}, nil)
	waitUntil(w.t, "the flow number in the plan", func() bool {
		_, err := w.ctrl.conf.Route(context.Background(), number, nil, time.Now())
		return err == nil
	})
}

func TestFlowEntryQueuesWithDataThenSurveys(t *testing.T) {
	w := newWorld(t, "", 5)
	c, admin := w.apiClient()
	acme := w.ten["acme"]
	base := "/api/v1/tenants/" + string(acme.ID)
	w.publishFlowOn(c, admin, "acme", mainFlow, "main", "+862000009000")
	w.agentReady("acme", "1001", fssim.PhoneScript{AnswerAfter: 50 * time.Millisecond, TalkFor: 2 * time.Second})
	pops := w.ctrl.pops.Subscribe(acme.ID, 16)
	defer pops.Close()

	call, err := w.node.RouteCall(context.Background(), w.xc, fssim.IncomingCall{From: "13800000001", To: "+862000009000"})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case n := <-pops.C:
		if n.Kind != "offer" || n.Data["account"] != "P-42" || n.Agent != acme.agents["1001"].ID {
			t.Fatalf("screen pop must carry the flow's data: %+v", n)
		}
		if n.QueuedAt.IsZero() || n.QueuedAt.After(n.At) {
			t.Fatalf("screen pop must say when the caller joined the queue (before the offer): queued %v, offered %v", n.QueuedAt, n.At)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no offer")
	}
	// The agent hangs up; the caller stays and hears the survey question:
	// press once the question itself plays. (Two hold-music plays come
	// first, so "two files played" could mean the caller was still waiting
	// or talking; a key pressed then is dropped as meant for the agent, and
	// the survey timed out.)
	waitUntil(t, "survey prompt after the agent leg", func() bool {
		info := call.Info()
		n := len(info.Played)
		// a file rendered by the controller's TTS, or the switch's own
		// speak when espeak-ng is not installed here
		return len(info.Bridged) > 0 && n > 0 && !info.Ended &&
			(strings.Contains(info.Played[n-1], "/tts/") || info.Played[n-1] == "speak:Please rate us from 1 to 5")
	})
	call.Press("4")
	waitCall(t, call)
	var scores store.List[store.SurveyScore]
	waitUntil(t, "survey score stored", func() bool {
		scores, err = w.ctrl.st.ListSurveyScores(context.Background(), acme.ID, store.HistoryFilter{}, store.Page{Limit: 10})
		return err == nil && len(scores.Items) == 1
	})
	if s := scores.Items[0]; s.Score != 4 || s.CallID != call.UUID() || s.AgentID != acme.agents["1001"].ID || s.Question != "satisfaction" {
		t.Fatalf("survey score: %+v", s)
	}
	if r := w.waitCallerCDR("acme", call.UUID()); r.Disposition != "answered" || r.AgentID != acme.agents["1001"].ID {
		t.Fatalf("caller CDR: %+v", r)
	}
	var ports struct {
		Flows []struct {
			Flow      string `json:"flow"`
			Version   int    `json:"version"`
			Started   int64  `json:"started"`
			Completed int64  `json:"completed"`
		} `json:"flows"`
	}
	c.must(200, "GET", base+"/ivr-ports", admin, nil, &ports)
	if len(ports.Flows) != 1 || ports.Flows[0].Version != 1 || ports.Flows[0].Started != 1 || ports.Flows[0].Completed != 1 {
		t.Fatalf("IVR port figures: %+v", ports)
	}
	trace, err := w.ctrl.st.ListCallTrace(context.Background(), acme.ID, call.UUID(), store.Page{Limit: 50})
	if err != nil || len(trace.Items) < 3 {
		t.Fatalf("live trace of the call: %+v %v", trace.Items, err)
	}
}

const voicemailFlow = `{"id": "after_hours", "name": "After hours", "start": "vm",
 "nodes": [
  {"id": "vm", "type": "voicemail", "params": {"mailbox": "general", "greeting": [{"text": {"*": "Please leave a message"}}],
   "max_seconds": 2, "notify": true}, "exits": {"next": "bye"}},
  {"id": "bye", "type": "hangup", "params": {"prompts": [{"text": {"*": "Thank you"}}]}}
 ]}`

func TestFlowVoicemailIsStoredAndNotified(t *testing.T) {
	w := newWorld(t, "", 5)
	c, admin := w.apiClient()
	acme := w.ten["acme"]
	base := "/api/v1/tenants/" + string(acme.ID)
	c.must(200, "PUT", base+"/flow-integrations", admin, map[string]any{"mailboxes": []string{"general"}, "endpoints": map[string]any{}, "datasources": map[string]any{}, "lists": []string{}, "calendars": map[string]any{}}, nil)
	w.publishFlowOn(c, admin, "acme", voicemailFlow, "after_hours", "+862000009001")
	pops := w.ctrl.pops.Subscribe(acme.ID, 16)
	defer pops.Close()
	call, err := w.node.RouteCall(context.Background(), w.xc, fssim.IncomingCall{From: "13800000002", To: "+862000009001"})
	if err != nil {
		t.Fatal(err)
	}
	waitCall(t, call)
	var vms struct {
		Items []store.Voicemail `json:"items"`
	}
	waitUntil(t, "the message listed", func() bool {
		c.must(200, "GET", base+"/voicemails?mailbox=general", admin, nil, &vms)
		return len(vms.Items) == 1
	})
	if v := vms.Items[0]; v.CallID != call.UUID() || v.Caller != "13800000002" || v.Path == "" || !v.Notify {
		t.Fatalf("voicemail: %+v", v)
	}
	select {
	case n := <-pops.C:
		if n.Kind != "voicemail" || n.Data["mailbox"] != "general" || n.Data["voicemail_id"] != vms.Items[0].ID {
			t.Fatalf("notification: %+v", n)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the mailbox owner was not notified")
	}
	if r := w.waitCallerCDR("acme", call.UUID()); r.Disposition != "self_service" {
		t.Fatalf("caller CDR: %+v", r)
	}
}

// A flow transfers to another flow, which transfers to a queue: the caller
// ends with an agent.
const frontFlow = `{"id": "front", "name": "Front", "start": "go",
 "nodes": [{"id": "go", "type": "transfer", "params": {"to": "flow", "target": "back"}}]}`

const backFlow = `{"id": "back", "name": "Back", "start": "go",
 "nodes": [{"id": "go", "type": "transfer", "params": {"to": "queue", "target": "sales"}}]}`

func TestFlowTransfersToAnotherFlowThenToAQueue(t *testing.T) {
	w := newWorld(t, "", 5)
	c, admin := w.apiClient()
	acme := w.ten["acme"]
	w.publishFlowOn(c, admin, "acme", backFlow, "back", "")
	w.publishFlowOn(c, admin, "acme", frontFlow, "front", "+862000009002")
	w.agentReady("acme", "1001", fssim.PhoneScript{AnswerAfter: 50 * time.Millisecond, TalkFor: 4 * time.Second})
	call, err := w.node.RouteCall(context.Background(), w.xc, fssim.IncomingCall{From: "13800000003", To: "+862000009002"})
	if err != nil {
		t.Fatal(err)
	}
	waitCall(t, call)
	if r := w.waitCallerCDR("acme", call.UUID()); r.Disposition != "answered" || r.AgentID != acme.agents["1001"].ID || r.QueueID != acme.queue.ID {
		t.Fatalf("caller CDR after flow -> flow -> queue: %+v", r)
	}
}

const toAgentFlow = `{"id": "vip", "name": "VIP", "start": "go",
 "nodes": [{"id": "go", "type": "transfer", "params": {"to": "agent", "target": "1002"}}]}`

func TestFlowTransfersToANamedAgent(t *testing.T) {
	w := newWorld(t, "", 5)
	c, admin := w.apiClient()
	acme := w.ten["acme"]
	w.publishFlowOn(c, admin, "acme", toAgentFlow, "vip", "+862000009003")
	// 1001 is ready first (idle longest), yet the flow asks for 1002.
	w.agentReady("acme", "1001", fssim.PhoneScript{AnswerAfter: 50 * time.Millisecond, TalkFor: 4 * time.Second})
	w.agentReady("acme", "1002", fssim.PhoneScript{AnswerAfter: 50 * time.Millisecond, TalkFor: 4 * time.Second})
	call, err := w.node.RouteCall(context.Background(), w.xc, fssim.IncomingCall{From: "13800000004", To: "+862000009003"})
	if err != nil {
		t.Fatal(err)
	}
	waitCall(t, call)
	if r := w.waitCallerCDR("acme", call.UUID()); r.Disposition != "answered" || r.AgentID != acme.agents["1002"].ID {
		t.Fatalf("the flow's transfer must reach 1002: %+v", r)
	}
}

// lookupFlow reads the caller's name from the tenant's CRM database (an SQL
// node on a data source the operator configured) and sends it to the agent.
const lookupFlow = `{"id": "crm_lookup", "name": "CRM lookup", "start": "lookup",
 "variables": {"customer": {"type": "string", "default": "unknown"}},
 "nodes": [
  {"id": "lookup", "type": "sql", "params": {"datasource": "crm", "query": "SELECT name FROM customers WHERE phone = $1",
   "params": ["caller"], "max_rows": 1, "map": {"customer": "rows[0].name"}},
   "exits": {"ok": "queue", "empty": "queue", "error": "queue"}},
  {"id": "queue", "type": "queue", "params": {"queue": "sales", "data": {"customer": "customer"}},
   "exits": {"done": "bye", "failed": "bye"}},
  {"id": "bye", "type": "hangup", "params": {}}
 ]}`

func TestFlowSQLLookupOnAnOperatorDataSource(t *testing.T) {
	w := newWorld(t, "", 5)
	c, admin := w.apiClient()
	acme := w.ten["acme"]
	base := "/api/v1/tenants/" + string(acme.ID)
	crm := filepath.Join(t.TempDir(), "crm.db")
	db, err := sql.Open("sqlite", crm)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE customers (phone TEXT, name TEXT); INSERT INTO customers VALUES ('13800000005', 'Mrs Chan')`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	c.must(200, "PUT", base+"/datasources/crm", admin, map[string]any{"driver": "sqlite", "dsn": crm}, nil)
	var listed []map[string]any
	c.must(200, "GET", base+"/datasources", admin, nil, &listed)
	if len(listed) != 1 || listed[0]["dsn"] != nil {
		t.Fatalf("data sources must be listed without their connection string: %v", listed)
	}
	w.publishFlowOn(c, admin, "acme", lookupFlow, "crm_lookup", "+862000009004")
	w.agentReady("acme", "1001", fssim.PhoneScript{AnswerAfter: 50 * time.Millisecond, TalkFor: 2 * time.Second})
	pops := w.ctrl.pops.Subscribe(acme.ID, 16)
	defer pops.Close()
	call, err := w.node.RouteCall(context.Background(), w.xc, fssim.IncomingCall{From: "13800000005", To: "+862000009004"})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case n := <-pops.C:
		if n.Kind != "offer" || n.Data["customer"] != "Mrs Chan" {
			t.Fatalf("the agent's screen must show the CRM name: %+v", n)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no offer")
	}
	waitCall(t, call)
}
