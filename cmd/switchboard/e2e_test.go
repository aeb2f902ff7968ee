package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestNewUserJourney runs the product the way a new user does: the real
// binary on an empty data directory, then everything through HTTP.
func TestNewUserJourney(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := filepath.Join(t.TempDir(), "switchboard")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dataDir := filepath.Join(t.TempDir(), "data")
	cmd := exec.Command(bin, "serve", "-listen", "127.0.0.1:0", "-data-dir", dataDir, "-log-format", "text", "-reload-every", "100ms")
	cmd.Env = append(os.Environ(), "SWITCHBOARD_ADMIN_PASSWORD=", "SWITCHBOARD_DATABASE=")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	cmd.Stderr = &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	t.Cleanup(func() {
		cmd.Process.Kill()
		if t.Failed() {
			t.Logf("server log:\n%s", logs.String())
		}
	})
	base, password := readStartup(t, stdout)
	go func() { io.Copy(io.Discard, stdout); exited <- cmd.Wait() }()

	c := &client{t: t, base: base}
	if st, _ := c.call("GET", "/readyz", "", nil, nil); st != 200 {
		t.Fatalf("readyz = %d", st)
	}
	admin := c.login("admin@switchboard.local", password)
	if st, _ := c.call("POST", "/api/v1/auth/login", "", map[string]string{"login": "admin@switchboard.local", "password": "wrong-password"}, nil); st != 401 {
		t.Fatalf("wrong password: want 401, got %d", st)
	}

	type tenant struct{ id, admin, agentID string }
	// quotas nil: the tenant is created without quotas and gets serve's
	// default tenant quotas (with none, its first agent was refused).
	mk := func(name, domain string, quotas map[string]int) tenant {
		var ten struct{ ID string }
		in := map[string]any{"name": name, "sip_domain": domain, "language": "zh-CN", "time_zone": "Asia/Shanghai"}
		if quotas != nil {
			in["quotas"] = quotas
		}
		c.must(201, "POST", "/api/v1/tenants", admin, in, &ten)
		tb := "/api/v1/tenants/" + ten.ID
		c.must(201, "POST", tb+"/users", admin, map[string]any{"email": "boss@" + domain, "display_name": "Boss", "role": "tenant_admin", "password": "tenant-admin-pass-1"}, nil)
		tadmin := c.login("boss@"+domain, "tenant-admin-pass-1")
		var u struct{ ID string }
		c.must(201, "POST", tb+"/users", tadmin, map[string]any{"email": "ann@" + domain, "display_name": "Ann", "role": "agent", "password": "agent-pass-0001"}, &u)
		var ag struct{ ID string }
		c.must(201, "POST", tb+"/agents", tadmin, map[string]any{"user_id": u.ID, "extension": "1001", "display_name": "Ann", "sip_password": "sip-pass-1", "skills": []any{}, "queues": []any{}}, &ag)
		return tenant{ten.ID, tadmin, ag.ID}
	}
	a := mk("Acme Insurance", "acme.example", map[string]int{"max_agents": 2, "max_pstn_calls": 10, "max_web_calls": 5, "max_chats": 5, "max_published_flows": 3})
	b := mk("Bolt Telecom", "bolt.example", nil)

	// Isolation: B's admin cannot see or change A's agent.
	if st, body := c.call("GET", "/api/v1/tenants/"+a.id+"/agents/"+a.agentID, b.admin, nil, nil); st != 404 && st != 403 {
		t.Fatalf("B reading A's agent: want 404/403, got %d %s", st, body)
	}
	if st, _ := c.call("PATCH", "/api/v1/tenants/"+b.id+"/agents/"+a.agentID, b.admin, map[string]any{"display_name": "pwned"}, nil); st != 404 {
		t.Fatalf("B patching A's agent through B's path: want 404, got %d", st)
	}
	var list struct{ Items []struct{ ID string } }
	c.must(200, "GET", "/api/v1/tenants/"+b.id+"/agents", b.admin, nil, &list)
	if len(list.Items) != 1 || list.Items[0].ID != b.agentID {
		t.Fatalf("B's agent list must hold only B's agent: %+v", list.Items)
	}
	if st, _ := c.call("POST", "/api/v1/tenants", b.admin, map[string]any{"name": "x"}, nil); st != 403 {
		t.Fatalf("a tenant admin creating a tenant: want 403, got %d", st)
	}

	// Suspension: reads work, writes get 403 saying why; resume restores.
	c.must(200, "POST", "/api/v1/tenants/"+b.id+"/suspend", admin, nil, nil)
	c.must(200, "GET", "/api/v1/tenants/"+b.id+"/agents", b.admin, nil, nil)
	st, body := c.call("PATCH", "/api/v1/tenants/"+b.id+"/agents/"+b.agentID, b.admin, map[string]any{"display_name": "Bea"}, nil)
	if st != 403 || !strings.Contains(strings.ToLower(body), "suspended") {
		t.Fatalf("write on a suspended tenant: want 403 naming the suspension, got %d %s", st, body)
	}
	c.must(200, "GET", "/api/v1/tenants/"+a.id+"/agents/"+a.agentID, a.admin, nil, nil) // A unaffected
	c.must(200, "POST", "/api/v1/tenants/"+b.id+"/resume", admin, nil, nil)
	c.must(200, "PATCH", "/api/v1/tenants/"+b.id+"/agents/"+b.agentID, b.admin, map[string]any{"display_name": "Bea"}, nil)

	// FreeSWITCH's mod_xml_curl: a configured node fetches the directory
	// (a1-hash, never the password) and the dialplan; anyone else is refused.
	var site struct{ ID string }
	c.must(201, "POST", "/api/v1/sites", admin, map[string]any{"name": "hq", "description": "Guangzhou"}, &site)
	c.must(201, "POST", "/api/v1/nodes", admin, map[string]any{"site_id": site.ID, "name": "fs1", "kind": "freeswitch",
		"address": "127.0.0.1:8021", "secret": "node-secret-0123456789", "enabled": true}, nil)
	c.must(201, "POST", "/api/v1/tenants/"+a.id+"/queues", a.admin, map[string]any{"name": "sales", "strategy": "longest_idle", "ring_timeout_seconds": 20}, nil)
	c.must(201, "POST", "/api/v1/tenants/"+a.id+"/numbers", admin, map[string]any{"number": "+862083330000", "entry_kind": "queue", "entry_alias": "sales"}, nil)
	form := "section=directory&tag_name=domain&key_name=name&key_value=acme.example&user=1001&domain=acme.example&action=sip_auth&hostname=vm"
	var dir string
	waitUntil(t, "xml_curl serves the new node and agent", func() bool {
		st, body := c.fsapi("fs1", "node-secret-0123456789", form)
		dir = body
		return st == 200 && strings.Contains(body, "a1-hash")
	})
	if strings.Contains(dir, "sip-pass-1") {
		t.Fatal("the directory served a plaintext SIP password")
	}
	if st, _ := c.fsapi("fs1", "wrong-secret-0123456789", form); st != 401 && st != 403 {
		t.Fatalf("xml_curl with a wrong secret: want 401/403, got %d", st)
	}
	dp := "section=dialplan&tag_name=&key_name=&key_value=&hostname=vm&Caller-Context=public&Caller-Destination-Number=%2B862083330000&Caller-Caller-ID-Number=13800000001&Unique-ID=u1"
	// The number may reach the served snapshot one reload after the agent did.
	var dpBody string
	waitUntil(t, "the access number in the served dialplan", func() bool {
		st, body := c.fsapi("fs1", "node-secret-0123456789", dp)
		dpBody = body
		return st == 200 && strings.Contains(body, "socket")
	})
	if !strings.Contains(dpBody, "sb_tenant="+a.id) {
		t.Fatalf("the dialplan must tag the call with its tenant: %s", dpBody)
	}
	// If the controller cannot be reached, the node rings the tenant's own
	// phones itself (only those registered there ring), never another's.
	if !strings.Contains(dpBody, "user/1001@acme.example") || strings.Contains(dpBody, "bolt.example") {
		t.Fatalf("the fallback must ring Acme's phones and only those: %s", dpBody)
	}
	if !strings.Contains(dpBody, "limit") || !strings.Contains(dpBody, "hash switchboard_fallback "+a.id+" ") {
		t.Fatalf("the fallback must hold Acme to its PSTN call quota: %s", dpBody)
	}

	// Graceful shutdown on SIGTERM.
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no exit 20 s after SIGTERM")
	}

	// A restart keeps the admin and prints no new password.
	out, err := exec.Command(bin, "migrate", "-data-dir", dataDir).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "migrated") {
		t.Fatalf("migrate on the same data dir: %v %s", err, out)
	}
}

