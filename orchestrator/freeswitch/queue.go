package freeswitch

import (
	"sync"
)

// queue is an unbounded FIFO between the single ESL reader (push, which never
// blocks) and one consumer goroutine (pump, which sends to out). It is
// unbounded on purpose: the reader must always keep reading, or FreeSWITCH's
// per-connection queue fills and it drops us. Growth is measured instead:
// depth is reported through the adapter's Stats and crossing highWater calls
// onAlarm once (re-armed when the queue drains below half of it).
//
// When nothing is queued or in the pump's hands and out has room, push puts
// the item in out itself: a consumer that keeps up is woken by the reader
// alone, and the pump sleeps (it was a second goroutine switch per event).
//
// A lazy queue (newLazyQueue) starts its pump only when an item first has
// to wait: a call whose consumer always keeps up never has one, and its
// close closes out itself.
type queue[T any] struct {
	mu        sync.Mutex
	items     []T
	head      int
	pumping   bool // the pump holds an item it took and has not sent yet
	closed    bool
	wake      chan struct{}
	out       chan T
	highWater int
	alarmed   bool
	onAlarm   func(depth int)
	onDepth   func(delta int) // adapter-wide gauge of queued items

	// Lazy queues only: spawn runs the pump on a goroutine of the owner's
	// and reports false when the owner is stopping; stop is the pump's.
	spawn     func(func()) bool
	stop      <-chan struct{}
	pumped    bool // a pump runs or ran (always, for a queue that is not lazy)
	outClosed bool // out was closed by close or a refused spawn (lazy queues)
}

func newQueue[T any](outBuf, highWater int, onAlarm func(int), onDepth func(int)) *queue[T] {
	return &queue[T]{wake: make(chan struct{}, 1), out: make(chan T, outBuf),
		highWater: highWater, onAlarm: onAlarm, onDepth: onDepth, pumped: true}
}

// newLazyQueue is newQueue whose pump (stopped by stop) is started by spawn
// the first time an item has to wait. When spawn refuses (its owner is
// stopping) the queue ends as a stopped pump ends it: what waits is
// discarded and counted out, and out is closed.
func newLazyQueue[T any](outBuf, highWater int, onAlarm func(int), onDepth func(int),
	spawn func(func()) bool, stop <-chan struct{}) *queue[T] {
	q := newQueue[T](outBuf, highWater, onAlarm, onDepth)
	q.pumped, q.spawn, q.stop = false, spawn, stop
	return q
}

// push appends v; it never blocks. Pushing after close is ignored and
// reported false.
func (q *queue[T]) push(v T) bool {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return false
	}
	if q.head == len(q.items) && !q.pumping {
		select {
		case q.out <- v: // after everything before it, which out already has
			q.mu.Unlock()
			return true
		default:
		}
	}
	q.items = append(q.items, v)
	depth := len(q.items) - q.head
	alarm := depth >= q.highWater && !q.alarmed
	if alarm {
		q.alarmed = true
	}
	start := !q.pumped
	q.pumped = true
	q.mu.Unlock()
	q.onDepth(1)
	if alarm {
		q.onAlarm(depth)
	}
	if start {
		q.spawnPump()
	}
	select {
	case q.wake <- struct{}{}:
	default:
	}
	return true
}

// startPump starts a lazy queue's pump now, if it has none yet and its
// stream is not over.
func (q *queue[T]) startPump() {
	q.mu.Lock()
	start := !q.pumped && !q.outClosed
	q.pumped = true
	q.mu.Unlock()
	if start {
		q.spawnPump()
	}
}

// spawnPump runs a lazy queue's pump, or, when its owner refuses (it is
// stopping), ends the queue as a stopped pump would.
func (q *queue[T]) spawnPump() {
	if !q.spawn(func() { q.pump(q.stop) }) {
		q.discard()
		q.closeOut()
	}
}

// closeOut closes out of a lazy queue with no pump to do it, once.
func (q *queue[T]) closeOut() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.outClosed {
		q.outClosed = true
		close(q.out)
	}
}

// close marks the end: pump delivers what is queued, then closes out; a
// lazy queue that never needed its pump has everything in out already, and
// closes it here.
func (q *queue[T]) close() {
	q.mu.Lock()
	q.closed = true
	if !q.pumped && !q.outClosed {
		q.outClosed = true
		close(q.out)
	}
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// depth is the number of items not yet handed to out.
func (q *queue[T]) depth() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.items) - q.head
}

// pump moves items to out in order until the queue is closed and drained, or
// stop is closed (the items left are then discarded and counted out). Either
// way it closes out, so a consumer ranging over it always finishes. It is
// the queue's only consumer goroutine.
func (q *queue[T]) pump(stop <-chan struct{}) {
	for {
		v, ok, done := q.pop()
		if done {
			close(q.out)
			return
		}
		if !ok {
			select {
			case <-q.wake:
				continue
			case <-stop:
				q.discard()
				close(q.out)
				return
			}
		}
		select {
		case q.out <- v:
			q.onDepth(-1)
			q.mu.Lock()
			q.pumping = false
			q.mu.Unlock()
		case <-stop:
			q.onDepth(-1)
			q.discard()
			close(q.out)
			return
		}
	}
}

func (q *queue[T]) pop() (v T, ok, done bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.head == len(q.items) {
		if q.closed {
			return v, false, true
		}
		q.items, q.head = q.items[:0], 0
		return v, false, false
	}
	v = q.items[q.head]
	var zero T
	q.items[q.head] = zero
	q.head++
	q.pumping = true
	if q.head > 1024 && q.head*2 > len(q.items) { // compact
		q.items = append(q.items[:0:0], q.items[q.head:]...)
		q.head = 0
	}
	if q.alarmed && len(q.items)-q.head < q.highWater/2 {
		q.alarmed = false
	}
	return v, true, false
}

func (q *queue[T]) discard() {
	q.mu.Lock()
	n := len(q.items) - q.head
	q.items, q.head, q.closed = nil, 0, true
	q.mu.Unlock()
	q.onDepth(-n)
}
