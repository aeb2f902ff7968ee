package main

import (
	"bytes"
	"context"
	"database/sql"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/syncbuf"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/xmlcurl"
	"github.com/switchboard-cc/switchboard/store"
	"github.com/switchboard-cc/switchboard/tenancy"
)

const (
	problemNode       = "fs1"
	problemNodeSecret = "node-secret-0123456789"
)

// problemWorld is a controller built (not started) on a SQLite file that
// the test also writes with plain SQL, as a careless hand would.
type problemWorld struct {
	t    *testing.T
	cfg  serveConfig
	st   *store.Store // the controller's store
	db   *sql.DB      // the same file, bypassing every rule
	ctrl *controller
	c    *client
	logs *syncbuf.Buffer
	srv  *httptest.Server
}

func newProblemWorld(t *testing.T) (*problemWorld, *worldTenant, *worldTenant) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "sb.db")
	cfg := serveConfig{DataDir: dir, Database: "sqlite:" + path, AdminEmail: "admin@switchboard.local",
		AdminPassword: "admin-password-123", LogLevel: "debug", LogFormat: "json", ShutdownTimeout: 5 * time.Second,
		ESLListen: "127.0.0.1:8084", ReloadEvery: time.Hour}
	key := bytes.Repeat([]byte{9}, 32)
	cfg.SecretKey = encodeKey(key)
	st, err := openStore(ctx, cfg, key)
	if err != nil {
		t.Fatal(err)
	}
	site, err := st.CreateSite(ctx, store.SystemActor, store.SiteInput{Name: "hq"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateNode(ctx, store.SystemActor, store.NodeInput{SiteID: site.ID, Name: problemNode, Kind: store.NodeFreeSWITCH,
		Address: "127.0.0.1:8021", Secret: problemNodeSecret, Enabled: true}); err != nil {
		t.Fatal(err)
	}
	acme := seedTenant(t, st, "acme", "+862000000001", 5)
	bolt := seedTenant(t, st, "bolt", "+862000000002", 5)
	st.Close()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	w := &problemWorld{t: t, cfg: cfg, db: db, logs: &syncbuf.Buffer{}}
	return w, acme, bolt
}

// start builds the controller as serve does and serves its HTTP mux.
func (w *problemWorld) start() {
	w.t.Helper()
	log := slog.New(slog.NewJSONHandler(w.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ctrl, err := newController(context.Background(), w.cfg, log, &bytes.Buffer{})
	if err != nil {
		w.t.Fatalf("the controller must start whatever one tenant's rows hold: %v", err)
	}
	srv := httptest.NewServer(ctrl.mux)
	w.ctrl, w.st, w.c, w.srv = ctrl, ctrl.st, &client{t: w.t, base: srv.URL}, srv
	w.t.Cleanup(func() {
		if w.ctrl == ctrl {
			w.stop()
		}
		if w.t.Failed() {
			w.t.Logf("controller log:\n%s", w.logs.String())
		}
	})
}

// stop closes the controller as a shutdown does.
func (w *problemWorld) stop() {
	w.srv.Close()
	w.ctrl.Close()
	w.ctrl = nil
}

func (w *problemWorld) exec(query string, args ...any) {
	w.t.Helper()
	if res, err := w.db.Exec(query, args...); err != nil {
		w.t.Fatalf("%s: %v", query, err)
	} else if n, _ := res.RowsAffected(); n != 1 {
		w.t.Fatalf("%s: %d rows", query, n)
	}
}

// number creates an access number through the store, to be spoiled by SQL.
func (w *problemWorld) number(st *store.Store, ten *worldTenant, number string) string {
	w.t.Helper()
	n, err := st.CreateAccessNumber(context.Background(), store.SystemActor, ten.ID,
		store.AccessNumberInput{Number: number, EntryKind: store.EntryQueue, EntryAlias: "sales"})
	if err != nil {
		w.t.Fatal(err)
	}
	return n.ID
}

func (w *problemWorld) directory(ten *worldTenant, user string) (string, bool) {
	w.t.Helper()
	st, body := w.c.fsapi(problemNode, problemNodeSecret, "section=directory&tag_name=domain&key_name=name&key_value="+
		ten.SIPDomain+"&user="+user+"&domain="+ten.SIPDomain+"&action=sip_auth&hostname=vm")
	if st != 200 {
		w.t.Fatalf("directory %s@%s: status %d %s", user, ten.SIPDomain, st, body)
	}
	return body, strings.Contains(body, "a1-hash")
}

func (w *problemWorld) dialplan(number string) string {
	w.t.Helper()
	st, body := w.c.fsapi(problemNode, problemNodeSecret, "section=dialplan&hostname=vm&Caller-Context=public&Caller-Destination-Number="+
		strings.ReplaceAll(number, "+", "%2B")+"&Caller-Caller-ID-Number=13800000001&Unique-ID=u1")
	if st != 200 {
		w.t.Fatalf("dialplan %s: status %d %s", number, st, body)
	}
	return body
}

func (w *problemWorld) problems() []struct {
	Source, Object, Reason string
	TenantID               tenancy.TenantID `json:"tenant_id"`
} {
	w.t.Helper()
	admin := w.c.login("admin@switchboard.local", "admin-password-123")
	var out struct {
		Items []struct {
			Source, Object, Reason string
			TenantID               tenancy.TenantID `json:"tenant_id"`
		}
	}
	w.c.must(200, "GET", "/api/v1/config-problems", admin, nil, &out)
	return out.Items
}

func (w *problemWorld) metric(source string) float64 {
	w.t.Helper()
	mfs, err := w.ctrl.reg.Gather()
	if err != nil {
		w.t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "switchboard_config_problems" {
			continue
		}
		for _, m := range mf.GetMetric() {
			if m.GetLabel()[0].GetValue() == source {
				return m.GetGauge().GetValue()
			}
		}
	}
	w.t.Fatalf("no switchboard_config_problems{source=%q}", source)
	return 0
}

// TestOneTenantsBadRowsNeverStopAnothersCalls: rows of tenant acme spoiled
// in the database behind the API's back (a 200-character agent name, an
// entry alias with a line break, a 17-digit number, the '+'-less twin of
// bolt's number) leave out those rows only. The controller starts, each
// row is listed by the platform route with its tenant and counted in the
// metric, and bolt's new agent, rotated SIP password and new number are
// served after one reload. A name with "${" and Chinese is legal and
// served, escaped. A restart on the same database succeeds.
func TestOneTenantsBadRowsNeverStopAnothersCalls(t *testing.T) {
	w, acme, bolt := newProblemWorld(t)
	ctx := context.Background()
	st, err := openStore(ctx, w.cfg, bytes.Repeat([]byte{9}, 32))
	if err != nil {
		t.Fatal(err)
	}
	long := w.number(st, acme, "+862000000011")
	alias := w.number(st, acme, "+862000000012")
	spaced := w.number(st, acme, "+862000000013")
	twin := w.number(st, acme, "+862000000014")
	if _, err := st.CreateQueue(ctx, store.SystemActor, acme.ID, store.QueueInput{Name: "sales team 销售", Strategy: "ring_all"}); err != nil {
		t.Fatal(err) // the spaced alias below names it
	}
	st.Close()
	w.exec(`UPDATE agents SET display_name = $1 WHERE id = $2`, "张伟 ${system(rm -rf /)}", acme.agents["1001"].ID)
	w.exec(`UPDATE agents SET display_name = $1 WHERE id = $2`, strings.Repeat("x", 200), acme.agents["1002"].ID)
	w.exec(`UPDATE access_numbers SET number = '12345678901234567' WHERE id = $1`, long)
	w.exec(`UPDATE access_numbers SET entry_alias = $1 WHERE id = $2`, "sales\nteam", alias)
	w.exec(`UPDATE access_numbers SET entry_alias = 'sales team 销售' WHERE id = $1`, spaced) // legal: a name
	w.exec(`UPDATE access_numbers SET number = '862000000002' WHERE id = $1`, twin)         // bolt's, without '+'

	w.start()
	wantLeftOut := map[string]bool{acme.agents["1002"].ID: true, long: true, alias: true, twin: true}
	checkProblems := func() {
		t.Helper()
		got := w.problems()
		for _, p := range got {
			named := false
			for id := range wantLeftOut {
				named = named || strings.Contains(p.Object, id)
			}
			if !named || p.TenantID != acme.ID || p.Source != sourceCallConfig || p.Reason == "" {
				t.Errorf("unexpected problem %+v", p)
			}
		}
		if len(got) != len(wantLeftOut) {
			t.Errorf("problems: got %d, want %d: %+v", len(got), len(wantLeftOut), got)
		}
		if n := w.metric(sourceCallConfig); n != float64(len(wantLeftOut)) {
			t.Errorf("switchboard_config_problems{source=callconfig} = %v, want %d", n, len(wantLeftOut))
		}
		if n := w.metric(sourceXMLCurl); n != 0 {
			t.Errorf("switchboard_config_problems{source=xmlcurl} = %v, want 0 (each problem counts once)", n)
		}
	}
	checkProblems()
	if !strings.Contains(w.logs.String(), "configuration row left out") {
		t.Error("the left-out rows are not logged")
	}

	// acme: only the spoiled rows are out.
	doc, ok := w.directory(acme, "1001")
	if !ok || !strings.Contains(doc, "张伟") || strings.Contains(doc, "${system") {
		t.Fatalf("acme's 1001 must be served with its name escaped: %s", doc)
	}
	if _, ok := w.directory(acme, "1002"); ok {
		t.Fatal("acme's agent with a 200-character name is served")
	}
	if dp := w.dialplan("+862000000001"); !strings.Contains(dp, "sb_tenant="+string(acme.ID)) {
		t.Fatalf("acme's good number: %s", dp)
	}
	if dp := w.dialplan("+862000000013"); !strings.Contains(dp, "sb_entry=sales team 销售") {
		t.Fatalf("an entry alias with spaces and Chinese is a name: %s", dp)
	}
	if dp := w.dialplan("862000000002"); !strings.Contains(dp, "sb_tenant="+string(bolt.ID)) {
		t.Fatalf("bolt's number dialled without '+' must stay bolt's: %s", dp)
	}

	// bolt: a new agent, a rotated SIP password and a new number, one reload.
	u, err := w.st.CreateUser(ctx, store.SystemActor, bolt.ID, store.UserInput{Email: "1003@" + bolt.SIPDomain,
		DisplayName: "Agent 1003", Role: tenancy.RoleAgent, PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.st.CreateAgent(ctx, store.SystemActor, bolt.ID, store.AgentInput{UserID: u.ID, Extension: "1003",
		DisplayName: "Agent 1003", SIPPassword: "sip-secret-1003"}); err != nil {
		t.Fatal(err)
	}
	rotated := "rotated-sip-secret"
	if _, err := w.st.UpdateAgent(ctx, store.SystemActor, bolt.ID, bolt.agents["1001"].ID, store.AgentPatch{SIPPassword: &rotated}); err != nil {
		t.Fatal(err)
	}
	w.number(w.st, bolt, "+862000000003")
	if err := w.ctrl.conf.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	if doc, ok := w.directory(bolt, "1003"); !ok || !strings.Contains(doc, xmlcurl.HA1("1003", bolt.SIPDomain, "sip-secret-1003")) {
		t.Fatalf("bolt's new agent after one reload: %s", doc)
	}
	if doc, _ := w.directory(bolt, "1001"); !strings.Contains(doc, xmlcurl.HA1("1001", bolt.SIPDomain, rotated)) {
		t.Fatalf("bolt's rotated SIP password after one reload: %s", doc)
	}
	if dp := w.dialplan("+862000000003"); !strings.Contains(dp, "sb_tenant="+string(bolt.ID)) || !strings.Contains(dp, "socket") {
		t.Fatalf("bolt's new number after one reload: %s", dp)
	}
	if r, err := w.ctrl.conf.Route(ctx, "+862000000003", nil, time.Now()); err != nil || r.Tenant != bolt.ID {
		t.Fatalf("the call path's route of bolt's new number: %+v %v", r, err)
	}
	checkProblems()

	// A restart on the same database.
	w.stop()
	w.start()
	checkProblems()
	if _, ok := w.directory(bolt, "1003"); !ok {
		t.Fatal("bolt's agent after a restart")
	}
}

// TestSuspendedTenantsPhonesAreNotServed: suspending a tenant takes its
// phones out of the xml_curl directory (they cannot register) and out of the
// fallback that runs when the controller is unreachable, after one reload;
// its callers still reach the controller, which tells them why (the call
// path sees the status). Other tenants are untouched; resuming brings all
// back after one reload.
func TestSuspendedTenantsPhonesAreNotServed(t *testing.T) {
	w, acme, bolt := newProblemWorld(t)
	w.start()
	ctx := context.Background()
	served := func(suspended bool) {
		t.Helper()
		if _, ok := w.directory(acme, "1001"); ok == suspended {
			t.Errorf("suspended=%v: acme's phone served=%v", suspended, ok)
		}
		dp := w.dialplan(acme.number)
		rings := strings.Contains(dp, "user/1001@"+acme.SIPDomain)
		if rings == suspended || !strings.Contains(dp, "socket") || !strings.Contains(dp, "sb_tenant="+string(acme.ID)) {
			t.Errorf("suspended=%v: acme's number must go to the controller, its fallback ringing=%v:\n%s", suspended, rings, dp)
		}
		if suspended && !strings.Contains(dp, `data="CALL_REJECTED"`) {
			t.Errorf("a suspended tenant's fallback must refuse the call:\n%s", dp)
		}
		r, err := w.ctrl.conf.Route(ctx, acme.number, nil, time.Now())
		if err != nil || r.Tenant != acme.ID || (r.Status == tenancy.StatusSuspended) != suspended {
			t.Errorf("suspended=%v: the call path's route %+v %v", suspended, r, err)
		}
		if _, ok := w.directory(bolt, "1001"); !ok || !strings.Contains(w.dialplan(bolt.number), "user/1001@"+bolt.SIPDomain) {
			t.Errorf("bolt must be untouched by acme's suspension")
		}
	}
	served(false)
	if _, err := w.st.SuspendTenant(ctx, store.SystemActor, acme.ID); err != nil {
		t.Fatal(err)
	}
	if err := w.ctrl.conf.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	served(true)
	if _, err := w.st.ResumeTenant(ctx, store.SystemActor, acme.ID); err != nil {
		t.Fatal(err)
	}
	if err := w.ctrl.conf.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	served(false)
}

// TestNamesInAnyScriptReachTheDirectory: a 34-character Chinese user name
// and a 50-character agent name with Chinese and "${" are accepted by the
// API and served to FreeSWITCH after one reload, the "${" escaped.
func TestNamesInAnyScriptReachTheDirectory(t *testing.T) {
	w, acme, _ := newProblemWorld(t)
	w.start()
	admin := w.c.login("admin@switchboard.local", "admin-password-123")
	base := "/api/v1/tenants/" + string(acme.ID)
	var u struct{ ID string }
	w.c.must(201, "POST", base+"/users", admin, map[string]any{"email": "zhang@acme.example", "display_name": strings.Repeat("张", 34),
		"role": "agent", "password": "agent-pass-0001"}, &u)
	name := strings.Repeat("伟", 46) + "${x}"
	w.c.must(201, "POST", base+"/agents", admin, map[string]any{"user_id": u.ID, "extension": "1009", "display_name": name,
		"sip_password": "sip-pass-1009"}, nil)
	if err := w.ctrl.conf.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	doc, ok := w.directory(acme, "1009")
	if !ok || !strings.Contains(doc, strings.Repeat("伟", 46)+"$\u200b{x}") || strings.Contains(doc, "${x}") {
		t.Fatalf("the agent's name must be served, escaped:\n%s", doc)
	}
	if got := w.problems(); len(got) != 0 {
		t.Fatalf("legal names reported as problems: %+v", got)
	}
}

// TestAsteriskNodesAreListedAsNotDriven: an Asterisk node stored before the
// API refused the kind is not silently ignored: the controller starts and
// lists it as a configuration problem saying why it is not driven.
func TestAsteriskNodesAreListedAsNotDriven(t *testing.T) {
	w, _, _ := newProblemWorld(t)
	w.exec(`INSERT INTO nodes (id, site_id, name, kind, address, username, secret_enc, enabled, created_at, updated_at)
		SELECT '01900000-0000-7000-8000-0000000000a5', site_id, 'ast1', 'asterisk', '10.0.0.2:8088', 'sb', '', 1, created_at, updated_at
		FROM nodes WHERE name = ?`, problemNode)
	w.start()
	found := false
	for _, p := range w.problems() {
		if strings.Contains(p.Object, "ast1") && strings.Contains(p.Reason, "Asterisk (ARI) adapter does not exist yet") {
			found = true
		}
	}
	if !found {
		t.Fatalf("the Asterisk node is not listed as not driven: %+v", w.problems())
	}
}
