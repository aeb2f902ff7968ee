package main

import (
	"bufio"
	"database/sql"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/api"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/fssim"
)

// sample is one line of a /metrics scrape.
type sample struct {
	name   string
	labels map[string]string
	value  float64
}

// scrapeMetrics reads base/metrics in the text exposition format.
func scrapeMetrics(t *testing.T, base string) []sample {
	t.Helper()
	res, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("/metrics: status %d", res.StatusCode)
	}
	var out []sample
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		head, val, ok := strings.Cut(line, " ")
		v, err := strconv.ParseFloat(val, 64)
		if !ok || err != nil {
			t.Fatalf("/metrics line %q", line)
		}
		s := sample{name: head, labels: map[string]string{}, value: v}
		if name, rest, ok := strings.Cut(head, "{"); ok {
			s.name = name
			for _, kv := range strings.Split(strings.TrimSuffix(rest, "}"), ",") {
				k, v, _ := strings.Cut(kv, "=")
				s.labels[k] = strings.Trim(v, `"`)
			}
		}
		out = append(out, s)
	}
	return out
}

// metricSum adds up the samples of name whose labels include want;
// found is false when none matches.
func metricSum(samples []sample, name string, want map[string]string) (sum float64, found bool) {
next:
	for _, s := range samples {
		if s.name != name {
			continue
		}
		for k, v := range want {
			if s.labels[k] != v {
				continue next
			}
		}
		sum, found = sum+s.value, true
	}
	return sum, found
}

type labels = map[string]string

// TestMetricsAndReadinessThroughServe scrapes /metrics on serve's own
// HTTP mux while calls run on a simulated node: the ACD's agents and
// waiting caller, a call's disposition, an admission refusal, a failed
// configuration reload, ESL events and command latency, then the node
// going down, which /readyz also shows (still 200: the API and xml_curl
// keep serving).
func TestMetricsAndReadinessThroughServe(t *testing.T) {
	w := newWorld(t, "", 1)
	srv := httptest.NewServer(w.ctrl.mux)
	defer srv.Close()
	acme, bolt := string(w.ten["acme"].ID), string(w.ten["bolt"].ID)
	waitMetric := func(what, name string, want labels, ok func(float64) bool) {
		t.Helper()
		var last []sample
		waitUntil(t, what, func() bool {
			last = scrapeMetrics(t, srv.URL)
			v, found := metricSum(last, name, want)
			return found && ok(v)
		})
	}
	is := func(n float64) func(float64) bool { return func(v float64) bool { return v == n } }
	positive := func(v float64) bool { return v > 0 }

	waitMetric("node fs1 up", "switchboard_freeswitch_node_up", labels{"node": "fs1"}, is(1))
	if r := readyz(t, srv.URL); r.NodesUp == nil || *r.NodesUp != 1 || len(r.Nodes) != 1 || !r.Nodes[0].Up || len(r.Warnings) != 0 {
		t.Fatalf("readyz with fs1 up: %+v", r)
	}
	w.agentReady("acme", "1001", fssim.PhoneScript{AnswerAfter: 100 * time.Millisecond})
	waitMetric("acme's agent ready", "switchboard_agents", labels{"tenant": acme, "state": "ready"}, is(1))
	waitMetric("bolt's agents logged out", "switchboard_agents", labels{"tenant": bolt, "state": "logged_out"}, is(2))

	// Bolt has no agent ready: its caller waits until it hangs up.
	waiting := w.place("bolt", "13900000001", 0)
	queue := labels{"tenant": bolt, "queue": w.ten["bolt"].queue.ID}
	waitMetric("bolt's caller waiting", "switchboard_queue_waiting", queue, is(1))
	waitMetric("bolt's longest wait", "switchboard_queue_longest_wait_seconds", queue, positive)
	if err := waiting.Hangup("NORMAL_CLEARING"); err != nil {
		t.Fatal(err)
	}
	waitMetric("bolt's abandoned call", "switchboard_calls_total", labels{"tenant": bolt, "leg": "caller", "disposition": "abandoned"}, is(1))
	waitMetric("bolt's queue empty", "switchboard_queue_waiting", queue, is(0))

	// Acme's one PSTN line is taken by a call its agent answers; a second
	// call is refused over quota.
	first := w.place("acme", "13800000001", 0)
	waitMetric("acme's agent busy", "switchboard_agents", labels{"tenant": acme, "state": "busy"}, is(1))
	waitMetric("acme's line in use", "switchboard_admission_in_use", labels{"tenant": acme, "resource": "pstn_calls"}, is(1))
	second := w.place("acme", "13800000002", 0)
	waitCall(t, second)
	waitMetric("acme's refusal", "switchboard_admission_refusals_total", labels{"tenant": acme, "resource": "pstn_calls"}, is(1))
	waitMetric("acme's refused call", "switchboard_calls_total", labels{"tenant": acme, "leg": "caller", "disposition": "refused_over_quota"}, is(1))
	if err := first.Hangup("NORMAL_CLEARING"); err != nil {
		t.Fatal(err)
	}
	waitMetric("acme's answered call", "switchboard_calls_total", labels{"tenant": acme, "leg": "caller", "disposition": "answered"}, is(1))
	waitMetric("acme's answered agent leg", "switchboard_calls_total", labels{"tenant": acme, "leg": "agent", "disposition": "answered"}, is(1))

	all := scrapeMetrics(t, srv.URL)
	if v, _ := metricSum(all, "switchboard_freeswitch_esl_events_total", nil); v == 0 {
		t.Error("no ESL event counted")
	}
	// (the agent's leg is dialled by the caller's own bridge application,
	// over its socket: no originate, no uuid_bridge; the music is broken,
	// the parked agent leg killed after the caller left)
	for _, cmd := range []labels{{"kind": "api", "command": "uuid_break"}, {"kind": "api", "command": "uuid_kill"}} {
		if v, _ := metricSum(all, "switchboard_freeswitch_esl_command_duration_seconds_count", cmd); v == 0 {
			t.Errorf("no %v command in the latency histogram", cmd)
		}
	}
	for _, stream := range []string{"live_calls", "notices"} {
		if v, found := metricSum(all, "switchboard_stream_subscribers_dropped_total", labels{"stream": stream}); !found || v != 0 {
			t.Errorf("%s stream drops: %v (found %v), want a 0 series", stream, v, found)
		}
	}
	if v, found := metricSum(all, "switchboard_config_reload_failures_total", nil); !found || v != 0 {
		t.Fatalf("reload failures before the store broke: %v (found %v)", v, found)
	}

	// The nodes table is unreadable for a while: reloads fail and are
	// counted; the previous configuration keeps serving.
	// busy_timeout: the controller's own reloads hold the file's lock for a
	// moment, and a statement without it fails with SQLITE_BUSY at once.
	db, err := sql.Open("sqlite", strings.TrimPrefix(w.cfg.Database, "sqlite:")+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`ALTER TABLE nodes RENAME TO nodes_away`); err != nil {
		t.Fatal(err)
	}
	waitMetric("a failed reload", "switchboard_config_reload_failures_total", nil, positive)
	if _, err := db.Exec(`ALTER TABLE nodes_away RENAME TO nodes`); err != nil {
		t.Fatal(err)
	}

	checkDashboard(t, scrapeMetrics(t, srv.URL))

	// The node stops: its series goes to 0 and /readyz names it, still 200.
	w.node.Close()
	waitMetric("node fs1 down", "switchboard_freeswitch_node_up", labels{"node": "fs1"}, is(0))
	r := readyz(t, srv.URL)
	if r.Status != "ready" || r.NodesUp == nil || *r.NodesUp != 0 || len(r.Nodes) != 1 || r.Nodes[0].Name != "fs1" || r.Nodes[0].Up {
		t.Fatalf("readyz with fs1 down: %+v", r)
	}
	if got := strings.Join(r.Warnings, "\n"); !strings.Contains(got, `node "fs1" (freeswitch) is down`) || !strings.Contains(got, "no media node is up") {
		t.Fatalf("readyz warnings with fs1 down: %q", r.Warnings)
	}
}

