package xmlcurl

import (
	"bytes"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/switchboard-cc/switchboard/dialplan"
)

func TestHandlerAuth(t *testing.T) {
	var logs bytes.Buffer
	h, _ := testHandler(t, captureNow)
	h.c.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	body := loadCapture(t)[5].Body
	tests := []struct {
		name, user, pass string
		code             int
		log              string
	}{
		{"no credentials", "", "", http.StatusUnauthorized, "without credentials"},
		{"wrong password", nodeID, "nope", http.StatusForbidden, "node refused"},
		{"unknown node", "fs-ghost", nodePass, http.StatusForbidden, "fs-ghost"},
		{"other node's password", "fs-branch", nodePass, http.StatusForbidden, "node refused"},
		{"good", nodeID, nodePass, http.StatusOK, ""},
	}
	for _, tt := range tests {
		logs.Reset()
		w := post(h, tt.user, tt.pass, body)
		if w.Code != tt.code {
			t.Errorf("%s: status %d, want %d", tt.name, w.Code, tt.code)
		}
		if tt.code == http.StatusOK && !strings.Contains(w.Body.String(), "a1-hash") {
			t.Errorf("%s: no user document: %s", tt.name, w.Body)
		}
		if tt.code != http.StatusOK && strings.Contains(w.Body.String(), "a1-hash") {
			t.Errorf("%s: refused request leaked the directory", tt.name)
		}
		if !strings.Contains(logs.String(), tt.log) || (tt.log != "" && !strings.Contains(logs.String(), "level=WARN")) {
			t.Errorf("%s: log %q does not warn with %q", tt.name, logs.String(), tt.log)
		}
	}
	if w := post(h, "", "", body); w.Header().Get("WWW-Authenticate") == "" {
		t.Error("401 without WWW-Authenticate")
	}
}

func TestHandlerRefusesBeforeFirstSnapshot(t *testing.T) {
	live := &Live{}
	h, err := NewHandler(Config{Nodes: live, Directory: live, Plan: live})
	if err != nil {
		t.Fatal(err)
	}
	if w := post(h, nodeID, nodePass, loadCapture(t)[5].Body); w.Code != http.StatusForbidden {
		t.Fatalf("status %d, want 403", w.Code)
	}
	if _, err := live.Route(dialplan.Call{Dialled: "9300"}); !errors.Is(err, ErrNoSnapshot) {
		t.Fatalf("Route before Store: %v", err)
	}
	if _, ok := live.LookupUser("127.0.0.1", "1000"); ok {
		t.Fatal("LookupUser before Store found a user")
	}
}

func TestHandlerBadRequests(t *testing.T) {
	h, _ := testHandler(t, captureNow)
	h.c.MaxBody = 1 << 10
	tests := []struct {
		name   string
		method string
		body   string
		code   int
	}{
		{"no section", http.MethodPost, "hostname=vm", http.StatusBadRequest},
		{"unknown section", http.MethodPost, "section=secrets", http.StatusBadRequest},
		{"dialplan without context", http.MethodPost, "section=dialplan&Caller-Destination-Number=9300", http.StatusBadRequest},
		{"bad escape", http.MethodPost, "section=%zz", http.StatusBadRequest},
		{"too big", http.MethodPost, "section=directory&x=" + strings.Repeat("a", 2<<10), http.StatusRequestEntityTooLarge},
		{"put", http.MethodPut, "section=directory", http.StatusMethodNotAllowed},
	}
	for _, tt := range tests {
		r := httptest.NewRequest(tt.method, "/fsapi", strings.NewReader(tt.body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.SetBasicAuth(nodeID, nodePass)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != tt.code {
			t.Errorf("%s: status %d, want %d (%s)", tt.name, w.Code, tt.code, w.Body)
		}
	}
}

// TestHandlerGetStyle: mod_xml_curl sends the form as a query string when the
// binding's method is GET.
func TestHandlerGetStyle(t *testing.T) {
	h, _ := testHandler(t, captureNow)
	r := httptest.NewRequest(http.MethodGet, "/fsapi?"+loadCapture(t)[8].Body, nil)
	r.SetBasicAuth(nodeID, nodePass)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != 200 || w.Body.String() != loadCapture(t)[8].served() {
		t.Fatalf("GET: %d %s", w.Code, w.Body)
	}
}

// TestNodeSiteDrivesFallback: the same call at the branch node rings the
// branch's agents and connects to the branch's controller address.
func TestNodeSiteDrivesFallback(t *testing.T) {
	h, _ := testHandler(t, captureNow)
	body := strings.Replace(loadCapture(t)[4].Body, "hostname=vm&", "hostname=branch-fs&", 1)
	w := post(h, "fs-branch", "branch-secret-0123456789", body)
	out := w.Body.String()
	for _, want := range []string{`data="10.1.0.5:8084 async full"`, `user/2000@127.0.0.1"`, `sb_site=branch`, `sb_node=fs-branch`} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %s in\n%s", want, out)
		}
	}
	if strings.Contains(out, "user/1000@") {
		t.Errorf("branch fallback rings an hq agent:\n%s", out)
	}
}

