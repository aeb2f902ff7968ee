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
//
// Headers are kept in wire order in a slice, not a map: the connection's
// intake (Decoder) keeps a handful of a CHANNEL_* event's ~150 headers, which a
// linear search finds faster than a map could be built. A name that occurs
// twice reads as its last value, as it would from a map.
type Event struct {
	headers []Header
	Body    []byte
	// kept is the set a Decoder kept, nil when every header was decoded.
	kept *HeaderSet
	// name is Event-Name, which the adapter asks for about eight times an
	// event: set where headers are built and by Set.
	name string
}

// withHeaders is an Event allocated together with room for its headers
// (newEvent).
type withHeaders[H any] struct {
	Event
	room H
}

// newEvent returns an event with room for n headers, allocated with it
// when n is at most 8: a CHANNEL_* event keeps 5 to 8 of the adapter's set
// (94% of the captures' events), so a decoded event is one allocation and
// its header values a second, where a separate slice made it three. Sized
// per count, it takes no more memory than the event and slice did.
func newEvent(n int) *Event {
	var e *Event
	switch n {
	case 0:
		return &Event{}
	case 1:
		x := &withHeaders[[1]Header]{}
		x.headers, e = x.room[:0], &x.Event
	case 2:
		x := &withHeaders[[2]Header]{}
		x.headers, e = x.room[:0], &x.Event
	case 3:
		x := &withHeaders[[3]Header]{}
		x.headers, e = x.room[:0], &x.Event
	case 4:
		x := &withHeaders[[4]Header]{}
		x.headers, e = x.room[:0], &x.Event
	case 5:
		x := &withHeaders[[5]Header]{}
		x.headers, e = x.room[:0], &x.Event
	case 6:
		x := &withHeaders[[6]Header]{}
		x.headers, e = x.room[:0], &x.Event
	case 7:
		x := &withHeaders[[7]Header]{}
		x.headers, e = x.room[:0], &x.Event
	case 8:
		x := &withHeaders[[8]Header]{}
		x.headers, e = x.room[:0], &x.Event
	default:
		e = &Event{headers: make([]Header, 0, n)}
	}
	return e
}

// NewEvent builds an event from name, value pairs (simulators, tests). An
// odd trailing name is ignored.
func NewEvent(body []byte, kv ...string) *Event {
	e := &Event{Body: body, headers: make([]Header, 0, len(kv)/2)}
	for i := 0; i+1 < len(kv); i += 2 {
		e.Set(kv[i], kv[i+1])
	}
	return e
}

// Get returns a header value, or "".
func (e *Event) Get(name string) string {
	v, _ := e.Lookup(name)
	return v
}

// Lookup is Get that also reports whether the header exists. Asking a
// decoded event for a header its Decoder did not keep is a bug in the
// caller's HeaderSet; it reads as absent and is recorded (HeaderSet.Missed).
func (e *Event) Lookup(name string) (string, bool) {
	for i := len(e.headers) - 1; i >= 0; i-- {
		if e.headers[i].Name == name {
			return e.headers[i].Value, true
		}
	}
	if e.kept != nil {
		e.kept.check(name)
	}
	return "", false
}

// Set replaces the value of name or appends it.
func (e *Event) Set(name, value string) {
	if name == "Event-Name" {
		e.name = value
	}
	for i := len(e.headers) - 1; i >= 0; i-- {
		if e.headers[i].Name == name {
			e.headers[i].Value = value
			return
		}
	}
	e.headers = append(e.headers, Header{name, value})
}

// Headers returns the event's headers as a map (a copy).
func (e *Event) Headers() map[string]string {
	m := make(map[string]string, len(e.headers))
	for _, h := range e.headers {
		m[h.Name] = h.Value
	}
	return m
}

// Name is Event-Name; for CUSTOM events use Subclass.
func (e *Event) Name() string { return e.name }

// Subclass is Event-Subclass (e.g. "sofia::register").
func (e *Event) Subclass() string { return e.Get("Event-Subclass") }

// UUID is the channel the event is about (Unique-ID), or "".
func (e *Event) UUID() string { return e.Get("Unique-ID") }

// Seq is Event-Sequence, or 0 when absent or not a number.
func (e *Event) Seq() uint64 {
	n, _ := strconv.ParseUint(e.Get("Event-Sequence"), 10, 64)
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
	e := &Event{headers: make([]Header, 0, len(f.Headers)), Body: f.Body}
	for _, h := range f.Headers {
		if h.Name == "Content-Length" {
			continue
		}
		e.headers = append(e.headers, Header{h.Name, Unescape(h.Value)})
	}
	e.name = e.Get("Event-Name")
	if e.Name() == "" {
		return nil, frameErr(ErrMalformed, "plain event has no Event-Name")
	}
	return e, nil
}

// ParseJSON parses a text/event-json body: one object of string (or string
// array) values; "_body" holds the event body.
func ParseJSON(b []byte) (*Event, error) {
	e := &Event{headers: make([]Header, 0, 160)}
	err := parseFlatJSON(b, func(k, v string, array []string) {
		if array != nil {
			v = "ARRAY::" + strings.Join(array, "|:")
		}
		switch k {
		case "_body":
			e.Body = []byte(v)
		case "Content-Length":
		default:
			e.headers = append(e.headers, Header{k, v})
		}
	})
	if err != nil {
		return nil, frameErr(ErrMalformed, "json event: %v", err)
	}
	e.name = e.Get("Event-Name")
	if e.Name() == "" {
		return nil, frameErr(ErrMalformed, "json event has no Event-Name")
	}
	return e, nil
}

// sortedNames returns header names with Event-Name first, then sorted, so
// encodings are deterministic.
func (e *Event) sortedNames() (map[string]string, []string) {
	m := e.Headers()
	names := make([]string, 0, len(m))
	for k := range m {
		if k != "Event-Name" && k != "Content-Length" {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	if _, ok := m["Event-Name"]; ok {
		names = append([]string{"Event-Name"}, names...)
	}
	return m, names
}

// EncodePlain renders e as a text/event-plain body (values URL-encoded).
func (e *Event) EncodePlain() []byte {
	var b bytes.Buffer
	m, names := e.sortedNames()
	for _, k := range names {
		b.WriteString(k)
		b.WriteString(": ")
		b.WriteString(Escape(m[k]))
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
	m, names := e.sortedNames()
	for i, k := range names {
		if i > 0 {
			b.WriteByte(',')
		}
		writeJSONString(&b, k)
		b.WriteByte(':')
		v := m[k]
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
