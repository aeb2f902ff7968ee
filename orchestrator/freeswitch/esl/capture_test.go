package esl

import (
	"errors"
	"io"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/internal/capture"
)

// readAll reads every frame of a recv stream and insists on a clean EOF.
func readAll(t *testing.T, r io.Reader) []*Frame {
	t.Helper()
	rd := NewReader(r)
	var out []*Frame
	for {
		f, err := rd.ReadFrame()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("frame %d: %v", len(out), err)
		}
		out = append(out, f)
	}
}

func load(t *testing.T, name string) *capture.File {
	t.Helper()
	f, err := capture.Load(name)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// TestCapturesParse replays every connection of every capture, chunk by chunk
// and byte by byte, and checks both give the same frames, every event body
// parses, and no bytes are left over.
func TestCapturesParse(t *testing.T) {
	names, err := capture.ESLFiles()
	if err != nil || len(names) < 10 {
		t.Fatalf("captures: %v (%d files)", err, len(names))
	}
	for _, name := range names {
		f := load(t, name)
		for _, conn := range f.Conns() {
			t.Run(name+"/"+conn, func(t *testing.T) {
				chunks := f.Chunks(conn, "recv")
				frames := readAll(t, capture.ChunkReader(chunks))
				bytewise := readAll(t, iotest.OneByteReader(strings.NewReader(f.Stream(conn, "recv"))))
				if len(frames) != len(bytewise) || len(frames) == 0 {
					t.Fatalf("chunked %d frames, bytewise %d", len(frames), len(bytewise))
				}
				for i, fr := range frames {
					if fr.ContentType() == "" && fr.Get("Event-Name") != "CHANNEL_DATA" {
						t.Errorf("frame %d has no Content-Type: %+v", i, fr.Headers)
					}
					if fr.ContentType() == TypeEventJSON || fr.ContentType() == TypeEventPlain {
						if _, err := ParseEvent(fr); err != nil {
							t.Errorf("frame %d: %v", i, err)
						}
					}
					if string(fr.Body) != string(bytewise[i].Body) {
						t.Errorf("frame %d differs between chunked and bytewise reads", i)
					}
				}
				shared := NewReader(capture.ChunkReader(chunks))
				for i, want := range frames {
					got, err := shared.ReadFrameShared()
					if err != nil || !reflect.DeepEqual(got, want) {
						t.Fatalf("frame %d: ReadFrameShared %+v %v, ReadFrame %+v", i, got, err, want)
					}
				}
				if _, err := shared.ReadFrameShared(); err != io.EOF {
					t.Errorf("ReadFrameShared after the last frame: %v", err)
				}
				sends := readCommands(t, f.Stream(conn, "send"))
				if len(sends) == 0 && conn != "esl" && conn != "out" {
					t.Logf("no commands on %s", conn)
				}
			})
		}
	}
}

func readCommands(t *testing.T, s string) []*Frame {
	t.Helper()
	rd := NewReader(strings.NewReader(s))
	var out []*Frame
	for {
		f, err := rd.ReadCommand()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("command %d: %v", len(out), err)
		}
		out = append(out, f)
	}
}

func events(t *testing.T, frames []*Frame) []*Event {
	t.Helper()
	var out []*Event
	for _, f := range frames {
		if ct := f.ContentType(); ct == TypeEventJSON || ct == TypeEventPlain {
			e, err := ParseEvent(f)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, e)
		}
	}
	return out
}

// eventLabel names an event as the README lists it.
func eventLabel(e *Event) string {
	if e.Name() == "CHANNEL_STATE" {
		return "CHANNEL_STATE(" + e.Get("Channel-State") + ")"
	}
	return e.Name()
}

