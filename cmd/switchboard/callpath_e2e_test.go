package main

import (
	"bytes"
	"context"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/acd"
	"github.com/switchboard-cc/switchboard/internal/syncbuf"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/fssim"
	"github.com/switchboard-cc/switchboard/store"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// world is a running controller with one simulated FreeSWITCH node and two
// tenants, each with a number, a queue and agents, built the way an
// operator would (through the store), then started like `serve`.
type world struct {
	t    *testing.T
	ctrl *controller
	node *fssim.Node
	sock string // the controller's outbound-socket address
	// xc is the controller's xml_curl as node fs1 reaches it: calls are
	// routed by the dialplan it serves (RouteCall), socket token included.
	xc   fssim.XMLCurl
	web  *httptest.Server              // the running controller's HTTP (API and xml_curl), across restarts
	mux  atomic.Pointer[http.ServeMux] // behind web
	logs *syncbuf.Buffer
	ten  map[string]*worldTenant
	cfg  serveConfig
	stop context.CancelFunc
}

type worldTenant struct {
	tenancy.Tenant
	number string
	queue  store.Queue
	agents map[string]store.Agent // by extension
}

// freePort is a loopback address free now, for a listener opened later
// (the controller's outbound socket, kept across restarts). It is taken
// below the kernel's ephemeral range (ip_local_port_range, 32768-60999 by
// default): a port from ":0" is one the kernel may give the next outgoing
// connection before the controller binds it ("address already in use",
// seen under make stress).
func freePort(t *testing.T) string {
	t.Helper()
	for range 200 {
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(20000+rand.IntN(12000)))
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			continue
		}
		ln.Close()
		return addr
	}
	t.Fatal("no free port in 20000-31999")
	return ""
}

// newWorld seeds the store, starts fssim and the controller.
func newWorld(t *testing.T, dbURL string, maxCalls int) *world {
	t.Helper()
	return newWorldNode(t, dbURL, maxCalls, func(*fssim.Config) {})
}

// newWorldNode is newWorld with node changing the simulated node's
// configuration first (no music, no gateway...).
func newWorldNode(t *testing.T, dbURL string, maxCalls int, node func(*fssim.Config)) *world {
	t.Helper()
	ctx := context.Background()
	// The node's secret is also its xml_curl password, which must be 16+ characters.
	ncfg := fssim.Config{Speed: 20, Heartbeat: -1, Password: "ClueCon-switchboard-e2e"}
	node(&ncfg)
	sim, err := fssim.Start(ncfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	dir := t.TempDir()
	if dbURL == "" {
		dbURL = "sqlite:" + filepath.Join(dir, "sb.db")
	}
	w := &world{t: t, node: sim, sock: freePort(t), logs: &syncbuf.Buffer{}, ten: map[string]*worldTenant{}}
	w.serveXMLCurl()
	cfg := serveConfig{DataDir: dir, Database: dbURL, AdminEmail: "admin@switchboard.local", AdminPassword: "admin-password-123",
		LogLevel: "debug", LogFormat: "json", ShutdownTimeout: 5 * time.Second, ESLListen: w.sock, ReloadEvery: 100 * time.Millisecond}
	key := bytes.Repeat([]byte{9}, 32)
	st, err := openStore(ctx, cfg, key)
	if err != nil {
		t.Fatal(err)
	}
	site, err := st.CreateSite(ctx, store.SystemActor, store.SiteInput{Name: "hq"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateNode(ctx, store.SystemActor, store.NodeInput{SiteID: site.ID, Name: "fs1", Kind: store.NodeFreeSWITCH,
		Address: sim.Addr(), Secret: sim.Password(), Enabled: true}); err != nil {
		t.Fatal(err)
	}
	for i, name := range []string{"acme", "bolt"} {
		w.ten[name] = seedTenant(t, st, name, "+8620000000"+string(rune('1'+i)), maxCalls)
	}
	st.Close()
	cfg.SecretKey = encodeKey(key)
	w.cfg = cfg
	t.Cleanup(func() {
		w.stopController()
		if t.Failed() {
			t.Logf("controller log:\n%s", w.logs.String())
		}
	})
	w.startController()
	return w
}

// serveXMLCurl serves the running controller's HTTP to the node as its
// xml_curl gateway (user fs1, the node's secret), so that calls placed with
// RouteCall run the dialplan the controller serves.
func (w *world) serveXMLCurl() {
	w.web = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) { w.mux.Load().ServeHTTP(rw, r) }))
	w.t.Cleanup(w.web.Close)
	w.xc = fssim.XMLCurl{URL: w.web.URL + "/fsapi", User: "fs1", Password: w.node.Password()}
}

