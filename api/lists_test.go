package api

import (
	"encoding/json"
	"testing"
)

// TestEveryListPaginates walks every list route: each answers the one page
// shape, honours ?limit= and refuses a bad one naming the field.
func TestEveryListPaginates(t *testing.T) {
	e := newEnv(t)
	w := e.populate(e.newTenant("alpha", 10))
	e.populate(e.newTenant("beta", 10))
	plat := e.platformObjects()
	lists := 0
	for _, r := range e.api.routes {
		if !r.list {
			continue
		}
		lists++
		path := fill(r.path, plat, w.params)
		var page struct {
			Items      []json.RawMessage `json:"items"`
			NextCursor *string           `json:"next_cursor"`
		}
		res := e.do("GET", path+"?limit=1", e.admin, nil)
		e.must(res, 200, &page)
		if page.Items == nil || len(page.Items) > 1 {
			t.Errorf("%s?limit=1: %s", r.path, res)
		}
		var raw map[string]json.RawMessage
		res.decode(t, &raw)
		if _, ok := raw["next_cursor"]; !ok || len(raw) != 2 {
			t.Errorf("%s: not the page shape: %s", r.path, res)
		}
		if page.NextCursor != nil {
			e.must(e.do("GET", path+"?limit=1&cursor="+*page.NextCursor, e.admin, nil), 200, nil)
		}
		if bad := e.do("GET", path+"?limit=abc", e.admin, nil); bad.status != 400 || bad.errCode() != "bad_request" {
			t.Errorf("%s?limit=abc: %s", r.path, bad)
		}
	}
	if lists < 10 {
		t.Fatalf("only %d list routes", lists)
	}
}
