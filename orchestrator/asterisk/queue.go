package asterisk

import "sync"

// queue is an unbounded FIFO drained by one goroutine into out: the
// WebSocket reader never blocks on a slow consumer and nothing is
// dropped. close() lets the pump deliver what is queued, then close out;
// stop (the adapter's) ends the pump at once.
type queue[T any] struct {
	mu     sync.Mutex
	items  []T
	closed bool
	wake   chan struct{}
	out    chan T
}

func newQueue[T any]() *queue[T] {
	return &queue[T]{wake: make(chan struct{}, 1), out: make(chan T)}
}

func (q *queue[T]) push(v T) {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return
	}
	q.items = append(q.items, v)
	q.mu.Unlock()
	q.signal()
}

func (q *queue[T]) signal() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

func (q *queue[T]) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	q.signal()
}

// len is the backlog.
func (q *queue[T]) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.items)
}

// pump delivers until the queue is closed and drained, or stop closes.
func (q *queue[T]) pump(stop <-chan struct{}) {
	defer close(q.out)
	for {
		q.mu.Lock()
		items, closed := q.items, q.closed
		q.items = nil
		q.mu.Unlock()
		for _, v := range items {
			select {
			case q.out <- v:
			case <-stop:
				return
			}
		}
		if closed && len(items) == 0 {
			q.mu.Lock()
			empty := len(q.items) == 0
			q.mu.Unlock()
			if empty {
				return
			}
			continue
		}
		if len(items) > 0 {
			continue
		}
		select {
		case <-q.wake:
		case <-stop:
			return
		}
	}
}