func TestCaptureInboundBasics(t *testing.T) {
	frames := readAll(t, strings.NewReader(load(t, "01-inbound-basics.jsonl").Stream("esl", "recv")))
	var got []string
	for _, f := range frames {
		got = append(got, f.ContentType()+" "+firstLine(f))
	}
	want := []string{
		"auth/request ",
		"command/reply +OK accepted",
		"api/response FreeSWITCH Version 1.10.12-release~64bit ( 64bit)",
		"api/response UP 0 years, 0 days, 0 hours, 0 minutes, 20 seconds, 45 milliseconds, 949 microseconds",
		"api/response                      Name\t   Type\t                                      Data\tState",
		`api/response {"row_count": 0}`,
		`api/response {"row_count": 0}`,
		"api/response -ERR this_is_not_a_command Command not found!",
		"command/reply +OK event listener enabled json",
		"command/reply +OK Job-UUID: aaafed54-0fd6-435b-8617-63fc88207aa0",
		"text/event-json BACKGROUND_JOB",
		"command/reply +OK event listener enabled json",
		"text/event-json HEARTBEAT",
		"command/reply +OK no longer listening for events",
		"command/reply +OK bye",
		"text/disconnect-notice Disconnected, goodbye.",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("frames:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if frames[7].OK() || !frames[6].OK() {
		t.Error("OK() misjudges -ERR / +OK api responses")
	}
	job := frames[9].Get("Job-UUID")
	ev, err := ParseEvent(frames[10])
	if err != nil {
		t.Fatal(err)
	}
	if ev.Get("Job-UUID") != job || !strings.HasPrefix(string(ev.Body), "UP 0 years") {
		t.Errorf("BACKGROUND_JOB Job-UUID %q body %q, want job %q and status output", ev.Get("Job-UUID"), ev.Body, job)
	}
}

// firstLine is what the reply or event says, for table comparisons.
func firstLine(f *Frame) string {
	switch f.ContentType() {
	case TypeCommandReply:
		return f.ReplyText()
	case TypeEventJSON, TypeEventPlain:
		e, err := ParseEvent(f)
		if err != nil {
			return "!" + err.Error()
		}
		return e.Name()
	}
	line, _, _ := strings.Cut(string(f.Body), "\n")
	return line
}

func TestCaptureAuthFailure(t *testing.T) {
	frames := readAll(t, strings.NewReader(load(t, "02-inbound-auth-failure.jsonl").Stream("esl", "recv")))
	if len(frames) != 3 || frames[1].ReplyText() != "-ERR invalid" || frames[1].OK() ||
		frames[2].ContentType() != TypeDisconnectNotice {
		t.Fatalf("got %d frames: %+v", len(frames), frames)
	}
}

func TestCaptureCallEventsPlainAndJSON(t *testing.T) {
	want := []string{"CHANNEL_STATE(CS_NEW)", "CHANNEL_STATE(CS_INIT)", "CHANNEL_CREATE",
		"CHANNEL_CALLSTATE", "CHANNEL_STATE(CS_ROUTING)", "CHANNEL_STATE(CS_EXECUTE)",
		"CHANNEL_EXECUTE", "CHANNEL_EXECUTE_COMPLETE", "API", "CHANNEL_EXECUTE", "CHANNEL_EXECUTE_COMPLETE",
		"CHANNEL_EXECUTE", "CODEC", "CODEC", "CHANNEL_PROGRESS_MEDIA", "CHANNEL_CALLSTATE",
		"CHANNEL_ANSWER", "CHANNEL_CALLSTATE", "CHANNEL_EXECUTE_COMPLETE", "CHANNEL_EXECUTE",
		"PLAYBACK_START", "PLAYBACK_STOP", "CHANNEL_EXECUTE_COMPLETE", "CHANNEL_EXECUTE",
		"CHANNEL_HANGUP", "CHANNEL_EXECUTE_COMPLETE", "CHANNEL_STATE(CS_HANGUP)", "CHANNEL_CALLSTATE",
		"CHANNEL_STATE(CS_REPORTING)", "CHANNEL_HANGUP_COMPLETE", "CHANNEL_DESTROY", "CHANNEL_STATE(CS_DESTROY)"}
	for _, name := range []string{"03-inbound-events-call-json.jsonl", "03-inbound-events-call-plain.jsonl"} {
		evs := events(t, readAll(t, strings.NewReader(load(t, name).Stream("esl", "recv"))))
		var got []string
		var last uint64
		for _, e := range evs {
			if e.Name() == "HEARTBEAT" || e.Name() == "RE_SCHEDULE" {
				continue
			}
			got = append(got, eventLabel(e))
			if e.Seq() <= last {
				t.Errorf("%s: Event-Sequence %d after %d", name, e.Seq(), last)
			}
			last = e.Seq()
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: events\n%v\nwant\n%v", name, got, want)
		}
		if d := evs[0].Get("Event-Date-Local"); !strings.Contains(d, " ") || strings.Contains(d, "%") {
			t.Errorf("%s: Event-Date-Local %q not decoded", name, d)
		}
	}
}

func TestCaptureOutboundIVR(t *testing.T) {
	f := load(t, "04-outbound-ivr.jsonl")
	frames := readAll(t, capture.ChunkReader(f.Chunks("out", "recv")))
	connect := frames[0].Decoded()
	if connect.ContentType() != TypeCommandReply || connect.ReplyText() != "+OK\n" ||
		connect.Get("Socket-Mode") != "async" || connect.Get("Control") != "full" ||
		connect.Get("Channel-Destination-Number") != "9100" ||
		connect.Get("Channel-Name") != "sofia/external/sipp@127.0.0.1:5070" || len(frames[0].Body) != 0 {
		t.Fatalf("connect reply misparsed: %q %q %q", connect.ReplyText(), connect.Get("Socket-Mode"), connect.Get("Channel-Name"))
	}
	cmds := readCommands(t, f.Stream("out", "send"))
	appUUIDs := map[string]string{}
	for _, c := range cmds {
		if strings.HasPrefix(c.Line, "sendmsg") && c.Get("call-command") == "execute" {
			appUUIDs[c.Get("Event-UUID")] = c.Get("execute-app-name")
		}
	}
	if len(appUUIDs) < 4 {
		t.Fatalf("sendmsg execute commands: %v", appUUIDs)
	}
	var digits []string
	completed := map[string]bool{}
	for _, e := range events(t, frames) {
		switch e.Name() {
		case "DTMF":
			digits = append(digits, e.Get("DTMF-Digit"))
		case "CHANNEL_EXECUTE_COMPLETE":
			if app, ok := appUUIDs[e.Get("Application-UUID")]; ok {
				if app != e.Get("Application") {
					t.Errorf("Application-UUID of %s came back on %s", app, e.Get("Application"))
				}
				completed[app] = true
				if app == "play_and_get_digits" && e.Get("variable_digits") != "12" {
					t.Errorf("variable_digits = %q", e.Get("variable_digits"))
				}
			}
		case "CHANNEL_DESTROY":
			t.Error("outbound socket saw CHANNEL_DESTROY")
		}
	}
	if !slices.Equal(digits, []string{"1", "2", "#"}) || !completed["play_and_get_digits"] || !completed["playback"] {
		t.Errorf("digits %v, completed %v", digits, completed)
	}
	n := len(frames)
	if frames[n-3].Get("Content-Disposition") != "linger" || frames[n-1].Get("Content-Disposition") != "disconnect" ||
		frames[n-2].ReplyText() != "+OK bye" || len(frames[n-1].Body) != 67 {
		t.Errorf("end of stream: %v / %v / %v", frames[n-3].Headers, frames[n-2].Headers, frames[n-1].Headers)
	}
}
