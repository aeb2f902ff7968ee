package api

import (
	"strings"
	"testing"

	"github.com/switchboard-cc/switchboard/store"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// TestHappyPaths drives every resource through create, read, update, list
// and delete, checking that each answer reflects the change.
func TestHappyPaths(t *testing.T) { testHappyPaths(t, newEnv(t)) }

func testHappyPaths(t *testing.T, e *env) {
	w := e.populate(e.newTenant("alpha", 5))
	plat := e.platformObjects()
	steps := []struct {
		method, path string
		body         any
		status       int
		contains     string
	}{
		{"PUT", "/api/v1/sites/" + plat["site_id"], store.SiteInput{Name: "hq2", Description: "moved"}, 200, `"name":"hq2"`},
		{"GET", "/api/v1/sites", nil, 200, `"hq2"`},
		{"DELETE", "/api/v1/sites/" + plat["site_id"], nil, 422, "still holds 1 nodes"}, // still has a node
		{"PATCH", "/api/v1/nodes/" + plat["node_id"], map[string]any{"enabled": false}, 200, `"enabled":false`},
		{"DELETE", "/api/v1/nodes/" + plat["node_id"], nil, 204, ""},
		{"DELETE", "/api/v1/sites/" + plat["site_id"], nil, 204, ""},
		{"GET", "/api/v1/sites/" + plat["site_id"], nil, 404, ""},
		{"PUT", w.base + "/numbers/" + w.params["number_id"], store.AccessNumberInput{Number: "+8620999", EntryKind: "flow", EntryAlias: "main"}, 200, `"entry_kind":"flow"`},
		{"PUT", w.base + "/skills/" + w.params["skill_id"], store.SkillInput{Name: "mandarin"}, 200, `"mandarin"`},
		{"PUT", w.base + "/queues/" + w.params["queue_id"], store.QueueInput{Name: "support", Strategy: "best_skill", WrapUpSeconds: 30}, 200, `"wrap_up_seconds":30`},
		{"PATCH", w.base + "/agents/" + w.params["agent_id"], map[string]any{"skills": []any{}, "display_name": "Bo"}, 200, `"skills":[]`},
		{"GET", w.base + "/agents/" + w.params["agent_id"], nil, 200, `"display_name":"Bo"`},
		{"DELETE", w.base + "/agents/" + w.params["agent_id"], nil, 204, ""},
		{"DELETE", w.base + "/skills/" + w.params["skill_id"], nil, 204, ""},
		{"DELETE", w.base + "/queues/" + w.params["queue_id"], nil, 204, ""},
		{"DELETE", w.base + "/numbers/" + w.params["number_id"], nil, 204, ""},
		{"GET", w.base + "/numbers", nil, 200, `"items":[]`},
		{"PATCH", w.base, map[string]any{"name": "Alpha Ltd", "language": "zh-TW"}, 200, `"language":"zh-TW"`},
		{"GET", "/api/v1/tenants?limit=1", nil, 200, `"Alpha Ltd"`},
		{"POST", "/api/v1/platform/users", CreateUserRequest{Email: "noc@platform.test", DisplayName: "NOC",
			Role: tenancy.RolePlatformViewer, Password: testPassword}, 201, `"platform_viewer"`},
		{"GET", "/api/v1/platform/users", nil, 200, `"noc@platform.test"`},
	}
	for _, s := range steps {
		r := e.do(s.method, s.path, e.admin, s.body)
		if r.status != s.status || !strings.Contains(string(r.body), s.contains) {
			t.Fatalf("%s %s: want %d containing %q, got %s", s.method, s.path, s.status, s.contains, r)
		}
	}
	viewer := e.login("noc@platform.test")
	e.must(e.do("GET", w.base+"/users", viewer, nil), 200, nil)
	e.must(e.do("POST", w.base+"/skills", viewer, store.SkillInput{Name: "x"}), 403, nil)
}