// TestNodeHostnameBinding: the branch's credentials sent by the switch named
// "vm" (the capture's) are refused.
func TestNodeHostnameBinding(t *testing.T) {
	h, _ := testHandler(t, captureNow)
	if w := post(h, "fs-branch", "branch-secret-0123456789", loadCapture(t)[4].Body); w.Code != http.StatusForbidden {
		t.Fatalf("status %d, want 403", w.Code)
	}
}

// TestLiveSwap: requests running while the snapshot is replaced see either
// the old or the new configuration, never a mix or a failure.
func TestLiveSwap(t *testing.T) {
	h, live := testHandler(t, captureNow)
	cfg := testSnapshotConfig(t)
	cfg.Domains[0].Users[0].HA1 = HA1("1000", "127.0.0.1", "Rotated-Secret-1")
	rotated, err := NewSnapshot(cfg)
	if err != nil {
		t.Fatal(err)
	}
	old := live.Load()
	oldHA1, newHA1 := HA1("1000", "127.0.0.1", "CurlSecret-42"), HA1("1000", "127.0.0.1", "Rotated-Secret-1")
	body := loadCapture(t)[5].Body
	var wg sync.WaitGroup
	errs := make(chan string, 400)
	for g := 0; g < 4; g++ {
		wg.Go(func() {
			for i := 0; i < 100; i++ {
				out := post(h, nodeID, nodePass, body).Body.String()
				if strings.Contains(out, oldHA1) == strings.Contains(out, newHA1) {
					errs <- out
				}
			}
		})
	}
	for i := 0; i < 200; i++ {
		if i%2 == 0 {
			live.Store(rotated)
		} else {
			live.Store(old)
		}
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatalf("answer with neither or both hashes:\n%s", e)
	}
	live.Store(rotated)
	if out := post(h, nodeID, nodePass, body).Body.String(); !strings.Contains(out, newHA1) {
		t.Fatalf("after swap still old:\n%s", out)
	}
}

func TestParseRequest(t *testing.T) {
	caps := loadCapture(t)
	form, _ := url.ParseQuery(caps[4].Body)
	r, err := ParseRequest(form)
	if err != nil {
		t.Fatal(err)
	}
	want := Request{Hostname: "vm", Section: SectionDialplan, Destination: "9300", Context: "public",
		CallerID: "sipp", CallUUID: "c5d56f93-152d-42bc-82b7-ac79162b70fa"}
	if r != want {
		t.Errorf("dialplan: got %+v", r)
	}
	form, _ = url.ParseQuery(caps[0].Body)
	r, _ = ParseRequest(form)
	if r.User != "1000" || r.Domain != "127.0.0.1" || r.Action != "sip_auth" || r.Key != "id" {
		t.Errorf("sip_auth: got %+v", r)
	}
	// Domain from key_value when the domain field is absent.
	r, _ = ParseRequest(url.Values{"section": {"directory"}, "tag_name": {"domain"}, "key_value": {"d.example"}, "user": {"1"}})
	if r.Domain != "d.example" {
		t.Errorf("key_value domain: got %+v", r)
	}
	for _, bad := range []url.Values{{}, {"section": {"x"}}, {"section": {"dialplan"}}} {
		if _, err := ParseRequest(bad); !errors.Is(err, ErrBadRequest) {
			t.Errorf("%v: err %v, want ErrBadRequest", bad, err)
		}
	}
}
