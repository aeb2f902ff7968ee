package esl

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/internal/capture"
)

// testSet mixes names every CHANNEL_* event has, names only some have, an
// array header, values with escapes and non-ASCII, and names absent from
// every capture.
var testSet = NewHeaderSet("Unique-ID", "Event-Sequence", "Application-UUID", "Application-Data",
	"variable_originated_legs", "Caller-Caller-ID-Name", "Job-UUID", "Job-Command", "a", "b",
	"Event-Subclass", "variable_sip_full_from", "Hangup-Cause", "Nope-Not-There")

// checkDecoded holds Decoder to ParseEvent: the same frames fail, and a
// decoded event has exactly the kept headers of the full parse, and its body.
func checkDecoded(t *testing.T, f *Frame) {
	t.Helper()
	full, ferr := ParseEvent(f)
	got, err := NewDecoder(testSet).Event(f)
	if (ferr == nil) != (err == nil) {
		t.Fatalf("%q: ParseEvent err %v, Decoder err %v", f.Body, ferr, err)
	}
	if err != nil {
		if !errors.Is(err, ErrMalformed) {
			t.Fatalf("%q: error does not wrap ErrMalformed: %v", f.Body, err)
		}
		return
	}
	want := map[string]string{}
	for k, v := range full.Headers() {
		if testSet.Has(k) {
			want[k] = v
		}
	}
	if g := got.Headers(); len(g) != len(want) || !mapsEqual(g, want) {
		t.Fatalf("%q:\ndecoded %q\nwant    %q", f.Body, g, want)
	}
	if !bytes.Equal(got.Body, full.Body) {
		t.Fatalf("%q: body %q, want %q", f.Body, got.Body, full.Body)
	}
}

func mapsEqual(a, b map[string]string) bool {
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return len(a) == len(b)
}

func jsonFrame(body []byte) *Frame {
	return &Frame{Headers: []Header{{"Content-Type", TypeEventJSON}}, Body: body}
}

// TestDecoderMatchesParseEventOnCaptures: every event of every capture
// decodes to the kept part of its full parse.
func TestDecoderMatchesParseEventOnCaptures(t *testing.T) {
	names, err := capture.ESLFiles()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, name := range names {
		c := load(t, name)
		for _, conn := range c.Conns() {
			for _, f := range readAll(t, strings.NewReader(c.Stream(conn, "recv"))) {
				if ct := f.ContentType(); ct == TypeEventJSON || ct == TypeEventPlain {
					checkDecoded(t, f)
					n++
				}
			}
		}
	}
	if n < 500 {
		t.Fatalf("only %d events in the captures", n)
	}
}

func TestDecoderMatchesParseEvent(t *testing.T) {
	long := strings.Repeat("x", 23)
	cases := []string{
		`{"Event-Name":"X"}`, ` { "Event-Name" : "X" , "a" : [ "p" , "q" ] , "b":[] } `,
		`{"Event-Name":"X","a":"\u00e9\ud83d\ude00\n\"\\\/","b":"\ud800"}`, "{\"Event-Name\":\"X\",\"a\":\"\xff\"}",
		`{"Event-Name":"X","a":"1","a":"2"}`, `{"Event-Name":"X","Event-Name":""}`, `{"Event-Name":""}`,
		`{"Event\u002dName":"X","\u0061":"esc key"}`, `{"Event-Name":"X","_body":"b\u00e9","_body":"c"}`,
		`{"Event-Name":"X","_body":["p","q"]}`, `{"Event-Name":"X","Content-Length":"3"}`,
		`{"Event-Name":"X","skip":"` + long + `\"` + long + `\u0041` + long + `"}`,
		`{"Event-Name":"X","a":1}`, `{"Event-Name":"X","skip":1}`, `{"Event-Name":"X","skip":null}`,
		`{"Event-Name":"X","skip":["x",2]}`, `{"Event-Name":"X","skip":"b",}`, `{"Event-Name":"X"} x`,
		`{"Event-Name":"X","skip":"b`, `{"Event-Name":"X","skip":"\x"}`, `{"Event-Name":"X","skip":"\u12"}`,
		"{\"Event-Name\":\"X\",\"skip\":\"" + long + "\x01\"}", `{"Event-Name":"X","skip":{"b":"c"}}`,
		`{"Event-Name":"X",3:"a"}`, `null`, `[]`, ``, `{}`, `{"Event-Name":"X"`, `{"Event-Name":"X",`,
		// FreeSWITCH's compact form, then something else (the fast path hands over)
		`{"Event-Name":"X","a":"b"x"c":"d","e":"f"}`, `{"Event-Name":"X","a"x"b","c":"d"}`,
		`{"Event-Name":"X","a":"b",x"c":"d"}`, `{"Event-Name":"X","a":"b", "b":"c","e":"f"}`,
		`{"Event-Name":"X","a":"b","b" :"c","e":"f"}`, `{"Event-Name":"X","a":"b","b":"c" ,"e":"f"}`,
		`{"Event-Name":"X","a":"b","b":["c"],"e":"f"}`, `{"Event-Name":"X","a":"b","b":"\"","a":"f"}`,
		`{"Event-Name":"X","a":"x\ny","e":"f"}`, `{"Event-Name":"X","skip":"x\qy","e":"f"}`,
		// a stray byte where the next key opens, then what reads as a key's
		// end; an array whose first item reads as a value's end
		`{"Event-Name":"X","skip":"b",x":"d","e":"f"}`, `{"Event-Name":"X","a":[",","b"],"e":"f"}`,
		`{"Event-Name":"X","skip":[",","b"],"a":"f"}`,
	}
	for _, c := range cases {
		checkDecoded(t, jsonFrame([]byte(c)))
	}
	checkDecoded(t, &Frame{Headers: []Header{{"Content-Type", TypeEventPlain}},
		Body: []byte("Event-Name: X\nUnique-ID: u%201\nOther: o\n\n")})
	checkDecoded(t, &Frame{Headers: []Header{{"Content-Type", TypeAPIResponse}}, Body: []byte("+OK")})
}

