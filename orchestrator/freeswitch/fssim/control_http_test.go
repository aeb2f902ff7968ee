package fssim

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

func httpDo(t *testing.T, method, url, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestControlHTTP drives a node through its HTTP control API as a test in
// another process would: phone, call, digits, hangup, errors.
func TestControlHTTP(t *testing.T) {
	n, err := Start(Config{Heartbeat: -1, Speed: 20, ControlListen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	base := "http://" + n.ControlAddr() + "/v1"
	if code, body := httpDo(t, "POST", base+"/phones", `{"user":"1000","domain":"acme","answer_after_ms":100}`); code != 204 {
		t.Fatalf("register: %d %s", code, body)
	}
	if code, body := httpDo(t, "POST", base+"/phones", `{"user":"1000","domain":"acme","colour":"red"}`); code != 400 || !strings.Contains(body, "colour") {
		t.Errorf("unknown field: %d %s, want 400 naming it", code, body)
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	defer ln.Close()
	code, body := httpDo(t, "POST", base+"/calls", `{"socket":"`+ln.Addr().String()+`","from":"555","to":"9100","vars":{"sb_tenant":"acme"}}`)
	if code != 201 {
		t.Fatalf("place: %d %s", code, body)
	}
	var placed struct{ UUID string }
	json.Unmarshal([]byte(body), &placed)
	nc, _ := ln.Accept()
	defer nc.Close()
	c := newClient(t, nc)
	c.send("connect")
	c.frame()
	c.send("myevents json")
	c.frame()
	execute(c, "answer", "")
	c.event("CHANNEL_ANSWER")
	if code, body := httpDo(t, "POST", base+"/calls/"+placed.UUID+"/dtmf", `{"digits":"7"}`); code != 204 {
		t.Fatalf("dtmf: %d %s", code, body)
	}
	if e := c.event("DTMF"); e.Get("DTMF-Digit") != "7" {
		t.Errorf("digit %q", e.Get("DTMF-Digit"))
	}
	if code, body := httpDo(t, "POST", base+"/calls/"+placed.UUID+"/hangup", `{"cause":"USER_BUSY"}`); code != 204 {
		t.Fatalf("hangup: %d %s", code, body)
	}
	waitFor(t, 5*time.Second, func() bool {
		_, body := httpDo(t, "GET", base+"/calls/"+placed.UUID, "")
		var ci CallInfo
		json.Unmarshal([]byte(body), &ci)
		return ci.Ended && ci.HangupCause == "USER_BUSY" && ci.DTMF == "7"
	})
	if code, _ := httpDo(t, "POST", base+"/calls/nope/hangup", ""); code != 404 {
		t.Errorf("hangup of an unknown call: %d, want 404", code)
	}
	if code, _ := httpDo(t, "POST", base+"/node/drop", ""); code != 204 {
		t.Errorf("drop: %d", code)
	}
	if code, _ := httpDo(t, "POST", base+"/phones", `{"user":"1001","domain":"acme"}`); code != 409 {
		t.Errorf("register while dropped: %d, want 409", code)
	}
}
