package esl

import (
	"bytes"
	"testing"
)

// BenchmarkParseJSONEvent parses the real CHANNEL_ANSWER event of capture 03.
func BenchmarkParseJSONEvent(b *testing.B) {
	body := captureEventBody(b, "CHANNEL_ANSWER")
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseJSON(body); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeJSONEvent decodes the same event keeping the 26 headers
// the adapter reads (orchestrator/freeswitch eventHeaders at the time of
// writing).
func BenchmarkDecodeJSONEvent(b *testing.B) {
	f := jsonFrame(captureEventBody(b, "CHANNEL_ANSWER"))
	d := NewDecoder(NewHeaderSet("Event-Subclass", "Unique-ID", "Event-Sequence", "Job-UUID",
		"Application-UUID", "Application-Response", "Answer-State", "Channel-State", "Hangup-Cause",
		"variable_proto_specific_hangup_cause", "variable_DIALSTATUS", "DTMF-Digit",
		"Playback-File-Path", "Record-File-Path", "Other-Leg-Unique-ID", "Bridge-A-Unique-ID",
		"Bridge-B-Unique-ID", "Action", "Conference-Name", "username", "realm", "contact",
		"Gateway", "State"))
	b.SetBytes(int64(len(f.Body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := d.Event(f); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReadFrame reads event frames from memory.
func BenchmarkReadFrame(b *testing.B) { benchReadFrame(b, (*Reader).ReadFrame) }

// BenchmarkReadFrameShared reads them into the reader's own buffers.
func BenchmarkReadFrameShared(b *testing.B) { benchReadFrame(b, (*Reader).ReadFrameShared) }

func benchReadFrame(b *testing.B, read func(*Reader) (*Frame, error)) {
	var buf bytes.Buffer
	frame := &Frame{Headers: []Header{{"Content-Type", TypeEventJSON}}, Body: captureEventBody(b, "CHANNEL_ANSWER")}
	for range 1000 {
		NewWriter(&buf).WriteFrame(frame)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data) / 1000))
	b.ReportAllocs()
	var rd *Reader
	for i := 0; b.Loop(); i++ {
		if i%1000 == 0 {
			rd = NewReader(bytes.NewReader(data))
		}
		if _, err := read(rd); err != nil {
			b.Fatal(err)
		}
	}
}

func captureEventBody(b *testing.B, name string) []byte {
	f := load(&testing.T{}, "03-inbound-events-call-json.jsonl")
	frames := readAll(&testing.T{}, bytes.NewReader([]byte(f.Stream("esl", "recv"))))
	for _, fr := range frames {
		if e, err := ParseEvent(fr); err == nil && e.Name() == name {
			return fr.Body
		}
	}
	b.Fatal("no " + name)
	return nil
}
