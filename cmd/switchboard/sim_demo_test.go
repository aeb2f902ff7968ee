package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"math"
	"net/http"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/syncbuf"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/fssim"
	"github.com/switchboard-cc/switchboard/store"
)

func noEnv(string) string { return "" }

func TestSimDemoFlags(t *testing.T) {
	cfg, opts, tmp, err := parseDemoConfig(nil, noEnv, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	if tmp == "" || cfg.DataDir != tmp || !strings.HasPrefix(cfg.Database, "sqlite:"+tmp) {
		t.Fatalf("by default the demo must use a fresh temporary data dir: tmp %q, cfg %+v", tmp, cfg)
	}
	if cfg.AdminPassword != demoAdminPassword || cfg.LogLevel != "warn" || cfg.Listen != "127.0.0.1:8080" || opts.Nodes != 1 || opts.Agents != 5 {
		t.Fatalf("demo defaults: cfg %+v opts %+v", cfg, opts)
	}
	dir := t.TempDir()
	cfg, _, tmp, err = parseDemoConfig([]string{"-data-dir", dir, "-log-level", "debug", "-nodes", "2"}, noEnv, io.Discard)
	if err != nil || tmp != "" || cfg.DataDir != dir || cfg.LogLevel != "debug" {
		t.Fatalf("given settings must be kept: tmp %q err %v cfg %+v", tmp, err, cfg)
	}
	env := func(k string) string {
		if k == "SWITCHBOARD_DATA_DIR" {
			return dir
		}
		return ""
	}
	if cfg, _, tmp, err = parseDemoConfig(nil, env, io.Discard); err != nil || tmp != "" || cfg.DataDir != dir {
		t.Fatalf("a data dir from the environment must be kept: tmp %q err %v", tmp, err)
	}
	for _, tc := range []struct{ args []string }{
		{[]string{"-nodes", "0"}}, {[]string{"-agents", "0"}}, {[]string{"-rate", "-1"}}, {[]string{"-rate", "NaN"}}, {[]string{"-speed", "0"}},
		{[]string{"-handle-time", "0s"}}, {[]string{"-patience", "-1s"}}, {[]string{"-report-every", "0s"}},
	} {
		_, _, tmp, err := parseDemoConfig(append(tc.args, "-data-dir", dir), noEnv, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tc.args[0]) || tmp != "" {
			t.Errorf("%v: want an error naming %s, got %v", tc.args, tc.args[0], err)
		}
	}
	if _, _, _, err := parseDemoConfig([]string{"-data-dir", dir, "-log-format", "xml"}, noEnv, io.Discard); err == nil {
		t.Error("serve settings must be validated as for serve")
	}
}

func TestSimDemoSeedIsIdempotent(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := openStore(ctx, serveConfig{Database: "sqlite:" + dir + "/sb.db"}, bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	node, err := fssim.Start(fssim.Config{Heartbeat: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer node.Close()
	opts := demoOptions{Agents: 2, Speed: 1}
	first, err := seedDemo(ctx, st, []simNode{node}, opts)
	if err != nil {
		t.Fatal(err)
	}
	opts.Agents = 3
	second, err := seedDemo(ctx, st, []simNode{node}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(first) != 2 || len(second) != 2 {
		t.Fatalf("want two tenants, got %d then %d", len(first), len(second))
	}
	for i := range first {
		a, b := first[i], second[i]
		if a.ID != b.ID || a.queue.ID != b.queue.ID || len(b.agents) != 3 || b.agents[0].ID != a.agents[0].ID || b.agents[1].ID != a.agents[1].ID {
			t.Fatalf("second seeding must find tenant, queue and agents again and add the third agent: %+v then %+v", a, b)
		}
		if b.Quotas.MaxAgents < 3 {
			t.Fatalf("quota must allow the agents: %+v", b.Quotas)
		}
	}
	tenants, _ := st.ListTenants(ctx, store.Page{})
	nodes, _ := st.ListNodes(ctx, store.Page{})
	nums, _ := st.ListAccessNumbers(ctx, first[0].ID, store.Page{})
	if len(tenants.Items) != 2 || len(nodes.Items) != 1 || len(nums.Items) != 1 {
		t.Fatalf("duplicates after reseeding: %d tenants, %d nodes, %d numbers", len(tenants.Items), len(nodes.Items), len(nums.Items))
	}
}

// TestSimDemoRuns runs the demo a few seconds, fast, and checks that calls
// were answered on both tenants, that each tenant's CDRs (in the store and
// through the API, signed in as the printed tenant admin) name only its own
// agents, and that another tenant's CDRs are out of reach.
func TestSimDemoRuns(t *testing.T) {
	cfg, opts, _, err := parseDemoConfig([]string{"-data-dir", t.TempDir(), "-listen", "127.0.0.1:0", "-esl-listen", "127.0.0.1:0",
		"-speed", "10", "-nodes", "2", "-agents", "2", "-rate", "8", "-handle-time", "10s", "-patience", "60s", "-report-every", "300ms", "-seed", "1"}, noEnv, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	logs, out := &syncbuf.Buffer{}, &syncbuf.Buffer{}
	before := runtime.NumGoroutine()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	d, err := startDemo(ctx, cfg, opts, slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn})), out)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- d.run(ctx) }()
	defer func() {
		if t.Failed() {
			t.Logf("demo output:\n%s\nlogs:\n%s", out.String(), logs.String())
		}
	}()
	waitUntil(t, "answered calls on both tenants and both nodes", func() bool {
		nodes := map[string]bool{}
		for _, dt := range d.tenants {
			if n, err := d.tally(ctx, dt); err != nil || n.answered == 0 {
				return false
			}
			for _, r := range storeCDRs(t, d, dt) {
				nodes[r.NodeID] = nodes[r.NodeID] || r.Disposition == "answered"
			}
		}
		return nodes["sim1"] && nodes["sim2"]
	})
	nodesUsed := map[string]bool{}
	for i, dt := range d.tenants {
		recs := storeCDRs(t, d, dt)
		checkOwnAgents(t, dt, recs)
		for _, r := range recs {
			nodesUsed[r.NodeID] = true
			if r.Leg == "caller" && r.Disposition != "answered" && r.Disposition != "abandoned" {
				t.Errorf("%s: a demo call must be answered or abandoned: %+v", dt.SIPDomain, r)
			}
		}
		tok, err := d.login(ctx, dt.adminEmail, demoTenantPassword)
		if err != nil {
			t.Fatalf("the printed tenant admin login must work: %v", err)
		}
		var l store.List[store.CDR]
		if err := d.apiCall(ctx, "GET", "/api/v1/tenants/"+string(dt.ID)+"/cdrs?limit=500", tok, nil, &l); err != nil {
			t.Fatal(err)
		}
		if len(l.Items) == 0 {
			t.Fatalf("%s: no CDRs through the API", dt.SIPDomain)
		}
		checkOwnAgents(t, dt, l.Items)
		other := d.tenants[1-i]
		err = d.apiCall(ctx, "GET", "/api/v1/tenants/"+string(other.ID)+"/cdrs", tok, nil, &l)
		if err == nil || !strings.Contains(err.Error(), "404") {
			t.Fatalf("%s's admin must not see %s's CDRs: %v", dt.SIPDomain, other.SIPDomain, err)
		}
	}
	if !nodesUsed["sim1"] || !nodesUsed["sim2"] {
		t.Errorf("calls must be carried by both nodes, CDRs name %v", nodesUsed)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("demo ended with %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the demo did not stop after cancel")
	}
	http.DefaultClient.CloseIdleConnections()
	waitUntil(t, "the demo's goroutines to end", func() bool { return runtime.NumGoroutine() <= before+2 })
	text := out.String()
	for _, want := range []string{"admin@switchboard.local", "admin@acme.demo", "admin@bolt.demo", "acme.demo: ", "bolt.demo: ", " answered"} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
}

func storeCDRs(t *testing.T, d *demo, dt *demoTenant) []store.CDR {
	t.Helper()
	recs, err := store.All(func(p store.Page) (store.List[store.CDR], error) {
		return d.ctrl.st.ListCDRs(context.Background(), dt.ID, store.HistoryFilter{}, p)
	})
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// checkOwnAgents: every CDR naming an agent names one of the tenant's, and
// at least one answered caller leg exists.
func checkOwnAgents(t *testing.T, dt *demoTenant, recs []store.CDR) {
	t.Helper()
	answered := 0
	for _, r := range recs {
		if r.AgentID != "" && !dt.ownsAgent(r.AgentID) {
			t.Errorf("%s: CDR %s (%s leg) names agent %s of another tenant", dt.SIPDomain, r.CallID, r.Leg, r.AgentID)
		}
		if r.Leg == "caller" && r.Disposition == "answered" {
			if r.AgentID == "" {
				t.Errorf("%s: answered caller CDR without agent: %+v", dt.SIPDomain, r)
			}
			answered++
		}
	}
	if answered == 0 {
		t.Errorf("%s: no answered caller CDR among %d", dt.SIPDomain, len(recs))
	}
}

// FuzzSimDemoFlags: any command line is either refused with an error or
// yields options that validate and a usable serve configuration; a
// temporary data dir is only handed out with a configuration that uses it.
func FuzzSimDemoFlags(f *testing.F) {
	for _, s := range []string{"", "-nodes 3 -agents 10 -rate 12.5", "-speed 0", "-duration -1s", "-listen 127.0.0.1:0 -log-level debug",
		"-database sqlite:/tmp/x.db", "-patience 0s -seed 42", "extra", "-nodes=1e3", "-rate NaN", "-handle-time 1ns"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		cfg, opts, tmp, err := parseDemoConfig(strings.Fields(line), noEnv, io.Discard)
		if tmp != "" {
			defer os.RemoveAll(tmp)
		}
		if err != nil {
			if tmp != "" {
				t.Fatalf("an error must not leave a temporary dir: %v", err)
			}
			return
		}
		if verr := opts.validate(); verr != nil || math.IsNaN(opts.Rate) || math.IsNaN(opts.Speed) {
			t.Fatalf("accepted options must validate: %+v %v", opts, verr)
		}
		if tmp != "" && cfg.DataDir != tmp {
			t.Fatalf("temporary dir %q unused by %+v", tmp, cfg)
		}
		if cfg.Database == "" || cfg.ReloadEvery <= 0 {
			t.Fatalf("incomplete configuration: %+v", cfg)
		}
	})
}
