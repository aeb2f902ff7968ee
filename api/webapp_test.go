package api

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"testing/fstest"
)

func testApp() fstest.MapFS {
	return fstest.MapFS{
		"index.html":         {Data: []byte(`<!doctype html><meta name="csp-nonce" content="` + CSPNoncePlaceholder + `"><div id="root"></div><script type="module" src="/assets/app-1.js"></script>`)},
		"assets/app-1.js":    {Data: []byte(`console.log("app")`)},
		"assets/app-1.css":   {Data: []byte(`body{}`)},
		"favicon.svg":        {Data: []byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`)},
		"assets/dir/x.woff2": {Data: []byte("font")},
		"assets/big-1.js":    {Data: []byte(strings.Repeat("export const x = 'switchboard';\n", 400))},
	}
}

// TestAppServedBesideTheAPI: / and the app's own routes answer index.html
// with a fresh nonce in the page and in a same-origin-only CSP; files answer
// with their type and caching; an unknown /api/ path is still the JSON 404,
// and the API's routes are untouched.
func TestAppServedBesideTheAPI(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.App = testApp() })
	nonces := map[string]bool{}
	for _, p := range []string{"/", "/index.html", "/login", "/agent", "/agent/deep/link?x=1"} {
		r := e.do("GET", p, "", nil)
		csp := r.header.Get("Content-Security-Policy")
		if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") || !strings.Contains(string(r.body), `<div id="root">`) {
			t.Fatalf("GET %s: %s (%s)", p, r, r.header.Get("Content-Type"))
		}
		if strings.Contains(string(r.body), CSPNoncePlaceholder) {
			t.Fatalf("GET %s: the nonce placeholder was not replaced", p)
		}
		i := strings.Index(csp, "'nonce-")
		if i < 0 {
			t.Fatalf("GET %s: CSP without a style nonce: %s", p, csp)
		}
		nonce := csp[i+len("'nonce-"):]
		nonce = nonce[:strings.Index(nonce, "'")]
		if !strings.Contains(string(r.body), `content="`+nonce+`"`) || nonces[nonce] {
			t.Fatalf("GET %s: nonce %q not in the page or reused", p, nonce)
		}
		nonces[nonce] = true
		for _, want := range []string{"default-src 'self'", "script-src 'self';", "frame-ancestors 'none'", "object-src 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("GET %s: CSP %q lacks %q", p, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
			t.Errorf("GET %s: CSP allows inline code: %s", p, csp)
		}
		if r.header.Get("Cache-Control") != "no-store" || r.header.Get("X-Frame-Options") != "DENY" {
			t.Errorf("GET %s: headers %v", p, r.header)
		}
	}
	for p, want := range map[string]string{"/assets/app-1.js": "text/javascript", "/assets/app-1.css": "text/css", "/favicon.svg": "image/svg+xml"} {
		r := e.do("GET", p, "", nil)
		if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), want) || r.header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s: %s %v", p, r, r.header)
		}
		immutable := strings.Contains(r.header.Get("Cache-Control"), "immutable")
		if immutable != strings.HasPrefix(p, "/assets/") {
			t.Errorf("GET %s: Cache-Control %q", p, r.header.Get("Cache-Control"))
		}
	}
	// Unknown API paths, missing files and directories: JSON 404s.
	for _, p := range []string{"/api", "/api/", "/api/v1/nope", "/api/v2/tenants", "/assets/missing.js", "/assets/dir", "/app.js.map"} {
		r := e.do("GET", p, "", nil)
		var body errorBody
		if r.status != 404 || json.Unmarshal(r.body, &body) != nil || body.Error.Code != "not_found" {
			t.Errorf("GET %s: want the JSON 404, got %s", p, r)
		}
	}
	// The API and the operational routes are not shadowed.
	if r := e.do("GET", "/api/v1/me", "", nil); r.status != 401 {
		t.Errorf("/api/v1/me without credentials: %s", r)
	}
	if r := e.do("GET", "/healthz", "", nil); r.status != 200 || !strings.Contains(string(r.body), "ok") {
		t.Errorf("/healthz: %s", r)
	}
	if r := e.do("POST", "/agent", "", nil); r.status == 200 {
		t.Errorf("POST to a page: %s", r)
	}
}

// TestNoAppNoPage: without Config.App, / is the JSON 404 it always was.
func TestNoAppNoPage(t *testing.T) {
	e := newEnv(t)
	if r := e.do("GET", "/", "", nil); r.status != 404 || r.errCode() != "not_found" {
		t.Fatalf("GET / without an app: %s", r)
	}
}

func TestAppNeedsTheNoncePlaceholder(t *testing.T) {
	app := testApp()
	app["index.html"] = &fstest.MapFile{Data: []byte(`<!doctype html><div id="root"></div>`)}
	if _, err := newWebApp(app); err == nil || !strings.Contains(err.Error(), CSPNoncePlaceholder) {
		t.Fatalf("index.html without the placeholder: %v", err)
	}
	if _, err := newWebApp(fstest.MapFS{}); err == nil {
		t.Fatal("an app without index.html was accepted")
	}
}

// TestAppFilesGzipped: text files go gzipped to clients that accept it
// (compressed once at start), as they are to others; Vary says so.
func TestAppFilesGzipped(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.App = testApp() })
	want := testApp()["assets/big-1.js"].Data
	r := e.do("GET", "/assets/big-1.js", "", nil, "Accept-Encoding", "br, gzip")
	if r.status != 200 || r.header.Get("Content-Encoding") != "gzip" || !strings.HasPrefix(r.header.Get("Content-Type"), "text/javascript") ||
		!strings.Contains(r.header.Get("Vary"), "Accept-Encoding") || len(r.body) >= len(want) {
		t.Fatalf("gzip asked: %d %v (%d bytes of %d)", r.status, r.header, len(r.body), len(want))
	}
	zr, err := gzip.NewReader(bytes.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(zr)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("gunzipped body differs (%v)", err)
	}
	for _, ae := range []string{"identity", "gzip;q=0"} {
		r := e.do("GET", "/assets/big-1.js", "", nil, "Accept-Encoding", ae)
		if r.status != 200 || r.header.Get("Content-Encoding") != "" || !bytes.Equal(r.body, want) {
			t.Fatalf("Accept-Encoding %q: %d %v", ae, r.status, r.header)
		}
	}
}
