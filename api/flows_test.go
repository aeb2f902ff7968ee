package api

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/switchboard-cc/switchboard/ivrflows"
	"github.com/switchboard-cc/switchboard/ivrflows/flowtest"
	"github.com/switchboard-cc/switchboard/store"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// flowTenant is a tenant with a "sales" queue and max_published_flows = n.
func (e *env) flowTenant(slug string, n int) tenantFix {
	e.t.Helper()
	f := e.newTenant(slug, 5)
	e.must(e.do("POST", f.base+"/queues", f.admin, store.QueueInput{Name: "sales", Strategy: "ring_all"}), 201, nil)
	e.setFlowQuota(f.id, n)
	return f
}

type problemsBody struct {
	Error struct {
		Code    string                     `json:"code"`
		Message string                     `json:"message"`
		Details []ivrflows.ValidationError `json:"details"`
	} `json:"error"`
}

func (e *env) problems(r resp, want int) problemsBody {
	e.t.Helper()
	var b problemsBody
	e.must(r, want, &b)
	if b.Error.Code != "flow_invalid" || len(b.Error.Details) == 0 {
		e.t.Fatalf("want flow_invalid with details, got %s", r)
	}
	return b
}

// TestFlowDraftPublishAliasRollback walks a flow's life: an invalid draft is
// saved with its problems per node and cannot be published; fixed, it is
// published as v1 (live), changed and published as v2, moved live, rolled
// back; versions cannot be changed.
func TestFlowDraftPublishAliasRollback(t *testing.T) { bothDBs(t, flowLifecycle) }

// bothDBs runs fn over HTTP on SQLite and on PostgreSQL (when configured).
func bothDBs(t *testing.T, fn func(t *testing.T, e *env)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, newEnv(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, newEnvPostgres(t)) })
}

func flowLifecycle(t *testing.T, e *env) {
	f := e.flowTenant("acme", 2)
	bad := strings.Replace(salesFlow("main", "Hello"), `"queue": "sales"`, `"queue": "billing"`, 1)
	r := e.do("POST", f.base+"/flows", f.admin, bad)
	pb := e.problems(r, 422)
	if pb.Error.Details[0].Node != "queue" || !strings.Contains(pb.Error.Details[0].Message, `no queue "billing"`) {
		t.Fatalf("problems %+v", pb.Error.Details)
	}
	loc := r.header.Get("Location")
	var fl store.Flow
	e.must(e.do("GET", strings.TrimPrefix(loc, ""), f.admin, nil), 200, &fl)
	if fl.Name != "main" || fl.DraftValid || len(fl.DraftErrors) != 1 || !strings.Contains(string(fl.Draft), "billing") {
		t.Fatalf("invalid draft not kept: %+v", fl)
	}
	one := f.base + "/flows/" + fl.ID
	e.problems(e.do("POST", one+"/versions", f.admin, PublishRequest{Alias: "live"}), 422)
	e.must(e.do("PUT", one, f.admin, salesFlow("main", "Hello")), 200, &fl)
	if !fl.DraftValid || fl.Latest != 0 {
		t.Fatalf("fixed draft: %+v", fl)
	}
	var v1, v2 store.FlowVersion
	e.must(e.do("POST", one+"/versions", f.admin, PublishRequest{Alias: "live"}), 201, &v1)
	if r := e.do("POST", one+"/versions", f.admin, nil); r.status != 409 || r.errCode() != "flow_unchanged" {
		t.Fatalf("unchanged publish: %s", r)
	}
	e.must(e.do("PUT", one, f.admin, salesFlow("main", "Welcome to Acme")), 200, nil)
	e.must(e.do("POST", one+"/versions", f.admin, "{}"), 201, &v2)
	if v1.Number != 1 || v2.Number != 2 || !v2.Valid {
		t.Fatalf("versions %d %d", v1.Number, v2.Number)
	}
	e.checkLive(f, "main", 1) // publishing without an alias does not go live
	e.must(e.do("PUT", one+"/aliases/live", f.admin, SetAliasRequest{Version: 2}), 200, &fl)
	if fl.Aliases["live"] != 2 || fl.Latest != 2 {
		t.Fatalf("after go-live: %+v", fl)
	}
	e.checkLive(f, "main", 2)
	e.must(e.do("PUT", one+"/aliases/live", f.admin, SetAliasRequest{Version: 1}), 200, nil) // rollback
	e.checkLive(f, "main", 1)
	e.must(e.do("PUT", one+"/aliases/live", f.admin, SetAliasRequest{Version: 7}), 422, nil)
	e.must(e.do("PUT", one+"/aliases/Bad!", f.admin, SetAliasRequest{Version: 1}), 422, nil)
	e.checkImmutable(f, one, v1)
}

