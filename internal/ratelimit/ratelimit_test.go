package ratelimit

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newTest(l Limit, maxKeys int) (*Limiter, *clock) {
	c := &clock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	return New(Config{Limit: l, MaxKeys: maxKeys, Now: c.now}), c
}

func TestAllowSpendsThenRefusesUntilATokenIsBack(t *testing.T) {
	l, c := newTest(Limit{Burst: 3, Per: 3 * time.Second}, 0)
	for i := range 3 {
		if d := l.Allow("a"); !d.Allowed {
			t.Fatalf("request %d of the burst refused: %+v", i+1, d)
		}
	}
	d := l.Allow("a")
	if d.Allowed || d.RetryAfter != time.Second || !d.First {
		t.Fatalf("4th: %+v, want refused, retry 1s, first", d)
	}
	if d := l.Allow("a"); d.Allowed || d.First {
		t.Fatalf("5th: %+v, want refused and not first", d)
	}
	if d := l.Allow("b"); !d.Allowed {
		t.Fatalf("another key is limited by a's requests: %+v", d)
	}
	c.advance(999 * time.Millisecond)
	if d := l.Allow("a"); d.Allowed || d.RetryAfter != time.Millisecond {
		t.Fatalf("before the token is back: %+v", d)
	}
	c.advance(time.Millisecond)
	if d := l.Allow("a"); !d.Allowed {
		t.Fatalf("after 1s: %+v", d)
	}
	if d := l.Allow("a"); d.Allowed || !d.First {
		t.Fatalf("a new episode of refusals starts with First: %+v", d)
	}
	c.advance(time.Hour)
	for i := range 3 { // refilled to the burst, never beyond
		if d := l.Allow("a"); !d.Allowed {
			t.Fatalf("after an hour, request %d refused", i+1)
		}
	}
	if d := l.Allow("a"); d.Allowed {
		t.Fatal("the bucket filled beyond its burst")
	}
}

// TestCheckAndTakeCountOnlyFailures: Check spends nothing, Take spends one
// token per failure; the key is refused once its failures used the burst.
func TestCheckAndTakeCountOnlyFailures(t *testing.T) {
	l, c := newTest(Limit{Burst: 2, Per: time.Minute}, 0)
	for range 10 {
		if d := l.Check("a"); !d.Allowed {
			t.Fatalf("checks alone spent tokens: %+v", d)
		}
	}
	if l.Len() != 0 {
		t.Fatalf("checks of a key with no failure are remembered: %d keys", l.Len())
	}
	l.Take("a")
	if d := l.Check("a"); !d.Allowed {
		t.Fatalf("after 1 failure of 2: %+v", d)
	}
	l.Take("a")
	d := l.Check("a")
	if d.Allowed || !d.First || d.RetryAfter != 30*time.Second {
		t.Fatalf("after 2 failures: %+v, want refused, first, retry 30s", d)
	}
	l.Take("a") // failures while refused do not dig deeper
	if d := l.Check("a"); d.Allowed || d.First || d.RetryAfter != 30*time.Second {
		t.Fatalf("after 3 failures: %+v", d)
	}
	c.advance(30 * time.Second)
	if d := l.Check("a"); !d.Allowed {
		t.Fatalf("after 30s: %+v", d)
	}
}

func TestUnlimitedRefusesNothingAndRemembersNothing(t *testing.T) {
	for _, lim := range []Limit{{}, {Burst: 5}, {Per: time.Second}} {
		l, _ := newTest(lim, 0)
		for range 100 {
			l.Take("a")
			if d := l.Allow("a"); !d.Allowed {
				t.Fatalf("%v refused", lim)
			}
		}
		if l.Len() != 0 || !lim.Unlimited() {
			t.Fatalf("%v remembers %d keys", lim, l.Len())
		}
	}
}

// TestIdleKeysAreForgotten: keys whose bucket filled again are dropped by
// later calls, so memory follows the active keys, with no goroutine.
func TestIdleKeysAreForgotten(t *testing.T) {
	l, c := newTest(Limit{Burst: 5, Per: time.Minute}, 0)
	for i := range 100 {
		l.Allow(fmt.Sprint("10.0.0.", i))
	}
	if l.Len() != 100 {
		t.Fatalf("%d keys, want 100", l.Len())
	}
	c.advance(time.Minute)
	for range 50 {
		l.Allow("10.9.9.9")
	}
	if l.Len() != 1 {
		t.Fatalf("%d keys remembered after every other key idled, want 1", l.Len())
	}
	if l.Evicted() != 0 {
		t.Fatalf("%d evicted, want 0 (idle keys are forgotten, not evicted)", l.Evicted())
	}
}

// TestMaxKeysBoundsMemoryUnderAFlood: at MaxKeys the least recently used
// key is dropped even though it is not idle.
func TestMaxKeysBoundsMemoryUnderAFlood(t *testing.T) {
	l, _ := newTest(Limit{Burst: 1, Per: time.Hour}, 10)
	for i := range 25 {
		l.Allow(fmt.Sprint("k", i))
	}
	if l.Len() != 10 || l.Evicted() != 15 {
		t.Fatalf("%d keys, %d evicted; want 10 and 15", l.Len(), l.Evicted())
	}
	if d := l.Allow("k24"); d.Allowed {
		t.Fatal("the most recent key was evicted")
	}
	if d := l.Allow("k0"); !d.Allowed {
		t.Fatal("the oldest key was kept")
	}
}

func TestConcurrentCallsSpendEachTokenOnce(t *testing.T) {
	l, _ := newTest(Limit{Burst: 50, Per: time.Hour}, 0)
	var allowed atomic.Int32
	var wg sync.WaitGroup
	for range 200 {
		wg.Go(func() {
			if l.Allow("a").Allowed {
				allowed.Add(1)
			}
		})
	}
	wg.Wait()
	if allowed.Load() != 50 {
		t.Fatalf("%d of 200 allowed, want the burst of 50", allowed.Load())
	}
}

func TestParseLimit(t *testing.T) {
	for in, want := range map[string]Limit{
		"20/1m": {Burst: 20, Per: time.Minute}, "1/1s": {Burst: 1, Per: time.Second},
		"off": {}, "600/10m": {Burst: 600, Per: 10 * time.Minute},
	} {
		got, err := ParseLimit(in)
		if err != nil || got != want {
			t.Errorf("ParseLimit(%q) = %v, %v; want %v", in, got, err, want)
		}
		if again, err := ParseLimit(got.String()); err != nil || again != want {
			t.Errorf("%q does not survive String: %q", in, got.String())
		}
	}
	for l, want := range map[Limit]string{
		{Burst: 60, Per: time.Minute}: "60/1m", {Burst: 5, Per: time.Hour}: "5/1h", {Burst: 5, Per: 90 * time.Minute}: "5/1h30m",
		{Burst: 5, Per: 90 * time.Second}: "5/1m30s", {Burst: 5, Per: 1500 * time.Millisecond}: "5/1.5s", {}: "off",
	} {
		if got := l.String(); got != want {
			t.Errorf("%#v.String() = %q, want %q", l, got, want)
		}
	}
	for _, bad := range []string{"", "20", "0/1m", "-1/1m", "x/1m", "20/", "20/0s", "20/-1m", "20/fast", "on"} {
		if _, err := ParseLimit(bad); err == nil {
			t.Errorf("ParseLimit(%q) accepted", bad)
		}
	}
}
