package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/orchestrator/calls"
	"github.com/switchboard-cc/switchboard/store"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// validBodies are bodies that succeed for each write route when its owner
// sends them with its own objects, so that in the isolation walk another
// tenant's 404 comes from tenant scoping, not validation, and the owner's
// 2xx proves the route really acts. A func is called with the owner's path
// parameters. The walk fails for a tenant write route with no body here
// whose owner request does not succeed: a new route needs one.
var validBodies = map[string]any{
	"createUser": func(p map[string]string) any {
		return CreateUserRequest{Email: "walk-new@" + p["slug"] + ".test", DisplayName: "New", Role: tenancy.RoleAgent, Password: testPassword}
	},
	"updateUser":   map[string]any{"display_name": "Mallory"},
	"createAPIKey": CreateAPIKeyRequest{Name: "walk", Role: tenancy.RoleSupervisor},
	"createAccessNumber": func(p map[string]string) any {
		return map[string]any{"number": "+869999" + p["digit"] + "1", "entry_kind": "queue", "entry_alias": "sales"}
	},
	"replaceAccessNumber": func(p map[string]string) any {
		return map[string]any{"number": "+869999" + p["digit"] + "2", "entry_kind": "queue", "entry_alias": "sales"}
	},
	"createSkill":  map[string]any{"name": "walk-skill"},
	"replaceSkill": map[string]any{"name": "stolen"},
	"createQueue":  map[string]any{"name": "walk-queue", "strategy": "ring_all"},
	"replaceQueue": map[string]any{"name": "sales", "strategy": "ring_all"}, // flows name "sales"
	"createAgent": func(p map[string]string) any {
		return CreateAgentRequest{UserID: p["spare_user_id"], Extension: "1003", SIPPassword: "sip-secret-3"}
	},
	"updateAgent":     map[string]any{"display_name": "Mallory"},
	"setMyAgentState": AgentStateRequest{State: "login"},
	"forceAgentState": SupervisorStateRequest{State: "logout"},
	"setAgentPhone":   PhoneModeRequest{Number: "", AnswerMode: "ring"},
	"dialCall":        DialRequest{Number: "+8613800000000"},
	"holdCall":        OnOffRequest{On: true},
	"muteCall":        OnOffRequest{On: true},
	"consultCall":     func(p map[string]string) any { return TransferRequest{Kind: "agent", Target: p["my_agent_id"]} },
	"transferCall":    TransferRequest{Kind: "number", Target: "+8613800000001"},
	"monitorCall":     MonitorRequest{Mode: "listen"},
	"putDataSource":   DataSourceRequest{Driver: "sqlite", DSN: "/tmp/walk.db"},
	"createFlow":      json.RawMessage(salesFlow("walk", "Hi")),
	"saveFlowDraft":   json.RawMessage(salesFlow("main", "Hello")),
	"publishFlow":     PublishRequest{Alias: "live"},
	"setFlowAlias":    SetAliasRequest{Version: 1},
	"testFlowDraft":   map[string]any{"name": "walk"},
	"testFlowVersion": map[string]any{"name": "walk"},
	"putFlowIntegrations": func(p map[string]string) any {
		return map[string]any{"endpoints": map[string]any{}, "datasources": map[string]any{}, "mailboxes": []string{},
			"lists": []string{p["list"]}, "calendars": map[string]any{}}
	},
	"putDesktopSettings": map[string]any{"not_ready_reasons": []map[string]string{{"code": "lunch"}},
		"crm_url_template": "https://crm.example.com/c?n={caller}"},
	"putFeatureCodes": map[string]any{"login": "#1", "logout": "#2", "ready": "#3", "not_ready": "#4", "break": "#5",
		"end_wrap": "#6", "state": "#7"},
	"addListEntries":     AddListEntriesRequest{Entries: []store.ListEntryInput{{Value: "v-walk"}}},
	"uploadPrompt":       rawBody{query: "?name=walk&language=en", ctype: "audio/wav"},
	"replacePromptAudio": rawBody{ctype: "audio/wav"},
}

// ownerStatus lists the tenant routes whose owner, in the walk, cannot get
// a 2xx, with the status it gets instead and why. Keep it short: every
// entry is a route whose success the walk does not prove. None today.
var ownerStatus = map[string]struct {
	status int
	why    string
}{}

