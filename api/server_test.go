package api

import (
	"encoding/json"
	"github.com/labstack/echo/v5"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestErrorsHaveOneShape(t *testing.T) {
	e := newEnv(t)
	cases := []struct {
		name, method, path string
		status             int
		code               string
	}{
		{"unknown route", "GET", "/api/v1/nope", 404, "not_found"},
		{"wrong method", "DELETE", "/api/v1/auth/login", 405, "method_not_allowed"},
		{"no credentials", "GET", "/api/v1/tenants", 401, "unauthorized"},
		{"bad token", "GET", "/api/v1/me", 401, "invalid_token"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tok := ""
			if tc.code == "invalid_token" {
				tok = "not-a-jwt"
			}
			r := e.do(tc.method, tc.path, tok, nil, "X-Request-ID", "req-"+tc.code)
			var b errorBody
			r.decode(t, &b)
			if r.status != tc.status || b.Error.Code != tc.code || b.Error.Message == "" {
				t.Fatalf("got %s", r)
			}
			if b.Error.RequestID != "req-"+tc.code || r.header.Get("X-Request-ID") != "req-"+tc.code {
				t.Fatalf("request ID not honoured: %s / %q", r, r.header.Get("X-Request-ID"))
			}
		})
	}
}

func TestRequestIDGeneratedWhenAbsentOrInvalid(t *testing.T) {
	e := newEnv(t)
	for _, hdr := range []string{"", "has space", strings.Repeat("x", 200)} {
		r := e.do("GET", "/healthz", "", nil, "X-Request-ID", hdr)
		id := r.header.Get("X-Request-ID")
		if len(id) != 36 || id == hdr {
			t.Errorf("header %q: got request ID %q", hdr, id)
		}
	}
}

func TestPanicBecomes500WithBody(t *testing.T) {
	e := newEnv(t)
	e.api.e.GET("/api/v1/boom", func(c *echo.Context) error { panic("kaboom") })
	r := e.do("GET", "/api/v1/boom", "", nil)
	if r.status != 500 || r.errCode() != "internal" || strings.Contains(string(r.body), "kaboom") {
		t.Fatalf("got %s", r)
	}
	if !strings.Contains(e.logs.String(), "kaboom") {
		t.Fatal("panic not logged")
	}
}

func TestHealthReadyMetrics(t *testing.T) {
	e := newEnv(t)
	e.must(e.do("GET", "/healthz", "", nil), 200, nil)
	e.must(e.do("GET", "/readyz", "", nil), 200, nil)
	e.do("GET", "/api/v1/me", e.admin, nil)
	r := e.do("GET", "/metrics", "", nil)
	body := string(r.body)
	for _, want := range []string{
		`switchboard_http_requests_total{method="GET",route="/api/v1/me",status="200"} 1`,
		`switchboard_http_request_duration_seconds_bucket{method="GET",route="/api/v1/me"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	e.store.Close()
	if r := e.do("GET", "/readyz", "", nil); r.status != 503 || r.errCode() != "not_ready" {
		t.Fatalf("readyz with closed database: %s", r)
	}
}

func TestJSONLogLinePerRequest(t *testing.T) {
	e := newEnv(t)
	e.do("GET", "/api/v1/me", e.admin, nil, "X-Request-ID", "trace-me")
	for _, line := range strings.Split(e.logs.String(), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) != nil || m["request_id"] != "trace-me" || m["msg"] != "http request" {
			continue
		}
		if m["route"] != "/api/v1/me" || m["status"] != float64(http.StatusOK) {
			t.Fatalf("bad log line %s", line)
		}
		return
	}
	t.Fatalf("no request log line in %s", e.logs.String())
}

func TestClientIPTrustsOnlyConfiguredProxies(t *testing.T) {
	req := httptest.NewRequest("GET", "/", nil)
	req.RemoteAddr = "10.1.2.3:5555"
	req.Header.Set("X-Forwarded-For", "203.0.113.9")
	if ip := ipExtractor(nil)(req); ip != "10.1.2.3" {
		t.Errorf("no proxies configured: got %s, want the peer", ip)
	}
	_, lb, _ := net.ParseCIDR("10.1.0.0/16")
	if ip := ipExtractor([]*net.IPNet{lb})(req); ip != "203.0.113.9" {
		t.Errorf("trusted proxy: got %s, want the forwarded client", ip)
	}
	req.RemoteAddr = "192.168.9.9:5555"
	if ip := ipExtractor([]*net.IPNet{lb})(req); ip != "192.168.9.9" {
		t.Errorf("untrusted peer: got %s, want the peer", ip)
	}
}

func TestAPIResponsesAreNotCached(t *testing.T) {
	e := newEnv(t)
	for _, p := range []string{"/api/v1/me", "/api/v1/nope"} {
		r := e.do("GET", p, e.admin, nil)
		if r.header.Get("Cache-Control") != "no-store" || r.header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: headers %v", p, r.header)
		}
	}
}

// TestCloseEndsRequestsInFlight: Close cancels a running handler's context
// (an SSE stream, say), so http.Server.Shutdown need not wait for it.
func TestCloseEndsRequestsInFlight(t *testing.T) {
	e := newEnv(t)
	started := make(chan struct{})
	e.api.e.GET("/api/v1/hang", func(c *echo.Context) error {
		close(started)
		<-c.Request().Context().Done()
		return c.NoContent(http.StatusNoContent)
	})
	done := make(chan resp, 1)
	go func() {
		res, err := e.http.Client().Get(e.http.URL + "/api/v1/hang")
		if err != nil {
			done <- resp{}
			return
		}
		res.Body.Close()
		done <- resp{status: res.StatusCode}
	}()
	<-started
	e.api.Close()
	select {
	case r := <-done:
		if r.status != http.StatusNoContent {
			t.Fatalf("status %d", r.status)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not end the request")
	}
}
