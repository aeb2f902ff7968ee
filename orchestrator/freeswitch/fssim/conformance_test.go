package fssim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/esl"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/internal/capture"
)

// The conformance harness replays a capture's `send` lines against fssim
// and compares what comes back frame by frame: the kind of frame, the event
// name (and subclass/application), the header NAMES in order (variable_*
// excluded: they depend on the dialplan), and for replies the text with
// UUIDs and numbers masked. See README.md for what is compared per capture.

// summary is one frame reduced to what the harness compares.
type summary struct {
	kind  string       // Content-Type
	name  string       // event name[/subclass][:application]
	uuid  string       // Unique-ID of events
	hdrs  []string     // header names in order, without variable_*
	vals  []esl.Header // every header with its (unescaped) value, for compareValues
	text  string       // Reply-Text, or a short api/response body, normalized
	frame string       // original, for messages
}

func (s summary) key() string {
	if s.name != "" {
		return s.kind + " " + s.name
	}
	return s.kind + " " + s.text
}

var (
	uuidRE = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
	numRE  = regexp.MustCompile(`[0-9]+`)
)

func normalize(s string) string {
	return numRE.ReplaceAllString(uuidRE.ReplaceAllString(s, "U"), "#")
}

// summarize reduces a frame; events are parsed keeping header order.
func summarize(f *esl.Frame) (summary, error) {
	s := summary{kind: f.ContentType()}
	switch s.kind {
	case esl.TypeEventJSON:
		hs, err := orderedJSON(f.Body)
		if err != nil {
			return s, err
		}
		s.fromEvent(hs)
	case esl.TypeEventPlain:
		ef, err := esl.NewReader(bytes.NewReader(f.Body)).ReadFrame()
		if err != nil {
			return s, err
		}
		var hs []esl.Header
		for _, h := range ef.Headers {
			hs = append(hs, esl.Header{Name: h.Name, Value: esl.Unescape(h.Value)})
		}
		s.fromEvent(hs)
	default:
		for _, h := range f.Headers {
			s.hdrs = append(s.hdrs, h.Name)
			s.vals = append(s.vals, esl.Header{Name: h.Name, Value: esl.Unescape(h.Value)})
		}
		s.text = normalize(f.Get("Reply-Text"))
		if s.kind == esl.TypeAPIResponse {
			s.text = apiShape(string(f.Body))
		}
		if len(f.Headers) > 0 && f.Headers[0].Name == "Event-Name" {
			s.kind = "connect-reply"
			s.hdrs = withoutVars(s.hdrs)
			s.text = ""
		}
	}
	return s, nil
}

// apiShape keeps short bodies (normalized) and the first word of long ones.
func apiShape(body string) string {
	if len(body) < 120 {
		return normalize(body)
	}
	first, _, _ := strings.Cut(body, " ")
	return normalize(first) + "..."
}

func (s *summary) fromEvent(hs []esl.Header) {
	get := func(n string) string {
		for _, h := range hs {
			if h.Name == n {
				return h.Value
			}
		}
		return ""
	}
	s.name = get("Event-Name")
	if sub := get("Event-Subclass"); sub != "" {
		s.name += "/" + sub
	}
	if a := get("Application"); a != "" {
		s.name += ":" + a
	}
	if act := get("Action"); act != "" {
		s.name += ":" + act
	}
	s.uuid = get("Unique-ID")
	s.vals = hs
	for _, h := range hs {
		s.hdrs = append(s.hdrs, h.Name)
	}
	s.hdrs = withoutVars(s.hdrs)
}

func withoutVars(names []string) []string {
	var out []string
	for _, n := range names {
		if !strings.HasPrefix(n, "variable_") {
			out = append(out, n)
		}
	}
	return out
}

// orderedJSON reads a flat JSON event keeping key order and duplicates.
func orderedJSON(b []byte) ([]esl.Header, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	var hs []esl.Header
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return nil, err
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, err
		}
		var v string
		json.Unmarshal(raw, &v)
		hs = append(hs, esl.Header{Name: k.(string), Value: v})
	}
	return hs, nil
}

// step is what the capture did on one connection: frames received before
// each send.
type script struct {
	sends  []string
	before []int // comparable frames received before sends[i]
	want   []summary
}

// loadScript reads one connection of a capture.
func loadScript(t *testing.T, file, conn string, keep func(summary) bool) script {
	t.Helper()
	f, err := capture.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	var sc script
	var recv strings.Builder
	for _, l := range f.Lines {
		if l.Conn != conn {
			continue
		}
		switch l.Dir {
		case "recv":
			recv.WriteString(l.Data)
		case "send":
			sc.sends = append(sc.sends, l.Data)
			sc.before = append(sc.before, len(parseAll(t, recv.String(), keep)))
		}
	}
	sc.want = parseAll(t, recv.String(), keep)
	return sc
}