// ownerPrepare readies the owner's objects before its request and returns
// what puts things back afterwards (or nil).
var ownerPrepare = map[string]func(w *walk) func(){
	// Completing or cancelling a consultation needs one in progress.
	"completeConsult": func(w *walk) func() { w.consult(); return nil },
	"cancelConsult":   func(w *walk) func() { w.consult(); return nil },
	// A desktop answer needs an offer waiting on the agent's desktop.
	"answerOffer": func(w *walk) func() { return w.desktopOffer() },
	// A queue access numbers route to cannot be deleted (409 naming them):
	// the number the walk created routes to A's queue.
	"deleteQueue": func(w *walk) func() { w.releaseNumbers(); return nil },
}

// ownerEventually are routes whose object becomes ready a moment after the
// preparation can see it: the owner repeats the request until it succeeds
// (or the walk's deadline passes). The offer waits for the desktop answer
// only once its ringing goroutine registered it. Monitoring needs the
// walk's call connected to its agent: a consultation completed to an
// outside number by a route before it answers 2xx before the call's own
// goroutine moves the call to "external", so the walk can still see it
// talking and monitor a call that then has no agent (409 not_connected,
// 2 of 3 in make stress); the retry brings the call back to talking first.
var ownerEventually = map[string]bool{"answerOffer": true, "monitorCall": true}

// walkQueries are query strings a route needs to succeed, sent by everyone.
var walkQueries = map[string]string{"diffFlow": "?from=1&to=draft"}

// rawBody is a non-JSON request body (audio uploads); query is appended to
// the path.
type rawBody struct {
	query, ctype string
}

// walk is two tenants with one of everything each, a live call of A's
// talking to A's agent, and the server's live services wired.
type walk struct {
	*env
	a, b  world
	boss  map[string]string // tenant ID -> token of its supervisor, who is an agent too
	plat  map[string]string
	live  *liveServices
	audio []byte
}

// walkRoute is a route the server registered, with its declaration.
type walkRoute struct {
	route
	params []string
}

func newWalk(t *testing.T, e *env) *walk {
	w := &walk{env: e, audio: pcmWAV(8000, 1, 100*time.Millisecond, 440), boss: map[string]string{}}
	e.api.prompts = PromptOptions{Dir: t.TempDir(), MaxBytes: 1 << 20}
	w.a, w.b = w.world("alpha", "1"), w.world("beta", "2")
	w.plat = e.platformObjects()
	w.live = e.wireLive(map[string]string{w.a.id: w.a.params["agent_id"], w.b.id: w.b.params["agent_id"]})
	for _, x := range []world{w.a, w.b} {
		// The callee is logged in, so a supervisor can force its state.
		if err := w.live.owners[x.id].Login(context.Background(), x.params["agent_id"]); err != nil {
			t.Fatal(err)
		}
		w.live.talking(t, x.id, x.number, x.params["call_id"])
	}
	return w
}