var (
	listenRe   = regexp.MustCompile(`listening on (http://\S+)`)
	passwordRe = regexp.MustCompile(`password "([^"]+)"`)
)

func readStartup(t *testing.T, r io.Reader) (base, password string) {
	t.Helper()
	sc := bufio.NewScanner(r)
	deadline := time.Now().Add(60 * time.Second)
	for sc.Scan() && time.Now().Before(deadline) {
		line := sc.Text()
		if m := passwordRe.FindStringSubmatch(line); m != nil {
			password = m[1]
		}
		if m := listenRe.FindStringSubmatch(line); m != nil {
			base = m[1]
		}
		if base != "" && password != "" {
			return base, password
		}
	}
	t.Fatalf("server did not print its address and the admin password (base %q)", base)
	return "", ""
}

type client struct {
	t    *testing.T
	base string
}

func (c *client) call(method, path, token string, body, out any) (int, string) {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, c.base+path, rd)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if out != nil && res.StatusCode < 300 {
		if err := json.Unmarshal(b, out); err != nil {
			c.t.Fatalf("%s %s: decode %s: %v", method, path, b, err)
		}
	}
	return res.StatusCode, string(b)
}

func (c *client) must(want int, method, path, token string, body, out any) {
	c.t.Helper()
	if st, b := c.call(method, path, token, body, out); st != want {
		c.t.Fatalf("%s %s: want %d, got %d %s", method, path, want, st, b)
	}
}

func (c *client) fsapi(user, password, form string) (int, string) {
	c.t.Helper()
	req, _ := http.NewRequest("POST", c.base+"/fsapi", strings.NewReader(form))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(user, password)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("POST /fsapi: %v", err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out: %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (c *client) login(login, password string) string {
	c.t.Helper()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	c.must(200, "POST", "/api/v1/auth/login", "", map[string]string{"login": login, "password": password}, &tok)
	if tok.AccessToken == "" {
		c.t.Fatal("login returned no access token")
	}
	return tok.AccessToken
}