// pipelined writes each send that contains marker together with the send
// before it, in one write. The real switch runs a sendmsg queued inside a
// playback at its next media frame (20 ms): whether the next command's reply
// comes before that application's events depends only on how soon the
// client's next command arrives (about 1 ms in captures 14 and 14b). Written
// together, the order is the capture's on a loaded machine too.
func pipelined(sc script, marker string) script {
	var out script
	out.want = sc.want
	for i, s := range sc.sends {
		if i > 0 && strings.Contains(s, marker) {
			out.sends[len(out.sends)-1] += s
			continue
		}
		out.sends = append(out.sends, s)
		out.before = append(out.before, sc.before[i])
	}
	return out
}

func parseAll(t *testing.T, stream string, keep func(summary) bool) []summary {
	r := esl.NewReader(strings.NewReader(stream))
	var out []summary
	for {
		f, err := r.ReadFrame()
		if err != nil {
			return out // EOF or a frame cut at the prefix end
		}
		s, err := summarize(f)
		if err != nil {
			t.Fatalf("capture frame: %v", err)
		}
		if keep(s) {
			out = append(out, s)
		}
	}
}

// live reads fssim's frames on one connection into a channel.
func live(t *testing.T, nc net.Conn, keep func(summary) bool) <-chan summary {
	out := make(chan summary, 4096)
	go func() {
		defer close(out)
		r := esl.NewReader(nc)
		for {
			f, err := r.ReadFrame()
			if err != nil {
				if err != io.EOF && !strings.Contains(err.Error(), "closed") {
					t.Logf("live read: %v", err)
				}
				return
			}
			s, err := summarize(f)
			if err != nil {
				t.Errorf("fssim frame does not parse: %v", err)
				return
			}
			if keep(s) {
				out <- s
			}
		}
	}()
	return out
}

// replay sends the script over nc, waiting before each send for as many
// comparable frames as the capture had, and returns what fssim sent.
func replay(t *testing.T, nc net.Conn, sc script, keep func(summary) bool, hooks map[int]func()) []summary {
	return replayWatch(t, nc, sc, keep, hooks, nil)
}

// replayWatch is replay with onFrame called for every frame fssim sends
// (e.g. to press keys when a collection starts).
func replayWatch(t *testing.T, nc net.Conn, sc script, keep func(summary) bool, hooks map[int]func(), onFrame func(summary)) []summary {
	frames := live(t, nc, keep)
	var got []summary
	wait := func(n int) {
		deadline := time.After(10 * time.Second)
		for len(got) < n {
			select {
			case s, ok := <-frames:
				if !ok {
					return
				}
				if onFrame != nil {
					onFrame(s)
				}
				got = append(got, s)
			case <-deadline:
				t.Errorf("timed out waiting for frame %d of %d", len(got)+1, n)
				return
			}
		}
	}
	for i, send := range sc.sends {
		wait(sc.before[i])
		if _, err := io.WriteString(nc, send); err != nil {
			t.Fatalf("send %q: %v", send, err)
		}
		if h := hooks[i]; h != nil {
			wait(len(got) + 1) // the command's reply
			h()
		}
	}
	wait(len(sc.want))
	// anything extra that arrives promptly is a difference too
	select {
	case s, ok := <-frames:
		if ok {
			got = append(got, s)
		}
	case <-time.After(300 * time.Millisecond):
	}
	return got
}

// compareFrames reports every difference: frame kinds and names, header
// names, and the values of the headers the controller reads (values.go's
// readHeaders, less the commented notCompared list).
func compareFrames(t *testing.T, want, got []summary) {
	t.Helper()
	if testing.Verbose() {
		for i := 0; i < max(len(want), len(got)); i++ {
			var w, g string
			if i < len(want) {
				w = want[i].key()
			}
			if i < len(got) {
				g = got[i].key()
			}
			t.Logf("%3d want %-60.60q got %-60.60q", i, w, g)
		}
	}
	uuids, read := newPairing(), readHeaders(t)
	checkSequence(t, got)
	n := max(len(want), len(got))
	for i := 0; i < n; i++ {
		switch {
		case i >= len(got):
			t.Errorf("frame %d: missing %s", i, want[i].key())
			continue
		case i >= len(want):
			t.Errorf("frame %d: extra %s", i, got[i].key())
			continue
		}
		w, g := want[i], got[i]
		if w.key() != g.key() {
			t.Errorf("frame %d: want %s, got %s", i, w.key(), g.key())
			continue
		}
		if d := diffNames(w.hdrs, g.hdrs); d != "" {
			t.Errorf("frame %d (%s) headers: %s", i, w.key(), d)
		}
		for _, d := range uuids.compareValues(read, w, g) {
			t.Errorf("frame %d (%s): %s", i, w.key(), d)
		}
	}
}

func diffNames(want, got []string) string {
	if strings.Join(want, ",") == strings.Join(got, ",") {
		return ""
	}
	return fmt.Sprintf("\n want %v\n  got %v", want, got)
}