// world populates a tenant for the walk: besides populate's objects a
// supervisor who is an agent too (for the signed-in agent's routes and
// monitoring), a spare user that can become an agent, a data source, an
// uploaded prompt, a CDR, a recording and a voicemail; PSTN calls are
// allowed. digit makes the walk's new numbers distinct per tenant.
func (w *walk) world(slug, digit string) world {
	e, ctx := w.env, context.Background()
	x := e.populate(e.newTenant(slug, 10))
	tn := tenancy.TenantID(x.id)
	t, err := e.store.GetTenant(ctx, tn)
	if err != nil {
		e.t.Fatal(err)
	}
	q := t.Quotas
	q.MaxPSTNCalls = 10
	if _, err := e.store.UpdateTenant(ctx, store.SystemActor, tn, store.TenantPatch{Quotas: &q}); err != nil {
		e.t.Fatal(err)
	}
	boss := e.newUser(x.tenantFix, "boss@"+slug+".test", tenancy.RoleSupervisor)
	w.boss[x.id] = boss
	var me Me
	e.must(e.do("GET", "/api/v1/me", boss, nil), 200, &me)
	var ag store.Agent
	e.must(e.do("POST", x.base+"/agents", x.admin, CreateAgentRequest{UserID: me.UserID, Extension: "1002", DisplayName: "Boss",
		SIPPassword: "sip-secret-2"}), 201, &ag)
	var spare store.User
	e.must(e.do("POST", x.base+"/users", x.admin, CreateUserRequest{Email: "spare@" + slug + ".test", DisplayName: "Spare",
		Role: tenancy.RoleAgent, Password: testPassword}), 201, &spare)
	ds := "crm_" + slug
	e.must(e.do("PUT", x.base+"/datasources/"+ds, e.admin, DataSourceRequest{Driver: "sqlite", DSN: "/tmp/" + ds + ".db"}), 200, nil)
	var p store.Prompt
	e.must(e.upload(x.tenantFix, "walk_"+slug, "en", w.audio), 201, &p)
	at := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	cdr, err := e.store.InsertCDR(ctx, tn, store.CDR{NodeID: "fs1", CallID: x.params["call_id"], Caller: "13800000001", ArrivedAt: at})
	if err != nil {
		e.t.Fatal(err)
	}
	rec, err := e.store.InsertRecording(ctx, tn, store.Recording{CallID: x.params["call_id"], NodeID: "fs1", Path: "/rec/" + slug + ".wav", StartedAt: at})
	if err != nil {
		e.t.Fatal(err)
	}
	vm, err := e.store.SaveVoicemail(ctx, tn, store.Voicemail{Mailbox: "sales", CallID: x.params["call_id"], Path: "/vm/" + slug + ".wav", CreatedAt: at})
	if err != nil {
		e.t.Fatal(err)
	}
	for k, v := range map[string]string{"my_agent_id": ag.ID, "spare_user_id": spare.ID, "name": ds, "prompt_id": p.ID,
		"slug": slug, "digit": digit} {
		x.params[k] = v
	}
	x.ids = append(x.ids, ag.ID, spare.ID, p.ID, cdr.ID, rec.ID, vm.ID, me.UserID)
	x.secrets = append(x.secrets, "Tenant "+slug, ds, spare.Email, "boss@"+slug+".test", slug+".example.com", "/rec/"+slug+".wav", "/vm/"+slug+".wav")
	return x
}

// routes are every route the server's router has, joined to the route
// table. A route outside the table (no guard) fails, and so does a route
// under /tenants/:tenant_id that is not tenant-scoped (or platform-only):
// any other scope lets a tenant name another tenant in the path.
func (w *walk) routes(t *testing.T) []walkRoute {
	declared := map[string]route{}
	for _, r := range w.api.routes {
		declared[r.method+" "+r.path] = r
	}
	ops := []string{"GET /healthz", "GET /readyz", "GET /metrics"}
	var out []walkRoute
	for _, ri := range w.api.e.Router().Routes() {
		key := ri.Method + " " + strings.TrimPrefix(ri.Path, apiPrefix)
		r, ok := declared[key]
		if !ok || !strings.HasPrefix(ri.Path, apiPrefix+"/") {
			if !slices.Contains(ops, ri.Method+" "+ri.Path) {
				t.Errorf("%s %s is registered outside the route table: no guard authorises it", ri.Method, ri.Path)
			}
			continue
		}
		underTenant := walkRoute{route: r}.underTenant()
		if underTenant && r.scope != scopeTenant && r.scope != scopePlatform {
			t.Errorf("%s %s is under /tenants/:tenant_id but declared %s: it must be tenant-scoped (or platform-only)", r.method, r.path, r.scope)
		}
		if r.scope == scopeTenant && !underTenant {
			t.Errorf("%s %s is tenant-scoped but not under /tenants/:tenant_id", r.method, r.path)
		}
		out = append(out, walkRoute{route: r, params: ri.Parameters})
	}
	if len(out) < 100 {
		t.Fatalf("the router has only %d API routes", len(out))
	}
	return out
}

// body is the route's request body for the owner of params.
func bodyFor(r route, params map[string]string) any {
	b := validBodies[r.name]
	if f, ok := b.(func(map[string]string) any); ok {
		return f(params)
	}
	if b == nil && r.write() {
		return map[string]any{}
	}
	return b
}

// send makes one request of the walk. An event stream is read for a
// moment, then dropped. It returns the response and the JSON body sent,
// which a validation error may echo. (The path is not excluded: an answer
// has no reason to repeat the IDs in its path, and a leaked object repeats
// its own ID.)
func (w *walk) send(r route, path, token string, b any, headers ...string) (resp, string) {
	w.t.Helper()
	var rd io.Reader
	ctype := "application/json"
	path += walkQueries[r.name]
	sent := ""
	switch b := b.(type) {
	case nil:
	case rawBody:
		path += b.query
		ctype = b.ctype
		rd = bytes.NewReader(w.audio)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			w.t.Fatal(err)
		}
		sent += string(j)
		rd = bytes.NewReader(j)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, r.method, w.http.URL+path, rd)
	if err != nil {
		w.t.Fatal(err)
	}
	req.Header.Set("Content-Type", ctype)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	if isAPIKey(token) {
		req.Header.Set("X-API-Key", token)
	} else {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := w.http.Client().Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer res.Body.Close()
	var out []byte
	if strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		// A stream never ends: keep what it sends in its first moments.
		time.AfterFunc(300*time.Millisecond, cancel)
	}
	out, _ = io.ReadAll(res.Body)
	return resp{status: res.StatusCode, header: res.Header, body: out}, sent
}

