package fssim

import (
	"io"
	"net"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// FuzzDialString: the bridge and originate dial strings come from the
// controller; bad ones must be errors naming the problem, never panics.
func FuzzDialString(f *testing.F) {
	for _, s := range []string{"{originate_timeout=10}user/1000@127.0.0.1",
		"{origination_uuid=u,park_after_bridge=true}user/1000@dom|user/1001@dom",
		"sofia/gateway/pstn/5551234", "{a=b", "user/@", "loopback/9102", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		vars, order, targets, err := parseDialString(s)
		if err != nil {
			if !strings.Contains(err.Error(), "fssim") {
				t.Fatalf("error %q does not say where it comes from", err)
			}
			return
		}
		if len(targets) == 0 || len(order) != len(vars) && len(order) < len(vars) {
			t.Fatalf("%q: %d targets, %d vars, %d names", s, len(targets), len(vars), len(order))
		}
	})
}

// FuzzAppArgs covers the application argument parsers.
func FuzzAppArgs(f *testing.F) {
	for _, s := range []string{"1 4 1 5000 # tone_stream://%(1000,0,350) silence_stream://250 digits \\d+",
		"tone_stream://L=3;%(100,50,440);%(200,0,350)", "silence_stream://250", "file_string://a.wav!b.wav",
		"&park()", "&eavesdrop(u-1)", "&conference(room@default+flags{moderator})", "9100 XML default",
		"{x=y z}user/1@d &park()", "1 1 1 1 # a b c ["} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		parsePGD(s)
		if d, ok := toneDuration(s); ok && d < 0 {
			t.Fatalf("%q: negative duration %v", s, d)
		}
		dial, rest := splitDial(s)
		if len(dial)+len(rest) > len(s) {
			t.Fatalf("splitDial(%q) grew the input", s)
		}
		parseOriginateApp(s)
		parseRoom(s)
	})
}

// fuzzNode is shared by the session fuzzer: starting a node per input
// would measure the listener, not the parser.
var fuzzNode *Node

// FuzzSession feeds an authenticated inbound connection arbitrary bytes:
// the node must neither panic nor hang, and must stay usable.
func FuzzSession(f *testing.F) {
	for _, s := range []string{"api status\n\n", "event json ALL\n\nnoevents\n\n",
		"bgapi originate user/1@d &park()\nJob-UUID: j\n\n", "sendmsg\ncall-command: execute\n\n",
		"api uuid_hold off\n\n", "myevents\n\nlinger 5\n\n", "api conference x kick\n\n",
		"sendmsg u\nContent-Length: 5\n\nab", "exit\n\n"} {
		f.Add(s)
	}
	n, err := Start(Config{Heartbeat: -1, Speed: 1000})
	if err != nil {
		f.Fatal(err)
	}
	fuzzNode = n
	f.Cleanup(n.Close)
	f.Fuzz(func(t *testing.T, s string) {
		client, server := net.Pipe()
		fuzzNode.serveInbound(server)
		done := make(chan struct{})
		go func() { defer close(done); io.Copy(io.Discard, client) }()
		client.SetWriteDeadline(time.Now().Add(2 * time.Second))
		io.WriteString(client, "auth ClueCon\n\n"+s)
		client.Close()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("session did not end")
		}
	})
}

// FuzzControlHTTP feeds the HTTP control API arbitrary bodies (phones,
// digits, hangups; not calls, which would dial whatever address they
// name): answers are JSON errors or successes, never panics or 500s.
func FuzzControlHTTP(f *testing.F) {
	for _, s := range []string{`{"user":"1000","domain":"acme","answer_after_ms":100}`, `{"digits":"12#"}`,
		`{"cause":"USER_BUSY"}`, `{"user":"a b"}`, `[]`, `{"no_answer":true,"busy":true}`, ``} {
		f.Add(s)
	}
	n, err := Start(Config{Heartbeat: -1})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(n.Close)
	h := n.controlHandler()
	f.Fuzz(func(t *testing.T, body string) {
		for _, target := range []string{"/v1/phones", "/v1/calls/u-1/dtmf", "/v1/calls/u-1/hangup"} {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("POST", target, strings.NewReader(body)))
			if rec.Code >= 500 {
				t.Fatalf("POST %s %q: %d %s", target, body, rec.Code, rec.Body)
			}
			if rec.Code >= 400 && !strings.Contains(rec.Body.String(), `"error"`) {
				t.Fatalf("POST %s %q: %d without an error message", target, body, rec.Code)
			}
		}
	})
}