func (e *env) checkLive(f tenantFix, name string, want int) {
	e.t.Helper()
	v, err := e.store.ResolveFlow(context.Background(), tenancy.TenantID(f.id), name, ivrflows.AliasLive)
	if err != nil || v.Number != want {
		e.t.Fatalf("live is %d (%v), want %d", v.Number, err, want)
	}
}

// checkImmutable: there is no way to change a version over HTTP.
func (e *env) checkImmutable(f tenantFix, one string, v1 store.FlowVersion) {
	e.t.Helper()
	for _, m := range []string{"PUT", "PATCH", "DELETE", "POST"} {
		if r := e.do(m, one+"/versions/1", f.admin, salesFlow("main", "Hacked")); r.status != 405 {
			e.t.Errorf("%s on a version: want 405, got %s", m, r)
		}
	}
	var got store.FlowVersion
	e.must(e.do("GET", one+"/versions/1", f.admin, nil), 200, &got)
	if string(got.Doc) != string(v1.Doc) || strings.Contains(string(got.Doc), "Hacked") {
		e.t.Fatalf("version 1 changed: %s", got.Doc)
	}
	var page Page[store.FlowVersion]
	e.must(e.do("GET", one+"/versions", f.admin, nil), 200, &page)
	if len(page.Items) != 2 || page.Items[0].Number != 1 {
		e.t.Fatalf("versions page %+v", page)
	}
}

// TestFlowPublishQuota (MT-2): publishing a second flow at
// max_published_flows = 1 is refused with the numbers; new versions of the
// published one are not.
func TestFlowPublishQuota(t *testing.T) { bothDBs(t, flowQuota) }

func flowQuota(t *testing.T, e *env) {
	f := e.flowTenant("acme", 1)
	var a, b store.Flow
	e.must(e.do("POST", f.base+"/flows", f.admin, salesFlow("a", "A")), 201, &a)
	e.must(e.do("POST", f.base+"/flows", f.admin, salesFlow("b", "B")), 201, &b)
	e.must(e.do("POST", f.base+"/flows/"+a.ID+"/versions", f.admin, nil), 201, nil)
	r := e.do("POST", f.base+"/flows/"+b.ID+"/versions", f.admin, nil)
	if r.status != 409 || r.errCode() != "over_quota" || !strings.Contains(string(r.body), `"limit":1`) ||
		!strings.Contains(string(r.body), `"in_use":1`) || !strings.Contains(string(r.body), "max_published_flows is 1") {
		t.Fatalf("second published flow at quota 1: %s", r)
	}
	e.must(e.do("PUT", f.base+"/flows/"+a.ID, f.admin, salesFlow("a", "A2")), 200, nil)
	e.must(e.do("POST", f.base+"/flows/"+a.ID+"/versions", f.admin, nil), 201, nil)
	var page Page[store.FlowVersion]
	e.must(e.do("GET", f.base+"/flows/"+b.ID+"/versions", f.admin, nil), 200, &page)
	if len(page.Items) != 0 {
		t.Fatalf("refused publication left a version: %+v", page.Items)
	}
}

