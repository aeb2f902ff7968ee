package esl

import (
	"bytes"
	"errors"
	"io"
	"runtime"
	"strings"
	"sync"
	"testing"
)

func TestWriteReadRoundTrip(t *testing.T) {
	tests := []*Frame{
		{Line: "api status"},
		{Line: "sendmsg 5f24f330", Headers: []Header{{"call-command", "execute"}, {"execute-app-name", "playback"},
			{"execute-app-arg", "tone_stream://%(2000,0,440)"}, {"Event-UUID", "e1"}}},
		{Headers: []Header{{"Content-Type", TypeAPIResponse}}, Body: []byte("+OK é\n\nwith blank lines\n")},
		{Headers: []Header{{"Content-Type", TypeCommandReply}, {"Reply-Text", "+OK accepted"}}},
	}
	for _, in := range tests {
		var buf bytes.Buffer
		if err := NewWriter(&buf).WriteFrame(in); err != nil {
			t.Fatal(err)
		}
		rd := NewReader(&buf)
		read := rd.ReadFrame
		if in.Line != "" {
			read = rd.ReadCommand
		}
		out, err := read()
		if err != nil {
			t.Fatalf("%q: %v", buf.String(), err)
		}
		if out.Line != in.Line || !bytes.Equal(out.Body, in.Body) {
			t.Errorf("got %+v, want %+v", out, in)
		}
		for _, h := range in.Headers {
			if out.Get(h.Name) != h.Value {
				t.Errorf("header %s = %q, want %q", h.Name, out.Get(h.Name), h.Value)
			}
		}
		if len(in.Body) > 0 && out.Get("Content-Length") == "" {
			t.Error("writer did not set Content-Length")
		}
		if _, err := rd.ReadFrame(); !errors.Is(err, io.EOF) {
			t.Errorf("trailing data: %v", err)
		}
	}
}

func TestContentLengthCountsBytes(t *testing.T) {
	body := "héllo" // 6 bytes, 5 runes
	rd := NewReader(strings.NewReader("Content-Type: api/response\nContent-Length: 6\n\n" + body +
		"Content-Type: command/reply\nReply-Text: +OK\n\n"))
	f, err := rd.ReadFrame()
	if err != nil || string(f.Body) != body {
		t.Fatalf("body %q, %v", f.Body, err)
	}
	if f, err = rd.ReadFrame(); err != nil || f.ReplyText() != "+OK" {
		t.Fatalf("next frame %+v, %v", f, err)
	}
}

func TestCRLFAndCaseInsensitiveHeaders(t *testing.T) {
	f, err := NewReader(strings.NewReader("content-type: command/reply\r\nreply-text: +OK\r\n\r\n")).ReadFrame()
	if err != nil || f.ContentType() != TypeCommandReply || f.ReplyText() != "+OK" {
		t.Fatalf("%+v %v", f, err)
	}
}