// TestDecoderStringScanEveryOffset puts each byte that ends or breaks the
// eight-bytes-at-a-time scan at every offset of a skipped and a kept value.
func TestDecoderStringScanEveryOffset(t *testing.T) {
	for _, special := range []string{`\"`, `\\`, `\u0041`, `\n`, "\x01", "\x1f", "\x7f", "\xc3\xa9", "\xff", `"`, " "} {
		for n := range 20 {
			v := strings.Repeat("x", n) + special + strings.Repeat("y", 20-n)
			checkDecoded(t, jsonFrame([]byte(`{"Event-Name":"X","skip":"`+v+`","a":"`+v+`"}`)))
		}
	}
}

// TestDecoderKeepsNothingOfTheFrame: the event does not change when the
// frame's buffer is overwritten, as ReadFrameShared's is by the next read.
func TestDecoderKeepsNothingOfTheFrame(t *testing.T) {
	body := []byte(`{"Event-Name":"BACKGROUND_JOB","Job-UUID":"j1","_body":"+OK"}`)
	e, err := NewDecoder(testSet).Event(jsonFrame(body))
	if err != nil {
		t.Fatal(err)
	}
	clear(body)
	if e.Name() != "BACKGROUND_JOB" || e.Get("Job-UUID") != "j1" || string(e.Body) != "+OK" {
		t.Fatalf("event changed with its frame: %q %q", e.Headers(), e.Body)
	}
}

// TestHeaderSetRecordsMisses: asking a decoded event for a header the set
// does not keep is recorded; a kept header that is absent is not.
func TestHeaderSetRecordsMisses(t *testing.T) {
	set := NewHeaderSet("Unique-ID", "Hangup-Cause")
	e, err := NewDecoder(set).Event(jsonFrame([]byte(`{"Event-Name":"X","Unique-ID":"u","Other":"o"}`)))
	if err != nil {
		t.Fatal(err)
	}
	if e.Get("Hangup-Cause") != "" || e.UUID() != "u" || len(set.Missed()) != 0 {
		t.Fatalf("kept headers: %q, missed %v", e.Headers(), set.Missed())
	}
	if e.Get("Other") != "" || e.Get("Another") != "" {
		t.Fatal("a header not kept was decoded")
	}
	if got := set.Missed(); !slices.Equal(got, []string{"Another", "Other"}) {
		t.Fatalf("missed %v", got)
	}
	if NewEvent(nil, "Event-Name", "X").Get("Other"); len(set.Missed()) != 2 {
		t.Fatal("an event built whole recorded a miss")
	}
}

func TestNewHeaderSetRefusesNonHeaders(t *testing.T) {
	for _, name := range []string{"", "_body", "Content-Length"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("NewHeaderSet(%q) did not panic", name)
				}
			}()
			NewHeaderSet(name)
		}()
	}
}

// FuzzDecodeJSON holds Decoder to ParseJSON (itself held to encoding/json by
// FuzzFlatJSON). Its seeds are FuzzParseJSON's corpus, the captures' bodies.
func FuzzDecodeJSON(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "fuzz", "FuzzParseJSON", "*"))
	for _, name := range seeds {
		if b, err := os.ReadFile(name); err == nil {
			if s, ok := corpusBytes(b); ok {
				f.Add(s)
			}
		}
	}
	f.Add([]byte(`{"Event-Name":"API","a":["x","y"],"_body":"b","skip":"\u00e9"}`))
	f.Fuzz(func(t *testing.T, in []byte) { checkDecoded(t, jsonFrame(in)) })
}

// corpusBytes reads a seed file of the form writeSeed writes.
func corpusBytes(b []byte) ([]byte, bool) {
	_, rest, ok := strings.Cut(string(b), "\n[]byte(")
	if !ok {
		return nil, false
	}
	s, err := strconv.Unquote(strings.TrimSuffix(strings.TrimSpace(rest), ")"))
	return []byte(s), err == nil
}

