package esl

import (
	"bufio"
	"bytes"
	"encoding/json"
	"sort"
	"strconv"
	"strings"
)

// Event is a FreeSWITCH event: decoded header values and an optional body
// (BACKGROUND_JOB output, for instance). Array headers (variable_originated_legs)
// keep FreeSWITCH's plain form "ARRAY::a|:b" whichever format they came in.
type Event struct {
	Headers map[string]string
	Body    []byte
}

// Get returns a header value, or "".
func (e *Event) Get(name string) string { return e.Headers[name] }

// Name is Event-Name; for CUSTOM events use Subclass.
func (e *Event) Name() string { return e.Headers["Event-Name"] }

// Subclass is Event-Subclass (e.g. "sofia::register").
func (e *Event) Subclass() string { return e.Headers["Event-Subclass"] }

// UUID is the channel the event is about (Unique-ID), or "".
func (e *Event) UUID() string { return e.Headers["Unique-ID"] }

// Seq is Event-Sequence, or 0 when absent or not a number.
func (e *Event) Seq() uint64 {
	n, _ := strconv.ParseUint(e.Headers["Event-Sequence"], 10, 64)
	return n
}

// ParseEvent parses the body of an event frame by its Content-Type.
func ParseEvent(f *Frame) (*Event, error) {
	switch ct := f.ContentType(); ct {
	case TypeEventPlain:
		return ParsePlain(f.Body)
	case TypeEventJSON:
		return ParseJSON(f.Body)
	default:
		return nil, frameErr(ErrMalformed, "content type %q is not an event", truncate(ct))
	}
}

// ParsePlain parses a text/event-plain body: URL-encoded "Name: value" lines,
// a blank line, and a body of Content-Length bytes when that header is present.
func ParsePlain(b []byte) (*Event, error) {
	r := NewReader(bufio.NewReader(bytes.NewReader(b)))
	f, err := r.ReadFrame()
	if err != nil {
		return nil, frameErr(ErrMalformed, "plain event: %v", err)
	}
	e := &Event{Headers: make(map[string]string, len(f.Headers)), Body: f.Body}
	for _, h := range f.Headers {
		if h.Name == "Content-Length" {
			continue
		}
		e.Headers[h.Name] = Unescape(h.Value)
	}
	if e.Headers["Event-Name"] == "" {
		return nil, frameErr(ErrMalformed, "plain event has no Event-Name")
	}
	return e, nil
}

// ParseJSON parses a text/event-json body: one object of string (or string
// array) values; "_body" holds the event body.
func ParseJSON(b []byte) (*Event, error) {
	e := &Event{Headers: make(map[string]string, 160)}
	err := parseFlatJSON(b, func(k, v string, array []string) {
		if array != nil {
			v = "ARRAY::" + strings.Join(array, "|:")
		}
		if k == "_body" {
			e.Body = []byte(v)
			return
		}
		e.Headers[k] = v
	})
	if err != nil {
		return nil, frameErr(ErrMalformed, "json event: %v", err)
	}
	delete(e.Headers, "Content-Length")
	if e.Headers["Event-Name"] == "" {
		return nil, frameErr(ErrMalformed, "json event has no Event-Name")
	}
	return e, nil
}

// sortedNames returns header names with Event-Name first, then sorted, so
// encodings are deterministic.
func (e *Event) sortedNames() []string {
	names := make([]string, 0, len(e.Headers))
	for k := range e.Headers {
		if k != "Event-Name" && k != "Content-Length" {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	if _, ok := e.Headers["Event-Name"]; ok {
		names = append([]string{"Event-Name"}, names...)
	}
	return names
}

// EncodePlain renders e as a text/event-plain body (values URL-encoded).
func (e *Event) EncodePlain() []byte {
	var b bytes.Buffer
	for _, k := range e.sortedNames() {
		b.WriteString(k)
		b.WriteString(": ")
		b.WriteString(Escape(e.Headers[k]))
		b.WriteByte('\n')
	}
	if len(e.Body) > 0 {
		b.WriteString("Content-Length: ")
		b.WriteString(strconv.Itoa(len(e.Body)))
		b.WriteString("\n\n")
		b.Write(e.Body)
		return b.Bytes()
	}
	b.WriteByte('\n')
	return b.Bytes()
}

// EncodeJSON renders e as a text/event-json body. Array headers are written
// as JSON arrays, as FreeSWITCH does.
func (e *Event) EncodeJSON() []byte {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range e.sortedNames() {
		if i > 0 {
			b.WriteByte(',')
		}
		writeJSONString(&b, k)
		b.WriteByte(':')
		v := e.Headers[k]
		if rest, ok := strings.CutPrefix(v, "ARRAY::"); ok {
			b.WriteByte('[')
			for j, p := range strings.Split(rest, "|:") {
				if j > 0 {
					b.WriteByte(',')
				}
				writeJSONString(&b, p)
			}
			b.WriteByte(']')
			continue
		}
		writeJSONString(&b, v)
	}
	if len(e.Body) > 0 {
		b.WriteString(`,"Content-Length":"`)
		b.WriteString(strconv.Itoa(len(e.Body)))
		b.WriteString(`","_body":`)
		writeJSONString(&b, string(e.Body))
	}
	b.WriteByte('}')
	return b.Bytes()
}

func writeJSONString(b *bytes.Buffer, s string) {
	q, _ := json.Marshal(s) // a string always marshals
	b.Write(q)
}

// Frame wraps e in an event frame of the given content type (TypeEventPlain
// or TypeEventJSON), as FreeSWITCH sends it.
func (e *Event) Frame(contentType string) *Frame {
	body := e.EncodeJSON()
	if contentType == TypeEventPlain {
		body = e.EncodePlain()
	}
	return &Frame{Headers: []Header{{"Content-Type", contentType}}, Body: body}
}
