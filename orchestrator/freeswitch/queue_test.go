package freeswitch

import (
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestQueueOrderAlarmAndClose(t *testing.T) {
	var depth atomic.Int64
	alarms := 0
	q := newQueue[int](1, 10, func(int) { alarms++ }, func(d int) { depth.Add(int64(d)) })
	stop := make(chan struct{})
	done := make(chan struct{})
	for i := range 100 {
		q.push(i)
	}
	// The first fits in out at once; 99 wait for the pump.
	if alarms != 1 || depth.Load() != 99 || len(q.out) != 1 {
		t.Fatalf("alarms %d depth %d out %d", alarms, depth.Load(), len(q.out))
	}
	go func() { q.pump(stop); close(done) }()
	for i := range 50 {
		if v := <-q.out; v != i {
			t.Fatalf("got %d, want %d", v, i)
		}
	}
	q.close()
	if q.push(1000) {
		t.Error("push after close accepted")
	}
	n := 50
	for v := range q.out {
		if v != n {
			t.Fatalf("got %d, want %d", v, n)
		}
		n++
	}
	<-done
	if n != 100 || depth.Load() != 0 {
		t.Errorf("delivered up to %d, depth %d", n, depth.Load())
	}
}

func TestQueueStopClosesOut(t *testing.T) {
	var depth atomic.Int64
	q := newQueue[int](0, 10, func(int) {}, func(d int) { depth.Add(int64(d)) })
	stop := make(chan struct{})
	go q.pump(stop)
	q.push(1)
	q.push(2)
	close(stop)
	select {
	case _, ok := <-q.out:
		for ok {
			_, ok = <-q.out
		}
	case <-time.After(2 * time.Second):
		t.Fatal("out not closed after stop")
	}
	if depth.Load() != 0 {
		t.Errorf("depth %d after stop", depth.Load())
	}
}

// TestQueueKeepsOrderBetweenHandedAndPumpedItems: a pusher that sometimes
// finds out free (and hands the item over itself) and sometimes finds items
// queued or one in the pump's hands, and a consumer that keeps up or falls
// behind at random, see every item once, in order.
func TestQueueKeepsOrderBetweenHandedAndPumpedItems(t *testing.T) {
	var depth atomic.Int64
	q := newQueue[int](2, 1<<20, func(int) {}, func(d int) { depth.Add(int64(d)) })
	stop := make(chan struct{})
	defer close(stop)
	go q.pump(stop)
	const n = 200000
	go func() {
		for i := range n {
			q.push(i)
			if i%1000 == 0 {
				runtime.Gosched()
			}
		}
		q.close()
	}()
	want := 0
	for v := range q.out {
		if v != want {
			t.Fatalf("got %d, want %d", v, want)
		}
		want++
		if rand.IntN(500) == 0 {
			time.Sleep(time.Duration(rand.IntN(200)) * time.Microsecond) // fall behind
		}
	}
	if want != n || depth.Load() != 0 {
		t.Fatalf("%d of %d delivered, depth %d", want, n, depth.Load())
	}
}

// TestQueuePushQueuesWhileThePumpHoldsAnItem: an item the pump has taken but
// not yet sent is ahead of any later push, so that push must not go to out.
func TestQueuePushQueuesWhileThePumpHoldsAnItem(t *testing.T) {
	q := newQueue[int](4, 100, func(int) {}, func(int) {})
	for i := range 5 {
		q.push(i) // 0-3 fit in out, 4 waits
	}
	for i := range 4 {
		if v := <-q.out; v != i {
			t.Fatalf("got %d, want %d", v, i)
		}
	}
	if v, ok, _ := q.pop(); !ok || v != 4 { // the pump's first half: 4 is in its hands
		t.Fatalf("pop %d %v", v, ok)
	}
	q.push(5)
	if len(q.out) != 0 || q.depth() != 1 {
		t.Fatalf("pushed past the pump's item: out %d, queued %d", len(q.out), q.depth())
	}
}

// TestQueueHandsOverDirectlyOnceDrained: after a backlog has been pumped
// out, a push to an empty queue goes straight to out again (no depth).
func TestQueueHandsOverDirectlyOnceDrained(t *testing.T) {
	var queued atomic.Int64
	q := newQueue[int](4, 100, func(int) {}, func(d int) {
		if d > 0 {
			queued.Add(int64(d))
		}
	})
	stop := make(chan struct{})
	defer close(stop)
	go q.pump(stop)
	for i := range 10 {
		q.push(i)
	}
	for i := range 10 {
		if v := <-q.out; v != i {
			t.Fatalf("got %d, want %d", v, i)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for n := 10; ; n++ { // the pump may still be finishing its last send
		before := queued.Load()
		q.push(n)
		if v := <-q.out; v != n {
			t.Fatalf("got %d, want %d", v, n)
		}
		if queued.Load() == before {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("every push after the backlog still went through the queue")
		}
		runtime.Gosched()
	}
}

// lazyOwner is a lazy queue's owner for tests: it counts the pumps asked
// for, runs them on goroutines it waits for, and refuses once stopping.
type lazyOwner struct {
	spawned atomic.Int64
	refuse  atomic.Bool
	wg      sync.WaitGroup
}

func (o *lazyOwner) spawn(f func()) bool {
	if o.refuse.Load() {
		return false
	}
	o.spawned.Add(1)
	o.wg.Add(1)
	go func() { defer o.wg.Done(); f() }()
	return true
}

// TestLazyQueueNeedsNoPumpWhileTheConsumerKeepsUp: items that always find
// room in out are handed over without a pump, and close closes out itself.
func TestLazyQueueNeedsNoPumpWhileTheConsumerKeepsUp(t *testing.T) {
	var o lazyOwner
	stop := make(chan struct{})
	q := newLazyQueue[int](4, 100, func(int) {}, func(int) {}, o.spawn, stop)
	for i := range 100 {
		q.push(i)
		if v := <-q.out; v != i {
			t.Fatalf("got %d, want %d", v, i)
		}
	}
	q.push(100)
	q.close()
	if v, ok := <-q.out; !ok || v != 100 {
		t.Fatalf("got %d %v, want 100", v, ok)
	}
	if _, ok := <-q.out; ok {
		t.Fatal("out not closed")
	}
	if n := o.spawned.Load(); n != 0 {
		t.Fatalf("%d pumps started for a consumer that kept up", n)
	}
	q.startPump() // after the end: no pump, no second close
	if n := o.spawned.Load(); n != 0 {
		t.Fatalf("a pump started after the stream ended")
	}
}

// TestLazyQueueStartsItsPumpOnceAnItemWaits: the first item out has no room
// for starts the one pump, which delivers the backlog in order and closes
// out after close.
func TestLazyQueueStartsItsPumpOnceAnItemWaits(t *testing.T) {
	var o lazyOwner
	var depth atomic.Int64
	stop := make(chan struct{})
	defer func() { close(stop); o.wg.Wait() }()
	q := newLazyQueue[int](2, 100, func(int) {}, func(d int) { depth.Add(int64(d)) }, o.spawn, stop)
	for i := range 50 {
		q.push(i)
	}
	q.close()
	want := 0
	for v := range q.out {
		if v != want {
			t.Fatalf("got %d, want %d", v, want)
		}
		want++
	}
	if want != 50 || depth.Load() != 0 || o.spawned.Load() != 1 {
		t.Fatalf("delivered %d of 50, depth %d, pumps %d", want, depth.Load(), o.spawned.Load())
	}
}

// TestLazyQueueEndsWhenItsOwnerRefusesAPump: an owner that is stopping
// refuses the pump; what waits is discarded and counted out, out is closed.
func TestLazyQueueEndsWhenItsOwnerRefusesAPump(t *testing.T) {
	var o lazyOwner
	o.refuse.Store(true)
	var depth atomic.Int64
	q := newLazyQueue[int](1, 100, func(int) {}, func(d int) { depth.Add(int64(d)) }, o.spawn, make(chan struct{}))
	q.push(1) // fits in out
	q.push(2) // must wait: refused
	if q.push(3) {
		t.Error("push accepted after the queue ended")
	}
	q.close() // no second close of out
	if v, ok := <-q.out; !ok || v != 1 {
		t.Fatalf("got %d %v, want 1", v, ok)
	}
	if _, ok := <-q.out; ok {
		t.Fatal("out not closed")
	}
	if depth.Load() != 0 {
		t.Fatalf("depth %d after the refused pump", depth.Load())
	}
}
