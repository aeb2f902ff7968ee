package fssim

import (
	"bytes"
	"encoding/json"
	"strconv"
	"testing"
	"testing/quick"
	"time"
)

// TestJSONStringsAsEncodingJSON: the event encoder's strings are byte for
// byte what encoding/json writes (HTML-safe escapes, control characters,
// invalid UTF-8, U+2028), on its fast path and off it.
func TestJSONStringsAsEncodingJSON(t *testing.T) {
	same := func(s string) bool {
		var b bytes.Buffer
		writeJSONString(&b, s)
		want, _ := json.Marshal(s)
		return bytes.Equal(b.Bytes(), want)
	}
	for _, s := range []string{"", "CHANNEL_ANSWER", "sofia/internal/1001@127.0.0.1:5090", `"quoted"`, `back\slash`,
		"<b>&amp;</b>", "tab\there\nnewline\r\x00\x1f\x7f", "中文 café", "\xff\xfe bad utf-8", "line\u2028sep", "%2B1%20555"} {
		if !same(s) {
			t.Errorf("%q: not as encoding/json writes it", s)
		}
	}
	if err := quick.Check(same, &quick.Config{MaxCount: 5000}); err != nil {
		t.Error(err)
	}
}

// TestEventEncodedOncePerFormat: an event is rendered in a format only when
// a subscriber asks for it, and then once.
func TestEventEncodedOncePerFormat(t *testing.T) {
	e := &event{name: "CHANNEL_ANSWER", hdrs: []header{{"Event-Name", "CHANNEL_ANSWER"}, {"Unique-ID", "u1"}}, body: "x"}
	j := e.encode("json")
	if e.plain != nil {
		t.Fatal("the plain rendering was made for a JSON subscriber")
	}
	if !bytes.Equal(e.encode("json"), j) || &e.encode("json")[0] != &j[0] {
		t.Fatal("the JSON rendering was not shared")
	}
	body := `{"Event-Name":"CHANNEL_ANSWER","Unique-ID":"u1","Content-Length":"1","_body":"x"}`
	if want := "Content-Length: " + strconv.Itoa(len(body)) + "\nContent-Type: text/event-json\n\n" + body; string(j) != want {
		t.Fatalf("json frame:\n%s\nwant\n%s", j, want)
	}
	if p := e.encode("plain"); !bytes.HasPrefix(p, []byte("Content-Length: ")) || !bytes.Contains(p, []byte("Content-Type: text/event-plain\n\nEvent-Name: CHANNEL_ANSWER\n")) {
		t.Fatalf("plain frame: %s", p)
	}
}

// TestSequenceDoesNotDependOnListeners: events nobody subscribed to are not
// built, but they take their Event-Sequence numbers as FreeSWITCH's do: an
// originated leg's CHANNEL_CREATE and CHANNEL_ANSWER are as far apart for a
// client that listens to those two alone as for one that listens to ALL.
func TestSequenceDoesNotDependOnListeners(t *testing.T) {
	gap := func(events string) int {
		n, err := Start(Config{Heartbeat: -1})
		if err != nil {
			t.Fatal(err)
		}
		defer n.Close()
		if err := n.RegisterPhone("1000", "dom", PhoneScript{AnswerAfter: time.Millisecond}); err != nil {
			t.Fatal(err)
		}
		c := inbound(t, n)
		c.send("event plain " + events)
		c.frame()
		c.send("bgapi originate user/1000@dom &park()")
		created, _ := strconv.Atoi(c.event("CHANNEL_CREATE").Get("Event-Sequence"))
		answered, _ := strconv.Atoi(c.event("CHANNEL_ANSWER").Get("Event-Sequence"))
		return answered - created
	}
	all, two := gap("ALL"), gap("CHANNEL_CREATE CHANNEL_ANSWER")
	if all < 2 || two != all {
		t.Fatalf("CHANNEL_CREATE to CHANNEL_ANSWER: %d sequence numbers listening to ALL, %d listening to the two", all, two)
	}
}
