package fssim

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/esl"
)

// servedDialplan serves a dialplan answer of the xmlcurl golden files to
// node fs-vm, with its socket address replaced by sock, and records the
// destination asked for.
func servedDialplan(t *testing.T, golden, sock string, asked chan<- string) XMLCurl {
	t.Helper()
	doc, err := os.ReadFile("../xmlcurl/testdata/golden/" + golden)
	if err != nil {
		t.Fatal(err)
	}
	body := strings.ReplaceAll(string(doc), "127.0.0.1:8084", sock)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != "fs-vm" || p != "node-secret-0123456789" {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		if r.ParseForm() != nil || r.Form.Get("section") != "dialplan" || r.Form.Get("Caller-Context") != "public" {
			http.Error(w, "bad form", http.StatusBadRequest)
			return
		}
		asked <- r.Form.Get("Caller-Destination-Number")
		w.Header().Set("Content-Type", "text/xml")
		w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return XMLCurl{URL: srv.URL, User: "fs-vm", Password: "node-secret-0123456789"}
}

// TestRouteCallRunsServedDialplan: the channel the socket connects with
// carries the variables the served extension sets (the socket token among
// them), because the node ran them, not because the test passed them.
func TestRouteCallRunsServedDialplan(t *testing.T) {
	n, err := Start(Config{Heartbeat: -1, Speed: 20})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	asked := make(chan string, 1)
	xc := servedDialplan(t, "capture-04-dialplan-9300-open.xml", ln.Addr().String(), asked)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	call, err := n.RouteCall(ctx, xc, IncomingCall{From: "sipp", To: "9300", Vars: map[string]string{"sb_tenant": "injected"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := <-asked; got != "9300" {
		t.Fatalf("dialplan asked for %q", got)
	}
	nc, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := nc.Write([]byte("connect\n\n")); err != nil {
		t.Fatal(err)
	}
	data, err := esl.NewReader(nc).ReadFrame()
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{
		"Unique-ID": call.UUID(), "variable_sb_tenant": "acme", "variable_sb_entry": "sales",
		"variable_sb_token": "4f4ef27ed34ae0113665cc7a03da0da4332b6fce23816e8744685427511a1f6f",
	} {
		if got := esl.Unescape(data.Get(name)); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
}

// TestRouteCallRunsServedRejection: an extension without socket runs on the
// node: the caller is cleared with the served cause and nothing connects.
func TestRouteCallRunsServedRejection(t *testing.T) {
	n, err := Start(Config{Heartbeat: -1, Speed: 20})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	asked := make(chan string, 1)
	xc := servedDialplan(t, "capture-01-dialplan-9199-unallocated.xml", "unused:1", asked)
	call, err := n.RouteCall(context.Background(), xc, IncomingCall{From: "sipp", To: "9199"})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-call.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("rejected call not cleared")
	}
	if info := call.Info(); info.HangupCause != "UNALLOCATED_NUMBER" || info.Answered {
		t.Fatalf("rejected call: %+v", info)
	}
}

// TestXMLCurlConnectionPerFetch: each fetch comes on a connection of its
// own, closed after the answer, with no Connection header, as a real
// 1.10.12's mod_xml_curl fetches.
func TestXMLCurlConnectionPerFetch(t *testing.T) {
	var conns atomic.Int32
	headers := make(chan string, 3)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		headers <- r.Header.Get("Connection")
		w.Header().Set("Content-Type", "text/xml")
		w.Write([]byte(`<document type="freeswitch/xml"><section name="result"><result status="not found"/></section></document>`))
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	x := XMLCurl{URL: srv.URL, User: "fs-vm", Password: "node-secret-0123456789"}
	for i := range 3 {
		if _, err := x.post(context.Background(), url.Values{"section": {"dialplan"}}); err != nil {
			t.Fatalf("fetch %d: %v", i, err)
		}
		if h := <-headers; h != "" {
			t.Errorf("fetch %d sent Connection: %q, want none", i, h)
		}
	}
	if n := conns.Load(); n != 3 {
		t.Errorf("3 fetches came on %d connections, want 3", n)
	}
}
