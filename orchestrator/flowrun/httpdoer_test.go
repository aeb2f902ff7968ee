package flowrun

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/ivrflows"
	"github.com/switchboard-cc/switchboard/tenancy"
)

func TestHTTPClient(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		switch r.URL.Path {
		case "/slow":
			time.Sleep(300 * time.Millisecond)
		case "/big":
			w.Write([]byte(strings.Repeat("x", ivrflows.MaxResponseBody+100)))
			return
		case "/redirect-ftp":
			http.Redirect(w, r, "ftp://example.com/x", http.StatusFound)
			return
		case "/echo":
			b, _ := io.ReadAll(r.Body)
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"auth": "` + r.Header.Get("Authorization") + `", "tenant": "` + r.Header.Get("X-Switchboard-Tenant") +
				`", "ctype": "` + r.Header.Get("Content-Type") + `", "method": "` + r.Method + `", "len": ` + strconv.Itoa(len(b)) + `}`))
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	open := NewHTTPClient(true)
	closed := NewHTTPClient(false)
	defer open.CloseIdle()
	ctx := context.Background()

	res := open.Do(ctx, "acme", ivrflows.HTTPRequest{Method: "POST", URL: srv.URL + "/echo", Body: []byte(`{"a":1}`),
		Headers: map[string]string{"Authorization": "Bearer t"}, Timeout: time.Second, Attempt: 1})
	want := `{"auth": "Bearer t", "tenant": "acme", "ctype": "application/json", "method": "POST", "len": 7}`
	if res.Err != "" || res.Status != 200 || string(res.Body) != want {
		t.Errorf("echo: %+v %s", res, res.Body)
	}
	before := hits.Load()
	if res := closed.Do(ctx, "acme", ivrflows.HTTPRequest{URL: srv.URL + "/echo", Attempt: 1}); !strings.Contains(res.Err, "not a public address") {
		t.Errorf("loopback without AllowPrivate: %+v", res)
	}
	if hits.Load() != before {
		t.Error("a refused request reached the server")
	}
	for _, u := range []string{"ftp://example.com/x", "file:///etc/passwd", "gopher://x", "http://", "://bad"} {
		if res := open.Do(ctx, "acme", ivrflows.HTTPRequest{URL: u, Attempt: 1}); res.Err == "" {
			t.Errorf("%s was not refused", u)
		}
	}
	if res := open.Do(ctx, "acme", ivrflows.HTTPRequest{URL: srv.URL + "/redirect-ftp", Attempt: 1}); res.Err == "" {
		t.Errorf("redirect to ftp followed: %+v", res)
	}
	start := time.Now()
	if res := open.Do(ctx, "acme", ivrflows.HTTPRequest{URL: srv.URL + "/slow", Timeout: 100 * time.Millisecond, Attempt: 1}); res.Err == "" {
		t.Errorf("timeout not applied: %+v", res)
	}
	if time.Since(start) > 250*time.Millisecond {
		t.Errorf("timed-out request took %v", time.Since(start))
	}
	if res := open.Do(ctx, "acme", ivrflows.HTTPRequest{URL: srv.URL + "/big", Attempt: 1}); len(res.Body) != ivrflows.MaxResponseBody+1 {
		t.Errorf("body read %d bytes, want the cap %d", len(res.Body), ivrflows.MaxResponseBody+1)
	}
	open.Allowed = func(tenant tenancy.TenantID, u string) bool {
		return tenant == "acme" && strings.HasPrefix(u, srv.URL+"/echo")
	}
	before = hits.Load()
	if res := open.Do(ctx, "globex", ivrflows.HTTPRequest{URL: srv.URL + "/echo", Attempt: 1}); !strings.Contains(res.Err, "not one of tenant globex's endpoints") {
		t.Errorf("another tenant's endpoint: %+v", res)
	}
	if hits.Load() != before {
		t.Error("a request outside the tenant's endpoints reached the server")
	}
	open.Allowed = nil
	open.RetryBackoff = 100 * time.Millisecond
	start = time.Now()
	open.Do(ctx, "acme", ivrflows.HTTPRequest{URL: srv.URL + "/", Attempt: 3})
	if time.Since(start) < 200*time.Millisecond {
		t.Errorf("attempt 3 did not back off: %v", time.Since(start))
	}
}

func TestPublicAddr(t *testing.T) {
	for addr, want := range map[string]bool{
		"8.8.8.8": true, "2001:4860:4860::8888": true, "93.184.216.34": true,
		"127.0.0.1": false, "10.1.2.3": false, "172.16.0.1": false, "192.168.1.1": false, "169.254.169.254": false,
		"100.64.0.1": false, "0.0.0.0": false, "::1": false, "fe80::1": false, "fc00::1": false, "::ffff:127.0.0.1": false,
		"224.0.0.1": false, "255.255.255.255": false, "64:ff9b::a00:1": false, "198.18.0.1": false,
	} {
		if got := publicAddr(netip.MustParseAddr(addr)); got != want {
			t.Errorf("publicAddr(%s) = %v, want %v", addr, got, want)
		}
	}
}