// dashboardMetric is a metric name in a PromQL expression.
var dashboardMetric = regexp.MustCompile(`switchboard_[a-zA-Z0-9_]+`)

// checkDashboard: docs/grafana-dashboard.json is valid JSON, shows the
// figures issue #10 asks for, and every switchboard_* name its queries use
// is served (in samples, a scrape after calls, a refusal and a failed
// reload, so every series exists).
func checkDashboard(t *testing.T, samples []sample) {
	t.Helper()
	b, err := os.ReadFile("../../docs/grafana-dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("docs/grafana-dashboard.json: %v", err)
	}
	var exprs []string
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if s, ok := x.(string); ok && (k == "expr" || k == "query" || k == "definition") {
					exprs = append(exprs, s)
				}
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(doc)
	served := map[string]bool{}
	for _, s := range samples {
		served[s.name] = true
	}
	used := map[string]bool{}
	for _, e := range exprs {
		for _, name := range dashboardMetric.FindAllString(e, -1) {
			used[name] = true
			if !served[name] {
				t.Errorf("the dashboard's query %q uses %s, which /metrics does not serve", e, name)
			}
		}
	}
	for _, name := range []string{"switchboard_calls_total", "switchboard_queue_waiting", "switchboard_queue_longest_wait_seconds",
		"switchboard_agents", "switchboard_freeswitch_node_up", "switchboard_freeswitch_esl_events_total",
		"switchboard_freeswitch_esl_command_duration_seconds_bucket", "switchboard_admission_refusals_total",
		"switchboard_config_reload_failures_total"} {
		if !used[name] {
			t.Errorf("the dashboard has no panel on %s", name)
		}
	}
}

func readyz(t *testing.T, base string) api.Readiness {
	t.Helper()
	res, err := http.Get(base + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var r api.Readiness
	if err := json.NewDecoder(res.Body).Decode(&r); err != nil || res.StatusCode != 200 {
		t.Fatalf("/readyz: status %d, %v", res.StatusCode, err)
	}
	return r
}
