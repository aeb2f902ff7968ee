package flowrun

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/ivrflows"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// noPlaybackLeft fails if a playback goroutine outlived its call.
func noPlaybackLeft(t *testing.T) {
	t.Helper()
	if n := livePlaybacks.Load(); n != 0 {
		t.Errorf("%d playback goroutines still running after Run returned", n)
	}
}

func TestHangupDuringHTTPStopsIt(t *testing.T) {
	sw, s := newFakeSwitch(), &sinks{}
	started := make(chan struct{})
	h := &fakeHTTP{fn: func(ivrflows.HTTPRequest) ivrflows.HTTPResponse {
		close(started)
		return ivrflows.HTTPResponse{Err: "never"}
	}}
	blocking := &ctxHTTP{inner: h}
	r := newTestRunner(t, sw, s, func(c *Config) { c.HTTP, c.Lists = blocking, fakeLists{} })
	go func() { <-started; sw.callerHangup() }()
	start := time.Now()
	o := runFlow(t, sw, r, ioFlow)
	if o.Result != ivrflows.OutcomeCallerHangup || time.Since(start) > 2*time.Second {
		t.Errorf("outcome %+v after %v", o, time.Since(start))
	}
	if got := s.nodes(); !slices.Equal(got, []string{"black", "crm"}) {
		t.Errorf("trace %q", got)
	}
	noPlaybackLeft(t)
}

// ctxHTTP blocks each request until its context ends, like a hung server.
type ctxHTTP struct{ inner *fakeHTTP }

func (c *ctxHTTP) Do(ctx context.Context, tenant tenancy.TenantID, req ivrflows.HTTPRequest) ivrflows.HTTPResponse {
	c.inner.Do(ctx, tenant, req)
	<-ctx.Done()
	return ivrflows.HTTPResponse{Err: context.Cause(ctx).Error()}
}

func TestTraceIsLiveWhileTheCallWaits(t *testing.T) {
	sw, s := newFakeSwitch(), &sinks{}
	sw.playFor = time.Millisecond
	r := newTestRunner(t, sw, s, func(c *Config) { c.TraceEvery = time.Nanosecond })
	ctx, call := sw.call(t)
	done := make(chan Outcome, 1)
	go func() {
		o, _ := r.Run(ctx, call, compileFlow(t, menuFlow), acme)
		done <- o
	}()
	deadline := time.Now().Add(400 * time.Millisecond) // the menu waits 500 ms
	for len(s.nodes()) == 0 && time.Now().Before(deadline) {
		time.Sleep(2 * time.Millisecond)
	}
	if got := s.nodes(); !slices.Equal(got, []string{"welcome"}) {
		t.Errorf("while in the menu the sink has %q, want the welcome node already", got)
	}
	sw.callerHangup()
	<-done
	noPlaybackLeft(t)
}

func TestTTSFailureSkipsTheItem(t *testing.T) {
	doc := `{"id": "main", "name": "T", "start": "p", "nodes": [
	  {"id": "p", "type": "play", "params": {"prompts": [{"text": {"*": "fail"}}, {"prompt": "bye"}, {"text": {"*": "ok"}}]}, "exits": {"next": "h"}},
	  {"id": "h", "type": "hangup", "params": {}}]}`
	sw, s := newFakeSwitch(), &sinks{}
	runFlow(t, sw, newTestRunner(t, sw, s, func(c *Config) { c.Prompter = fakeTTS{} }), doc)
	want := []string{"answer", "play bye.wav,/tts/en-ok.wav", "hangup NORMAL_CLEARING"}
	if !slices.Equal(sw.Log(), want) {
		t.Errorf("log %q, want %q", sw.Log(), want)
	}
	noPlaybackLeft(t)
}

// manualClock fires timers only when the test says so.
type manualClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []manualTimer
}

type manualTimer struct {
	d  time.Duration
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
	c.timers = append(c.timers, manualTimer{d, ch})
	return ch
}

// fire advances the clock by d and fires the oldest timer asked for d,
// waiting for the runner to ask for it.
func (c *manualClock) fire(t *testing.T, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		c.mu.Lock()
		for i, tm := range c.timers {
			if tm.d == d {
				c.timers = slices.Delete(c.timers, i, i+1)
				c.now = c.now.Add(d)
				tm.ch <- c.now
				c.mu.Unlock()
				return
			}
		}
		c.mu.Unlock()
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("no timer of %v was asked for", d)
}

func TestClockDrivesTimeoutsAndTrace(t *testing.T) {
	clock := &manualClock{now: time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)}
	sw, s := newFakeSwitch(), &sinks{}
	sw.playFor = time.Millisecond
	r := newTestRunner(t, sw, s, func(c *Config) { c.Clock = clock })
	ctx, call := sw.call(t)
	done := make(chan Outcome, 1)
	go func() {
		o, _ := r.Run(ctx, call, compileFlow(t, menuFlow), acme)
		done <- o
	}()
	clock.fire(t, 500*time.Millisecond) // the menu's timeout_ms
	select {
	case o := <-done:
		if o.Result != ivrflows.OutcomeHangup {
			t.Errorf("outcome %+v", o)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("flow did not end after its timeout fired")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var menu ivrflows.TraceEntry
	for _, b := range s.batches {
		for _, e := range b.Entries {
			if e.Node == "main_menu" {
				menu = e
			}
		}
	}
	if menu.Exit != "fail" || menu.Left.Sub(menu.Entered) != 500*time.Millisecond {
		t.Errorf("menu trace %+v: want the fail exit after 500 ms of the runner's clock", menu)
	}
}

// TestTraceBatchIsStoreShaped keeps TraceBatch convertible to the store's
// batch type by field set (the conversion in cmd depends on it), without
// importing store: same field names and types, same order.
func TestTraceBatchIsStoreShaped(t *testing.T) {
	type storeShape struct {
		CallID  string
		FlowID  string
		Version int
		Entries []ivrflows.TraceEntry
	}
	b := TraceBatch{CallID: "c", FlowID: "f", Version: 2}
	if s := storeShape(b); s.CallID != "c" || s.Version != 2 {
		t.Errorf("%+v", s)
	}
	var got TraceBatch
	sink := TraceSinkFunc(func(_ context.Context, _ tenancy.TenantID, b TraceBatch) error { got = b; return nil })
	_ = sink.AppendTrace(context.Background(), "acme", b)
	if got.FlowID != "f" {
		t.Errorf("func adapter passed %+v", got)
	}
}

func TestUnknownKeyIsDropped(t *testing.T) {
	sw, s := newFakeSwitch(), &sinks{}
	sw.onPlay = map[string]string{"main.wav": "X1", "sales.wav": "1"}
	o := runFlow(t, sw, newTestRunner(t, sw, s, nil), menuFlow)
	if o.Result != ivrflows.OutcomeHangup || !slices.Equal(s.nodes(), []string{"welcome", "main_menu", "sales_menu", "orders", "bye"}) {
		t.Errorf("outcome %+v trace %q: the X should be dropped, the 1 used", o, s.nodes())
	}
	noPlaybackLeft(t)
}

func TestTraceBufferBounded(t *testing.T) {
	var b traceBuf
	now := time.Now()
	for i := 0; i < maxTraceBuffer+10; i++ {
		b.add([]ivrflows.TraceEntry{{Node: fmt.Sprint(i), Entered: now}}, now)
	}
	if len(b.batch.Entries) != maxTraceBuffer || b.dropped != 10 || b.batch.Entries[0].Node != "10" {
		t.Errorf("%d entries, %d dropped, first %q", len(b.batch.Entries), b.dropped, b.batch.Entries[0].Node)
	}
}
