package acdowner

import (
	"sync"

	"github.com/switchboard-cc/switchboard/acd"
)

// Update is one change in a tenant's ACD: a decision (agent transition,
// offer, queued, answered, overflow...) or a queue's refreshed statistics.
type Update struct {
	Tenant   string
	Decision acd.Decision    // Kind 0 when Queue is set
	Queue    *acd.QueueStats // periodic, for queues that changed
}

// Subscription receives a tenant's updates on C. A subscriber that falls
// behind by its whole buffer is dropped: C is closed and Err says why. The
// owner never waits for a subscriber.
type Subscription struct {
	C      <-chan Update
	c      chan Update
	owner  *Owner
	mu     sync.Mutex
	reason string
}

// Err is why the subscription ended ("" while it runs).
func (s *Subscription) Err() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reason
}

// Close ends the subscription.
func (s *Subscription) Close() { s.owner.subs.remove(s, "closed by subscriber") }

type subscribers struct {
	mu  sync.Mutex
	set map[*Subscription]struct{}
}

func (s *subscribers) init() { s.set = map[*Subscription]struct{}{} }

// Subscribe starts a subscription with a buffer of n updates (minimum 16).
func (o *Owner) Subscribe(n int) *Subscription {
	n = max(n, 16)
	c := make(chan Update, n)
	sub := &Subscription{C: c, c: c, owner: o}
	o.subs.mu.Lock()
	defer o.subs.mu.Unlock()
	if o.subs.set == nil {
		close(c)
		sub.reason = "owner stopped"
		return sub
	}
	o.subs.set[sub] = struct{}{}
	return sub
}

// publish sends u to every subscriber without blocking; full ones are dropped.
func (s *subscribers) publish(o *Owner, u Update) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for sub := range s.set {
		select {
		case sub.c <- u:
		default:
			s.dropLocked(sub, "slow subscriber: buffer full")
			o.count(func(k *Counters) { k.SubscribersDrop++ })
			o.log.Warn("acd subscriber dropped", "reason", "buffer full", "buffer", cap(sub.c))
		}
	}
}

func (s *subscribers) remove(sub *Subscription, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.set[sub]; ok {
		s.dropLocked(sub, reason)
	}
}

func (s *subscribers) dropLocked(sub *Subscription, reason string) {
	delete(s.set, sub)
	sub.mu.Lock()
	sub.reason = reason
	sub.mu.Unlock()
	close(sub.c)
}

func (s *subscribers) closeAll(reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for sub := range s.set {
		s.dropLocked(sub, reason)
	}
	s.set = nil
}
