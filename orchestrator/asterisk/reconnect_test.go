package asterisk_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/switchboard-cc/switchboard/orchestrator"
	"github.com/switchboard-cc/switchboard/orchestrator/asterisk/asim"
	"github.com/switchboard-cc/switchboard/orchestrator/switchtest/asimharness"
)

func nodeEvent(t *testing.T, h *asimharness.Harness, kind orchestrator.NodeEventKind) orchestrator.NodeEvent {
	t.Helper()
	for {
		select {
		case e := <-h.A.NodeEvents():
			if e.Kind == kind {
				return e
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("no node event %d", kind)
		}
	}
}

// TestReconnectResynchronises: the WebSocket is lost while two callers are
// in Stasis and one of them hangs up meanwhile (nothing is replayed,
// capture 11). After the reconnect NodeUp lists the call still up, which
// can still be played to; the other call's stream ends.
func TestReconnectResynchronises(t *testing.T) {
	h := asimharness.Start(t, 1)
	nodeEvent(t, h, orchestrator.NodeUp)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	calls := make(chan orchestrator.InboundCall, 2)
	served := make(chan struct{})
	sctx, stop := context.WithCancel(ctx)
	go func() {
		defer close(served)
		h.A.ServeCalls(sctx, func(_ context.Context, c orchestrator.InboundCall) { calls <- c })
	}()
	defer func() { stop(); <-served }()
	stay, _ := h.Sim.PlaceCall(asim.CallerSpec{Number: "5550001", Exten: "9100"})
	leave, _ := h.Sim.PlaceCall(asim.CallerSpec{Number: "5550002", Exten: "9100"})
	a, b := <-calls, <-calls
	if a.From != "5550001" {
		a, b = b, a
	}
	h.Sim.Drop()
	nodeEvent(t, h, orchestrator.NodeDown)
	leave.Hangup()
	h.Sim.Restore()
	up := nodeEvent(t, h, orchestrator.NodeUp)
	if len(up.Calls) != 1 || up.Calls[0] != a.Key {
		t.Errorf("NodeUp after the reconnect lists %v, want only %v", up.Calls, a.Key)
	}
	var kinds []orchestrator.EventKind
	deadline := time.After(5 * time.Second)
drain:
	for {
		select {
		case e, ok := <-b.Events:
			if !ok {
				break drain
			}
			kinds = append(kinds, e.Kind)
		case <-deadline:
			break drain
		}
	}
	if len(kinds) == 0 || kinds[len(kinds)-1] != orchestrator.EventEnded {
		t.Errorf("the call that ended while the WebSocket was down: %v, want a stream ending with EventEnded", kinds)
	}
	if err := h.A.Answer(ctx, a.Key); err != nil {
		t.Fatalf("Answer after the reconnect: %v", err)
	}
	if err := h.A.Play(ctx, a.Key, orchestrator.Playback{Files: []string{h.Media(50 * time.Millisecond)}}); err != nil {
		t.Errorf("Play after the reconnect: %v", err)
	}
	stay.Hangup()
}

// TestApplicationReplacedIsNodeDown: another WebSocket for the app takes
// the events (ApplicationReplaced, capture 11): the adapter, deaf from then
// on, reports the node down instead of staying silently "up".
func TestApplicationReplacedIsNodeDown(t *testing.T) {
	h := asimharness.Start(t, 1)
	nodeEvent(t, h, orchestrator.NodeUp)
	ws, _, err := websocket.Dial(context.Background(), "ws://"+h.Sim.Addr()+"/ari/events?app=switchboard&api_key=sb:sbpass", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	if e := nodeEvent(t, h, orchestrator.NodeDown); !strings.Contains(e.Reason, "replaced") {
		t.Errorf("NodeDown reason %q, want it to say the app was replaced", e.Reason)
	}
}