func TestReaderErrors(t *testing.T) {
	tests := []struct {
		in   string
		want error
		says string
	}{
		{"Content-Type: api/response\nContent-Length: x\n\n", ErrMalformed, "Content-Length \"x\""},
		{"Content-Type: api/response\nContent-Length: -1\n\n", ErrMalformed, "Content-Length"},
		{"no colon here\n\n", ErrMalformed, "has no name"},
		{": value\n\n", ErrMalformed, "has no name"},
		{"Content-Type: api/response\nContent-Length: 10\n\nshort", io.ErrUnexpectedEOF, "10-byte body"},
		{"Content-Type: api/response\n", io.ErrUnexpectedEOF, "header block"},
		{"Content-Type: api/resp", io.ErrUnexpectedEOF, "header line"},
		{"Content-Length: 99999999999\n\n", ErrTooLarge, "exceeds"},
		{"X: " + strings.Repeat("a", MaxLineBytes) + "\n\n", ErrTooLarge, "header line longer than 65536"},
		{strings.Repeat("X: "+strings.Repeat("a", 60000)+"\n", 5) + "\n", ErrTooLarge, "header block longer than 262144"},
		{strings.Repeat("X: a\n", MaxHeaders+1) + "\n", ErrTooLarge, "more than 2048 headers"},
		// Each kind of frame has its own body cap (MaxBodyBytes).
		{"Content-Type: text/event-json\nContent-Length: 1048577\n\n", ErrTooLarge, `"text/event-json" frame exceeds 1048576`},
		{"Content-Type: text/event-plain\nContent-Length: 1048577\n\n", ErrTooLarge, "exceeds 1048576"},
		{"Content-Type: api/response\nContent-Length: 16777217\n\n", ErrTooLarge, "exceeds 16777216"},
		{"Content-Type: command/reply\nContent-Length: 1048577\n\n", ErrTooLarge, "exceeds 1048576"},
		{"Content-Length: 67108864\n\n", ErrTooLarge, "exceeds 1048576"},
	}
	for _, tt := range tests {
		_, err := NewReader(strings.NewReader(tt.in)).ReadFrame()
		if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.says) {
			t.Errorf("%.40q: got %v, want %v saying %q", tt.in, err, tt.want, tt.says)
		}
	}
}

// TestReaderLimitsAdmitRealFrames: frames just at each cap are read whole.
func TestReaderLimitsAdmitRealFrames(t *testing.T) {
	for _, in := range []string{
		"X: " + strings.Repeat("a", MaxLineBytes-3) + "\r\n\n",
		strings.Repeat("X: a\n", MaxHeaders) + "\n",
		"Content-Type: text/event-json\nContent-Length: 1048576\n\n" + strings.Repeat("j", MaxEventBytes),
		"Content-Type: api/response\nContent-Length: 16777216\n\n" + strings.Repeat("r", MaxAPIBytes),
	} {
		f, err := NewReader(strings.NewReader(in)).ReadFrame()
		if err != nil {
			t.Errorf("%.40q: %v", in, err)
		} else if want := strings.SplitN(in, "\n\n", 2)[1]; string(f.Body) != want {
			t.Errorf("%.40q: body of %d bytes, want %d", in, len(f.Body), len(want))
		}
	}
}

// TestDeclaredBodyIsNotAllocatedUpFront: a frame that declares a body within
// its cap but sends only its first bytes costs about what it sent, not what
// it declared (the old reader allocated Content-Length at once: 20 such
// connections took 1.35 GB).
func TestDeclaredBodyIsNotAllocatedUpFront(t *testing.T) {
	const conns = 20
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	var wg sync.WaitGroup
	waiting, stall := make(chan struct{}, conns), make(chan struct{})
	for range conns {
		src := &stallReader{data: []byte("Content-Type: api/response\nContent-Length: 16777216\n\n" + strings.Repeat("r", 1000)),
			waiting: waiting, stall: stall}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := NewReader(src).ReadFrame(); !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Errorf("stalled frame: %v", err)
			}
		}()
	}
	for range conns { // every reader has taken its bytes and waits for more
		<-waiting
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	grew := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	close(stall)
	wg.Wait()
	if limit := int64(16 << 20); grew > limit {
		t.Fatalf("%d readers of a declared 16 MiB body grew the heap by %d MiB, want under %d MiB", conns, grew>>20, limit>>20)
	}
	t.Logf("heap growth with %d stalled 16 MiB frames: %d KiB", conns, grew>>10)
}

// stallReader gives data, then says so on waiting and blocks until stall
// closes, then ends the stream.
type stallReader struct {
	data    []byte
	waiting chan<- struct{}
	stall   <-chan struct{}
}

func (r *stallReader) Read(p []byte) (int, error) {
	if len(r.data) > 0 {
		n := copy(p, r.data)
		r.data = r.data[n:]
		return n, nil
	}
	r.waiting <- struct{}{}
	<-r.stall
	return 0, io.EOF
}

