package api

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/switchboard-cc/switchboard/internal/pgtest"
)

func readiness(t *testing.T, e *env) Readiness {
	t.Helper()
	r := e.do("GET", "/readyz", "", nil)
	if r.status != 200 {
		t.Fatalf("readyz: %s", r)
	}
	var out Readiness
	if err := json.Unmarshal(r.body, &out); err != nil || out.Status != "ready" {
		t.Fatalf("readyz body %s: %v", r.body, err)
	}
	return out
}

// TestReadyzSaysWhenRowSecurityIsBypassed: served by a superuser (which
// bypasses row-level security), /readyz stays 200 and says so; served by a
// role the policies bind, it has no warning. SQLite has none either.
func TestReadyzSaysWhenRowSecurityIsBypassed(t *testing.T) {
	if w := readiness(t, newEnv(t)).Warnings; len(w) != 0 {
		t.Fatalf("SQLite: unexpected warnings %v", w)
	}
	base, err := url.Parse(pgtest.BaseURL(t))
	if err != nil {
		t.Fatal(err)
	}
	super := newEnvURL(t, pgtest.SchemaURL(t, "sb_api_readyz")) // the test server's own role: a superuser
	w := readiness(t, super).Warnings
	if len(w) != 1 || !strings.Contains(w[0], "row-level security bypassed") || !strings.Contains(w[0], `"`+base.User.Username()+`"`) {
		t.Fatalf("served by a superuser: want the bypass named in /readyz, got %v", w)
	}
	if w := readiness(t, newEnvPostgres(t)).Warnings; len(w) != 0 {
		t.Fatalf("served by %s: unexpected warnings %v", pgtest.AppRole, w)
	}
}
