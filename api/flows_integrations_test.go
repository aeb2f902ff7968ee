package api

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/ivrflows"
	"github.com/switchboard-cc/switchboard/ivrflows/flowtest"
	"github.com/switchboard-cc/switchboard/store"
	"github.com/switchboard-cc/switchboard/tenancy"
)

func integrations(headerValue string) map[string]any {
	return map[string]any{
		"endpoints": map[string]any{"crm": map[string]any{"base_url": "https://crm.acme.example/api",
			"headers": map[string]string{"Authorization": headerValue}}},
		"datasources": map[string]any{}, "mailboxes": []string{"general"}, "lists": []string{"vip"},
		"calendars": map[string]any{"office": map[string]any{"time_zone": "+08:00",
			"weekly": []map[string]any{{"days": []string{"mon", "tue", "wed", "thu", "fri"}, "open": "09:00", "close": "18:00"}}}},
	}
}

// TestFlowIntegrationsSecretsAndRefusals: header values are write-only and
// survive a round trip of the redacted document; bad documents change nothing.
func TestFlowIntegrationsSecretsAndRefusals(t *testing.T) {
	e := newEnv(t)
	f := e.flowTenant("acme", 2)
	p := f.base + "/flow-integrations"
	r := e.do("PUT", p, f.admin, integrations("Bearer s3cret"))
	if r.status != 200 || strings.Contains(string(r.body), "s3cret") || !strings.Contains(string(r.body), redacted) {
		t.Fatalf("put: %s", r)
	}
	var got map[string]any
	e.must(e.do("GET", p, f.admin, nil), 200, &got)
	e.must(e.do("PUT", p, f.admin, got), 200, nil) // the redacted document sent back keeps the secret
	stored, err := e.store.GetFlowIntegrations(context.Background(), tenancy.TenantID(f.id))
	if err != nil || stored.Endpoints["crm"].Headers["Authorization"] != "Bearer s3cret" {
		t.Fatalf("secret lost: %+v %v", stored.Endpoints, err)
	}
	var cat ivrflows.Catalog
	r = e.do("GET", f.base+"/flow-catalog", f.admin, nil)
	e.must(r, 200, &cat)
	if strings.Contains(string(r.body), "s3cret") || cat.Endpoints["crm"].Headers["Authorization"] != redacted ||
		len(cat.Queues) != 1 || cat.Queues[0] != "sales" || cat.Calendars["office"] == nil || cat.Languages["yue"].Voice != "yue" {
		t.Fatalf("catalog: %s", r)
	}
	bad := func(mut func(m map[string]any)) map[string]any { m := integrations("x"); mut(m); return m }
	for name, c := range map[string]struct {
		body  any
		field string
	}{
		"missing section": {bad(func(m map[string]any) { delete(m, "lists") }), "lists"},
		"ftp endpoint": {bad(func(m map[string]any) {
			m["endpoints"] = map[string]any{"crm": map[string]any{"base_url": "ftp://x"}}
		}), "endpoints.crm.base_url"},
		"redacted unknown": {bad(func(m map[string]any) {
			m["endpoints"] = map[string]any{"erp": map[string]any{"base_url": "https://erp", "headers": map[string]string{"X": redacted}}}
		}), "endpoints.erp.headers.X"},
		"duplicate list": {bad(func(m map[string]any) { m["lists"] = []string{"vip", "vip"} }), "lists"},
		"unknown field":  {bad(func(m map[string]any) { m["queues"] = []string{"x"} }), "queues"},
	} {
		r := e.do("PUT", p, f.admin, c.body)
		if r.status/100 != 4 || !strings.Contains(string(r.body), `"field":"`+c.field+`"`) {
			t.Errorf("%s: want a 4xx naming %s, got %s", name, c.field, r)
		}
	}
	if s2, _ := e.store.GetFlowIntegrations(context.Background(), tenancy.TenantID(f.id)); len(s2.Lists) != 1 || s2.Lists[0] != "vip" {
		t.Fatalf("a refused document changed the stored one: %+v", s2)
	}
}

