package eslconn

import (
	"context"
	"sync"
)

// fifo is a lock granted in arrival order. sync.Mutex is not FIFO, and a
// command waiting for its turn must be able to give up (ctx) without losing
// its place to a later one or leaking the lock.
type fifo struct {
	mu      sync.Mutex
	busy    bool
	waiters []chan struct{}
}

// lock waits for the turn. On ctx done it returns ctx's error and does not
// hold the lock.
func (q *fifo) lock(ctx context.Context) error {
	q.mu.Lock()
	if !q.busy {
		q.busy = true
		q.mu.Unlock()
		return nil
	}
	ch := make(chan struct{})
	q.waiters = append(q.waiters, ch)
	q.mu.Unlock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		q.mu.Lock()
		for i, w := range q.waiters {
			if w == ch {
				q.waiters = append(q.waiters[:i], q.waiters[i+1:]...)
				q.mu.Unlock()
				return context.Cause(ctx)
			}
		}
		q.mu.Unlock()
		q.unlock() // handed over while we gave up: pass it on
		return context.Cause(ctx)
	}
}

// unlock hands the lock to the oldest waiter, or frees it.
func (q *fifo) unlock() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.waiters) == 0 {
		q.busy = false
		return
	}
	ch := q.waiters[0]
	q.waiters = q.waiters[1:]
	close(ch)
}
