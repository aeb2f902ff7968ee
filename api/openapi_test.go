package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/labstack/echo/v5"
)

// TestOpenAPIMatchesRoutes fails when a route echo serves is missing from the
// served document or the document lists an operation echo does not serve.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	e := newEnv(t)
	var doc struct {
		Paths map[string]map[string]struct {
			Permission string `json:"x-permission"`
		} `json:"paths"`
	}
	e.must(e.do("GET", "/api/v1/openapi.json", "", nil), 200, &doc)
	inDoc := map[string]bool{}
	for p, ops := range doc.Paths {
		for m := range ops {
			inDoc[strings.ToUpper(m)+" "+apiPrefix+p] = true
		}
	}
	served := map[string]bool{}
	for _, r := range e.api.e.Router().Routes() {
		if !strings.HasPrefix(r.Path, apiPrefix+"/") || r.Method == echo.RouteNotFound {
			continue
		}
		served[r.Method+" "+oaPath(r.Path)] = true
	}
	if len(served) < 40 {
		t.Fatalf("only %d routes served", len(served))
	}
	for k := range served {
		if !inDoc[k] {
			t.Errorf("served but not documented: %s", k)
		}
	}
	for k := range inDoc {
		if !served[k] {
			t.Errorf("documented but not served: %s", k)
		}
	}
}

// TestEveryRouteDeclaresAccess: tenant and platform routes carry a
// permission; only login, refresh and the document are public.
func TestEveryRouteDeclaresAccess(t *testing.T) {
	e := newEnv(t)
	var public []string
	for _, r := range e.api.routes {
		switch r.scope {
		case scopePublic:
			public = append(public, r.method+" "+r.path)
		case scopePlatform, scopeTenant:
			if r.perm == "" {
				t.Errorf("%s %s: no permission", r.method, r.path)
			}
			if r.scope == scopeTenant && !strings.HasPrefix(r.path, "/tenants/:tenant_id") {
				t.Errorf("%s %s: tenant route outside /tenants/:tenant_id", r.method, r.path)
			}
			if r.write() != r.perm.IsWrite() {
				t.Errorf("%s %s: method and permission %s disagree on writing", r.method, r.path, r.perm)
			}
		}
		if r.name == "" || r.summary == "" || r.status == 0 {
			t.Errorf("%s %s: missing name, summary or status", r.method, r.path)
		}
		if r.idempotent && (r.method != http.MethodPost || r.status != http.StatusCreated) {
			t.Errorf("%s %s: only creating POSTs take Idempotency-Key", r.method, r.path)
		}
	}
	sort.Strings(public)
	want := []string{"GET /openapi.json", "POST /auth/login", "POST /auth/refresh"}
	if strings.Join(public, ",") != strings.Join(want, ",") {
		t.Fatalf("public routes %v, want %v", public, want)
	}
}

func TestOpenAPISchemas(t *testing.T) {
	e := newEnv(t)
	var doc map[string]any
	e.must(e.do("GET", "/api/v1/openapi.json", "", nil), 200, &doc)
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	node := schemas["Node"].(map[string]any)["properties"].(map[string]any)
	if _, leak := node["secret"]; leak {
		t.Error("Node schema exposes the secret")
	}
	agentReq := schemas["CreateAgentRequest"].(map[string]any)["properties"].(map[string]any)
	if _, ok := agentReq["sip_password"]; !ok {
		t.Error("CreateAgentRequest lacks sip_password")
	}
	b, _ := json.Marshal(doc)
	if !strings.Contains(string(b), `"x-permission":"agents:read"`) {
		t.Error("operations do not carry x-permission")
	}
}

// TestOpenAPIDocumentIsValid loads the served document with kin-openapi and
// validates it against the OpenAPI 3 rules (refs resolve, schemas well formed).
func TestOpenAPIDocumentIsValid(t *testing.T) {
	e := newEnv(t)
	loader := openapi3.NewLoader()
	// Documents it refers to (e.g. a JSON Schema served next to it) are
	// fetched from the same server, signed in.
	loader.IsExternalRefsAllowed = true
	loader.ReadFromURIFunc = func(_ *openapi3.Loader, u *url.URL) ([]byte, error) {
		r := e.do("GET", u.Path, e.admin, nil)
		if r.status != 200 {
			return nil, fmt.Errorf("GET %s: %s", u.Path, r)
		}
		return r.body, nil
	}
	doc, err := loader.LoadFromURI(&url.URL{Scheme: "http", Host: "api.test", Path: "/api/v1/openapi.json"})
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		t.Fatal(err)
	}
}

// checkDocumented fails when a route answered a 4xx its OpenAPI operation
// does not list (the walks call it for every answer they see); 5xx fall
// under the operation's default response.
func checkDocumented(t *testing.T, r route, status int) {
	t.Helper()
	if status < 400 || status >= 500 {
		return
	}
	for _, s := range errorStatuses(r) {
		if s == status {
			return
		}
	}
	t.Errorf("%s %s answered %d, not among its documented errors %v", r.method, r.path, status, errorStatuses(r))
}
