package calls

import (
	"sync"
	"sync/atomic"

	"github.com/switchboard-cc/switchboard/tenancy"
)

// feed fans one tenant's items out to that tenant's subscribers, each
// through a buffer of its own. The publisher never waits: a subscriber
// that falls a whole buffer behind is dropped (its channel closed, the
// reason kept and counted) and catches up by subscribing again. Screen
// pops (Hub) and live-call changes (Service.SubscribeLive) use it.
type feed[T any] struct {
	mu      sync.Mutex
	subs    map[tenancy.TenantID]map[*Subscription[T]]struct{}
	dropped atomic.Int64
}

// Subscription receives one tenant's items on C until Close or a drop.
type Subscription[T any] struct {
	C      <-chan T
	c      chan T
	feed   *feed[T]
	tenant tenancy.TenantID
	reason atomic.Pointer[string]
}

// subscribe starts a subscription to tenant's items with a buffer of n
// (at least 8).
func (f *feed[T]) subscribe(tenant tenancy.TenantID, n int) *Subscription[T] {
	c := make(chan T, max(n, 8))
	s := &Subscription[T]{C: c, c: c, feed: f, tenant: tenant}
	f.mu.Lock()
	if f.subs == nil {
		f.subs = map[tenancy.TenantID]map[*Subscription[T]]struct{}{}
	}
	if f.subs[tenant] == nil {
		f.subs[tenant] = map[*Subscription[T]]struct{}{}
	}
	f.subs[tenant][s] = struct{}{}
	f.mu.Unlock()
	return s
}

// Close ends the subscription.
func (s *Subscription[T]) Close() { s.feed.remove(s, "closed") }

// Err says why the subscription ended ("" while it runs).
func (s *Subscription[T]) Err() string {
	if r := s.reason.Load(); r != nil {
		return *r
	}
	return ""
}

func (f *feed[T]) remove(s *Subscription[T], why string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.removeLocked(s, why)
}

func (f *feed[T]) removeLocked(s *Subscription[T], why string) {
	if _, ok := f.subs[s.tenant][s]; !ok {
		return
	}
	delete(f.subs[s.tenant], s)
	if len(f.subs[s.tenant]) == 0 {
		delete(f.subs, s.tenant)
	}
	s.reason.Store(&why)
	close(s.c)
}

// publish gives v to tenant's subscribers only, and drops those whose
// buffer is full.
func (f *feed[T]) publish(tenant tenancy.TenantID, v T) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for s := range f.subs[tenant] {
		select {
		case s.c <- v:
		default:
			f.dropped.Add(1)
			f.removeLocked(s, "fell behind")
		}
	}
}
