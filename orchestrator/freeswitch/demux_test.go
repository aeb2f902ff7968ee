package freeswitch

import (
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/orchestrator"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/esl"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/internal/capture"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/internal/fakefs"
)

// captureEvents returns the event frames FreeSWITCH sent on conn in a capture.
func captureEvents(t testing.TB, name, conn string) []*esl.Frame {
	t.Helper()
	f, err := capture.Load(name)
	if err != nil {
		t.Fatal(err)
	}
	rd := esl.NewReader(strings.NewReader(f.Stream(conn, "recv")))
	var out []*esl.Frame
	for {
		fr, err := rd.ReadFrame()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		if ct := fr.ContentType(); ct == esl.TypeEventJSON || ct == esl.TypeEventPlain {
			out = append(out, fr)
		}
	}
}

// writeToSubscribers sends frames to every subscribed inbound session.
func (n *fakeNode) writeToSubscribers(frames ...*esl.Frame) {
	n.mu.Lock()
	subs := append([]*fakefs.Session(nil), n.subs...)
	n.mu.Unlock()
	for _, s := range subs {
		s.Write(frames...)
	}
}

// TestCaptureCallControlDemux replays the real events of capture 09 (two
// calls bridged, held, recorded, transferred, killed, plus registrations and
// other channels) through the adapter's node connection and checks what each
// tracked call's stream says.
func TestCaptureCallControlDemux(t *testing.T) {
	h := newHarness(t)
	const u1, u2 = "25dbfb5d-ef1d-4fe4-91c0-d877345963bd", "0bd4392d-b692-4342-ac30-2d3df9ac1ead"
	c1, err := h.a.track(orchestrator.Key{Node: "fs1", ID: u1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	c2, _ := h.a.track(orchestrator.Key{Node: "fs1", ID: u2}, nil)
	h.node.writeToSubscribers(captureEvents(t, "09-inbound-call-control.jsonl", "esl")...)

	var peers []orchestrator.Key
	var got1 []string
	for ev := range c1.q.out {
		got1 = append(got1, ev.Kind.String())
		if !ev.Peer.IsZero() {
			peers = append(peers, ev.Peer)
		}
	}
	want1 := []string{"ringing", "answered", "bridged", "held", "unheld", "record_started", "record_stopped", "unbridged", "hangup", "ended"}
	if !slices.Equal(got1, want1) {
		t.Errorf("U1 events %v\nwant %v", got1, want1)
	}
	if len(peers) != 2 || peers[0].ID != u2 || peers[1].ID != u2 {
		t.Errorf("U1 peers %v", peers)
	}
	want2 := []string{"answered", "play_started", "play_stopped", "play_started", "play_stopped",
		"play_started", "play_stopped", "hangup", "ended"}
	if got2 := kinds(t, c2.q.out); !slices.Equal(got2, want2) {
		t.Errorf("U2 events %v\nwant %v", got2, want2)
	}
	reg := h.nodeEvent(orchestrator.NodeRegistered)
	if reg.User != "1000" || reg.Domain != "127.0.0.1" || !strings.Contains(reg.Contact, "sip:1000@127.0.0.1:5090") {
		t.Errorf("registration %+v", reg)
	}
	if st := h.a.Stats(); st.OutOfOrder != 0 || st.EventsUnrouted == 0 || st.Calls != 0 {
		t.Errorf("stats %+v", st)
	}
}

// TestCaptureRegistrations replays capture 06: register, unregister, expire.
func TestCaptureRegistrations(t *testing.T) {
	h := newHarness(t)
	h.node.writeToSubscribers(captureEvents(t, "06-registrations.jsonl", "reg")...)
	want := []struct {
		kind   orchestrator.NodeEventKind
		reason string
	}{{orchestrator.NodeRegistered, ""}, {orchestrator.NodeUnregistered, "unregister"},
		{orchestrator.NodeRegistered, ""}, {orchestrator.NodeUnregistered, "expire"}}
	for i, w := range want {
		var ev orchestrator.NodeEvent
		for ev.Kind != orchestrator.NodeRegistered && ev.Kind != orchestrator.NodeUnregistered {
			select {
			case ev = <-h.a.NodeEvents():
			case <-time.After(3 * time.Second):
				t.Fatalf("event %d missing", i)
			}
		}
		if ev.Kind != w.kind || ev.Reason != w.reason || ev.User != "1000" || ev.Domain != "127.0.0.1" {
			t.Errorf("event %d: %+v, want kind %d reason %q", i, ev, w.kind, w.reason)
		}
	}
}

// TestSlowConsumerNeverBlocksReader stalls one call's consumer while 20,000
// of its events arrive: the reader keeps reading (another call's events and a
// command reply still flow), the backlog shows in Stats and in a log line,
// and once the consumer reads again every event arrives, in order.
func TestSlowConsumerNeverBlocksReader(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.HighWater = 500 })
	slow, _ := h.a.track(orchestrator.Key{Node: "fs1", ID: "slow"}, nil)
	fast, _ := h.a.track(orchestrator.Key{Node: "fs1", ID: "fast"}, nil)
	const n = 20000
	go func() {
		batch := make([]*esl.Frame, 0, 100)
		for i := 1; i <= n; i++ {
			id := "slow"
			if i%100 == 0 {
				id = "fast"
			}
			batch = append(batch, fakefs.EventFrame("", "Event-Name", "DTMF", "DTMF-Digit", "1",
				"Unique-ID", id, "Event-Sequence", strconv.Itoa(i)))
			if len(batch) == cap(batch) {
				h.node.writeToSubscribers(batch...)
				batch = batch[:0]
			}
		}
	}()
	for i := 0; i < n/100; i++ {
		select {
		case <-fast.q.out:
		case <-time.After(5 * time.Second):
			t.Fatalf("fast call got %d events: the reader is blocked by the slow one", i)
		}
	}
	if _, err := h.a.GetVar(ctxT(t), orchestrator.Key{Node: "fs1", ID: "fast"}, "x"); err != nil && !errors.Is(err, orchestrator.ErrNoSuchCall) {
		t.Fatalf("command while a consumer is stalled: %v", err)
	}
	st := h.a.Stats()
	if st.QueuedEvents < n*99/100-100 || st.SlowConsumerAlarms < 1 || st.PeakQueuedEvents < st.QueuedEvents {
		t.Errorf("backlog not measured: %+v", st)
	}
	if !strings.Contains(h.logs.String(), "slow event consumer") {
		t.Error("no slow-consumer log line")
	}
	var last uint64
	for i := 0; i < n*99/100; i++ {
		ev := <-slow.q.out
		if ev.Seq <= last {
			t.Fatalf("event %d after %d", ev.Seq, last)
		}
		last = ev.Seq
	}
	// The gauge drops just after the last event is handed over: allow the
	// pump a moment to account for it.
	deadline := time.Now().Add(2 * time.Second)
	for h.a.Stats().QueuedEvents != 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if st := h.a.Stats(); st.QueuedEvents != 0 {
		t.Errorf("queue not drained: %+v", st)
	}
}

// TestBridgeFailureCauseFromCaptures reads the failure cause where the real
// bridge completions carry it.
func TestBridgeFailureCauseFromCaptures(t *testing.T) {
	for file, want := range map[string]orchestrator.HangupCause{
		"08-outbound-bridge-noanswer.jsonl":                   orchestrator.CauseNoAnswer,
		"08b-outbound-bridge-noanswer-continue-on-fail.jsonl": orchestrator.CauseNoAnswer,
		"08c-outbound-bridge-unregistered-user.jsonl":         orchestrator.CauseUserNotRegistered,
	} {
		var got orchestrator.HangupCause
		for _, f := range captureEvents(t, file, "out") {
			ev, err := esl.ParseEvent(f)
			if err != nil {
				t.Fatal(err)
			}
			if ev.Name() == "CHANNEL_EXECUTE_COMPLETE" && ev.Get("Application") == "bridge" {
				got = bridgeFailure(ev)
			}
		}
		if got != want {
			t.Errorf("%s: cause %q, want %q", file, got, want)
		}
	}
}
