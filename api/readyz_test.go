package api

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

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

type fixedNodes []NodeState

func (f fixedNodes) NodeStates() []NodeState { return f }

// TestReadyzListsNodesAndWarnsOfEachDown: once nodes are wired, /readyz
// stays 200 "ready" whatever their state, lists them, and warns of each
// node down, of no node up and of no node configured.
func TestReadyzListsNodesAndWarnsOfEachDown(t *testing.T) {
	e := newEnv(t)
	if r := readiness(t, e); r.Nodes != nil || r.NodesUp != nil {
		t.Fatalf("no switches wired: want no nodes, got %+v", r)
	}
	for _, tc := range []struct {
		name  string
		nodes fixedNodes
		up    int
		warns []string
	}{
		{"none configured", fixedNodes{}, 0, []string{"no media node configured"}},
		{"one up", fixedNodes{{Name: "fs1", Kind: "freeswitch", Up: true}}, 1, nil},
		{"one of two down", fixedNodes{{Name: "fs1", Kind: "freeswitch", Up: true}, {Name: "fs2", Kind: "freeswitch"}}, 1,
			[]string{`node "fs2" (freeswitch) is down`}},
		{"all down", fixedNodes{{Name: "fs1", Kind: "freeswitch"}}, 0,
			[]string{`node "fs1" (freeswitch) is down`, "no media node is up"}},
		{"hold music missing", fixedNodes{{Name: "fs1", Kind: "freeswitch", Up: true, HoldMusicMissing: true}}, 1,
			[]string{`node "fs1" (freeswitch) has no playable hold music: waiting and held callers hear a tone`}},
		{"gateway missing", fixedNodes{{Name: "fs1", Kind: "freeswitch", Up: true, Gateways: []GatewayState{}, GatewayMissing: "pstn"}}, 1,
			[]string{`node "fs1" (freeswitch) has no gateway "pstn": agents' calls to outside numbers there are refused`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.api.UseNodes(tc.nodes)
			r := readiness(t, e)
			if r.NodesUp == nil || *r.NodesUp != tc.up || len(r.Nodes) != len(tc.nodes) {
				t.Fatalf("nodes %+v, up %v", r.Nodes, r.NodesUp)
			}
			if len(r.Warnings) != len(tc.warns) {
				t.Fatalf("warnings %q, want %q", r.Warnings, tc.warns)
			}
			for i, w := range tc.warns {
				if !strings.Contains(r.Warnings[i], w) {
					t.Errorf("warning %d: %q, want %q", i, r.Warnings[i], w)
				}
			}
		})
	}
}

// TestNodesShowLiveHealth: GET /nodes and /nodes/{id} carry each driven
// node's live health (up, since, calls, last event), the same as /readyz;
// a disabled node, or one the controller does not drive, has none.
func TestNodesShowLiveHealth(t *testing.T) {
	e := newEnv(t)
	plat := e.platformObjects() // fs1, enabled
	since := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
	last := since.Add(90 * time.Minute)
	e.api.UseNodes(fixedNodes{{Name: "fs1", Kind: "freeswitch", Up: true, Since: &since, Calls: 3, LastEventAt: &last}})

	var one NodeView
	e.must(e.do("GET", "/api/v1/nodes/"+plat["node_id"], e.admin, nil), 200, &one)
	if h := one.Health; h == nil || !h.Up || h.Calls != 3 || h.Since == nil || !h.Since.Equal(since) || h.LastEventAt == nil || !h.LastEventAt.Equal(last) {
		t.Fatalf("GET node: health %+v, want up since %v, 3 calls, last event %v", h, since, last)
	}
	var page struct{ Items []NodeView }
	e.must(e.do("GET", "/api/v1/nodes", e.admin, nil), 200, &page)
	if len(page.Items) != 1 || page.Items[0].Health == nil || page.Items[0].Health.Calls != 3 {
		t.Fatalf("GET nodes: %+v", page.Items)
	}

	// Not driven (the adapter lists no such node): no health.
	e.api.UseNodes(fixedNodes{})
	e.must(e.do("GET", "/api/v1/nodes/"+plat["node_id"], e.admin, nil), 200, &one)
	if one.Health != nil {
		t.Fatalf("a node the controller does not drive has health %+v", one.Health)
	}
	// Disabled: no health even if a stale state is listed.
	e.api.UseNodes(fixedNodes{{Name: "fs1", Kind: "freeswitch", Up: true}})
	e.must(e.do("PATCH", "/api/v1/nodes/"+plat["node_id"], e.admin, map[string]any{"enabled": false}), 200, nil)
	var off NodeView
	e.must(e.do("GET", "/api/v1/nodes/"+plat["node_id"], e.admin, nil), 200, &off)
	if off.Health != nil || off.Enabled {
		t.Fatalf("disabled node: %+v", off)
	}
}
