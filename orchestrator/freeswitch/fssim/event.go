package fssim

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"time"
)

// event is one FreeSWITCH event: ordered headers (names may repeat, as
// Hangup-Cause does in CHANNEL_HANGUP_COMPLETE) and an optional body.
type event struct {
	name     string // Event-Name
	subclass string // Event-Subclass for CUSTOM
	uuid     string // Unique-ID of the channel it is about, "" for none
	hdrs     []header
	body     string

	plainOnce, jsonOnce sync.Once
	plain, json         []byte
}

// add appends a header; FreeSWITCH never sends a header with an empty
// value (no capture has one), so neither does fssim.
func (e *event) add(name, value string) {
	if value != "" {
		e.hdrs = append(e.hdrs, header{name, value})
	}
}

func (e *event) addAll(hs []header) {
	for _, h := range hs {
		e.add(h.name, h.value)
	}
}

// get returns the first header named name.
func (e *event) get(name string) string {
	for _, h := range e.hdrs {
		if h.name == name {
			return h.value
		}
	}
	return ""
}

// encode renders the event in a subscriber's format, once per format and
// only when someone wants it; subscribers share the bytes.
func (e *event) encode(format string) []byte {
	if format == "json" {
		e.jsonOnce.Do(func() { e.json = e.encodeJSON() })
		return e.json
	}
	e.plainOnce.Do(func() { e.plain = e.encodePlain() })
	return e.plain
}

// size is about how long the encoded event is, to allocate it once.
func (e *event) size() int {
	n := 64 + len(e.body)
	for _, h := range e.hdrs {
		n += len(h.name) + len(h.value) + 8
	}
	return n
}

// encodePlain is the text/event-plain frame: URL-encoded values, and the
// event's own body after its own Content-Length.
func (e *event) encodePlain() []byte {
	var b bytes.Buffer
	b.Grow(e.size() + e.size()/2) // URL-encoding grows some values
	for _, h := range e.hdrs {
		b.WriteString(h.name)
		b.WriteString(": ")
		b.WriteString(urlEncode(h.value))
		b.WriteByte('\n')
	}
	if e.body != "" {
		b.WriteString("Content-Length: " + strconv.Itoa(len(e.body)) + "\n\n")
		b.WriteString(e.body)
	} else {
		b.WriteByte('\n')
	}
	return eventFrame("text/event-plain", b.Bytes())
}

// encodeJSON is the text/event-json frame: one flat object in header order,
// the body as Content-Length + _body, like FreeSWITCH's serializer.
func (e *event) encodeJSON() []byte {
	var b bytes.Buffer
	b.Grow(e.size())
	b.WriteByte('{')
	for i, h := range e.hdrs {
		if i > 0 {
			b.WriteByte(',')
		}
		writeJSONPair(&b, h.name, h.value)
	}
	if e.body != "" {
		b.WriteByte(',')
		writeJSONPair(&b, "Content-Length", strconv.Itoa(len(e.body)))
		b.WriteByte(',')
		writeJSONPair(&b, "_body", e.body)
	}
	b.WriteByte('}')
	return eventFrame("text/event-json", b.Bytes())
}

func writeJSONPair(b *bytes.Buffer, k, v string) {
	writeJSONString(b, k)
	b.WriteByte(':')
	writeJSONString(b, v)
}

// writeJSONString writes s as encoding/json does: as it is between quotes
// when nothing in it needs escaping (the usual header), else json.Marshal's
// rendering.
func writeJSONString(b *bytes.Buffer, s string) {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s)
			b.Write(q)
			return
		}
	}
	b.WriteByte('"')
	b.WriteString(s)
	b.WriteByte('"')
}

// eventFrame wraps an encoded event: Content-Length comes first on events.
func eventFrame(contentType string, body []byte) []byte {
	head := "Content-Length: " + strconv.Itoa(len(body)) + "\nContent-Type: " + contentType + "\n\n"
	out := make([]byte, 0, len(head)+len(body))
	return append(append(out, head...), body...)
}

// urlEncode escapes like switch_url_encode: letters, digits and a few marks
// stay, everything else becomes %XX.
func urlEncode(s string) string {
	const safe = "-_./,~!*'()"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte(safe, c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteString("%" + strings.ToUpper(strconv.FormatInt(int64(c)|0x100, 16)[1:]))
	}
	return b.String()
}

// coreHeaders are the headers every event starts with.
func (n *Node) coreHeaders(e *event, at time.Time, seq uint64, file, fn string, line int) {
	if e.subclass != "" {
		e.add("Event-Subclass", e.subclass)
	}
	e.add("Event-Name", e.name)
	e.add("Core-UUID", n.coreUUID)
	e.add("FreeSWITCH-Hostname", n.cfg.Hostname)
	e.add("FreeSWITCH-Switchname", n.cfg.Hostname)
	e.add("FreeSWITCH-IPv4", "127.0.0.1")
	e.add("FreeSWITCH-IPv6", "::1")
	e.add("Event-Date-Local", at.Format("2006-01-02 15:04:05"))
	e.add("Event-Date-GMT", at.UTC().Format(time.RFC1123))
	e.add("Event-Date-Timestamp", strconv.FormatInt(at.UnixMicro(), 10))
	e.add("Event-Calling-File", file)
	e.add("Event-Calling-Function", fn)
	e.add("Event-Calling-Line-Number", strconv.Itoa(line))
	e.add("Event-Sequence", strconv.FormatUint(seq, 10))
}