// leaks lists the values of x that show in res but were not in the body
// of the request that produced it.
func leaks(x world, res resp, sent string) []string {
	var out []string
	for _, v := range slices.Concat(x.ids, x.secrets) {
		if v != "" && strings.Contains(string(res.body), v) && !strings.Contains(sent, v) {
			out = append(out, v)
		}
	}
	return out
}

// underTenant reports whether the route's path names a tenant.
func (wr walkRoute) underTenant() bool {
	return wr.path == "/tenants/:tenant_id" || strings.HasPrefix(wr.path, "/tenants/:tenant_id/")
}

// objectRoute reports whether the route names an object by its ID (in
// a tenant the ID does not belong to, the object does not exist).
func (wr walkRoute) objectRoute() bool {
	return slices.ContainsFunc(wr.params, func(p string) bool {
		return strings.HasSuffix(p, "_id") && p != "tenant_id" && (p != "call_id" || wr.callRoute())
	})
}

// callRoute reports whether the route acts on A's live call, which must
// then be up and talking.
func (wr walkRoute) callRoute() bool {
	return slices.Contains(wr.params, "call_id") && strings.Contains(wr.path, "live-calls")
}

// TestTenantIsolationWalksEveryRoute (MT-1, MT-4) walks every route the
// router has, with every service wired (ACD, live calls, call control, phone
// modes) and real objects of two tenants, A and B, including a call of A's
// in progress:
//   - with B's credentials (admin token, API key, supervisor, agent) and A's IDs,
//     every tenant route answers 404 and every platform route 403; with B's
//     own tenant and A's object IDs, an object route answers 404 (or 403
//     where the role lacks the permission); no answer to B, on any route,
//     shows any ID or secret of A's that B did not send; A is unchanged;
//   - then A's admin, with A's real objects, gets a 2xx from every tenant
//     route (reads first, then writes, deletes last), so none of the 404s
//     above is a route that answers 404 to everyone;
//   - every route under /tenants/:tenant_id is tenant-scoped.
func TestTenantIsolationWalksEveryRoute(t *testing.T) {
	w := newWalk(t, newEnv(t))
	walkEveryRoute(t, w)
}

func walkEveryRoute(t *testing.T, w *walk) {
	routes := w.routes(t)
	a, b := w.a, w.b
	for _, r := range routes {
		for _, p := range r.params {
			if a.params[p] == "" && w.plat[p] == "" {
				t.Errorf("%s %s: the walk has no real object for :%s; give the walk's world one", r.method, r.path, p)
			}
		}
	}
	auditBefore := w.do("GET", a.base+"/audit?limit=500", a.admin, nil)
	creds := map[string]struct {
		tok  string
		role tenancy.Role
	}{
		"B admin token": {b.admin, tenancy.RoleTenantAdmin}, "B API key": {b.apiKey, tenancy.RoleTenantAdmin},
		"B supervisor token": {w.boss[b.id], tenancy.RoleSupervisor},
		"B agent token":      {w.login(b.agentEmail), tenancy.RoleAgent},
	}
	for _, credName := range slices.Sorted(func(yield func(string) bool) {
		for k := range creds {
			if !yield(k) {
				return
			}
		}
	}) {
		cr := creds[credName]
		for _, r := range routes {
			w.attempt(t, credName, cr.tok, cr.role, r)
		}
	}
	w.assertUnchanged(a, auditBefore)
	owned := ownerOrder(routes)
	for _, r := range owned {
		w.asOwner(t, r)
	}
	t.Logf("walked %d routes with %d credentials of B; the owner called %d tenant routes (%d with a documented non-2xx)",
		len(routes), len(creds), len(owned), len(ownerStatus))
}

