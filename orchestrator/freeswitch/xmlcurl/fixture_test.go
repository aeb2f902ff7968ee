package xmlcurl

import (
	"bufio"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"
	_ "time/tzdata"

	"github.com/switchboard-cc/switchboard/dialplan"
)

const (
	nodeID   = "fs-vm"
	nodePass = "node-secret-0123456789"
)

// captureNow is when scenario 11 ran (Thursday 20:07 in Paris: after hours).
var captureNow = time.Date(2026, 11, 26, 19, 7, 22, 0, time.UTC)

// testSnapshotConfig mirrors scenario 11: tenant acme owns domain 127.0.0.1
// with user 1000 (password CurlSecret-42) and access number 9300; plus
// tenants and numbers for the other cases.
func testSnapshotConfig(t testing.TB) SnapshotConfig {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	weekdays := []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}
	office := dialplan.Schedule{Weekly: []dialplan.Window{{Days: weekdays, From: dialplan.At(9, 0), To: dialplan.At(18, 0)}}}
	flow := func(name string) []dialplan.Rule {
		return []dialplan.Rule{{Entry: dialplan.Entry{Kind: dialplan.EntryFlow, Name: name}}}
	}
	return SnapshotConfig{
		Plan: dialplan.Config{
			Format: dialplan.NumberFormat{CountryCode: "33", InternationalPrefix: "00", TrunkPrefix: "0"},
			Sites:  []dialplan.SiteID{"hq", "branch"},
			Tenants: []dialplan.Tenant{
				{ID: "acme", Location: paris, Schedules: map[string]dialplan.Schedule{"office": office},
					Fallback: dialplan.Fallback{Announcement: "tone_stream://%(1500,0,620)", RingTimeout: 25 * time.Second, MaxCalls: 10}},
				{ID: "globex", Location: time.UTC},
				{ID: "initech", Location: time.UTC, Suspended: true},
			},
			Numbers: []dialplan.AccessNumber{
				{Number: "9300", Tenant: "acme", Rules: []dialplan.Rule{
					{Schedule: "office", Entry: dialplan.Entry{Kind: dialplan.EntryQueue, Name: "sales"}},
					{Entry: dialplan.Entry{Kind: dialplan.EntryFlow, Name: "after-hours"}}}},
				{Number: "+33 1 00 00 00 01", Tenant: "globex", Sites: []dialplan.SiteID{"branch"}, Rules: flow("main")},
				{Number: "9400", Tenant: "initech", Rules: flow("main")},
			},
			Agents: []dialplan.Agent{
				{Tenant: "acme", User: "1000", Site: "hq"}, {Tenant: "acme", User: "1001", Site: "hq"},
				{Tenant: "acme", User: "2000", Site: "branch"},
			},
		},
		Nodes: []NodeConfig{
			{ID: nodeID, Password: nodePass, Site: "hq", SocketAddr: "127.0.0.1:8084"},
			{ID: "fs-branch", Password: "branch-secret-0123456789", Site: "branch", SocketAddr: "10.1.0.5:8084", Hostname: "branch-fs"},
		},
		Domains: []DomainConfig{
			{Name: "127.0.0.1", Tenant: "acme", Users: []User{
				{ID: "1000", HA1: HA1("1000", "127.0.0.1", "CurlSecret-42")},
				{ID: "1001", HA1: HA1("1001", "127.0.0.1", "x"), CallerIDName: `Zoë & "Co" <sales> 张伟 ${system(id)}`, CallerIDNumber: "+33100000099"},
				{ID: "2000", HA1: HA1("2000", "127.0.0.1", "y")},
			}},
			{Name: "globex.example.com", Tenant: "globex", Context: "globex", Users: []User{{ID: "1000", HA1: HA1("1000", "globex.example.com", "z")}}},
			{Name: "initech.example.com", Tenant: "initech", Users: []User{{ID: "1000", HA1: HA1("1000", "initech.example.com", "w")}}},
		},
	}
}

func testHandler(t testing.TB, now time.Time) (*Handler, *Live) {
	t.Helper()
	snap, err := NewSnapshot(testSnapshotConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	live := &Live{}
	live.Store(snap)
	h, err := NewHandler(Config{Nodes: live, Directory: live, Plan: live,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	return h, live
}

// post sends body as mod_xml_curl does, with basic auth user:pass when user != "".
func post(h http.Handler, user, pass, body string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodPost, "/fsapi", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("User-Agent", "freeswitch-xml/1.0")
	if user != "" {
		r.SetBasicAuth(user, pass)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// captured is one request of testdata/freeswitch/11-xml-curl-http.jsonl.
type captured struct {
	Phase    string            `json:"phase"`
	Body     string            `json:"body"`
	Form     map[string]string `json:"form"`
	Response string            `json:"response"`
}

// served is the captured response as this package serves it now: the
// phones' user_context is PhoneContext ("default" when captured).
func (c captured) served() string {
	return strings.ReplaceAll(c.Response, `name="user_context" value="default"`, `name="user_context" value="`+PhoneContext+`"`)
}

func loadCapture(t testing.TB) []captured {
	t.Helper()
	f, err := os.Open("../../../testdata/freeswitch/11-xml-curl-http.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []captured
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var c captured
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
	if len(out) != 10 {
		t.Fatalf("capture has %d requests, want 10", len(out))
	}
	return out
}