func TestFlowDiff(t *testing.T) {
	e := newEnv(t)
	f := e.flowTenant("acme", 2)
	var fl store.Flow
	e.must(e.do("POST", f.base+"/flows", f.admin, salesFlow("main", "Hello")), 201, &fl)
	one := f.base + "/flows/" + fl.ID
	e.must(e.do("POST", one+"/versions", f.admin, nil), 201, nil)
	changed := strings.Replace(salesFlow("main", "Hi there"), `{"id": "bye", "type": "hangup"}`,
		`{"id": "bye", "type": "hangup", "params": {"cause": "USER_BUSY"}}`, 1)
	e.must(e.do("PUT", one, f.admin, changed), 200, nil)
	e.must(e.do("POST", one+"/versions", f.admin, nil), 201, nil)
	var d FlowDiff
	e.must(e.do("GET", one+"/diff?from=1&to=2", f.admin, nil), 200, &d)
	nodes := map[string]ivrflows.Change{}
	for _, c := range d.Changes {
		nodes[c.Node] = c
	}
	if len(d.Changes) != 2 || nodes["greet"].Kind != ivrflows.ChangeChanged || nodes["bye"].Kind != ivrflows.ChangeChanged ||
		nodes["greet"].Fields[0].To != "Hi there" {
		t.Fatalf("diff 1->2: %+v", d.Changes)
	}
	e.must(e.do("GET", one+"/diff?from=2&to=draft", f.admin, nil), 200, &d)
	if len(d.Changes) != 0 {
		t.Fatalf("v2 vs its own draft: %+v", d.Changes)
	}
	for _, q := range []string{"from=1", "from=0&to=1", "from=x&to=1"} {
		if r := e.do("GET", one+"/diff?"+q, f.admin, nil); r.status != 400 {
			t.Errorf("diff ?%s: want 400, got %s", q, r)
		}
	}
	e.must(e.do("GET", one+"/diff?from=1&to=9", f.admin, nil), 404, nil)
}

// TestFlowTestRun: a scripted caller against the draft and a version
// returns the path, prompts, variables and outcome; nothing is queued for real.
func TestFlowTestRun(t *testing.T) {
	e := newEnv(t)
	f := e.flowTenant("acme", 2)
	var fl store.Flow
	e.must(e.do("POST", f.base+"/flows", f.admin, salesFlow("main", "Hello")), 201, &fl)
	one := f.base + "/flows/" + fl.ID
	c := flowtest.Case{Caller: "+8613800000001", Time: "2026-11-26T10:00:00+08:00",
		Input: []flowtest.Press{{Keys: "2", AfterMS: 700}}}
	var rep flowtest.CaseReport
	e.must(e.do("POST", one+"/test", f.admin, c), 200, &rep)
	if rep.Outcome != ivrflows.OutcomeHangup || strings.Join(rep.Visited, ",") != "greet,menu,mark,bye" ||
		rep.Vars["choice"] != "left" || rep.Vars["caller"] != "+8613800000001" || len(rep.Trace) != 4 ||
		len(rep.Prompts) != 2 || rep.Prompts[0] != "tts:Hello" {
		t.Fatalf("draft run: %+v", rep)
	}
	e.must(e.do("POST", one+"/versions", f.admin, nil), 201, nil)
	e.must(e.do("PUT", one, f.admin, salesFlow("main", "Changed")), 200, nil)
	c = flowtest.Case{Name: "to sales", Input: []flowtest.Press{{Keys: "1"}},
		Queue: map[string][]flowtest.QueueStub{"queue": {{Answered: true, Agent: "1001", TalkMS: 1000}}}}
	e.must(e.do("POST", one+"/versions/1/test", f.admin, c), 200, &rep)
	if rep.Prompts[0] != "tts:Hello" || len(rep.Queued) != 1 || rep.Queued[0].Queue != "sales" || rep.Vars["agent_id"] != "1001" {
		t.Fatalf("version 1 run: %+v", rep)
	}
	for name, body := range map[string]any{
		"bad key":       map[string]any{"input": []map[string]any{{"keys": "x"}}},
		"unknown field": map[string]any{"callr": "1"},
	} {
		if r := e.do("POST", one+"/test", f.admin, body); r.status != 400 {
			t.Errorf("%s: want 400, got %s", name, r)
		}
	}
	e.must(e.do("POST", one+"/versions/3/test", f.admin, c), 404, nil)
	bad := strings.Replace(salesFlow("main", "x"), `"queue": "sales"`, `"queue": "nope"`, 1)
	e.problems(e.do("PUT", one, f.admin, bad), 422)
	e.problems(e.do("POST", one+"/test", f.admin, c), 422)
}

