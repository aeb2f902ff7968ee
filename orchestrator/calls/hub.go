package calls

import (
	"sync"
	"sync/atomic"

	"github.com/switchboard-cc/switchboard/tenancy"
)

// Hub fans each tenant's call notices (offer = screen pop with the caller,
// the number, the queue and the attached data; connected; ended) out to the
// screens subscribed to that tenant. A subscriber that falls a whole buffer
// behind is dropped (its channel closed, the reason kept and counted); the
// call path never waits for a screen.
type Hub struct {
	mu      sync.Mutex
	subs    map[tenancy.TenantID]map[*Subscription]struct{}
	dropped atomic.Int64
}

// NewHub returns an empty hub.
func NewHub() *Hub { return &Hub{subs: map[tenancy.TenantID]map[*Subscription]struct{}{}} }

// Subscription receives one tenant's notices on C until Close or a drop.
type Subscription struct {
	C      <-chan Notice
	c      chan Notice
	hub    *Hub
	tenant tenancy.TenantID
	reason atomic.Pointer[string]
}

// Subscribe starts a subscription to tenant's notices with a buffer of n.
func (h *Hub) Subscribe(tenant tenancy.TenantID, n int) *Subscription {
	c := make(chan Notice, max(n, 8))
	s := &Subscription{C: c, c: c, hub: h, tenant: tenant}
	h.mu.Lock()
	if h.subs[tenant] == nil {
		h.subs[tenant] = map[*Subscription]struct{}{}
	}
	h.subs[tenant][s] = struct{}{}
	h.mu.Unlock()
	return s
}

// Close ends the subscription.
func (s *Subscription) Close() { s.hub.remove(s, "closed") }

// Err says why the subscription ended ("" while it runs).
func (s *Subscription) Err() string {
	if r := s.reason.Load(); r != nil {
		return *r
	}
	return ""
}

func (h *Hub) remove(s *Subscription, why string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.subs[s.tenant][s]; !ok {
		return
	}
	delete(h.subs[s.tenant], s)
	s.reason.Store(&why)
	close(s.c)
}

// Notify implements Notifier: only tenant's subscribers receive ev.
func (h *Hub) Notify(tenant tenancy.TenantID, ev Notice) {
	h.mu.Lock()
	var slow []*Subscription
	for s := range h.subs[tenant] {
		select {
		case s.c <- ev:
		default:
			slow = append(slow, s)
		}
	}
	h.mu.Unlock()
	for _, s := range slow {
		h.dropped.Add(1)
		h.remove(s, "fell behind")
	}
}

// Dropped counts subscribers dropped for falling behind.
func (h *Hub) Dropped() int64 { return h.dropped.Load() }
