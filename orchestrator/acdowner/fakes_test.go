package acdowner

import (
	"container/heap"
	"context"
	"errors"
	"sync"
	"time"

	"github.com/switchboard-cc/switchboard/acd"
)

var t0 = time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)

// fakeClock is a manual clock. Advance fires due timers in deadline order on
// the caller's goroutine, calling settle after each so the owner has applied
// the fired event before time moves on.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers timerHeap
	seq    int
	settle func()
}

type fakeTimer struct {
	c       *fakeClock
	at      time.Time
	seq     int
	f       func()
	stopped bool
	idx     int
}

type timerHeap []*fakeTimer

func (h timerHeap) Len() int { return len(h) }
func (h timerHeap) Less(i, j int) bool {
	if !h[i].at.Equal(h[j].at) {
		return h[i].at.Before(h[j].at)
	}
	return h[i].seq < h[j].seq
}
func (h timerHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i]; h[i].idx = i; h[j].idx = j }
func (h *timerHeap) Push(x any)   { t := x.(*fakeTimer); t.idx = len(*h); *h = append(*h, t) }
func (h *timerHeap) Pop() any     { o := *h; t := o[len(o)-1]; *h = o[:len(o)-1]; t.idx = -1; return t }

func newFakeClock() *fakeClock { return &fakeClock{now: t0} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) AfterFunc(d time.Duration, f func()) Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	t := &fakeTimer{c: c, at: c.now.Add(d), seq: c.seq, f: f}
	heap.Push(&c.timers, t)
	return t
}

func (t *fakeTimer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	if t.stopped || t.idx < 0 {
		return false
	}
	t.stopped = true
	heap.Remove(&t.c.timers, t.idx)
	return true
}

// Advance moves the clock by d.
func (c *fakeClock) Advance(d time.Duration) { c.AdvanceTo(c.Now().Add(d)) }

// AdvanceTo moves the clock to end, firing due timers one at a time.
func (c *fakeClock) AdvanceTo(end time.Time) {
	for {
		c.mu.Lock()
		if len(c.timers) == 0 || c.timers[0].at.After(end) {
			if end.After(c.now) {
				c.now = end
			}
			c.mu.Unlock()
			return
		}
		t := heap.Pop(&c.timers).(*fakeTimer)
		if t.at.After(c.now) {
			c.now = t.at
		}
		settle := c.settle
		c.mu.Unlock()
		t.f()
		if settle != nil {
			settle()
		}
	}
}

// recOfferer records offers; fail makes Offer return an error for an agent.
type recOfferer struct {
	mu      sync.Mutex
	offers  []Offer
	cancels []Offer
	fail    map[string]bool
}

func (r *recOfferer) Offer(_ context.Context, o Offer) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail[o.Agent] {
		return errors.New("phone unreachable")
	}
	r.offers = append(r.offers, o)
	return nil
}

func (r *recOfferer) CancelOffer(_ context.Context, o Offer) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.cancels = append(r.cancels, o)
	return nil
}

// take returns and clears the recorded offers.
func (r *recOfferer) take() []Offer {
	r.mu.Lock()
	defer r.mu.Unlock()
	o := r.offers
	r.offers = nil
	return o
}

// memHistory is an in-memory HistoryStore; failing makes it return errors.
type memHistory struct {
	mu      sync.Mutex
	recs    []StateRecord
	batches int
	failing bool
}

func (m *memHistory) AppendAgentStates(_ context.Context, tenant string, recs []StateRecord) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.failing {
		return errors.New("database down")
	}
	m.batches++
	m.recs = append(m.recs, recs...)
	return nil
}

func (m *memHistory) all() []StateRecord {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]StateRecord(nil), m.recs...)
}

// memSnapshots is an in-memory SnapshotStore.
type memSnapshots struct {
	mu    sync.Mutex
	snaps map[string]acd.Snapshot
	saves int
}

func (m *memSnapshots) saved() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.saves
}

func (m *memSnapshots) LoadACDSnapshot(_ context.Context, tenant string) (acd.Snapshot, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.snaps[tenant]
	return s, ok, nil
}

func (m *memSnapshots) SaveACDSnapshot(_ context.Context, tenant string, s acd.Snapshot) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.snaps == nil {
		m.snaps = map[string]acd.Snapshot{}
	}
	m.snaps[tenant] = s
	m.saves++
	return nil
}

type recOverflower struct {
	mu  sync.Mutex
	got []Overflow
}

func (r *recOverflower) Overflow(_ context.Context, o Overflow) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, o)
	return nil
}
