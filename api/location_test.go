package api

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/switchboard-cc/switchboard/store"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// platformCreateBodies are bodies that succeed for each platform route that
// creates something; the walk's tenant creates take validBodies.
var platformCreateBodies = map[string]func(plat map[string]string) any{
	"createTenant": func(map[string]string) any {
		return TenantCreateRequest{Name: "Located", SIPDomain: "located.example.com", Language: tenancy.LanguageEnglish, TimeZone: "UTC"}
	},
	"createSite": func(map[string]string) any { return store.SiteInput{Name: "located"} },
	"createNode": func(plat map[string]string) any {
		return CreateNodeRequest{SiteID: plat["site_id"], Name: "fs-located", Kind: store.NodeFreeSWITCH,
			Address: "10.0.0.9:8021", Secret: "ClueCon-node-secret-43", Enabled: true}
	},
	"createPlatformUser": func(map[string]string) any {
		return CreateUserRequest{Email: "located@platform.test", DisplayName: "Op", Role: tenancy.RolePlatformViewer, Password: testPassword}
	},
}

// TestEveryCreateAnswersLocation walks every route of the router that
// answers 201 (so a new create cannot be missed) and creates something
// with it, as A's owner or the platform admin: the answer names the new
// object in a Location header that is a route of the API, a GET of it
// answers 200 where the API has one, showing the created object's id, and
// a retry with the same Idempotency-Key is answered with the same Location.
func TestEveryCreateAnswersLocation(t *testing.T) {
	w := newWalk(t, newEnv(t))
	routes := w.routes(t)
	n := 0
	for _, r := range routes {
		if r.status != http.StatusCreated {
			continue
		}
		n++
		tok, body := w.ownerToken(r.route), bodyFor(r.route, w.a.params)
		if r.scope != scopeTenant {
			mk, ok := platformCreateBodies[r.name]
			if !ok {
				t.Errorf("%s %s answers 201: give platformCreateBodies a body for %s", r.method, r.path, r.name)
				continue
			}
			tok, body = w.admin, mk(w.plat)
		}
		if r.name == "publishFlow" { // a new version needs a changed draft
			w.must(w.do("PUT", fill("/tenants/:tenant_id/flows/:flow_id", w.a.params), w.a.admin,
				json.RawMessage(salesFlow("main", "Located"))), 200, nil)
		}
		path := fill(r.path, w.plat, w.a.params)
		var headers []string
		if r.idempotent {
			headers = []string{headerIdempotencyKey, "located-" + r.name}
		}
		res, _ := w.send(r.route, path, tok, body, headers...)
		if res.status != http.StatusCreated {
			t.Errorf("%s %s: want 201, got %s", r.method, r.path, res)
			continue
		}
		loc := res.header.Get("Location")
		get, ok := w.routeAt(routes, loc)
		if !ok {
			t.Errorf("%s %s: Location %q is not a URL of the API", r.method, r.path, loc)
			continue
		}
		if get != nil {
			got := w.do("GET", loc, tok, nil)
			if got.status != http.StatusOK {
				t.Errorf("%s %s: GET %s (Location): want 200, got %s", r.method, r.path, loc, got)
			} else if id := createdID(res.body); id != "" && !strings.Contains(string(got.body), id) {
				t.Errorf("%s %s: GET %s does not show the created %s: %s", r.method, r.path, loc, id, got.body)
			}
		}
		if r.idempotent {
			again, _ := w.send(r.route, path, tok, body, headers...)
			if again.header.Get(headerReplayed) != "true" || again.header.Get("Location") != loc {
				t.Errorf("%s %s retried with its Idempotency-Key: Location %q (replayed %q), want %q",
					r.method, r.path, again.header.Get("Location"), again.header.Get(headerReplayed), loc)
			}
		}
	}
	if n < 14 {
		t.Fatalf("only %d routes answer 201", n)
	}
	t.Logf("%d routes answer 201", n)
}

// routeAt finds the routes whose path matches loc (an absolute path under
// apiPrefix): the GET among them (nil if none), and whether any matched.
func (w *walk) routeAt(routes []walkRoute, loc string) (*walkRoute, bool) {
	u, err := url.Parse(loc)
	if err != nil || u.IsAbs() || !strings.HasPrefix(u.Path, apiPrefix+"/") {
		return nil, false
	}
	segs := strings.Split(strings.TrimPrefix(u.Path, apiPrefix), "/")
	var get *walkRoute
	found := false
	for i, r := range routes {
		pat := strings.Split(r.path, "/")
		if len(pat) != len(segs) {
			continue
		}
		match := true
		for j := range pat {
			if !strings.HasPrefix(pat[j], ":") && pat[j] != segs[j] {
				match = false
			}
		}
		if match {
			found = true
			if r.method == http.MethodGet {
				get = &routes[i]
			}
		}
	}
	return get, found
}

// createdID is the "id" of a created object's JSON (or of the API key
// inside a created key), "" if it has none.
func createdID(body []byte) string {
	var v struct {
		ID     string `json:"id"`
		APIKey struct {
			ID string `json:"id"`
		} `json:"api_key"`
	}
	if json.Unmarshal(body, &v) != nil {
		return ""
	}
	if v.ID == "" {
		return v.APIKey.ID
	}
	return v.ID
}