// TestDetachOutlivesTheNextRead: a frame read with ReadFrameShared is
// overwritten by the next read unless detached, whether its body sat in the
// reader's buffer or (larger than it) in memory of its own.
func TestDetachOutlivesTheNextRead(t *testing.T) {
	for _, size := range []int{10, 100} { // the buffer holds 64 bytes
		body := strings.Repeat("a", size)
		stream := "Content-Type: api/response\nContent-Length: " + strconv.Itoa(size) + "\n\n" + body +
			"Content-Type: api/response\nContent-Length: " + strconv.Itoa(size) + "\n\n" + strings.Repeat("b", size)
		rd := NewReader(bufio.NewReaderSize(strings.NewReader(stream), 64))
		if _, err := rd.ReadFrameShared(); err != nil {
			t.Fatal(err)
		}
		kept := rd.Detach()
		second, err := rd.ReadFrameShared()
		if err != nil || string(second.Body) != strings.Repeat("b", size) {
			t.Fatalf("second frame %q: %v", second.Body, err)
		}
		if string(kept.Body) != body || kept.ContentType() != TypeAPIResponse || len(kept.Headers) != 2 {
			t.Fatalf("%d-byte body: detached frame changed by the next read: %+v", size, kept)
		}
	}
}

// TestEventNameIsGetEventName: Name, kept apart from the headers, reads as
// Get("Event-Name") however the event was made or changed, a repeated name
// included (the last one counts).
func TestEventNameIsGetEventName(t *testing.T) {
	body := []byte(`{"Event-Name":"A","Unique-ID":"u","Event-Name":"B"}`)
	full, err := ParseJSON(body)
	if err != nil {
		t.Fatal(err)
	}
	dec, err := NewDecoder(testSet).Event(jsonFrame(body))
	if err != nil {
		t.Fatal(err)
	}
	plain, err := ParsePlain([]byte("Event-Name: A\nEvent-Name: C\n\n"))
	if err != nil {
		t.Fatal(err)
	}
	built := NewEvent(nil, "Event-Name", "A")
	built.Set("Event-Name", "D")
	for _, e := range []*Event{full, dec, plain, built} {
		if e.Name() != e.Get("Event-Name") || e.Name() == "A" {
			t.Errorf("Name %q, Get(Event-Name) %q", e.Name(), e.Get("Event-Name"))
		}
	}
}

// TestIntakeAllocations: what the connection's reader allocates per frame,
// which the controller pays for every event and every call. A CHANNEL_*
// event decoded with the adapter's set is two allocations (the event with
// room for its headers, and one string for their values); a call's connect
// reply (some 140 headers) read into the shared frame is one string for
// its whole header block; a reply is that string and its detached copy.
func TestIntakeAllocations(t *testing.T) {
	f := jsonFrame(captureEventBody(&testing.B{}, "CHANNEL_ANSWER"))
	d := NewDecoder(NewHeaderSet("Unique-ID", "Event-Sequence", "Job-UUID", "Application-UUID",
		"Application-Response", "Answer-State", "Channel-State", "Hangup-Cause", "Other-Leg-Unique-ID"))
	ev, err := d.Event(f)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(ev.headers); n < 4 || n > 8 {
		t.Fatalf("the event keeps %d headers: not a case of headers allocated with it", n)
	}
	if got := testing.AllocsPerRun(100, func() { d.Event(f) }); got != 2 {
		t.Errorf("decoding an event: %v allocations, want 2", got)
	}

	connect := load(t, "04-outbound-ivr.jsonl").Stream("out", "recv")
	first := readAll(t, strings.NewReader(connect))[0]
	if len(first.Headers) < 100 {
		t.Fatalf("the connect reply has %d headers", len(first.Headers))
	}
	var stream strings.Builder
	for range 110 {
		stream.WriteString(connect[:strings.Index(connect, "\n\n")+2])
	}
	rd := NewReader(strings.NewReader(stream.String()))
	rd.ReadFrameShared() // grows the reader's scratch
	if got := testing.AllocsPerRun(100, func() { rd.ReadFrameShared() }); got != 1 {
		t.Errorf("reading a connect reply: %v allocations, want 1", got)
	}
	if got := rd.shared.Get("Unique-ID"); got != first.Get("Unique-ID") || len(rd.shared.Headers) != len(first.Headers) {
		t.Errorf("shared frame read as %d headers, Unique-ID %q", len(rd.shared.Headers), got)
	}

	// A command's reply, handed to the command's goroutine: one string for
	// its Reply-Text, one allocation for the copy with its headers.
	reply := strings.Repeat("Content-Type: command/reply\nReply-Text: +OK Job-UUID: 4f1c\nJob-UUID: 4f1c\n\n", 110)
	rd = NewReader(strings.NewReader(reply))
	var kept *Frame
	if got := testing.AllocsPerRun(100, func() {
		rd.ReadFrameShared()
		kept = rd.Detach()
	}); got != 2 {
		t.Errorf("reading and detaching a reply: %v allocations, want 2", got)
	}
	if kept.ReplyText() != "+OK Job-UUID: 4f1c" || kept.Get("Job-UUID") != "4f1c" || len(kept.Headers) != 3 {
		t.Errorf("detached reply %+v", kept)
	}
}
