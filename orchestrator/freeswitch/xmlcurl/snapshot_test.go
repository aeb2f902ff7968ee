package xmlcurl

import (
	"errors"
	"strings"
	"testing"

	"github.com/switchboard-cc/switchboard/dialplan"
)

func TestHA1MatchesCapture(t *testing.T) {
	// The a1-hash FreeSWITCH accepted in scenario 11 for 1000 / CurlSecret-42.
	if got := HA1("1000", "127.0.0.1", "CurlSecret-42"); got != "791b1ba8b0c936ba95cb7712cd38a199" {
		t.Fatalf("HA1 = %s", got)
	}
}

func TestNewSnapshotReportsEveryProblem(t *testing.T) {
	c := testSnapshotConfig(t)
	c.Nodes = append(c.Nodes,
		NodeConfig{ID: "fs-vm", Password: nodePass, Site: "hq", SocketAddr: "127.0.0.1:8084"},
		NodeConfig{ID: "short", Password: "x", Site: "hq", SocketAddr: "127.0.0.1:8084"},
		NodeConfig{ID: "nosite", Password: nodePass, Site: "mars", SocketAddr: "127.0.0.1:8084"},
		NodeConfig{ID: "noport", Password: nodePass, Site: "hq", SocketAddr: "127.0.0.1"},
		NodeConfig{ID: "bad id", Password: nodePass, Site: "hq", SocketAddr: "127.0.0.1:1"},
		NodeConfig{ID: "badhost", Password: nodePass, Site: "hq", SocketAddr: "127.0.0.1:1", Hostname: "a b"},
	)
	c.Domains = append(c.Domains,
		DomainConfig{Name: "bad domain", Tenant: "acme"},
		DomainConfig{Name: "ghost.example", Tenant: "ghost"},
		DomainConfig{Name: "second.example", Tenant: "acme"},
	)
	c.Domains[1].Users = append(c.Domains[1].Users,
		User{ID: "1001", HA1: "nothex"},
		User{ID: "1002", HA1: HA1("1002", "globex.example.com", "p"), CallerIDName: strings.Repeat("名", 101)},
		User{ID: "1003", HA1: HA1("1003", "globex.example.com", "p"), CallerIDName: "a\nb"},
	)
	c.Plan.Agents = append(c.Plan.Agents, dialplan.Agent{Tenant: "globex", User: "9999", Site: "hq"})
	_, err := NewSnapshot(c)
	if !errors.Is(err, ErrInvalidSnapshot) {
		t.Fatalf("want ErrInvalidSnapshot, got %v", err)
	}
	for _, want := range []string{
		`node "fs-vm": duplicate`, `node "short": password`, `node "nosite": unknown site`,
		`node "noport": socket address`, `node "bad id"`, `node "badhost": bad hostname`, `domain "bad domain"`, `unknown tenant "ghost"`,
		`tenant "acme" already has domain`, `user "1001": HA1`, `user "1002": caller ID`, `user "1003": caller ID`,
		`fallback agent "9999"`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %s:\n%v", want, err)
		}
	}
	c = testSnapshotConfig(t)
	c.Plan.Sites = nil
	if _, err := NewSnapshot(c); !errors.Is(err, dialplan.ErrInvalidConfig) {
		t.Errorf("plan errors are passed through: %v", err)
	}
}

// TestBuildLeavesOutOnlyTheBadParts: a bad user, domain or node is left
// out and reported with its tenant; every other user of the same and of
// other tenants is served, and a suspended tenant's users are not.
func TestBuildLeavesOutOnlyTheBadParts(t *testing.T) {
	c := testSnapshotConfig(t)
	c.Domains[1].Users = append(c.Domains[1].Users,
		User{ID: "1001", HA1: "nothex"},
		User{ID: "1002", HA1: HA1("1002", "globex.example.com", "p"), CallerIDName: strings.Repeat("名", 101)},
		User{ID: "1003", HA1: HA1("1003", "globex.example.com", "p"), CallerIDName: strings.Repeat("名", 100)},
	)
	c.Domains = append(c.Domains, DomainConfig{Name: "bad domain", Tenant: "globex"})
	c.Nodes = append(c.Nodes, NodeConfig{ID: "short", Password: "x", Site: "hq", SocketAddr: "127.0.0.1:8084"})
	s, problems := Build(c)
	want := map[string]dialplan.TenantID{`domain "globex.example.com": user "1001"`: "globex",
		`domain "globex.example.com": user "1002"`: "globex", `domain "bad domain"`: "globex", `node "short"`: ""}
	for _, p := range problems {
		if tenant, ok := want[p.Object]; !ok || tenant != p.Tenant {
			t.Errorf("unexpected problem %+v", p)
		}
		delete(want, p.Object)
	}
	if len(want) > 0 {
		t.Errorf("not reported: %v", want)
	}
	for _, u := range []struct{ domain, user string }{{"globex.example.com", "1000"}, {"globex.example.com", "1003"}, {"127.0.0.1", "1001"}} {
		if _, ok := s.LookupUser(u.domain, u.user); !ok {
			t.Errorf("%s@%s not served", u.user, u.domain)
		}
	}
	for _, u := range []struct{ domain, user string }{{"globex.example.com", "1001"}, {"globex.example.com", "1002"}, {"initech.example.com", "1000"}} {
		if _, ok := s.LookupUser(u.domain, u.user); ok {
			t.Errorf("%s@%s served", u.user, u.domain)
		}
	}
	if _, err := s.Authenticate(nodeID, nodePass); err != nil {
		t.Errorf("the good node is refused: %v", err)
	}
}

func TestSnapshotLookups(t *testing.T) {
	s, err := NewSnapshot(testSnapshotConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	if e, ok := s.LookupUser("127.0.0.1", "1000"); !ok || e.Tenant != "acme" || e.Context != PhoneContext {
		t.Errorf("acme 1000: %+v %v", e, ok)
	}
	if _, ok := s.LookupUser("GLOBEX.example.com", "1000"); !ok {
		t.Error("domains are case-insensitive")
	}
	if _, ok := s.LookupUser("initech.example.com", "1000"); ok {
		t.Error("suspended tenant's phone found")
	}
	if d, ok := s.TenantDomain("globex"); !ok || d != "globex.example.com" {
		t.Errorf("TenantDomain: %q %v", d, ok)
	}
	if n, err := s.Authenticate("fs-branch", "branch-secret-0123456789"); err != nil || n.Site != "branch" {
		t.Errorf("Authenticate: %+v %v", n, err)
	}
}
