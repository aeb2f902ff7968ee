package esl

import "strings"

// Content types FreeSWITCH puts on the frames it sends.
const (
	TypeAuthRequest      = "auth/request"
	TypeCommandReply     = "command/reply"
	TypeAPIResponse      = "api/response"
	TypeEventPlain       = "text/event-plain"
	TypeEventJSON        = "text/event-json"
	TypeEventXML         = "text/event-xml"
	TypeDisconnectNotice = "text/disconnect-notice"
	TypeRUDE             = "text/rude-rejection"
	TypeLogData          = "log/data"
)

// Header is one "Name: Value" line of a frame. Values are kept as they were on
// the wire; see Unescape for the headers FreeSWITCH URL-encodes.
type Header struct {
	Name, Value string
}

// Frame is one ESL message. Line is the command line of a frame sent to
// FreeSWITCH ("api status", "sendmsg <uuid>"); frames sent by FreeSWITCH have
// no Line. Headers keep their wire order because the outbound connect reply
// carries channel data ahead of its Content-Type.
type Frame struct {
	Line    string
	Headers []Header
	Body    []byte
}

// Get returns the value of the first header called name (compared without
// regard to case, as FreeSWITCH does), or "".
func (f *Frame) Get(name string) string {
	v, _ := f.Lookup(name)
	return v
}

// Lookup is Get that also reports whether the header exists.
func (f *Frame) Lookup(name string) (string, bool) {
	for _, h := range f.Headers {
		if h.Name == name {
			return h.Value, true
		}
	}
	for _, h := range f.Headers {
		if strings.EqualFold(h.Name, name) {
			return h.Value, true
		}
	}
	return "", false
}

// Add appends a header.
func (f *Frame) Add(name, value string) { f.Headers = append(f.Headers, Header{name, value}) }

// Set replaces the first header called name or appends it.
func (f *Frame) Set(name, value string) {
	for i, h := range f.Headers {
		if strings.EqualFold(h.Name, name) {
			f.Headers[i].Value = value
			return
		}
	}
	f.Add(name, value)
}

// ContentType returns the Content-Type header.
func (f *Frame) ContentType() string { return f.Get("Content-Type") }

// ReplyText returns Reply-Text for command/reply frames and the trimmed body
// for api/response frames: the text that starts with +OK or -ERR.
func (f *Frame) ReplyText() string {
	if f.ContentType() == TypeAPIResponse {
		return strings.TrimRight(string(f.Body), "\n")
	}
	return Unescape(f.Get("Reply-Text"))
}

// OK reports whether the reply text does not start with -ERR or -USAGE.
func (f *Frame) OK() bool {
	t := f.ReplyText()
	return !strings.HasPrefix(t, "-ERR") && !strings.HasPrefix(t, "-USAGE")
}

// Decoded returns a copy of f whose header values are URL-decoded, for frames
// FreeSWITCH encodes (the outbound connect reply and plain events).
func (f *Frame) Decoded() *Frame {
	c := &Frame{Line: f.Line, Body: f.Body, Headers: make([]Header, len(f.Headers))}
	for i, h := range f.Headers {
		c.Headers[i] = Header{h.Name, Unescape(h.Value)}
	}
	return c
}