func TestWriterRefusesNewlines(t *testing.T) {
	for _, f := range []*Frame{
		{Line: "api status\napi evil"},
		{Headers: []Header{{"X", "a\nb"}}},
		{Headers: []Header{{"X:Y", "a"}}},
		{Headers: []Header{{"Content-Length", "0"}}},
		{},
	} {
		if err := NewWriter(io.Discard).WriteFrame(f); !errors.Is(err, ErrMalformed) {
			t.Errorf("%+v: err %v", f, err)
		}
	}
}

// countingWriter records each Write it is given, and fails from the
// failAt-th on (0: never).
type countingWriter struct {
	writes [][]byte
	failAt int
}

func (c *countingWriter) Write(p []byte) (int, error) {
	c.writes = append(c.writes, append([]byte(nil), p...))
	if c.failAt > 0 && len(c.writes) >= c.failAt {
		return 0, io.ErrClosedPipe
	}
	return len(p), nil
}

// TestWriterWritesEachCallOnce: every WriteX call reaches the stream as one
// Write (one syscall on a socket), whatever its size; a refused frame writes
// nothing of its batch; a write error is sticky; a large frame's buffer is
// not kept.
func TestWriterWritesEachCallOnce(t *testing.T) {
	cw := &countingWriter{}
	w := NewWriter(cw)
	big := bytes.Repeat([]byte("x"), 3*writerKeep)
	ev := &Frame{Headers: []Header{{"Content-Type", TypeEventJSON}}, Body: big}
	reply := &Frame{Headers: []Header{{"Content-Type", TypeCommandReply}, {"Reply-Text", "+OK"}}}
	if err := w.WriteFrames(ev, reply); err != nil {
		t.Fatal(err)
	}
	if cap(w.buf) > writerKeep {
		t.Errorf("kept a %d-byte buffer after a large frame", cap(w.buf))
	}
	if err := w.WriteCommands([]string{"myevents json", "linger\n\n"}); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteFrames(reply, &Frame{Line: "bad\nline"}); !errors.Is(err, ErrMalformed) {
		t.Fatalf("bad frame in a batch: %v", err)
	}
	if len(cw.writes) != 2 {
		t.Fatalf("%d writes, want 2 (one per call that wrote)", len(cw.writes))
	}
	r := NewReader(bytes.NewReader(cw.writes[0]))
	if f, err := r.ReadFrame(); err != nil || !bytes.Equal(f.Body, big) {
		t.Fatalf("first frame of the batch: %v", err)
	}
	if f, err := r.ReadFrame(); err != nil || f.ReplyText() != "+OK" {
		t.Fatalf("second frame of the batch: %v", err)
	}
	if got := string(cw.writes[1]); got != "myevents json\n\nlinger\n\n" {
		t.Fatalf("commands written as %q", got)
	}
	cw.failAt = 3
	if err := w.WriteCommand("exit"); !errors.Is(err, io.ErrClosedPipe) {
		t.Fatalf("failed write: %v", err)
	}
	if err := w.WriteCommand("exit"); !errors.Is(err, io.ErrClosedPipe) || len(cw.writes) != 3 {
		t.Fatalf("after a failed write: %v, %d writes", err, len(cw.writes))
	}
}

