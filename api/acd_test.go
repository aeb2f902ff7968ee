package api

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/acd"
	"github.com/switchboard-cc/switchboard/orchestrator/acdowner"
	"github.com/switchboard-cc/switchboard/store"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// acdRegistry is a test ACDOwners: one real owner per tenant; a user's agent
// ID is the local part of its e-mail.
type acdRegistry struct {
	st     *store.Store
	owners map[string]*acdowner.Owner
}

func (r *acdRegistry) Owner(tenant string) (*acdowner.Owner, bool) {
	o, ok := r.owners[tenant]
	return o, ok
}

func (r *acdRegistry) AgentOfUser(ctx context.Context, tenant, userID string) (string, bool, error) {
	u, err := r.st.GetUser(ctx, tenancy.TenantID(tenant), userID)
	if err != nil {
		return "", false, nil
	}
	return strings.Split(u.Email, "@")[0], true, nil
}

type nopOfferer struct{}

func (nopOfferer) Offer(context.Context, acdowner.Offer) error       { return nil }
func (nopOfferer) CancelOffer(context.Context, acdowner.Offer) error { return nil }

// acdEnv is a server with a live ACD for tenant alpha: queue q, agents ann
// and bob (break group g, cap 1), and tokens for ann, bob and a supervisor.
type acdEnv struct {
	*env
	f             tenantFix
	owner         *acdowner.Owner
	ann, bob, sup string
}

func newACDEnv(t *testing.T) *acdEnv {
	e := newEnv(t)
	f := e.newTenant("alpha", 10)
	o, err := acdowner.Start(context.Background(), acdowner.Config{Tenant: f.id, Offerer: nopOfferer{},
		Logger: e.api.log, BreakLimits: map[string]int{"g": 1},
		Queues: []acd.QueueConfig{{ID: "q"}},
		Agents: []acd.AgentProfile{
			{ID: "ann", Tenant: f.id, BreakGroup: "g", Queues: []acd.Membership{{Queue: "q"}}},
			{ID: "bob", Tenant: f.id, BreakGroup: "g", Queues: []acd.Membership{{Queue: "q"}}},
		}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = o.Stop(context.Background()) })
	e.api.UseACD(&acdRegistry{st: e.store, owners: map[string]*acdowner.Owner{f.id: o}})
	t.Cleanup(func() { acdByServer.Delete(e.api) })
	return &acdEnv{env: e, f: f, owner: o,
		ann: e.newUser(f, "ann@alpha.test", tenancy.RoleAgent),
		bob: e.newUser(f, "bob@alpha.test", tenancy.RoleAgent),
		sup: e.newUser(f, "sup@alpha.test", tenancy.RoleSupervisor)}
}

func (a *acdEnv) self(token, state, reason string) resp {
	return a.do("POST", a.f.base+"/acd/me/state", token, AgentStateRequest{State: state, Reason: reason})
}

func TestACDAgentSetsOwnState(t *testing.T) {
	a := newACDEnv(t)
	var st ACDAgentState
	a.must(a.self(a.ann, "login", ""), 200, &st)
	if st.AgentID != "ann" || st.State != "not_ready" || st.Reason != "login" {
		t.Fatalf("%+v", st)
	}
	a.must(a.self(a.ann, "ready", ""), 200, &st)
	if st.State != "ready" {
		t.Fatalf("%+v", st)
	}
	a.must(a.self(a.ann, "not_ready", "lunch"), 200, &st)
	if st.State != "not_ready" || st.Reason != "lunch" {
		t.Fatalf("%+v", st)
	}
	a.must(a.do("GET", a.f.base+"/acd/me", a.ann, nil), 200, &st)
	if st.AgentID != "ann" || st.State != "not_ready" {
		t.Fatalf("%+v", st)
	}
	if r := a.self(a.ann, "not_ready", ""); r.status != 422 {
		t.Fatalf("not_ready without reason: %s", r)
	}
	if r := a.self(a.ann, "dance", ""); r.status != 422 || r.errCode() != "validation_failed" {
		t.Fatalf("unknown state: %s", r)
	}
}

func TestACDIllegalChangeIs409WithCurrentState(t *testing.T) {
	a := newACDEnv(t)
	r := a.self(a.ann, "ready", "")
	var body struct {
		Error struct {
			Code    string            `json:"code"`
			Message string            `json:"message"`
			Details map[string]string `json:"details"`
		} `json:"error"`
	}
	r.decode(t, &body)
	if r.status != 409 || body.Error.Code != "illegal_state" || body.Error.Details["current_state"] != "logged_out" ||
		!strings.Contains(body.Error.Message, "logged_out") {
		t.Fatalf("%s", r)
	}
}

