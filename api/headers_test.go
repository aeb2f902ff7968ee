package api

import (
	"bytes"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/syncbuf"
)

// TestSecurityHeadersOnEveryAnswer: API answers, errors of every kind and
// 404s inside and outside the API carry the security headers; none carries
// HSTS over plain HTTP.
func TestSecurityHeadersOnEveryAnswer(t *testing.T) {
	e := newEnv(t)
	f := e.newTenant("acme", 5)
	for _, tc := range []struct {
		method, path, token, body string
		status                    int
	}{
		{"GET", "/api/v1/tenants", e.admin, "", 200},
		{"GET", f.base, e.admin, "", 200},
		{"GET", "/api/v1/openapi.json", "", "", 200},
		{"GET", "/api/v1/tenants", "", "", 401},
		{"GET", "/api/v1/tenants", "not-a-token", "", 401},
		{"POST", "/api/v1/tenants", e.admin, "{", 400},
		{"POST", "/api/v1/tenants", e.admin, `{"name":"","sip_domain":"x","language":"en","time_zone":"UTC"}`, 422},
		{"GET", "/api/v1/tenants/01a24f10-eaf7-7b7d-9a15-0f77b08bb96b", e.admin, "", 404},
		{"GET", "/api/v1/no-such-route", e.admin, "", 404},
		{"GET", "/no-such-page", "", "", 404},
		{"DELETE", "/api/v1/openapi.json", "", "", 405},
		{"GET", "/healthz", "", "", 200},
		{"GET", "/readyz", "", "", 200},
		{"GET", "/metrics", "", "", 200},
	} {
		var body any
		if tc.body != "" {
			body = tc.body
		}
		r := e.do(tc.method, tc.path, tc.token, body)
		if r.status != tc.status {
			t.Errorf("%s %s: status %d, want %d (%s)", tc.method, tc.path, r.status, tc.status, r.body)
		}
		for _, kv := range [][2]string{
			{"Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"},
			{"X-Frame-Options", "DENY"},
			{"Referrer-Policy", "no-referrer"},
			{"X-Content-Type-Options", "nosniff"},
		} {
			if got := r.header.Get(kv[0]); got != kv[1] {
				t.Errorf("%s %s (%d): %s = %q, want %q", tc.method, tc.path, r.status, kv[0], got, kv[1])
			}
		}
		if got := r.header.Get("Strict-Transport-Security"); got != "" {
			t.Errorf("%s %s: HSTS %q over plain HTTP", tc.method, tc.path, got)
		}
	}
}

// TestHSTSOnlyOverTLS: HSTS when this server terminated TLS, or when a
// trusted proxy says the client used https; never on a client's own
// X-Forwarded-Proto.
func TestHSTSOnlyOverTLS(t *testing.T) {
	e := newEnv(t)
	hsts := func(srv http.Handler, tls bool, proto string) string {
		t.Helper()
		hs := httptest.NewUnstartedServer(srv)
		if tls {
			hs.StartTLS()
		} else {
			hs.Start()
		}
		defer hs.Close()
		req, _ := http.NewRequest("GET", hs.URL+"/api/v1/openapi.json", nil)
		if proto != "" {
			req.Header.Set("X-Forwarded-Proto", proto)
		}
		res, err := hs.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Fatalf("status %d", res.StatusCode)
		}
		return res.Header.Get("Strict-Transport-Security")
	}
	if got := hsts(e.api, true, ""); got != "max-age=31536000" {
		t.Errorf("over TLS: HSTS %q", got)
	}
	if got := hsts(e.api, false, "https"); got != "" {
		t.Errorf("X-Forwarded-Proto from an untrusted client must be ignored, got HSTS %q", got)
	}
	_, loopback, _ := net.ParseCIDR("127.0.0.0/8")
	proxied, err := New(Config{Store: e.store, Logger: slog.New(slog.NewJSONHandler(&syncbuf.Buffer{}, nil)),
		JWTSecret: bytes.Repeat([]byte("s"), 32), Password: testPW, TrustedProxies: []*net.IPNet{loopback}})
	if err != nil {
		t.Fatal(err)
	}
	if got := hsts(proxied, false, "https"); got != "max-age=31536000" {
		t.Errorf("behind a trusted TLS proxy: HSTS %q", got)
	}
	if got := hsts(proxied, false, "http"); got != "" {
		t.Errorf("trusted proxy over plain http: HSTS %q", got)
	}
	if got := hsts(proxied, false, "http, https"); got != "max-age=31536000" {
		t.Errorf("the nearest proxy's value counts: HSTS %q", got)
	}
}

// TestSSEStreamOutlivesServerTimeouts: the http.Server's read and write
// timeouts cut ordinary requests, but a stream lifts them: it still
// delivers events after both have passed several times.
func TestSSEStreamOutlivesServerTimeouts(t *testing.T) {
	a := newACDEnv(t)
	const timeout = 200 * time.Millisecond
	hs := httptest.NewUnstartedServer(a.api)
	hs.Config.ReadTimeout, hs.Config.WriteTimeout = timeout, timeout
	hs.Start()
	t.Cleanup(hs.Close)
	a.http = hs
	events, stop := a.readEvents(t, a.sup)
	defer stop()
	// Time passing is what is tested here: the server's write deadline
	// would have cut the stream.
	time.Sleep(5 * timeout)
	a.must(a.self(a.ann, "login", ""), 200, nil)
	select {
	case ev, ok := <-events:
		if !ok {
			t.Fatal("the stream ended")
		}
		if ev.AgentID != "ann" {
			t.Fatalf("event %+v", ev)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no event on the stream after the server's timeouts passed")
	}
}