// TestFlowTraceRoutes: a live call's trace, and the traced calls of a flow.
func TestFlowTraceRoutes(t *testing.T) { bothDBs(t, flowTraces) }

func flowTraces(t *testing.T, e *env) {
	w := e.populate(e.newTenant("acme", 5))
	f := w.tenantFix
	var steps Page[store.TraceStep]
	e.must(e.do("GET", f.base+"/calls/"+w.params["call_id"]+"/trace", f.admin, nil), 200, &steps)
	if len(steps.Items) != 1 || steps.Items[0].Node != "greet" || steps.Items[0].FlowID != w.params["flow_id"] {
		t.Fatalf("call trace %+v", steps)
	}
	var sums Page[store.TraceSummary]
	e.must(e.do("GET", f.base+"/flow-traces?flow_id="+w.params["flow_id"], f.admin, nil), 200, &sums)
	if len(sums.Items) != 1 || sums.Items[0].CallID != w.params["call_id"] || sums.Items[0].Steps != 1 {
		t.Fatalf("flow traces %+v", sums)
	}
	e.must(e.do("GET", f.base+"/flow-traces?flow_id=other", f.admin, nil), 200, &sums)
	if len(sums.Items) != 0 {
		t.Fatalf("filter by another flow: %+v", sums)
	}
	e.must(e.do("GET", f.base+"/calls/no-such-call/trace", f.admin, nil), 404, nil)
}

func TestFlowSchemaAndDocument(t *testing.T) {
	e := newEnv(t)
	f := e.flowTenant("acme", 2)
	r := e.do("GET", "/api/v1/flow-schema.json", f.admin, nil)
	if r.status != 200 || string(r.body) != string(ivrflows.Schema) {
		t.Fatalf("schema: %d", r.status)
	}
	e.must(e.do("GET", "/api/v1/flow-schema.json", "", nil), 401, nil)
	var doc map[string]any
	e.must(e.do("GET", "/api/v1/openapi.json", "", nil), 200, &doc)
	b, _ := json.Marshal(doc)
	if !strings.Contains(string(b), `"url":"/api/v1/flow-schema.json"`) {
		t.Error("the OpenAPI document does not point at the flow schema")
	}
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	if _, ok := schemas["ivrflowsQueue"]; !ok || !strings.Contains(string(b), `"strategy"`) {
		t.Error("ivrflows.Queue and store.Queue are not told apart in the document")
	}
}

func TestDeleteFlowRoutedByNumber(t *testing.T) {
	e := newEnv(t)
	f := e.flowTenant("acme", 2)
	var fl store.Flow
	e.must(e.do("POST", f.base+"/flows", f.admin, salesFlow("main", "Hello")), 201, &fl)
	var n store.AccessNumber
	e.must(e.do("POST", f.base+"/numbers", f.admin, store.AccessNumberInput{Number: "+8620", EntryKind: store.EntryFlow,
		EntryAlias: "main"}), 201, &n)
	if r := e.do("DELETE", f.base+"/flows/"+fl.ID, f.admin, nil); r.status != 409 || r.errCode() != "flow_in_use" ||
		!strings.Contains(string(r.body), "+8620") {
		t.Fatalf("delete routed flow: %s", r)
	}
	e.must(e.do("DELETE", f.base+"/numbers/"+n.ID, f.admin, nil), 204, nil)
	e.must(e.do("DELETE", f.base+"/flows/"+fl.ID, f.admin, nil), 204, nil)
	e.must(e.do("GET", f.base+"/flows/"+fl.ID, f.admin, nil), 404, nil)
}

