package freeswitch

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/orchestrator"
)

func TestCollectorTable(t *testing.T) {
	spec := orchestrator.CollectSpec{Min: 2, Max: 4, Terminators: "#", ResetKey: "*"}
	tests := []struct {
		name    string
		keys    string // "T" = timeout
		pattern string
		want    orchestrator.CollectResult
	}{
		{"terminated", "12#", "", orchestrator.CollectResult{Digits: "12", Terminator: "#", Valid: true}},
		{"max reached", "123456", "", orchestrator.CollectResult{Digits: "1234", Valid: true}},
		{"reset clears", "19*42#", "", orchestrator.CollectResult{Digits: "42", Terminator: "#", Valid: true}},
		{"too short", "1#", "", orchestrator.CollectResult{Digits: "1", Terminator: "#"}},
		{"timeout", "12T", "", orchestrator.CollectResult{Digits: "12", TimedOut: true, Valid: true}},
		{"nothing", "T", "", orchestrator.CollectResult{TimedOut: true}},
		{"pattern ok", "123#", `1\d+`, orchestrator.CollectResult{Digits: "123", Terminator: "#", Valid: true}},
		{"pattern is anchored", "923#", `2\d`, orchestrator.CollectResult{Digits: "923", Terminator: "#"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			re, err := compilePattern(tt.pattern)
			if err != nil {
				t.Fatal(err)
			}
			k := &collector{spec: spec}
			for _, r := range tt.keys {
				if r == 'T' {
					k.timeout()
				} else if k.digit(string(r)) {
					break
				}
			}
			if got := k.result(re); got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
	if _, err := compilePattern("("); err == nil {
		t.Error("bad pattern accepted")
	}
}

// TestCollectWithPromptAndResetKey: the prompt keeps playing until the first
// digit stops it (uuid_break); "*" clears the entry; "#" ends it.
func TestCollectWithPromptAndResetKey(t *testing.T) {
	h := newHarness(t)
	results := make(chan orchestrator.CollectResult, 1)
	errs := make(chan error, 1)
	h.serve(func(ctx context.Context, call orchestrator.InboundCall) {
		res, err := h.a.Collect(ctx, call.Key, orchestrator.CollectSpec{Min: 1, Max: 4, Terminators: "#", ResetKey: "*",
			FirstDigitTimeout: 5 * time.Second, InterDigitTimeout: 5 * time.Second, Prompt: []string{"long-prompt.wav"}})
		results <- res
		errs <- err
	})
	id := orchestrator.NewCallID()
	h.node.dialSocket(h.ln.Addr().String(), id)
	waitFor(t, func() bool {
		return slices.ContainsFunc(h.node.log(), func(s string) bool { return strings.Contains(s, "long-prompt.wav") })
	})
	for _, d := range []string{"1", "*", "4", "2", "#"} {
		h.node.emit(id, "DTMF", "DTMF-Digit", d)
	}
	res, err := <-results, <-errs
	if err != nil || res != (orchestrator.CollectResult{Digits: "42", Terminator: "#", Valid: true}) {
		t.Fatalf("collect %+v, %v", res, err)
	}
	if !slices.Contains(h.node.log(), "api uuid_break "+id) {
		t.Errorf("prompt not stopped by the first digit: %v", h.node.log())
	}
}

// manualClock fires After channels only when advanced.
type manualClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []manualTimer
	made   int
	asked  []time.Duration // every After duration, in order
}

type manualTimer struct {
	at time.Time
	ch chan time.Time
}

func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *manualClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	c.timers = append(c.timers, manualTimer{c.now.Add(d), ch})
	c.made++
	c.asked = append(c.asked, d)
	return ch
}

func (c *manualClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	kept := c.timers[:0]
	for _, t := range c.timers {
		if t.at.After(c.now) {
			kept = append(kept, t)
			continue
		}
		t.ch <- c.now
	}
	c.timers = kept
}

func (c *manualClock) Made() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.made
}

// TestCollectTimeoutsOnInjectedClock: the inter-digit timeout is measured on
// the adapter's clock; retries play the invalid prompt.
func TestCollectTimeoutsOnInjectedClock(t *testing.T) {
	clock := &manualClock{now: time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)}
	h := newHarness(t, func(o *Options) { o.Clock = clock; o.BackoffMin = time.Hour })
	results := make(chan orchestrator.CollectResult, 1)
	h.serve(func(ctx context.Context, call orchestrator.InboundCall) {
		res, err := h.a.Collect(ctx, call.Key, orchestrator.CollectSpec{Min: 2, Max: 4, Tries: 2,
			FirstDigitTimeout: 5 * time.Second, InterDigitTimeout: 2 * time.Second, InvalidPrompt: []string{"invalid.wav"}})
		if err != nil {
			t.Error(err)
		}
		results <- res
	})
	id := orchestrator.NewCallID()
	h.node.dialSocket(h.ln.Addr().String(), id)
	waitFor(t, func() bool { return clock.Made() >= 1 }) // first-digit timer armed
	h.node.emit(id, "DTMF", "DTMF-Digit", "7")
	waitFor(t, func() bool { return clock.Made() >= 2 }) // inter-digit timer armed
	clock.Advance(2 * time.Second)                       // attempt 1 times out with "7": too short
	waitFor(t, func() bool { return clock.Made() >= 3 }) // attempt 2 after the invalid prompt
	if !slices.Contains(h.node.log(), "sendmsg "+id+" playback invalid.wav") {
		t.Errorf("invalid prompt not played: %v", h.node.log())
	}
	h.node.emit(id, "DTMF", "DTMF-Digit", "5")
	h.node.emit(id, "DTMF", "DTMF-Digit", "6")
	waitFor(t, func() bool { return clock.Made() >= 5 })
	clock.Advance(2 * time.Second)
	if res := <-results; res != (orchestrator.CollectResult{Digits: "56", TimedOut: true, Valid: true}) {
		t.Fatalf("result %+v", res)
	}
}
