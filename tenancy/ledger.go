package tenancy

import (
	"errors"
	"fmt"
	"sort"
)

// Hold is one admitted use of a concurrent resource (a PSTN call, a web
// call, a chat). Node+ID names the holder cluster-wide: a call is the node
// it runs on plus its call ID; a chat has no node.
type Hold struct {
	Tenant   TenantID `json:"tenant"`
	Resource Resource `json:"resource"`
	Node     string   `json:"node,omitempty"`
	ID       string   `json:"id"`
}

func (h Hold) key() string { return h.Node + "/" + h.ID }

// ErrHolderConflict: the holder already holds a different tenant or resource.
var ErrHolderConflict = errors.New("holder already holds another resource")

type usageKey struct {
	tenant   TenantID
	resource Resource
}

// Ledger is the pure counting rule behind admission: who holds what, and how
// many each tenant uses of each resource. It is not safe for concurrent use;
// orchestrator/admission wraps it with a mutex.
type Ledger struct {
	holds map[string]Hold
	inUse map[usageKey]int
}

// NewLedger returns an empty ledger.
func NewLedger() *Ledger {
	return &Ledger{holds: map[string]Hold{}, inUse: map[usageKey]int{}}
}

func (h Hold) check() error {
	if err := h.Tenant.Check(); err != nil {
		return err
	}
	if h.ID == "" {
		return &FieldError{"holder", "ID is required"}
	}
	switch h.Resource {
	case ResourcePSTNCalls, ResourceWebCalls, ResourceChats:
		return nil
	}
	return &FieldError{"resource", fmt.Sprintf("%q is not a concurrent resource (pstn_calls, web_calls, chats)", h.Resource)}
}

// Admit records h if the tenant uses fewer than limit of the resource, or
// returns *OverQuotaError. Admitting a holder twice for the same tenant and
// resource counts once (retries are safe).
func (l *Ledger) Admit(h Hold, limit int) error {
	if err := h.check(); err != nil {
		return err
	}
	if old, ok := l.holds[h.key()]; ok {
		if old.Tenant == h.Tenant && old.Resource == h.Resource {
			return nil
		}
		return fmt.Errorf("%w: %s holds %s of tenant %s", ErrHolderConflict, h.key(), old.Resource, old.Tenant)
	}
	k := usageKey{h.Tenant, h.Resource}
	if err := Admit(h.Resource, l.inUse[k], limit); err != nil {
		return err
	}
	l.add(h)
	return nil
}

func (l *Ledger) add(h Hold) {
	l.holds[h.key()] = h
	l.inUse[usageKey{h.Tenant, h.Resource}]++
}

// Restore records holds found running after a controller restart, without
// checking limits (they are already in progress; a lowered quota applies to
// new admissions only). Holders already present are skipped. It returns how
// many were added.
func (l *Ledger) Restore(holds []Hold) int {
	n := 0
	for _, h := range holds {
		if h.check() != nil {
			continue
		}
		if _, ok := l.holds[h.key()]; !ok {
			l.add(h)
			n++
		}
	}
	return n
}

// Release forgets the holder node/id; releasing twice is a no-op (false).
func (l *Ledger) Release(node, id string) (Hold, bool) {
	h, ok := l.holds[node+"/"+id]
	if !ok {
		return Hold{}, false
	}
	delete(l.holds, h.key())
	k := usageKey{h.Tenant, h.Resource}
	if l.inUse[k]--; l.inUse[k] == 0 {
		delete(l.inUse, k)
	}
	return h, true
}

// ReleaseNode releases every hold on node (the node failed) and returns them.
func (l *Ledger) ReleaseNode(node string) []Hold {
	var out []Hold
	for _, h := range l.holds {
		if h.Node == node && node != "" {
			out = append(out, h)
		}
	}
	for _, h := range out {
		l.Release(h.Node, h.ID)
	}
	sortHolds(out)
	return out
}

// InUse returns how many of resource r tenant t holds.
func (l *Ledger) InUse(t TenantID, r Resource) int { return l.inUse[usageKey{t, r}] }

// Holds returns every hold, sorted by tenant, resource, node and ID.
func (l *Ledger) Holds() []Hold {
	out := make([]Hold, 0, len(l.holds))
	for _, h := range l.holds {
		out = append(out, h)
	}
	sortHolds(out)
	return out
}

func sortHolds(hs []Hold) {
	sort.Slice(hs, func(i, j int) bool {
		a, b := hs[i], hs[j]
		if a.Tenant != b.Tenant {
			return a.Tenant < b.Tenant
		}
		if a.Resource != b.Resource {
			return a.Resource < b.Resource
		}
		return a.key() < b.key()
	})
}