// TestFlowDraftRefusals: what cannot even be saved as a draft.
func TestFlowDraftRefusals(t *testing.T) {
	e := newEnv(t)
	f := e.flowTenant("acme", 2)
	var fl store.Flow
	e.must(e.do("POST", f.base+"/flows", f.admin, salesFlow("main", "Hello")), 201, &fl)
	huge := `{"id": "big", "description": "` + strings.Repeat("x", ivrflows.MaxFlowBytes) + `", "start": "a", "nodes": []}`
	for name, c := range map[string]struct {
		method, path, body string
		status             int
		want               string
	}{
		"same name":     {"POST", "/flows", salesFlow("main", "Again"), 409, `"field":"name"`},
		"unknown field": {"POST", "/flows", `{"id": "x", "start": "a", "nodes": [], "colour": "red"}`, 400, `unknown setting \"colour\"`},
		"not JSON":      {"POST", "/flows", `{"id": `, 400, `"field":"body"`},
		"no id":         {"POST", "/flows", `{"start": "a", "nodes": []}`, 422, `"field":"id"`},
		"too large":     {"POST", "/flows", huge, 413, "at most"},
		"renamed":       {"PUT", "/flows/" + fl.ID, salesFlow("other", "Hello"), 422, `is not this flow's id`},
	} {
		r := e.do(c.method, f.base+c.path, f.admin, c.body)
		if r.status != c.status || !strings.Contains(string(r.body), c.want) {
			t.Errorf("%s: want %d with %s, got %s", name, c.status, c.want, r)
		}
	}
	var page Page[store.Flow]
	e.must(e.do("GET", f.base+"/flows", f.admin, nil), 200, &page)
	if len(page.Items) != 1 || !strings.Contains(string(page.Items[0].Draft), "Hello") {
		t.Fatalf("refused drafts changed the flows: %+v", page.Items)
	}
}

// TestGetFlowRevalidates: a draft saved valid shows its new problem once a
// queue it names is deleted.
func TestGetFlowRevalidates(t *testing.T) {
	e := newEnv(t)
	f := e.flowTenant("acme", 2)
	var fl store.Flow
	e.must(e.do("POST", f.base+"/flows", f.admin, salesFlow("main", "Hello")), 201, &fl)
	var qs Page[store.Queue]
	e.must(e.do("GET", f.base+"/queues", f.admin, nil), 200, &qs)
	e.must(e.do("DELETE", f.base+"/queues/"+qs.Items[0].ID, f.admin, nil), 204, nil)
	e.must(e.do("GET", f.base+"/flows/"+fl.ID, f.admin, nil), 200, &fl)
	if fl.DraftValid || len(fl.DraftErrors) != 1 || fl.DraftErrors[0].Node != "queue" {
		t.Fatalf("after the queue went: %+v", fl)
	}
	e.problems(e.do("POST", f.base+"/flows/"+fl.ID+"/versions", f.admin, nil), 422)
}

// TestFlowCreateInvalidDraftIdempotent: an invalid draft is saved and
// answered 422, so a retry with the same Idempotency-Key must replay that
// answer (body and Location) instead of trying to create the flow again.
func TestFlowCreateInvalidDraftIdempotent(t *testing.T) { bothDBs(t, flowCreateInvalidDraftIdempotent) }

func flowCreateInvalidDraftIdempotent(t *testing.T, e *env) {
	f := e.flowTenant("acme", 2)
	bad := strings.Replace(salesFlow("main", "Hello"), `"queue": "sales"`, `"queue": "billing"`, 1)
	first := e.do("POST", f.base+"/flows", f.admin, bad, "Idempotency-Key", "f1")
	e.problems(first, 422)
	loc := first.header.Get("Location")
	if loc == "" {
		t.Fatalf("no Location: %s", first)
	}
	again := e.do("POST", f.base+"/flows", f.admin, bad, "Idempotency-Key", "f1")
	if again.status != 422 || string(again.body) != string(first.body) || again.header.Get("Location") != loc ||
		again.header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("retry not replayed: %s (Location %q, want %q)", again, again.header.Get("Location"), loc)
	}
	other := strings.Replace(bad, "Hello", "Welcome", 1)
	if r := e.do("POST", f.base+"/flows", f.admin, other, "Idempotency-Key", "f1"); r.status != 422 ||
		r.errCode() != "idempotency_key_reused" {
		t.Fatalf("same key, other body: %s", r)
	}
	var page Page[store.Flow]
	e.must(e.do("GET", f.base+"/flows", f.admin, nil), 200, &page)
	if len(page.Items) != 1 || !strings.HasSuffix(loc, "/flows/"+page.Items[0].ID) {
		t.Fatalf("%d flows after retries (Location %s), want the one it names", len(page.Items), loc)
	}
}