// attempt is B's request of route r with A's IDs, then (tenant routes) in
// B's own tenant with A's object IDs.
func (w *walk) attempt(t *testing.T, credName, tok string, role tenancy.Role, r walkRoute) {
	a, b := w.a, w.b
	if r.callRoute() {
		w.live.talking(t, a.id, a.number, a.params["call_id"])
	}
	body := bodyFor(r.route, a.params)
	res, sent := w.send(r.route, fill(r.path, w.plat, a.params), tok, body)
	checkDocumented(t, r.route, res.status)
	// A's tenant in the path: the tenant does not exist for B, whatever the
	// route declares (a route under /tenants/:tenant_id declared with a
	// looser scope must not answer either).
	want := map[scope]int{scopeTenant: http.StatusNotFound, scopePlatform: http.StatusForbidden}[r.scope]
	if r.underTenant() && r.scope != scopePlatform {
		want = http.StatusNotFound
	}
	if want != 0 && res.status != want {
		t.Errorf("%s: %s %s with A's IDs: want %d, got %s", credName, r.method, r.path, want, res)
	}
	if l := leaks(a, res, sent); len(l) > 0 {
		t.Errorf("%s: %s %s with A's IDs shows A's %v: %s", credName, r.method, r.path, l, res)
	}
	if r.scope != scopeTenant {
		return
	}
	// B's own tenant: A's object IDs, B's names (a list or a data source
	// named like A's is B's own) and B's bodies.
	own := map[string]string{}
	for k, v := range b.params {
		if !strings.HasSuffix(k, "_id") || k == "tenant_id" || k == "call_id" && !r.callRoute() {
			own[k] = v
		}
	}
	res, sent = w.send(r.route, fill(r.path, w.plat, a.params, own), tok, bodyFor(r.route, b.params))
	checkDocumented(t, r.route, res.status)
	want = http.StatusNotFound
	if !tenancy.Allowed(role, r.perm) {
		want = http.StatusForbidden
	}
	if r.objectRoute() && res.status != want {
		t.Errorf("%s: %s %s on B with A's object: want %d, got %s", credName, r.method, r.path, want, res)
	}
	if l := leaks(a, res, sent); len(l) > 0 {
		t.Errorf("%s: %s %s on B shows A's %v: %s", credName, r.method, r.path, l, res)
	}
}

// ownerOrder is the routes the owner walks: tenant routes, reads first,
// then writes, deletes last (they remove what other routes act on).
func ownerOrder(routes []walkRoute) []walkRoute {
	rank := func(r walkRoute) int {
		switch r.method {
		case http.MethodGet:
			return 0
		case http.MethodDelete:
			return 2
		}
		return 1
	}
	var out []walkRoute
	for _, r := range routes {
		if r.scope == scopeTenant {
			out = append(out, r)
		}
	}
	slices.SortStableFunc(out, func(x, y walkRoute) int { return rank(x) - rank(y) })
	return out
}

// asOwner is the request of r by A's admin (or, for a route tenant admins
// may not use, A's supervisor or the platform admin) with A's objects: a
// 2xx, or the status ownerStatus documents.
func (w *walk) asOwner(t *testing.T, r walkRoute) {
	a := w.a
	if r.callRoute() {
		w.live.talking(t, a.id, a.number, a.params["call_id"])
	}
	if prep := ownerPrepare[r.name]; prep != nil {
		if undo := prep(w); undo != nil {
			defer undo()
		}
	}
	tok := w.ownerToken(r.route)
	res, _ := w.send(r.route, fill(r.path, w.plat, a.params), tok, bodyFor(r.route, a.params))
	if ownerEventually[r.name] {
		waitUntil(t, r.name+" to succeed", func() bool {
			if res.status >= 300 {
				if r.callRoute() {
					w.live.talking(t, a.id, a.number, a.params["call_id"])
				}
				res, _ = w.send(r.route, fill(r.path, w.plat, a.params), tok, bodyFor(r.route, a.params))
			}
			return res.status < 300
		})
	}
	if exp, ok := ownerStatus[r.name]; ok {
		if res.status != exp.status {
			t.Errorf("owner: %s %s: want %d (%s), got %s", r.method, r.path, exp.status, exp.why, res)
		}
		return
	}
	if res.status < 200 || res.status > 299 {
		t.Errorf("owner: %s %s with its own objects: want 2xx, got %s", r.method, r.path, res)
	}
}

