package fsreal

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/syncbuf"
)

// product is `switchboard serve`, built from this checkout and run against
// the real switch with an embedded database, set up through its REST API
// the way docs/getting-started.md does: one tenant, one queue, one agent
// and one access number.
type product struct {
	t      *testing.T
	args   []string        // serve's command line, for restart
	exited <-chan struct{} // closed when the running serve exits
	stop   func()          // SIGINT to the running serve, then wait for its exit
	api    string          // http://LISTEN/api/v1
	base   string          // http://LISTEN
	admin  string          // the platform administrator's access token
	tenant string          // tenant ID
	queue  string          // queue ID
	agent  string          // the agent's access token
	log    *syncbuf.Buffer
}

// productSetup is what the latency test's tenant looks like.
type productSetup struct {
	Domain, Extension, PhonePassword, Number string
}

const productAdminPassword = "fsreal-admin-password"

// startProduct builds cmd/switchboard, starts `serve` on cfg.ControllerListen
// (where the switch's xml_curl points) with cfg.SocketAddr as its ESL
// listener, and registers cfg's switch as node cfg.Node with the ESL
// password as its secret.
func startProduct(t *testing.T, cfg Config, s productSetup) *product {
	t.Helper()
	if len(cfg.ESLPassword) < 16 {
		t.Skipf("the controller needs a node secret of 16+ characters, and FREESWITCH_ESL_PASSWORD is both: %d characters", len(cfg.ESLPassword))
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "switchboard")
	build := exec.Command("go", "build", "-o", bin, "./cmd/switchboard")
	build.Dir = filepath.Join(scenarioDir(), "..", "..")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build switchboard: %v\n%s", err, out)
	}
	p := &product{t: t, base: "http://" + cfg.ControllerListen, log: &syncbuf.Buffer{}}
	p.api = p.base + "/api/v1"
	p.args = []string{bin, "serve", "-listen", cfg.ControllerListen, "-data-dir", filepath.Join(dir, "data"),
		"-esl-listen", cfg.SocketAddr, "-reload-every", "200ms", "-log-format", "text"}
	p.run()
	exited := p.exited
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	p.must(200, "POST", p.api+"/auth/login", "", map[string]any{"login": "admin@switchboard.local", "password": productAdminPassword}, &tok)
	p.admin = tok.AccessToken
	var id struct {
		ID string `json:"id"`
	}
	p.must(201, "POST", p.api+"/tenants", p.admin, map[string]any{"name": "Latency", "sip_domain": s.Domain, "language": "en",
		"time_zone": "UTC", "quotas": map[string]int{"max_agents": 5, "max_pstn_calls": 5}}, &id)
	p.tenant = id.ID
	p.must(201, "POST", p.api+"/sites", p.admin, map[string]any{"name": "lab"}, &id)
	p.must(201, "POST", p.api+"/nodes", p.admin, map[string]any{"name": cfg.Node, "kind": "freeswitch", "address": cfg.ESL,
		"secret": cfg.ESLPassword, "site_id": id.ID, "enabled": true}, nil)
	T := p.api + "/tenants/" + p.tenant
	p.must(201, "POST", T+"/queues", p.admin, map[string]any{"name": "latency", "strategy": "longest_idle",
		"ring_timeout_seconds": 20, "wrap_up_seconds": 0}, &id)
	p.queue = id.ID
	p.must(201, "POST", T+"/users", p.admin, map[string]any{"email": "agent@" + s.Domain, "display_name": "Agent",
		"role": "agent", "password": "fsreal-agent-password"}, &id)
	p.must(201, "POST", T+"/agents", p.admin, map[string]any{"user_id": id.ID, "extension": s.Extension,
		"sip_password": s.PhonePassword, "queues": []map[string]any{{"queue_id": p.queue, "priority": 1}}}, nil)
	p.must(201, "POST", T+"/numbers", p.admin, map[string]any{"number": s.Number, "entry_kind": "queue", "entry_alias": "latency"}, nil)
	p.waitFor("node "+cfg.Node+" up in /readyz", func() bool {
		var r struct {
			Nodes []struct {
				Name string `json:"name"`
				Up   bool   `json:"up"`
			} `json:"nodes"`
		}
		p.do("GET", p.base+"/readyz", "", nil, &r)
		for _, n := range r.Nodes {
			if n.Name == cfg.Node && n.Up {
				return true
			}
		}
		return false
	}, exited)
	p.must(200, "POST", p.api+"/auth/login", "", map[string]any{"login": "agent@" + s.Domain, "password": "fsreal-agent-password"}, &tok)
	p.agent = tok.AccessToken
	// The controller reads new agents on its next reload (-reload-every).
	p.waitFor("the agent loaded by the ACD", func() bool {
		st, _ := p.do("POST", T+"/acd/me/state", p.agent, map[string]any{"state": "login"}, nil)
		return st == 200
	}, exited)
	p.must(200, "POST", T+"/acd/me/state", p.agent, map[string]any{"state": "ready"}, nil)
	return p
}

// run starts serve with p.args and waits until it answers /healthz.
func (p *product) run() {
	p.t.Helper()
	cmd := exec.Command(p.args[0], p.args[1:]...)
	cmd.Env = append(os.Environ(), "SWITCHBOARD_ADMIN_PASSWORD="+productAdminPassword)
	cmd.Stdout, cmd.Stderr = p.log, p.log
	if err := cmd.Start(); err != nil {
		p.t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	stopped := false
	p.exited = exited
	p.stop = func() {
		if stopped {
			return
		}
		stopped = true
		cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	}
	p.t.Cleanup(func() {
		p.stop()
		if p.t.Failed() {
			p.t.Logf("serve's log:\n%s", tail(p.log.String()))
		}
	})
	p.waitFor("serve answering /healthz", func() bool {
		st, _ := p.do("GET", p.base+"/healthz", "", nil, nil)
		return st == 200
	}, exited)
}

// waitReady waits until the queue counts its agent ready (after a call).
func (p *product) waitReady() {
	p.waitFor("the agent ready again", func() bool {
		var q struct {
			Agents map[string]int `json:"agents"`
		}
		p.do("GET", p.api+"/tenants/"+p.tenant+"/acd/queues/"+p.queue, p.admin, nil, &q)
		return q.Agents["ready"] == 1
	}, nil)
}

// waitFor polls cond until it holds, failing after 30 s or when serve exits.
func (p *product) waitFor(what string, cond func() bool, exited <-chan struct{}) {
	p.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for delay := 10 * time.Millisecond; !cond(); delay = min(2*delay, 500*time.Millisecond) {
		if time.Now().After(deadline) {
			p.t.Fatalf("waited 30 s for %s", what)
		}
		select {
		case <-exited:
			p.t.Fatalf("serve exited while waiting for %s", what)
		case <-time.After(delay):
		}
	}
}

func (p *product) must(want int, method, url, token string, body, out any) {
	p.t.Helper()
	if st, raw := p.do(method, url, token, body, out); st != want {
		p.t.Fatalf("%s %s: %d, want %d: %s", method, strings.TrimPrefix(url, p.base), st, want, raw)
	}
}

// do sends one JSON request; status 0 means it did not get an answer.
func (p *product) do(method, url, token string, body, out any) (int, string) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return 0, err.Error()
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(raw, out); err != nil {
			return 0, fmt.Sprintf("decode %s: %v", raw, err)
		}
	}
	return resp.StatusCode, string(raw)
}
