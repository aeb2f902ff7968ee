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

// TestBridgeLegEndsWithTheCaller: the leg Bridge dialled is the adapter's
// own (no stream in the port); when the caller hangs up, the pair bridge
// goes and the leg is hung up, not left in Stasis with no one to end it.
func TestBridgeLegEndsWithTheCaller(t *testing.T) {
	h := asimharness.Start(t, 1)
	waitUp(t, h)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	calls := make(chan orchestrator.InboundCall, 1)
	served := make(chan struct{})
	sctx, stop := context.WithCancel(ctx)
	go func() {
		defer close(served)
		h.A.ServeCalls(sctx, func(_ context.Context, c orchestrator.InboundCall) { calls <- c })
	}()
	defer func() { stop(); <-served }()
	ep, _ := h.RegisterPhone(ctx, "2001", asimPhone(20*time.Millisecond, 0))
	caller, err := h.Call(ctx, callerSpec())
	if err != nil {
		t.Fatal(err)
	}
	c := <-calls
	if err := h.A.Answer(ctx, c.Key); err != nil {
		t.Fatal(err)
	}
	res, err := h.A.Bridge(ctx, c.Key, ep, 2*time.Second)
	if err != nil || !res.Answered {
		t.Fatalf("Bridge = %+v, %v", res, err)
	}
	caller.Hangup()
	for {
		if len(h.Sim.Channels()) == 0 {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("channels left after the caller hung up: %v", h.Sim.Channels())
		case <-time.After(5 * time.Millisecond): // polling the simulator's channel list
		}
	}
}
