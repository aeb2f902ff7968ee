package freeswitch

import (
	"testing"

	"github.com/switchboard-cc/switchboard/orchestrator"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/esl"
)

func executeComplete(appID string) *esl.Event {
	return &esl.Event{Headers: map[string]string{"Event-Name": "CHANNEL_EXECUTE_COMPLETE",
		"Application": "playback", "Application-UUID": appID}}
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
		t.Fatalf("woken by another app's completion %v", ev.Headers)
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
