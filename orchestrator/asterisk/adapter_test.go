package asterisk_test

import (
	"context"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/orchestrator"
	"github.com/switchboard-cc/switchboard/orchestrator/switchtest/asimharness"
)

func waitUp(t *testing.T, h *asimharness.Harness) {
	t.Helper()
	for {
		select {
		case e := <-h.A.NodeEvents():
			if e.Kind == orchestrator.NodeUp {
				return
			}
		case <-time.After(5 * time.Second):
			t.Fatal("node not up")
		}
	}
}

// TestOverlappingSubscriptionsDeliverOnce: the adapter subscribes to the
// PJSIP endpoints (registrations) and so gets Dial, ChannelStateChange,
// ChannelHangupRequest and ChannelDestroyed of a leg on a registered
// endpoint twice (capture 08, played by asim); the leg's stream has each
// event once.
func TestOverlappingSubscriptionsDeliverOnce(t *testing.T) {
	h := asimharness.Start(t, 1)
	waitUp(t, h)
	ep, err := h.RegisterPhone(context.Background(), "2003", asimPhone(50*time.Millisecond, 50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, events, err := h.A.Originate(ctx, orchestrator.OriginateSpec{ID: orchestrator.NewCallID(), Node: asimharness.Node, To: ep, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	count := map[orchestrator.EventKind]int{}
	for e := range events {
		count[e.Kind]++
	}
	for _, k := range []orchestrator.EventKind{orchestrator.EventRinging, orchestrator.EventAnswered, orchestrator.EventHangup, orchestrator.EventEnded} {
		if count[k] != 1 {
			t.Errorf("%v %d times on the leg's stream, want once (all: %v)", k, count[k], count)
		}
	}
}
