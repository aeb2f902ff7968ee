package flowrun

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
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

// TestHTTPClientAllowList: the operator's flow-http-allow prefixes open
// private destinations, judged on the address dialled (after DNS), and a
// refusal names the address and the setting, never the URL's path.
func TestHTTPClientAllowList(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	_, port, _ := strings.Cut(strings.TrimPrefix(srv.URL, "http://"), ":")
	loop := NewHTTPClient(false, netip.MustParsePrefix("127.0.0.0/8"))
	lan := NewHTTPClient(false, netip.MustParsePrefix("10.20.0.0/16"), netip.MustParsePrefix("192.168.5.0/24"))
	defer loop.CloseIdle()
	ctx := context.Background()
	for _, u := range []string{srv.URL + "/verify/1234", "http://localhost:" + port + "/verify/1234"} {
		if res := loop.Do(ctx, "acme", ivrflows.HTTPRequest{URL: u, Attempt: 1}); res.Err != "" || res.Status != http.StatusNoContent {
			t.Errorf("%s with 127.0.0.0/8 allowed: %+v", u, res)
		}
	}
	before := hits.Load()
	for _, u := range []string{srv.URL + "/verify/1234?pin=1234", "http://localhost:" + port + "/verify/1234"} {
		res := lan.Do(ctx, "acme", ivrflows.HTTPRequest{URL: u, Attempt: 1})
		for _, want := range []string{"not a public address", "127.0.0.1", AllowSetting, AllowSettingEnv} {
			if !strings.Contains(res.Err, want) {
				t.Errorf("%s outside the allowed prefixes: error %q does not say %q", u, res.Err, want)
			}
		}
		if strings.Contains(res.Err, "1234") {
			t.Errorf("the refusal shows the URL's path or query: %q", res.Err)
		}
	}
	if hits.Load() != before {
		t.Error("a refused request reached the server")
	}
}

func TestCheckDialAllowList(t *testing.T) {
	h := NewHTTPClient(false, netip.MustParsePrefix("10.20.0.0/16"), netip.MustParsePrefix("169.254.10.0/24"),
		netip.MustParsePrefix("224.0.0.0/4"))
	for addr, ok := range map[string]bool{
		"8.8.8.8:443": true, "10.20.3.4:80": true, "[::ffff:10.20.3.4]:80": true, "169.254.10.7:80": true,
		"10.21.0.1:80": false, "192.168.5.1:80": false, "127.0.0.1:80": false, "[::1]:80": false,
		"169.254.169.254:80": false, "[fe80::1]:80": false, "100.64.0.1:80": false, "224.0.0.1:80": false,
	} {
		if err := h.checkDial(context.Background(), "tcp", addr, nil); (err == nil) != ok {
			t.Errorf("dial %s: %v, want allowed=%v", addr, err, ok)
		}
	}
	all := NewHTTPClient(false, netip.MustParsePrefix("0.0.0.0/0"), netip.MustParsePrefix("::/0"))
	for _, addr := range []string{"0.0.0.0:80", "[::]:80", "239.1.1.1:80"} {
		if err := all.checkDial(context.Background(), "tcp", addr, nil); err == nil {
			t.Errorf("dial %s allowed: unspecified and multicast never are", addr)
		}
	}
}

func TestParseAllowList(t *testing.T) {
	got, err := ParseAllowList(" 10.20.0.0/16, 192.168.5.0/24,,fd00::/8 ")
	want := []netip.Prefix{netip.MustParsePrefix("10.20.0.0/16"), netip.MustParsePrefix("192.168.5.0/24"), netip.MustParsePrefix("fd00::/8")}
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("ParseAllowList = %v, %v; want %v", got, err, want)
	}
	if got, err := ParseAllowList(""); err != nil || len(got) != 0 {
		t.Errorf("empty list = %v, %v", got, err)
	}
	for bad, says := range map[string]string{
		"10.20.0.0/33":        "not a CIDR prefix",
		"10.20.0.5":           "not a CIDR prefix",
		"crm.internal/24":     "not a CIDR prefix",
		"10.20.1.0/16":        "did you mean 10.20.0.0/16",
		"::ffff:10.0.0.0/104": "a.b.c.d/n",
		"10.0.0.0/8,x":        `"x"`,
	} {
		_, err := ParseAllowList(bad)
		if !errors.Is(err, ErrBadAllow) || !strings.Contains(err.Error(), says) {
			t.Errorf("ParseAllowList(%q) = %v, want ErrBadAllow saying %q", bad, err, says)
		}
	}
}
