package api

import (
	"context"
	"fmt"
	"time"

	"github.com/switchboard-cc/switchboard/ivrflows"
	"github.com/switchboard-cc/switchboard/store"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// salesFlow is a valid flow for a tenant with a "sales" queue: it greets,
// offers 1 for sales and 2 to set a variable and say goodbye.
func salesFlow(name, greeting string) string {
	return fmt.Sprintf(`{"id": %q, "start": "greet", "variables": {"choice": {"type": "string"}},
  "nodes": [
    {"id": "greet", "type": "play", "params": {"prompts": [{"text": {"*": %q}}]}, "exits": {"next": "menu"}},
    {"id": "menu", "type": "menu", "params": {"prompts": [{"text": {"*": "Press 1 for sales, 2 to leave"}}]},
     "exits": {"1": "queue", "2": "mark", "fail": "bye"}},
    {"id": "queue", "type": "queue", "params": {"queue": "sales"}, "exits": {"done": "bye", "failed": "bye"}},
    {"id": "mark", "type": "set", "params": {"assign": [{"var": "choice", "expr": "'left'"}]}, "exits": {"next": "bye"}},
    {"id": "bye", "type": "hangup"}]}`, name, greeting)
}

// setFlowQuota sets max_published_flows of tenant id (other quotas kept).
func (e *env) setFlowQuota(id string, n int) {
	e.t.Helper()
	ctx := context.Background()
	t, err := e.store.GetTenant(ctx, tenancy.TenantID(id))
	if err != nil {
		e.t.Fatal(err)
	}
	q := t.Quotas
	q.MaxPublishedFlows = n
	if _, err := e.store.UpdateTenant(ctx, store.SystemActor, t.ID, store.TenantPatch{Quotas: &q}); err != nil {
		e.t.Fatal(err)
	}
}

// flowObjects gives tenant f (which has a "sales" queue) a flow published
// live as version 1, a prompt and a traced call: the path parameters of the
// flow routes, and the IDs that must never show in another tenant's lists.
func (e *env) flowObjects(f tenantFix) (map[string]string, []string) {
	e.t.Helper()
	e.setFlowQuota(f.id, 5)
	var fl store.Flow
	e.must(e.do("POST", f.base+"/flows", f.admin, salesFlow("main", "Welcome")), 201, &fl)
	var v store.FlowVersion
	e.must(e.do("POST", f.base+"/flows/"+fl.ID+"/versions", f.admin, PublishRequest{Alias: "live"}), 201, &v)
	ctx, tn := context.Background(), tenancy.TenantID(f.id)
	p, err := e.store.CreatePrompt(ctx, store.SystemActor, tn, store.PromptInput{Name: "welcome", Language: "en",
		Path: f.id + "/en/welcome.wav", SizeBytes: 44})
	if err != nil {
		e.t.Fatal(err)
	}
	call := "call-" + fl.ID
	err = e.store.AppendFlowTrace(ctx, tn, store.FlowTraceBatch{CallID: call, FlowID: fl.ID, Version: 1,
		Entries: []ivrflows.TraceEntry{{Node: "greet", Type: ivrflows.NodePlay, Entered: time.Now(), Exit: "next"}}})
	if err != nil {
		e.t.Fatal(err)
	}
	list, value, survey := "bl-"+fl.ID, "v-"+fl.ID, "survey-"+fl.ID
	integ := map[string]any{"endpoints": map[string]any{}, "datasources": map[string]any{}, "mailboxes": []string{},
		"lists": []string{list}, "calendars": map[string]any{}}
	e.must(e.do("PUT", f.base+"/flow-integrations", f.admin, integ), 200, nil)
	e.must(e.do("POST", f.base+"/lists/"+list+"/entries", f.admin, AddListEntriesRequest{Entries: []store.ListEntryInput{{Value: value}}}), 201, nil)
	if err := e.store.SaveSurveyScore(ctx, tn, store.SurveyScore{CallID: survey, Question: "q", Score: 5, At: time.Now()}); err != nil {
		e.t.Fatal(err)
	}
	params := map[string]string{"flow_id": fl.ID, "version": "1", "alias": "live", "prompt_id": p.ID, "call_id": call,
		"list": list, "value": value}
	return params, []string{fl.ID, v.ID, p.ID, call, list, value, survey}
}
