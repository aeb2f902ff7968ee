package xmlcurl

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/switchboard-cc/switchboard/internal/ratelimit"
)

// postFrom is post from the client address addr.
func postFrom(h http.Handler, addr, user, pass, body string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodPost, "/fsapi", strings.NewReader(body))
	r.RemoteAddr = addr + ":40000"
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if user != "" {
		r.SetBasicAuth(user, pass)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// TestHandlerThrottlesFailedCredentialsPerAddress: after the limit of
// failed credentials an address gets 429 with Retry-After for every
// request, before its credentials are read (a guess that happens to be
// right included), logged once and counted; requests with the right
// credentials spend nothing, other addresses are unaffected, requests
// without credentials are not failures, and time lifts the throttle.
func TestHandlerThrottlesFailedCredentialsPerAddress(t *testing.T) {
	snap, err := NewSnapshot(testSnapshotConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	now := captureNow
	var logs bytes.Buffer
	h, err := NewHandler(Config{Nodes: snap, Directory: snap, Plan: snap, Logger: slog.New(slog.NewTextHandler(&logs, nil)),
		Now: func() time.Time { return now }, FailureLimit: &ratelimit.Limit{Burst: 3, Per: 30 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	body := loadCapture(t)[5].Body
	const a, b, c = "192.0.2.10", "192.0.2.20", "192.0.2.30"
	expect := func(addr, user, pass string, code int) *httptest.ResponseRecorder {
		t.Helper()
		w := postFrom(h, addr, user, pass, body)
		if w.Code != code {
			t.Fatalf("%s as %q: status %d, want %d: %s", addr, user, w.Code, code, w.Body)
		}
		return w
	}
	for range 20 {
		expect(a, nodeID, nodePass, http.StatusOK)
	}
	for range 3 {
		expect(a, nodeID, "guess", http.StatusForbidden)
	}
	w := expect(a, nodeID, nodePass, http.StatusTooManyRequests)
	if got := w.Header().Get("Retry-After"); got != "10" {
		t.Fatalf("Retry-After %q, want 10", got)
	}
	if strings.Contains(w.Body.String(), "a1-hash") {
		t.Fatal("a throttled request was served")
	}
	expect(a, nodeID, "guess", http.StatusTooManyRequests)
	expect(b, nodeID, nodePass, http.StatusOK)
	expect(b, nodeID, "guess", http.StatusForbidden)
	for range 5 {
		expect(c, "", "", http.StatusUnauthorized)
	}
	if n := strings.Count(logs.String(), "too many failed node credentials"); n != 1 || !strings.Contains(logs.String(), "remote="+a) {
		t.Fatalf("the throttle was logged %d times, want once with the address:\n%s", n, logs.String())
	}
	for reason, want := range map[string]float64{"throttled": 2, "bad_credentials": 4, "no_credentials": 5} {
		var m dto.Metric
		if err := h.refused.WithLabelValues(reason).Write(&m); err != nil {
			t.Fatal(err)
		}
		if got := m.GetCounter().GetValue(); got != want {
			t.Errorf("switchboard_xmlcurl_auth_refused_total{reason=%q} = %v, want %v", reason, got, want)
		}
	}
	now = now.Add(10 * time.Second)
	expect(a, nodeID, nodePass, http.StatusOK)
	expect(a, nodeID, "guess", http.StatusForbidden)
	expect(a, nodeID, nodePass, http.StatusTooManyRequests)
}

// TestHandlerFailureLimitDefaultsAndOff: nil is DefaultFailureLimit; a
// zero limit never throttles.
func TestHandlerFailureLimitDefaultsAndOff(t *testing.T) {
	snap, err := NewSnapshot(testSnapshotConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	h, err := NewHandler(Config{Nodes: snap, Directory: snap, Plan: snap, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	if h.failures.Limit() != DefaultFailureLimit {
		t.Fatalf("default limit %v, want %v", h.failures.Limit(), DefaultFailureLimit)
	}
	off, err := NewHandler(Config{Nodes: snap, Directory: snap, Plan: snap, Logger: quiet, FailureLimit: &ratelimit.Limit{}})
	if err != nil {
		t.Fatal(err)
	}
	body := loadCapture(t)[5].Body
	for range 3 * DefaultFailureLimit.Burst {
		if w := postFrom(off, "192.0.2.10", nodeID, "guess", body); w.Code != http.StatusForbidden {
			t.Fatalf("no limit, failed credentials: status %d, want 403", w.Code)
		}
	}
}
