package calls

import "github.com/switchboard-cc/switchboard/tenancy"

// Hub fans each tenant's call notices (offer = screen pop with the caller,
// the number, the queue and the attached data; connected; ended) out to the
// screens subscribed to that tenant. A subscriber that falls a whole buffer
// behind is dropped (its channel closed, the reason kept and counted); the
// call path never waits for a screen.
type Hub struct{ f feed[Notice] }

// NewHub returns an empty hub.
func NewHub() *Hub { return &Hub{} }

// Subscribe starts a subscription to tenant's notices with a buffer of n.
func (h *Hub) Subscribe(tenant tenancy.TenantID, n int) *Subscription[Notice] {
	return h.f.subscribe(tenant, n)
}

// Notify implements Notifier: only tenant's subscribers receive ev.
func (h *Hub) Notify(tenant tenancy.TenantID, ev Notice) { h.f.publish(tenant, ev) }

// Dropped counts subscribers dropped for falling behind.
func (h *Hub) Dropped() int64 { return h.f.dropped.Load() }