// TestRedactedHeaderIsKeptOnlyForTheSameOrigin: "(redacted)" keeps the
// stored credential while the endpoint's scheme, host and port stay (a new
// path, an explicit default port); any other change of origin is refused
// with 422 naming the header and saying to type it again, and changes
// nothing, so a tenant admin cannot send a secret they never saw to a host
// of their own. Typing the value again is accepted.
func TestRedactedHeaderIsKeptOnlyForTheSameOrigin(t *testing.T) {
	e := newEnv(t)
	f := e.flowTenant("acme", 2)
	p := f.base + "/flow-integrations"
	e.must(e.do("PUT", p, f.admin, integrations("Bearer s3cret")), 200, nil)
	withURL := func(base, header string) map[string]any {
		m := integrations(header)
		m["endpoints"].(map[string]any)["crm"].(map[string]any)["base_url"] = base
		return m
	}
	stored := func() ivrflows.Endpoint {
		t.Helper()
		in, err := e.store.GetFlowIntegrations(context.Background(), tenancy.TenantID(f.id))
		if err != nil {
			t.Fatal(err)
		}
		return in.Endpoints["crm"]
	}
	for _, base := range []string{"https://crm.acme.example/v2/api", "https://CRM.acme.example:443/api"} {
		e.must(e.do("PUT", p, f.admin, withURL(base, redacted)), 200, nil)
		if ep := stored(); ep.BaseURL != base || ep.Headers["Authorization"] != "Bearer s3cret" {
			t.Fatalf("same origin %s: the secret must be kept: %+v", base, ep)
		}
	}
	for _, base := range []string{"https://attacker.example/api", "https://crm.acme.example:8443/api",
		"http://crm.acme.example/api", "https://crm.acme.example.attacker.example/api"} {
		r := e.do("PUT", p, f.admin, withURL(base, redacted))
		if r.status != 422 || !strings.Contains(string(r.body), `"field":"endpoints.crm.headers.Authorization"`) ||
			!strings.Contains(string(r.body), "type the value again") {
			t.Errorf("%s with %q: want 422 asking to re-enter the header, got %s", base, redacted, r)
		}
		if strings.Contains(string(r.body), "s3cret") {
			t.Errorf("%s: the refusal shows the secret: %s", base, r)
		}
		if ep := stored(); ep.BaseURL != "https://CRM.acme.example:443/api" || ep.Headers["Authorization"] != "Bearer s3cret" {
			t.Fatalf("%s: a refused document changed the stored endpoint: %+v", base, ep)
		}
	}
	e.must(e.do("PUT", p, f.admin, withURL("https://crm2.acme.example/api", "Bearer n3w")), 200, nil)
	if ep := stored(); ep.BaseURL != "https://crm2.acme.example/api" || ep.Headers["Authorization"] != "Bearer n3w" {
		t.Fatalf("a re-entered secret for a new host: %+v", ep)
	}
	r := e.do("PUT", p, f.admin, withURL("https://user:pw@crm2.acme.example/api", "x"))
	if r.status != 422 || !strings.Contains(string(r.body), `"field":"endpoints.crm.base_url"`) {
		t.Errorf("a base_url with a password must be refused: %s", r)
	}
}

// TestFlowTestRunWithHTTPStub: a flow calling the tenant's CRM endpoint is
// test-run with a stubbed response; the trace shows the request (credentials
// redacted) and the mapped variable; nothing is sent.
func TestFlowTestRunWithHTTPStub(t *testing.T) {
	e := newEnv(t)
	f := e.flowTenant("acme", 2)
	e.must(e.do("PUT", f.base+"/flow-integrations", f.admin, integrations("Bearer s3cret")), 200, nil)
	doc := `{"id": "crm", "start": "hours", "variables": {"account": {"type": "string"}, "balance": {"type": "number"}},
  "nodes": [
    {"id": "hours", "type": "hours", "params": {"calendar": "office"}, "exits": {"open": "vip", "closed": "bye", "holiday": "bye"}},
    {"id": "vip", "type": "lookup", "params": {"list": "vip"}, "exits": {"found": "q", "not_found": "ask"}},
    {"id": "ask", "type": "collect", "params": {"prompts": [{"text": {"*": "Account number"}}], "mode": "fixed", "length": 4, "variable": "account"},
     "exits": {"ok": "lookup", "fail": "bye"}},
    {"id": "lookup", "type": "http", "params": {"endpoint": "crm", "path": "/accounts/${account}", "map": {"balance": "body.balance"}},
     "exits": {"ok": "say", "error": "bye"}},
    {"id": "say", "type": "play", "params": {"prompts": [{"say": "number", "expr": "balance"}]}, "exits": {"next": "bye"}},
    {"id": "q", "type": "queue", "params": {"queue": "sales"}, "exits": {"done": "bye", "failed": "bye"}},
    {"id": "bye", "type": "hangup"}]}`
	var fl store.Flow
	e.must(e.do("POST", f.base+"/flows", f.admin, doc), 201, &fl)
	c := flowtest.Case{Caller: "+8613800000001", Time: "2026-11-26T10:00:00+08:00",
		Input: []flowtest.Press{{Keys: "1234", AfterMS: 800, GapMS: 150}},
		HTTP:  map[string][]flowtest.HTTPStub{"lookup": {{Status: 200, Body: []byte(`{"balance": 42.5}`)}}}}
	r := e.do("POST", f.base+"/flows/"+fl.ID+"/test", f.admin, c)
	var rep flowtest.CaseReport
	e.must(r, 200, &rep)
	if strings.Contains(string(r.body), "s3cret") {
		t.Fatal("the test run shows the endpoint's credential")
	}
	if rep.Outcome != ivrflows.OutcomeHangup || rep.Vars["balance"] != 42.5 || len(rep.HTTPCalls) != 1 ||
		rep.HTTPCalls[0].URL != "https://crm.acme.example/api/accounts/1234" || rep.HTTPCalls[0].Headers["Authorization"] != redacted ||
		strings.Join(rep.Visited, ",") != "hours,vip,ask,lookup,say,bye" {
		t.Fatalf("report %+v", rep)
	}
	night := flowtest.Case{Time: "2026-11-26T22:00:00+08:00"}
	e.must(e.do("POST", f.base+"/flows/"+fl.ID+"/test", f.admin, night), 200, &rep)
	if strings.Join(rep.Visited, ",") != "hours,bye" {
		t.Fatalf("at night: %v", rep.Visited)
	}
}

