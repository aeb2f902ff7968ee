package esl

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/internal/capture"
)

var updateCorpus = flag.Bool("update-corpus", false, "rewrite testdata/fuzz seeds from the captures")

// FuzzReadFrame: the reader never panics, whatever it accepts the writer
// renders back to the same frame, and ReadFrameShared reads the same frames
// and errors as ReadFrame (through a small buffer, so bodies both fit it and
// do not).
func FuzzReadFrame(f *testing.F) {
	f.Add([]byte("Content-Type: api/response\nContent-Length: 3\n\n+OK"))
	f.Fuzz(func(t *testing.T, in []byte) {
		rd := NewReader(bytes.NewReader(in))
		shared := NewReader(bufio.NewReaderSize(bytes.NewReader(in), 64))
		for {
			fr, err := rd.ReadFrame()
			sf, serr := shared.ReadFrameShared()
			if (err == nil) != (serr == nil) || err != nil && err.Error() != serr.Error() {
				t.Fatalf("ReadFrame error %v, ReadFrameShared error %v", err, serr)
			}
			if err != nil {
				return
			}
			if !reflect.DeepEqual(fr, sf) || !reflect.DeepEqual(fr, shared.Detach()) {
				t.Fatalf("ReadFrame %+v, ReadFrameShared %+v", fr, sf)
			}
			checkRoundTrip(t, fr, false)
		}
	})
}

// FuzzReadCommand is FuzzReadFrame for the server side.
func FuzzReadCommand(f *testing.F) {
	f.Add([]byte("sendmsg u\ncall-command: execute\nContent-Length: 2\n\nhi"))
	f.Fuzz(func(t *testing.T, in []byte) {
		rd := NewReader(bytes.NewReader(in))
		for {
			fr, err := rd.ReadCommand()
			if err != nil {
				return
			}
			checkRoundTrip(t, fr, true)
		}
	})
}

func checkRoundTrip(t *testing.T, in *Frame, command bool) {
	var buf bytes.Buffer
	if err := NewWriter(&buf).WriteFrame(in); err != nil {
		return // e.g. a value ending in "\r": not writable, fine
	}
	rd := NewReader(&buf)
	read := rd.ReadFrame
	if command {
		read = rd.ReadCommand
	}
	out, err := read()
	if err != nil {
		t.Fatalf("re-read %q: %v", buf.String(), err)
	}
	if out.Line != in.Line || !bytes.Equal(out.Body, in.Body) {
		t.Fatalf("round trip changed frame: %+v -> %+v", in, out)
	}
	strip := func(hs []Header) (o []Header) {
		for _, h := range hs {
			if !strings.EqualFold(h.Name, "Content-Length") {
				o = append(o, h)
			}
		}
		return o
	}
	a, b := strip(in.Headers), strip(out.Headers)
	if len(a) != len(b) {
		t.Fatalf("headers %v -> %v", a, b)
	}
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("header %d: %v -> %v", i, a[i], b[i])
		}
	}
}

// FuzzParsePlain: no panic; an accepted event re-encodes to itself.
func FuzzParsePlain(f *testing.F) {
	f.Add([]byte("Event-Name: API\nX: a%20b\n\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		e, err := ParsePlain(in)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error does not wrap ErrMalformed: %v", err)
			}
			return
		}
		again, err := ParsePlain(e.EncodePlain())
		if err != nil || !maps.Equal(e.Headers(), again.Headers()) || !bytes.Equal(e.Body, again.Body) {
			t.Fatalf("plain round trip: %v\n%v\n%v", err, e, again)
		}
	})
}

// FuzzParseJSON: no panic; an accepted event re-encodes to itself.
func FuzzParseJSON(f *testing.F) {
	f.Add([]byte(`{"Event-Name":"API","a":["x","y"],"_body":"b"}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		e, err := ParseJSON(in)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error does not wrap ErrMalformed: %v", err)
			}
			return
		}
		again, err := ParseJSON(e.EncodeJSON())
		if err != nil || !maps.Equal(e.Headers(), again.Headers()) || !bytes.Equal(e.Body, again.Body) {
			t.Fatalf("json round trip: %v\n%v\n%v", err, e, again)
		}
	})
}

// FuzzUnescape: Unescape inverts Escape for every input.
func FuzzUnescape(f *testing.F) {
	f.Add("2026-11-26%2018%3A56%3A31")
	f.Fuzz(func(t *testing.T, s string) {
		_ = Unescape(s)
		if got := Unescape(Escape(s)); got != s {
			t.Fatalf("Unescape(Escape(%q)) = %q", s, got)
		}
	})
}

// TestWriteCorpus writes seed corpora from the real captures when run with
// -update-corpus: a few frames and event bodies of every kind.
func TestWriteCorpus(t *testing.T) {
	if !*updateCorpus {
		t.Skip("run with -update-corpus to rewrite testdata/fuzz")
	}
	names, _ := capture.ESLFiles()
	seen := map[string]bool{}
	for _, name := range names {
		c := load(t, name)
		for _, conn := range c.Conns() {
			writeSeed(t, "FuzzReadCommand", name+conn, c.Stream(conn, "send"))
			rd := NewReader(strings.NewReader(c.Stream(conn, "recv")))
			var raw bytes.Buffer
			for {
				fr, err := rd.ReadFrame()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				key := fr.ContentType() + firstLine(fr)
				if seen[key] {
					continue
				}
				seen[key] = true
				raw.Reset()
				NewWriter(&raw).WriteFrame(fr)
				writeSeed(t, "FuzzReadFrame", key, raw.String())
				switch fr.ContentType() {
				case TypeEventJSON:
					writeSeed(t, "FuzzParseJSON", key, string(fr.Body))
				case TypeEventPlain:
					writeSeed(t, "FuzzParsePlain", key, string(fr.Body))
				}
			}
		}
	}
}

func writeSeed(t *testing.T, fuzz, key, data string) {
	if data == "" {
		return
	}
	dir := filepath.Join("testdata", "fuzz", fuzz)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	name := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' {
			return r
		}
		return '_'
	}, key)
	if len(name) > 60 {
		name = name[:60]
	}
	body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", data)
	if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}
