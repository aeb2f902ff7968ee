package fssim

import (
	"context"
	"encoding/json"
	"net"
	"slices"
	"strings"
	"testing"

	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/esl"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/internal/capture"
)

// unreachableEvents are the events of capture 12 compared per call, from
// the socket application on (set/export before it are vanilla public.xml).
var unreachableEvents = map[string]bool{"CHANNEL_ANSWER": true, "CHANNEL_EXECUTE": true,
	"CHANNEL_EXECUTE_COMPLETE": true, "CHANNEL_HANGUP": true, "CHANNEL_HANGUP_COMPLETE": true,
	"CHANNEL_DESTROY": true, "PLAYBACK_START": true, "PLAYBACK_STOP": true}

func eventKey(name, app, resp string) string {
	k := name
	if app != "" {
		k += ":" + app
	}
	if name == "CHANNEL_EXECUTE_COMPLETE" {
		k += " " + resp
	}
	return k
}

// captured12 returns, per inbound call of capture 12 in order, its events
// from the socket application on.
func captured12(t *testing.T) [][]string {
	f, err := capture.Load("12-socket-unreachable.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	r := esl.NewReader(strings.NewReader(f.Stream("esl", "recv")))
	seq := map[string][]string{}
	var order []string
	for {
		fr, err := r.ReadFrame()
		if err != nil {
			break
		}
		if fr.ContentType() != esl.TypeEventJSON {
			continue
		}
		var e map[string]any
		json.Unmarshal(fr.Body, &e)
		name, _ := e["Event-Name"].(string)
		id, _ := e["Unique-ID"].(string)
		if id == "" || e["Call-Direction"] != "inbound" || !unreachableEvents[name] {
			continue
		}
		if _, ok := seq[id]; !ok {
			order = append(order, id)
		}
		app, _ := e["Application"].(string)
		resp, _ := e["Application-Response"].(string)
		seq[id] = append(seq[id], eventKey(name, app, resp))
	}
	var out [][]string
	for _, id := range order {
		s := seq[id]
		i := slices.Index(s, "CHANNEL_EXECUTE:socket")
		out = append(out, s[i:])
	}
	return out
}

// TestConformance12SocketUnreachable: a failed socket connect completes the
// socket application and the dialplan goes on (fallback actions) or, with
// none, clears the call.
func TestConformance12SocketUnreachable(t *testing.T) {
	want := captured12(t)
	if len(want) != 3 {
		t.Fatalf("capture 12 has %d calls, want 3", len(want))
	}
	fallback := []DialplanApp{{"log", "WARNING continued after socket"}, {"answer", ""},
		{"playback", "tone_stream://%(1500,0,620)"}, {"hangup", "NORMAL_CLEARING"}}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := ln.Addr().String()
	ln.Close()
	for i, fb := range [][]DialplanApp{nil, fallback} {
		n := fastNode(t)
		c := inbound(t, n)
		c.send("event json ALL")
		c.frame()
		call, err := n.PlaceCall(context.Background(), closed, IncomingCall{From: "sipp", To: "9100", Fallback: fb})
		if err == nil {
			t.Fatal("PlaceCall to a closed port succeeded")
		}
		var got []string
		for {
			_, e := c.until(func(_ *esl.Frame, e *esl.Event) bool { return e != nil && e.UUID() == call.UUID() })
			if unreachableEvents[e.Name()] {
				got = append(got, eventKey(e.Name(), e.Get("Application"), e.Get("Application-Response")))
			}
			if e.Name() == "CHANNEL_DESTROY" {
				break
			}
		}
		if strings.Join(got, ",") != strings.Join(want[i], ",") {
			t.Errorf("call %d:\n want %v\n  got %v", i+1, want[i], got)
		}
	}
}