// startController builds and starts a controller on the world's database.
func (w *world) startController() {
	w.t.Helper()
	log := slog.New(slog.NewJSONHandler(w.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ctrl, err := newController(context.Background(), w.cfg, log, &bytes.Buffer{})
	if err != nil {
		w.t.Fatal(err)
	}
	cctx, cancel := context.WithCancel(context.Background())
	w.ctrl, w.stop = ctrl, cancel
	w.mux.Store(ctrl.mux)
	if err := ctrl.start(cctx); err != nil {
		w.t.Fatal(err)
	}
	waitUntil(w.t, "node fs1 up", func() bool { return ctrl.conf.NodeUp("fs1") })
}

// stopController stops the running controller as SIGTERM would.
func (w *world) stopController() {
	if w.ctrl != nil {
		w.stop()
		w.ctrl.Close()
		w.ctrl = nil
	}
}

func seedTenant(t *testing.T, st *store.Store, name, number string, maxCalls int) *worldTenant {
	t.Helper()
	ctx := context.Background()
	a := store.SystemActor
	ten, err := st.CreateTenant(ctx, a, store.TenantInput{Name: name, SIPDomain: name + ".example", Language: "en", TimeZone: "UTC",
		Quotas: tenancy.Quotas{MaxAgents: 10, MaxPSTNCalls: maxCalls, MaxWebCalls: 1, MaxChats: 1, MaxPublishedFlows: 3}})
	if err != nil {
		t.Fatal(err)
	}
	q, err := st.CreateQueue(ctx, a, ten.ID, store.QueueInput{Name: "sales", Strategy: "longest_idle", RingTimeoutSeconds: 20, WrapUpSeconds: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateAccessNumber(ctx, a, ten.ID, store.AccessNumberInput{Number: number, EntryKind: store.EntryQueue, EntryAlias: "sales"}); err != nil {
		t.Fatal(err)
	}
	wt := &worldTenant{Tenant: ten, number: number, queue: q, agents: map[string]store.Agent{}}
	for _, ext := range []string{"1001", "1002"} {
		u, err := st.CreateUser(ctx, a, ten.ID, store.UserInput{Email: ext + "@" + ten.SIPDomain, DisplayName: "Agent " + ext, Role: tenancy.RoleAgent, PasswordHash: "x"})
		if err != nil {
			t.Fatal(err)
		}
		ag, err := st.CreateAgent(ctx, a, ten.ID, store.AgentInput{UserID: u.ID, Extension: ext, DisplayName: "Agent " + ext,
			SIPPassword: "sip-secret-" + ext, Queues: []store.AgentQueue{{QueueID: q.ID, Priority: 1}}})
		if err != nil {
			t.Fatal(err)
		}
		wt.agents[ext] = ag
	}
	return wt
}

// agentReady registers the agent's phone on the node and makes it ready.
func (w *world) agentReady(tenant, ext string, script fssim.PhoneScript) {
	w.t.Helper()
	wt := w.ten[tenant]
	if err := w.node.RegisterPhone(ext, wt.SIPDomain, script); err != nil {
		w.t.Fatal(err)
	}
	waitUntil(w.t, "registration of "+ext+"@"+wt.SIPDomain, func() bool { return w.ctrl.conf.Registered(ext, wt.SIPDomain) })
	o, ok := w.ctrl.acds.Owner(string(wt.ID))
	if !ok {
		w.t.Fatalf("no ACD owner for %s", tenant)
	}
	ctx := context.Background()
	id := wt.agents[ext].ID
	if err := o.Login(ctx, id); err != nil {
		w.t.Fatal(err)
	}
	if err := o.Ready(ctx, id); err != nil {
		w.t.Fatal(err)
	}
}

// place makes a caller dial a tenant's number through the node.
func (w *world) place(tenant, from string, hangupAfter time.Duration) *fssim.Call {
	w.t.Helper()
	c, err := w.node.RouteCall(context.Background(), w.xc, fssim.IncomingCall{From: from, To: w.ten[tenant].number, HangupAfter: hangupAfter})
	if err != nil {
		w.t.Fatal(err)
	}
	return c
}

func (w *world) cdrs(tenant string) []store.CDR {
	w.t.Helper()
	l, err := w.ctrl.st.ListCDRs(context.Background(), w.ten[tenant].ID, store.HistoryFilter{}, store.Page{Limit: 100})
	if err != nil {
		w.t.Fatal(err)
	}
	return l.Items
}

func waitCall(t *testing.T, c *fssim.Call) {
	t.Helper()
	select {
	case <-c.Done():
	case <-time.After(20 * time.Second):
		t.Fatalf("call %s did not end: %+v", c.UUID(), c.Info())
	}
}

func TestCallsReachTheRightTenantsAgent(t *testing.T) {
	w := newWorld(t, "", 5)
	w.agentReady("acme", "1001", fssim.PhoneScript{AnswerAfter: 200 * time.Millisecond, TalkFor: 6 * time.Second})
	w.agentReady("bolt", "1001", fssim.PhoneScript{AnswerAfter: 200 * time.Millisecond, TalkFor: 6 * time.Second})
	ca := w.place("acme", "13800000001", 0)
	cb := w.place("bolt", "13900000002", 0)
	waitCall(t, ca)
	waitCall(t, cb)
	for _, tc := range []struct{ tenant, caller string }{{"acme", "13800000001"}, {"bolt", "13900000002"}} {
		wt := w.ten[tc.tenant]
		var recs []store.CDR
		waitUntil(t, "CDRs of "+tc.tenant, func() bool { recs = w.cdrs(tc.tenant); return len(recs) >= 2 })
		var caller, agent *store.CDR
		for i := range recs {
			switch recs[i].Leg {
			case "caller":
				caller = &recs[i]
			case "agent":
				agent = &recs[i]
			}
		}
		if caller == nil || agent == nil {
			t.Fatalf("%s: want a caller and an agent leg, got %+v", tc.tenant, recs)
		}
		want := wt.agents["1001"].ID
		if caller.Caller != tc.caller || caller.AgentID != want || caller.QueueID != wt.queue.ID || caller.Disposition != "answered" ||
			caller.AccessNumber == "" || caller.NodeID != "fs1" || caller.QueuedAt == nil || caller.OfferedAt == nil || caller.AnsweredAt == nil || caller.EndedAt == nil {
			t.Errorf("%s caller CDR: %+v", tc.tenant, *caller)
		}
		if agent.AgentID != want || agent.Disposition != "answered" {
			t.Errorf("%s agent CDR: %+v", tc.tenant, *agent)
		}
	}
	if got := w.ctrl.adm.InUse(w.ten["acme"].ID, tenancy.ResourcePSTNCalls); got != 0 {
		t.Fatalf("admission leaked: %d", got)
	}
}

func callerLeg(recs []store.CDR) *store.CDR {
	for i := range recs {
		if recs[i].Leg == "caller" {
			return &recs[i]
		}
	}
	return nil
}

func (w *world) waitCallerCDR(tenant, callID string) store.CDR {
	w.t.Helper()
	var got *store.CDR
	waitUntil(w.t, "caller CDR of "+callID, func() bool {
		for _, r := range w.cdrs(tenant) {
			if r.Leg == "caller" && r.CallID == callID {
				got = &r
				return true
			}
		}
		return false
	})
	return *got
}

func TestQuotaSuspensionAndUnknownNumberAreRefused(t *testing.T) {
	w := newWorld(t, "", 1)
	w.agentReady("acme", "1001", fssim.PhoneScript{AnswerAfter: 100 * time.Millisecond})
	// Acme's one PSTN call is up (the agent talks until the caller leaves,
	// 1 s at the node's speed 20: long enough for the second call to arrive
	// on a loaded machine; 150 ms was not, and the second got the line).
	first := w.place("acme", "13800000001", 20*time.Second)
	waitUntil(t, "first call admitted", func() bool { return w.ctrl.adm.InUse(w.ten["acme"].ID, tenancy.ResourcePSTNCalls) == 1 })
	second := w.place("acme", "13800000002", 0)
	waitCall(t, second)
	if info := second.Info(); info.Answered || info.HangupCause != "NORMAL_CIRCUIT_CONGESTION" {
		t.Fatalf("over quota: want an unanswered call released with NORMAL_CIRCUIT_CONGESTION, got %+v", info)
	}
	if r := w.waitCallerCDR("acme", second.UUID()); r.Disposition != "refused_over_quota" {
		t.Fatalf("over-quota CDR: %+v", r)
	}
	// Bolt is not affected by Acme's quota.
	w.agentReady("bolt", "1001", fssim.PhoneScript{AnswerAfter: 100 * time.Millisecond, TalkFor: 6 * time.Second})
	b := w.place("bolt", "13900000001", 0)
	waitCall(t, b)
	if r := w.waitCallerCDR("bolt", b.UUID()); r.Disposition != "answered" {
		t.Fatalf("Bolt's call while Acme is at quota: %+v", r)
	}
	waitCall(t, first)
	waitUntil(t, "Acme's unit released", func() bool { return w.ctrl.adm.InUse(w.ten["acme"].ID, tenancy.ResourcePSTNCalls) == 0 })

	// Suspension: an announcement, then release; resume restores service.
	if _, err := w.ctrl.st.SuspendTenant(context.Background(), store.SystemActor, w.ten["bolt"].ID); err != nil {
		t.Fatal(err)
	}
	w.ctrl.conf.Reload(context.Background())
	s := w.place("bolt", "13900000002", 0)
	waitCall(t, s)
	info := s.Info()
	if info.HangupCause != "CALL_REJECTED" || len(info.Played) == 0 {
		t.Fatalf("suspended tenant: want an announcement then CALL_REJECTED, got %+v", info)
	}
	if r := w.waitCallerCDR("bolt", s.UUID()); r.Disposition != "refused_suspended" {
		t.Fatalf("suspension CDR: %+v", r)
	}

	// An unknown number is rejected with UNALLOCATED_NUMBER.
	u, err := w.node.RouteCall(context.Background(), w.xc, fssim.IncomingCall{From: "13700000000", To: "+861234567"})
	if err != nil {
		t.Fatal(err)
	}
	waitCall(t, u)
	if info := u.Info(); info.Answered || info.HangupCause != "UNALLOCATED_NUMBER" {
		t.Fatalf("unknown number: %+v", info)
	}
}

func TestRONAUnregisteredPhoneAndAbandon(t *testing.T) {
	w := newWorld(t, "", 5)
	acme := w.ten["acme"]
	// 1001 does not answer (RONA); 1002 answers.
	w.agentReady("acme", "1001", fssim.PhoneScript{NoAnswer: true})
	w.agentReady("acme", "1002", fssim.PhoneScript{AnswerAfter: 100 * time.Millisecond, TalkFor: 6 * time.Second})
	o, _ := w.ctrl.acds.Owner(string(acme.ID))
	// Make the RONA quick: the queue's ring timeout is the ACD's offer timeout.
	if err := o.SetQueue(context.Background(), mustQueueConfig(t, acme.queue, 1)); err != nil {
		t.Fatal(err)
	}
	c := w.place("acme", "13800000001", 0)
	waitCall(t, c)
	r := w.waitCallerCDR("acme", c.UUID())
	if r.Disposition != "answered" || r.AgentID != acme.agents["1002"].ID {
		t.Fatalf("after RONA the call must be answered by 1002: %+v", r)
	}
	v, err := o.Agent(context.Background(), acme.agents["1001"].ID)
	if err != nil {
		t.Fatal(err)
	}
	if v.State.String() != "not_ready" || v.Reason != "no answer" {
		t.Fatalf("the agent who did not answer must be not ready with reason \"no answer\": %+v", v)
	}

	// Abandon: no agent is ready; the caller hangs up while waiting.
	if err := o.Logout(context.Background(), acme.agents["1002"].ID, "end of shift"); err != nil {
		t.Fatal(err)
	}
	ab := w.place("acme", "13800000009", 0)
	waitUntil(t, "caller queued", func() bool { return len(ab.Info().Played) > 0 })
	ab.Hangup("")
	waitCall(t, ab)
	if r := w.waitCallerCDR("acme", ab.UUID()); r.Disposition != "abandoned" || r.QueuedAt == nil || r.AnsweredAt != nil {
		t.Fatalf("abandon CDR: %+v", r)
	}
}

func mustQueueConfig(t *testing.T, q store.Queue, ringSeconds int) acd.QueueConfig {
	t.Helper()
	q.RingTimeoutSeconds = ringSeconds
	qc, err := queueConfig(q)
	if err != nil {
		t.Fatal(err)
	}
	return qc
}

func TestNodeLostMidCallReleasesCounts(t *testing.T) {
	w := newWorld(t, "", 5)
	w.agentReady("acme", "1001", fssim.PhoneScript{AnswerAfter: 50 * time.Millisecond})
	c := w.place("acme", "13800000001", 0)
	waitUntil(t, "call bridged", func() bool { return len(c.Info().Bridged) > 0 })
	w.node.Drop()
	r := w.waitCallerCDR("acme", c.UUID())
	if r.Disposition != "node_lost" {
		t.Fatalf("a call on a lost node must be closed as node_lost: %+v", r)
	}
	waitUntil(t, "counts released", func() bool { return w.ctrl.adm.InUse(w.ten["acme"].ID, tenancy.ResourcePSTNCalls) == 0 })
}

func TestQueueRecordsCallsAndListsRecordings(t *testing.T) {
	w := newWorld(t, "", 5)
	acme := w.ten["acme"]
	q := acme.queue
	if _, err := w.ctrl.st.UpdateQueue(context.Background(), store.SystemActor, acme.ID, q.ID, store.QueueInput{Name: q.Name, Strategy: q.Strategy,
		RingTimeoutSeconds: q.RingTimeoutSeconds, WrapUpSeconds: 1, Settings: []byte(`{"record": true, "announce_agent": true}`)}); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "queue settings reloaded", func() bool {
		r, err := w.ctrl.conf.Route(context.Background(), acme.number, nil, time.Now())
		return err == nil && r.Record
	})
	w.agentReady("acme", "1001", fssim.PhoneScript{AnswerAfter: 50 * time.Millisecond, TalkFor: 4 * time.Second})
	c := w.place("acme", "13800000001", 0)
	waitCall(t, c)
	if info := c.Info(); len(info.Recordings) == 0 {
		t.Fatalf("the call was not recorded: %+v", info)
	}
	cdr := w.waitCallerCDR("acme", c.UUID())
	recs, err := w.ctrl.st.ListRecordings(context.Background(), acme.ID, store.HistoryFilter{CallID: c.UUID()}, store.Page{Limit: 5})
	if err != nil || len(recs.Items) != 1 || recs.Items[0].Path != cdr.RecordingPath || recs.Items[0].DurationMS <= 0 {
		t.Fatalf("recording metadata: %+v (CDR path %q) %v", recs.Items, cdr.RecordingPath, err)
	}
}

func TestAgentStatesSurviveARestart(t *testing.T) {
	w := newWorld(t, "", 5)
	acme := w.ten["acme"]
	w.agentReady("acme", "1001", fssim.PhoneScript{AnswerAfter: 50 * time.Millisecond, TalkFor: 4 * time.Second})
	w.stopController() // the owner saves its snapshot at stop
	w.startController()
	o, ok := w.ctrl.acds.Owner(string(acme.ID))
	if !ok {
		t.Fatal("no ACD owner after restart")
	}
	v, err := o.Agent(context.Background(), acme.agents["1001"].ID)
	if err != nil || v.State.String() != "ready" {
		t.Fatalf("agent after restart: %+v %v", v, err)
	}
	// The restarted controller reads the node's current registrations
	// (sofia status profile internal reg): the phone is reachable at once,
	// and the restored agent takes calls without logging in again.
	waitUntil(t, "registration read from the node", func() bool { return w.ctrl.conf.Registered("1001", acme.SIPDomain) })
	c := w.place("acme", "13800000001", 0)
	waitCall(t, c)
	if r := w.waitCallerCDR("acme", c.UUID()); r.Disposition != "answered" || r.AgentID != acme.agents["1001"].ID {
		t.Fatalf("call after restart: %+v", r)
	}
}