// ownerToken is who acts as A's owner on tenant route r: A's admin, or,
// for a route tenant admins may not use, A's supervisor or the platform
// admin.
func (w *walk) ownerToken(r route) string {
	a := w.a
	switch {
	case strings.Contains(r.path, "/acd/me") || r.name == "monitorCall":
		return w.boss[a.id] // needs the caller's own agent (and phone): A's supervisor, an agent too
	case tenancy.Allowed(tenancy.RoleTenantAdmin, r.perm):
		return a.admin
	case tenancy.Allowed(tenancy.RoleSupervisor, r.perm):
		return w.boss[a.id] // an agent's own state and calls: A's supervisor, an agent too
	}
	return w.admin // for operators only (data sources): the platform admin acts on A
}

// desktopOffer rings A's supervisor-agent in desktop answer mode with a
// fresh call of A's; the returned func puts the callee and mode back and
// ends the call.
func (w *walk) desktopOffer() func() {
	a, l := w.a, w.live
	id, boss, tn := a.params["call_id"], a.params["my_agent_id"], tenancy.TenantID(a.id)
	l.waitGone(w.t, a.id, id)
	l.conf.SetAnswerMode(tn, boss, calls.AnswerDesktop)
	l.queuer.setCallee(a.id, boss)
	l.start(id, a.number)
	waitUntil(w.t, "the desktop offer", func() bool { return l.state(a.id, id) == calls.StateRinging })
	return func() {
		l.conf.SetAnswerMode(tn, boss, calls.AnswerRing)
		l.queuer.setCallee(a.id, a.params["agent_id"])
		l.waitGone(w.t, a.id, id)
	}
}

// releaseNumbers deletes every access number of A's.
func (w *walk) releaseNumbers() {
	a := w.a
	var l struct {
		Items []store.AccessNumber `json:"items"`
	}
	w.must(w.do("GET", a.base+"/numbers?limit=500", a.admin, nil), 200, &l)
	for _, n := range l.Items {
		w.must(w.do("DELETE", a.base+"/numbers/"+n.ID, a.admin, nil), 204, nil)
	}
}

// consult starts a consultation on a fresh call of A's (its supervisor's
// agent is consulted).
func (w *walk) consult() {
	a := w.a
	w.live.waitGone(w.t, a.id, a.params["call_id"])
	w.live.talking(w.t, a.id, a.number, a.params["call_id"])
	w.must(w.do("POST", a.base+"/live-calls/"+a.params["call_id"]+"/consult", w.boss[a.id],
		TransferRequest{Kind: "agent", Target: a.params["my_agent_id"]}), 200, nil)
}

// assertUnchanged: A's objects still read back and its audit log gained nothing.
func (e *env) assertUnchanged(a world, auditBefore resp) {
	e.t.Helper()
	for _, p := range []string{"/agents/" + a.params["agent_id"], "/skills/" + a.params["skill_id"],
		"/queues/" + a.params["queue_id"], "/numbers/" + a.params["number_id"], "/users/" + a.params["user_id"]} {
		res := e.do("GET", a.base+p, a.admin, nil)
		if res.status != 200 || strings.Contains(string(res.body), "stolen") || strings.Contains(string(res.body), "Mallory") {
			e.t.Errorf("A's %s changed: %s", p, res)
		}
	}
	after := e.do("GET", a.base+"/audit?limit=500", a.admin, nil)
	if string(after.body) != string(auditBefore.body) {
		e.t.Errorf("A's audit log changed during B's attempts:\nbefore %s\nafter  %s", auditBefore.body, after.body)
	}
}

// TestCrossTenantReferencesRefused: B cannot attach A's user, skills or
// queues to its own agent.
func TestCrossTenantReferencesRefused(t *testing.T) {
	e := newEnv(t)
	a := e.populate(e.newTenant("alpha", 10))
	b := e.populate(e.newTenant("beta", 10))
	for name, body := range map[string]CreateAgentRequest{
		"A's user":  {UserID: a.params["user_id"], Extension: "2001", SIPPassword: "sip-secret-2"},
		"A's skill": {UserID: b.params["user_id"], Extension: "2002", SIPPassword: "sip-secret-2", Skills: skillRef(a.params["skill_id"])},
		"A's queue": {UserID: b.params["user_id"], Extension: "2003", SIPPassword: "sip-secret-2", Queues: queueRef(a.params["queue_id"])},
	} {
		res := e.do("POST", b.base+"/agents", b.admin, body)
		if res.status < 400 || res.status >= 500 {
			t.Errorf("%s: want a 4xx refusal, got %s", name, res)
		}
	}
}
