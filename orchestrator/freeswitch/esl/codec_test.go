package esl

import (
	"bytes"
	"errors"
	"io"
	"strings"
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
		{"X: " + strings.Repeat("a", MaxHeaderBytes) + "\n\n", ErrTooLarge, "header block"},
	}
	for _, tt := range tests {
		_, err := NewReader(strings.NewReader(tt.in)).ReadFrame()
		if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.says) {
			t.Errorf("%.40q: got %v, want %v saying %q", tt.in, err, tt.want, tt.says)
		}
	}
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
	e := &Event{Headers: map[string]string{
		"Event-Name": "BACKGROUND_JOB", "Job-UUID": "j1", "Event-Sequence": "42",
		"Date": "2026-11-26 18:56:31", "variable_originated_legs": "ARRAY::a;b|:c",
	}, Body: []byte("+OK done\nline two\n")}
	for _, ct := range []string{TypeEventPlain, TypeEventJSON} {
		got, err := ParseEvent(e.Frame(ct))
		if err != nil {
			t.Fatalf("%s: %v", ct, err)
		}
		if len(got.Headers) != len(e.Headers) || string(got.Body) != string(e.Body) || got.Seq() != 42 {
			t.Errorf("%s: got %v body %q", ct, got.Headers, got.Body)
		}
		for k, v := range e.Headers {
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