// TestListEntriesAndSurveyScores over HTTP (OPS-4, OPS-6).
func TestListEntriesAndSurveyScores(t *testing.T) {
	e := newEnv(t)
	f := e.flowTenant("acme", 2)
	p := f.base + "/lists/vip/entries"
	add := AddListEntriesRequest{Entries: []store.ListEntryInput{{Value: "+8613800000888", Note: "gold"}, {Value: "+8613800000999"}}}
	e.must(e.do("POST", p, f.admin, add), 404, nil) // not declared yet
	e.must(e.do("PUT", f.base+"/flow-integrations", f.admin, integrations("x")), 200, nil)
	var res AddListEntriesResponse
	e.must(e.do("POST", p, f.admin, add), 201, &res)
	if res.Added != 2 {
		t.Fatalf("added %d", res.Added)
	}
	e.must(e.do("POST", p, f.admin, add), 201, &res)
	if res.Added != 0 {
		t.Fatalf("re-adding added %d", res.Added)
	}
	e.must(e.do("POST", p, f.admin, AddListEntriesRequest{}), 422, nil)
	e.must(e.do("DELETE", p+"/+8613800000999", f.admin, nil), 204, nil)
	e.must(e.do("DELETE", p+"/+8613800000999", f.admin, nil), 404, nil)
	var page Page[store.ListEntry]
	e.must(e.do("GET", p, f.admin, nil), 200, &page)
	if len(page.Items) != 1 || page.Items[0].Value != "+8613800000888" || page.Items[0].Note != "gold" {
		t.Fatalf("entries %+v", page.Items)
	}
	if in, _ := e.store.ListContains(context.Background(), tenancy.TenantID(f.id), "vip", "+8613800000888"); !in {
		t.Fatal("the call path's lookup misses the entry")
	}
	ctx, tn := context.Background(), tenancy.TenantID(f.id)
	for i, agent := range []string{"1001", "1002"} {
		at := e.clock.now().Add(time.Duration(i) * time.Hour)
		if err := e.store.SaveSurveyScore(ctx, tn, store.SurveyScore{CallID: "c" + agent, AgentID: agent, Question: "satisfaction", Score: 4 + i, At: at}); err != nil {
			t.Fatal(err)
		}
	}
	var scores Page[store.SurveyScore]
	e.must(e.do("GET", f.base+"/survey-scores?agent_id=1002", f.admin, nil), 200, &scores)
	if len(scores.Items) != 1 || scores.Items[0].Score != 5 {
		t.Fatalf("scores %+v", scores.Items)
	}
	since := e.clock.now().Add(30 * time.Minute).Format(time.RFC3339)
	e.must(e.do("GET", f.base+"/survey-scores?since="+since, f.admin, nil), 200, &scores)
	if len(scores.Items) != 1 || scores.Items[0].AgentID != "1002" {
		t.Fatalf("since %s: %+v", since, scores.Items)
	}
	e.must(e.do("GET", f.base+"/survey-scores?since=yesterday", f.admin, nil), 400, nil)
}