func TestACDBreakCapAndSupervisor(t *testing.T) {
	a := newACDEnv(t)
	for _, tok := range []string{a.ann, a.bob} {
		a.must(a.self(tok, "login", ""), 200, nil)
	}
	a.must(a.self(a.ann, "break", ""), 200, nil)
	r := a.self(a.bob, "break", "")
	var body struct {
		Error struct {
			Code    string         `json:"code"`
			Details map[string]int `json:"details"`
		} `json:"error"`
	}
	r.decode(t, &body)
	if r.status != 409 || body.Error.Code != "break_cap_reached" || body.Error.Details["on_break"] != 1 || body.Error.Details["max"] != 1 {
		t.Fatalf("%s", r)
	}
	sup := func(agent, state string) resp {
		return a.do("POST", a.f.base+"/acd/agents/"+agent+"/state", a.sup, SupervisorStateRequest{State: state})
	}
	a.must(sup("ann", "end_break"), 200, nil)
	var st ACDAgentState
	a.must(sup("bob", "break"), 200, &st)
	if st.State != "break" {
		t.Fatalf("%+v", st)
	}
	a.must(sup("bob", "logout"), 200, &st)
	if st.State != "logged_out" {
		t.Fatalf("%+v", st)
	}
	if r := sup("nobody", "logout"); r.status != 404 {
		t.Fatalf("unknown agent: %s", r)
	}
	if r := a.do("POST", a.f.base+"/acd/agents/ann/state", a.ann, SupervisorStateRequest{State: "logout"}); r.status != 403 {
		t.Fatalf("agent forcing: %s", r)
	}
	a.must(a.do("GET", a.f.base+"/acd/agents/ann", a.sup, nil), 200, &st)
	if st.State != "ready" {
		t.Fatalf("ann after end_break: %+v", st)
	}
}

func TestACDQueueStats(t *testing.T) {
	a := newACDEnv(t)
	a.must(a.self(a.ann, "login", ""), 200, nil)
	if err := a.owner.Enqueue(context.Background(), acd.Interaction{ID: "x", Tenant: a.f.id, Queue: "q"}); err != nil {
		t.Fatal(err)
	}
	var qs ACDQueueStats
	a.must(a.do("GET", a.f.base+"/acd/queues/q", a.ann, nil), 200, &qs)
	if qs.QueueID != "q" || qs.Waiting != 1 || qs.LoggedIn != 1 || qs.Agents["not_ready"] != 1 || len(qs.Windows) != 3 {
		t.Fatalf("%+v", qs)
	}
	// The service level comes with its definition and threshold (the
	// queue's defaults here), so a reader knows what it counts.
	if w := qs.Windows[0]; w.ServiceLevelDefinition != "answered_and_abandoned_after_threshold" || w.ServiceLevelThresholdSeconds != 20 {
		t.Fatalf("window without its service level definition: %+v", w)
	}
	if r := a.do("GET", a.f.base+"/acd/queues/nope", a.ann, nil); r.status != 404 {
		t.Fatalf("%s", r)
	}
	var waiting ACDWaitingList
	a.must(a.do("GET", a.f.base+"/acd/queues/q/waiting", a.sup, nil), 200, &waiting)
	if len(waiting.Items) != 1 || waiting.Items[0].InteractionID != "x" || waiting.Items[0].Position != 1 {
		t.Fatalf("%+v", waiting)
	}
	var list ACDQueueStatsList
	a.must(a.do("GET", a.f.base+"/acd/queues", a.ann, nil), 200, &list)
	if len(list.Items) != 1 || list.Items[0].Waiting != 1 {
		t.Fatalf("%+v", list)
	}
	var agents ACDAgentStates
	a.must(a.do("GET", a.f.base+"/acd/agents", a.sup, nil), 200, &agents)
	if len(agents.Items) != 1 || agents.Items[0].AgentID != "ann" {
		t.Fatalf("%+v", agents)
	}
	a.must(a.do("GET", a.f.base+"/acd/agents?all=true", a.sup, nil), 200, &agents)
	if len(agents.Items) != 2 {
		t.Fatalf("%+v", agents)
	}
	if r := a.do("GET", a.f.base+"/acd/agents", a.ann, nil); r.status != 403 {
		t.Fatalf("agent listing agents: %s", r)
	}
}

// readEvents opens the stream as token and returns a channel of its events.
func (a *acdEnv) readEvents(t *testing.T, token string) (<-chan ACDStreamEvent, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", a.http.URL+a.f.base+"/acd/stream", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("stream: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	out := make(chan ACDStreamEvent, 64)
	go func() { // ends when cancel closes the body
		defer close(out)
		defer res.Body.Close()
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
			if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				var ev ACDStreamEvent
				if json.Unmarshal([]byte(data), &ev) == nil {
					out <- ev
				}
			}
		}
	}()
	return out, cancel
}

func TestACDStreamScopedToRole(t *testing.T) {
	a := newACDEnv(t)
	annEvents, stopAnn := a.readEvents(t, a.ann)
	defer stopAnn()
	supEvents, stopSup := a.readEvents(t, a.sup)
	defer stopSup()
	// Both are subscribed: streamACD subscribes before it sends the
	// headers, and readEvents returns once they arrived.
	a.must(a.self(a.bob, "login", ""), 200, nil)
	a.must(a.self(a.ann, "login", ""), 200, nil)
	next := func(c <-chan ACDStreamEvent) ACDStreamEvent {
		select {
		case ev := <-c:
			return ev
		case <-time.After(5 * time.Second):
			t.Fatal("no event")
		}
		return ACDStreamEvent{}
	}
	if ev := next(supEvents); ev.Kind != "transition" || ev.AgentID != "bob" || ev.To != "not_ready" {
		t.Fatalf("supervisor first event %+v", ev)
	}
	if ev := next(supEvents); ev.AgentID != "ann" {
		t.Fatalf("supervisor second event %+v", ev)
	}
	if ev := next(annEvents); ev.AgentID != "ann" || ev.From != "logged_out" {
		t.Fatalf("ann saw %+v (bob's events must be filtered)", ev)
	}
}

func TestACDWithoutOwnerIs404(t *testing.T) {
	e := newEnv(t)
	f := e.newTenant("beta", 10)
	if r := e.do("GET", f.base+"/acd/queues/q", f.admin, nil); r.status != 404 {
		t.Fatalf("%s", r)
	}
}