func TestEscape(t *testing.T) {
	tests := []struct{ plain, enc string }{
		{"2026-11-26 18:56:31", "2026-11-26%2018%3A56%3A31"},
		{"sofia/external/sipp@127.0.0.1:5070", "sofia/external/sipp%40127.0.0.1%3A5070"},
		{"+OK\n", "%2BOK%0A"},
		{"plain", "plain"},
		{"#", "%23"},
		{"%(2000,0,440)", "%25(2000,0,440)"},
	}
	for _, tt := range tests {
		if got := Escape(tt.plain); got != tt.enc {
			t.Errorf("Escape(%q) = %q, want %q", tt.plain, got, tt.enc)
		}
		if got := Unescape(tt.enc); got != tt.plain {
			t.Errorf("Unescape(%q) = %q, want %q", tt.enc, got, tt.plain)
		}
	}
	for in, want := range map[string]string{"+OK accepted": "+OK accepted", "100%": "100%", "%zz%4": "%zz%4", "%41%4a": "AJ"} {
		if got := Unescape(in); got != want {
			t.Errorf("Unescape(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestEventEncodeParse(t *testing.T) {
	e := NewEvent([]byte("+OK done\nline two\n"),
		"Event-Name", "BACKGROUND_JOB", "Job-UUID", "j1", "Event-Sequence", "42",
		"Date", "2026-11-26 18:56:31", "variable_originated_legs", "ARRAY::a;b|:c")
	for _, ct := range []string{TypeEventPlain, TypeEventJSON} {
		got, err := ParseEvent(e.Frame(ct))
		if err != nil {
			t.Fatalf("%s: %v", ct, err)
		}
		if len(got.Headers()) != len(e.Headers()) || string(got.Body) != string(e.Body) || got.Seq() != 42 {
			t.Errorf("%s: got %v body %q", ct, got.Headers(), got.Body)
		}
		for k, v := range e.Headers() {
			if got.Get(k) != v {
				t.Errorf("%s: %s = %q, want %q", ct, k, got.Get(k), v)
			}
		}
	}
}

func TestEventParseErrors(t *testing.T) {
	bad := []string{`{"Event-Name": 3}`, `{"Event-Name":"X","a":[1]}`, `{"a":"b"}`, `[`, `{"Event-Name":"X","n":null}`}
	for _, in := range bad {
		if _, err := ParseJSON([]byte(in)); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: err %v", in, err)
		}
	}
	if _, err := ParsePlain([]byte("Job-UUID: x\n\n")); !errors.Is(err, ErrMalformed) {
		t.Errorf("plain without Event-Name: %v", err)
	}
	if _, err := ParseEvent(&Frame{Headers: []Header{{"Content-Type", TypeAPIResponse}}}); !errors.Is(err, ErrMalformed) {
		t.Errorf("api/response as event: %v", err)
	}
}

// TestPooledReaderRelease: a pooled reader reads like any other; what
// ReadFrame and Detach returned stays intact after Release, while the buffer
// goes on serving other readers; Release of an ordinary reader does nothing.
func TestPooledReaderRelease(t *testing.T) {
	frame := func(body string) []byte {
		var buf bytes.Buffer
		if err := NewWriter(&buf).WriteFrame(&Frame{Headers: []Header{{"Content-Type", TypeAPIResponse}}, Body: []byte(body)}); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	var kept []*Frame
	for i := range 20 { // enough rounds that released buffers are taken again
		want := strings.Repeat(string(rune('a'+i)), 100+i)
		rd := NewPooledReader(bytes.NewReader(append(frame(want), frame(want+"!")...)))
		own, err := rd.ReadFrame()
		if err != nil || string(own.Body) != want {
			t.Fatalf("round %d: ReadFrame = %v, %v", i, own, err)
		}
		shared, err := rd.ReadFrameShared()
		if err != nil || string(shared.Body) != want+"!" {
			t.Fatalf("round %d: ReadFrameShared = %v, %v", i, shared, err)
		}
		kept = append(kept, own, rd.Detach())
		rd.Release()
		rd.Release() // twice is harmless
	}
	for i := range 20 {
		want := strings.Repeat(string(rune('a'+i)), 100+i)
		if got := string(kept[2*i].Body); got != want {
			t.Fatalf("round %d's ReadFrame body changed after Release: %.20q", i, got)
		}
		if got := string(kept[2*i+1].Body); got != want+"!" {
			t.Fatalf("round %d's Detached body changed after Release: %.20q", i, got)
		}
	}
	plain := NewReader(bytes.NewReader(frame("x")))
	plain.Release()
	if f, err := plain.ReadFrame(); err != nil || string(f.Body) != "x" {
		t.Fatalf("an ordinary reader after Release: %v, %v", f, err)
	}
}
