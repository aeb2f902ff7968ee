// Package admission is the one shared admission control for a tenant's
// concurrent resources: PSTN calls, web calls and chats (MT-2). Whoever
// starts one asks Admit with the tenant's current limit; whoever ends it
// releases it. Published flows are counted from the store by the publisher.
//
// The counting rules are tenancy.Ledger; this package adds the mutex, the
// idempotent release handle and counters the metrics layer reads. It is
// imported by orchestrator (call sessions, chat) and cmd/switchboard; it
// imports only tenancy.
package admission

import (
	"errors"
	"sort"
	"sync"

	"github.com/switchboard-cc/switchboard/tenancy"
)

// Holder names who holds a resource: a call is Node plus its call ID, a
// chat has an empty Node.
type Holder struct {
	Node string
	ID   string
}

// Controller admits and releases holds. It is safe for concurrent use; the
// zero value is not usable, call New.
type Controller struct {
	mu       sync.Mutex
	ledger   *tenancy.Ledger
	admitted map[key]uint64
	refused  map[key]uint64
}

type key struct {
	tenant   tenancy.TenantID
	resource tenancy.Resource
}

// New returns an empty controller.
func New() *Controller {
	return &Controller{ledger: tenancy.NewLedger(), admitted: map[key]uint64{}, refused: map[key]uint64{}}
}

// Release ends a hold. It may be called any number of times, from any
// goroutine; only the first call releases. Holder IDs must not be reused
// while an old handle may still be called (call IDs are UUIDs).
type Release func()

// Admit takes one unit of resource for holder in tenant if fewer than limit
// are in use. Refusal is a *tenancy.OverQuotaError (errors.Is
// tenancy.ErrOverQuota) carrying in-use and limit. Admitting the same holder
// again returns a handle to the same hold without counting twice.
func (c *Controller) Admit(tenant tenancy.TenantID, r tenancy.Resource, h Holder, limit int) (Release, error) {
	hold := tenancy.Hold{Tenant: tenant, Resource: r, Node: h.Node, ID: h.ID}
	k := key{tenant, r}
	c.mu.Lock()
	before := c.ledger.InUse(tenant, r)
	err := c.ledger.Admit(hold, limit)
	switch {
	case err == nil && c.ledger.InUse(tenant, r) > before:
		c.admitted[k]++
	case errors.Is(err, tenancy.ErrOverQuota):
		c.refused[k]++
	}
	c.mu.Unlock()
	if err != nil {
		return nil, err
	}
	var once sync.Once
	return func() { once.Do(func() { c.Release(h) }) }, nil
}

// Release ends holder's hold; unknown or already released holders are
// ignored, so a hangup seen twice is harmless. It reports whether a hold
// was released.
func (c *Controller) Release(h Holder) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.ledger.Release(h.Node, h.ID)
	return ok
}

// ReleaseNode releases every hold on a failed node and returns them, so the
// caller can log and re-route.
func (c *Controller) ReleaseNode(node string) []tenancy.Hold {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ledger.ReleaseNode(node)
}

// Restore re-creates holds found running after a controller restart (from
// each node's channel list and open chats) without checking limits, and
// returns how many were new.
func (c *Controller) Restore(holds []tenancy.Hold) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ledger.Restore(holds)
}

// InUse returns how many of r tenant holds now.
func (c *Controller) InUse(tenant tenancy.TenantID, r tenancy.Resource) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ledger.InUse(tenant, r)
}

// Holds returns every current hold (for resynchronisation and debugging).
func (c *Controller) Holds() []tenancy.Hold {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ledger.Holds()
}

// Stat is one tenant/resource line of the counters: current use and
// cumulative admissions and refusals since start.
type Stat struct {
	Tenant   tenancy.TenantID
	Resource tenancy.Resource
	InUse    int
	Admitted uint64
	Refused  uint64
}

// Stats returns a consistent snapshot of the counters, sorted by tenant and
// resource, for the metrics layer (it needs no Prometheus types here).
func (c *Controller) Stats() []Stat {
	c.mu.Lock()
	defer c.mu.Unlock()
	keys := map[key]bool{}
	for k := range c.admitted {
		keys[k] = true
	}
	for k := range c.refused {
		keys[k] = true
	}
	for _, h := range c.ledger.Holds() {
		keys[key{h.Tenant, h.Resource}] = true
	}
	out := make([]Stat, 0, len(keys))
	for k := range keys {
		out = append(out, Stat{Tenant: k.tenant, Resource: k.resource, InUse: c.ledger.InUse(k.tenant, k.resource),
			Admitted: c.admitted[k], Refused: c.refused[k]})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Tenant != out[j].Tenant {
			return out[i].Tenant < out[j].Tenant
		}
		return out[i].Resource < out[j].Resource
	})
	return out
}
