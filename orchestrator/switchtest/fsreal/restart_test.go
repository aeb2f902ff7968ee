package fsreal

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestRestartKeepsACallRealFreeSWITCH is issue 13's restart on the real
// switch with the product (`switchboard serve` built from this checkout,
// xml_curl pointing at it): a caller talks to the agent when serve gets
// SIGINT (handled as SIGTERM) and starts again on the same data. The call
// stays up; after the restart the live list shows it with its agent, the
// agent is busy; when the caller hangs up, each leg has one record, ended
// after the restart. Set FSREAL_RESTART=1 with the contract variables.
func TestRestartKeepsACallRealFreeSWITCH(t *testing.T) {
	cfg, ok, err := FromEnv()
	if err != nil {
		t.Fatal(err)
	}
	if !ok || os.Getenv("FSREAL_RESTART") != "1" {
		t.Skip("restart on the real switch: set the contract variables and FSREAL_RESTART=1")
	}
	for _, tool := range []string{cfg.Sipp, "go"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("needs %s: %v", tool, err)
		}
	}
	setup := productSetup{Domain: "restart.test", Extension: "1000", PhonePassword: "fsreal-phone-secret", Number: "15550198"}
	p := startProduct(t, cfg, setup)
	phone, phoneMedia, err := freePorts(cfg.LocalIP)
	if err != nil {
		t.Fatal(err)
	}
	reg := startSipp(t, cfg.Sipp, "-sf", filepath.Join(scenarioDir(), "uac_register.xml"), cfg.SIPInternal,
		"-i", cfg.LocalIP, "-p", strconv.Itoa(phone), "-m", "1", "-au", setup.Extension, "-ap", setup.PhonePassword,
		"-key", "authuser", setup.Extension, "-key", "domain", setup.Domain, "-key", "expires", "3600",
		"-cid_str", "sb-reg-restart-"+setup.Extension)
	if err := reg.wait(10 * time.Second); err != nil {
		t.Fatalf("the agent's phone did not register: %v", err)
	}
	// the phone answers after 100 ms and stays up until the switch hangs up
	startSipp(t, cfg.Sipp, "-sf", filepath.Join(scenarioDir(), "uas_answer.xml"), "-i", cfg.LocalIP,
		"-p", strconv.Itoa(phone), "-mp", strconv.Itoa(phoneMedia), "-m", "1", "-d", "100")
	port, media, err := freePorts(cfg.LocalIP)
	if err != nil {
		t.Fatal(err)
	}
	// the caller talks 12 s, then hangs up
	caller := startSipp(t, cfg.Sipp, "-sn", "uac", "-s", setup.Number, cfg.SIPExternal, "-i", cfg.LocalIP,
		"-p", strconv.Itoa(port), "-mp", strconv.Itoa(media), "-m", "1", "-d", "12000",
		"-cid_str", "sb-restart-"+strconv.FormatInt(time.Now().UnixNano(), 36))
	T := p.api + "/tenants/" + p.tenant
	type live struct {
		CallID string `json:"call_id"`
		Agent  string `json:"agent_id"`
		State  string `json:"state"`
	}
	var before []live
	p.waitFor("the call talking", func() bool {
		p.do("GET", T+"/live-calls", p.admin, nil, &before)
		return len(before) == 1 && before[0].State == "talking"
	}, p.exited)

	p.stop() // SIGINT: serve hands the call over and exits
	restarted := time.Now()
	p.run()
	var after []live
	p.waitFor("the call live again after the restart", func() bool {
		p.do("GET", T+"/live-calls", p.admin, nil, &after)
		return len(after) == 1 && after[0].CallID == before[0].CallID && after[0].State == "talking" && after[0].Agent != ""
	}, p.exited)
	var agent struct {
		State string `json:"state"`
	}
	p.must(200, "GET", T+"/acd/me", p.agent, nil, &agent)
	if agent.State != "busy" {
		t.Errorf("the agent after the restart: %q, want busy", agent.State)
	}
	if err := caller.wait(40 * time.Second); err != nil {
		t.Fatalf("the caller's call after the restart: %v", err)
	}
	type cdr struct {
		Leg         string     `json:"leg"`
		Disposition string     `json:"disposition"`
		Ended       *time.Time `json:"ended_at"`
		Answered    *time.Time `json:"answered_at"`
	}
	var page struct {
		Items []cdr `json:"items"`
	}
	p.waitFor("both legs recorded", func() bool {
		p.do("GET", T+"/cdrs", p.admin, nil, &page)
		return len(page.Items) >= 2
	}, p.exited)
	if len(page.Items) != 2 {
		t.Fatalf("records %+v, want one per leg", page.Items)
	}
	for _, r := range page.Items {
		if r.Disposition != "answered" || r.Ended == nil || r.Ended.Before(restarted) || r.Answered == nil || r.Answered.After(restarted) {
			t.Errorf("%s leg %+v: want answered before the restart (%v), ended after it", r.Leg, r, restarted)
		}
	}
	for _, line := range strings.Split(p.log.String(), "\n") {
		if strings.Contains(line, "handed over") || strings.Contains(line, "taken back") || strings.Contains(line, "call record") {
			t.Log(line)
		}
	}
	t.Logf("restart at %v; records %+v", restarted.Format(time.RFC3339Nano), page.Items)
}
