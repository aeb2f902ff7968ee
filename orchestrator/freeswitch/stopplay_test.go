package freeswitch

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/orchestrator"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/esl"
)

func executeComplete(appID string) *esl.Event {
	return esl.NewEvent(nil, "Event-Name", "CHANNEL_EXECUTE_COMPLETE",
		"Application", "playback", "Application-UUID", appID)
}

// TestStopPlayJudgesPlayingByDispatchedCompletions: a Play whose completion
// was dispatched no longer counts as playing, even before the Play's own
// goroutine resumes, so StopPlay does not wait for a completion that already
// passed; a Play still in progress is waited for, and its completion wakes
// the waiter.
func TestStopPlayJudgesPlayingByDispatchedCompletions(t *testing.T) {
	h := newHarness(t)
	c, err := h.a.track(orchestrator.Key{Node: "fs1", ID: "stop-play-test"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	c.mu.Lock()
	c.plays = append(c.plays, "p1", "p2")
	c.mu.Unlock()

	h.a.dispatch(c, executeComplete("p1"), false)
	w, err := c.awaitPlaysDone()
	if err != nil || w == nil {
		t.Fatalf("p2 still plays: want a waiter, got %v, %v", w, err)
	}
	h.a.dispatch(c, executeComplete("other-app"), false)
	select {
	case ev := <-w.ch:
		t.Fatalf("woken by another app's completion %v", ev.Headers())
	default:
	}
	h.a.dispatch(c, executeComplete("p2"), false)
	select {
	case <-w.ch:
	default:
		t.Fatal("p2's completion did not wake StopPlay's waiter")
	}
	if c.playing() {
		t.Fatal("both completions dispatched, still playing")
	}
	if w, err := c.awaitPlaysDone(); w != nil || err != nil {
		t.Fatalf("nothing plays: want no waiter, got %v, %v", w, err)
	}
}

// TestLoopPlaysAgainUntilStopPlay: a Loop is replayed by the controller
// (FreeSWITCH's endless_playback ignores uuid_break), each round a plain
// playback; StopPlay ends it (Play returns, so no round starts after).
func TestLoopPlaysAgainUntilStopPlay(t *testing.T) {
	h := newHarness(t)
	ctx := ctxT(t)
	to := orchestrator.Endpoint{Kind: orchestrator.EndpointUser, User: "1000", Domain: "127.0.0.1"}
	k, _, err := h.a.Originate(ctx, orchestrator.OriginateSpec{ID: orchestrator.NewCallID(), Node: "fs1", To: to})
	if err != nil {
		t.Fatal(err)
	}
	rounds := func() int { // a short file: each round completes at once
		n := 0
		for _, l := range h.node.log() {
			if strings.Contains(l, "moh.wav") {
				n++
			}
		}
		return n
	}
	played := make(chan error, 1)
	go func() { played <- h.a.Play(ctx, k, orchestrator.Playback{Files: []string{"moh.wav"}, Loop: true}) }()
	waitFor(t, func() bool { return rounds() >= 3 })
	if slices.ContainsFunc(h.node.log(), has("endless_playback")) {
		t.Fatal("Loop used endless_playback, which uuid_break cannot stop")
	}
	if err := h.a.StopPlay(ctx, k); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-played:
		if err != nil {
			t.Fatalf("stopped Loop returned %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Loop still playing after StopPlay")
	}
}
