package flowrun

import (
	"cmp"
	"slices"
	"strings"
	"sync"

	"github.com/switchboard-cc/switchboard/ivrflows"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// IVR port monitoring (IVR-17): how many calls are in a flow right now per
// node and per tenant, and per flow version how many calls started,
// completed (reached a hand-off or the flow's own end), were abandoned
// (caller hung up in the IVR) or failed. A call waiting in a queue or
// talking to an agent is not in the IVR.

// FlowKey names one flow version of a tenant.
type FlowKey struct {
	Tenant  tenancy.TenantID `json:"tenant"`
	Flow    string           `json:"flow"`
	Version int              `json:"version"`
}

// FlowCounts are one flow version's counters.
type FlowCounts struct {
	Active    int   `json:"active"`
	Started   int64 `json:"started"`
	Completed int64 `json:"completed"`
	Abandoned int64 `json:"abandoned"`
	Failed    int64 `json:"failed"`
}

// NodePorts is one node's IVR ports: Busy in use, Idle free of Capacity
// (Idle and Capacity are 0 when the capacity is not configured).
type NodePorts struct {
	Busy     int `json:"busy"`
	Idle     int `json:"idle"`
	Capacity int `json:"capacity"`
}

// FlowStats is one flow version's counters in a snapshot.
type FlowStats struct {
	FlowKey
	FlowCounts
}

// Stats is a snapshot; the maps and slices are the caller's.
type Stats struct {
	InIVR        int                      `json:"in_ivr"`
	Nodes        map[string]NodePorts     `json:"nodes"`
	Tenants      map[tenancy.TenantID]int `json:"tenants"`
	Flows        []FlowStats              `json:"flows"` // sorted by tenant, flow, version
	TraceFailed  int64                    `json:"trace_failed"`
	TraceDropped int64                    `json:"trace_dropped"`
}

type stats struct {
	mu        sync.Mutex
	ports     map[string]int
	nodes     map[string]int
	tenants   map[tenancy.TenantID]int
	flows     map[FlowKey]*FlowCounts
	traceFail int64
	traceDrop int64
}

func newStats(ports map[string]int) *stats {
	return &stats{ports: ports, nodes: map[string]int{}, tenants: map[tenancy.TenantID]int{}, flows: map[FlowKey]*FlowCounts{}}
}

func (s *stats) flowLocked(k FlowKey) *FlowCounts {
	c := s.flows[k]
	if c == nil {
		c = &FlowCounts{}
		s.flows[k] = c
	}
	return c
}

// enterLocked and leaveLocked move a call in or out of the IVR gauges.
func (s *stats) enterLocked(k FlowKey, node string, d int) {
	s.nodes[node] += d
	s.tenants[k.Tenant] += d
	s.flowLocked(k).Active += d
	if s.nodes[node] == 0 {
		delete(s.nodes, node)
	}
	if s.tenants[k.Tenant] == 0 {
		delete(s.tenants, k.Tenant)
	}
}

func (s *stats) start(k FlowKey, node string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.flowLocked(k).Started++
	s.enterLocked(k, node, 1)
}

func (s *stats) resume(k FlowKey, node string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.enterLocked(k, node, 1)
}

func (s *stats) suspend(k FlowKey, node string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.enterLocked(k, node, -1)
}

func (s *stats) complete(k FlowKey) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.flowLocked(k).Completed++
}

// end leaves the IVR; counted says the call was already counted complete
// at a hand-off.
func (s *stats) end(k FlowKey, node string, o ivrflows.Outcome, counted bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.enterLocked(k, node, -1)
	if counted {
		return
	}
	c := s.flowLocked(k)
	switch o {
	case ivrflows.OutcomeCallerHangup:
		c.Abandoned++
	case ivrflows.OutcomeError:
		c.Failed++
	default:
		c.Completed++
	}
}

func (s *stats) traceFailed() {
	s.mu.Lock()
	s.traceFail++
	s.mu.Unlock()
}

func (s *stats) traceDropped(n int) {
	s.mu.Lock()
	s.traceDrop += int64(n)
	s.mu.Unlock()
}

// Flow returns one flow version's counters from the snapshot.
func (s Stats) Flow(k FlowKey) FlowCounts {
	for _, f := range s.Flows {
		if f.FlowKey == k {
			return f.FlowCounts
		}
	}
	return FlowCounts{}
}

// Stats returns a snapshot of every tenant's figures (operator view).
func (r *Runner) Stats() Stats { return r.stats.snapshot("") }

// TenantStats returns one tenant's figures only (MT-4: a tenant learns
// nothing about the others); node figures are left out for the same reason.
func (r *Runner) TenantStats(t tenancy.TenantID) Stats {
	if t == "" {
		return Stats{Tenants: map[tenancy.TenantID]int{}}
	}
	return r.stats.snapshot(t)
}

func (s *stats) snapshot(only tenancy.TenantID) Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := Stats{Tenants: map[tenancy.TenantID]int{}}
	for t, n := range s.tenants {
		if only == "" || t == only {
			out.Tenants[t] = n
			out.InIVR += n
		}
	}
	for k, c := range s.flows {
		if only == "" || k.Tenant == only {
			out.Flows = append(out.Flows, FlowStats{k, *c})
		}
	}
	slices.SortFunc(out.Flows, func(a, b FlowStats) int {
		return cmp.Or(strings.Compare(string(a.Tenant), string(b.Tenant)), strings.Compare(a.Flow, b.Flow), a.Version-b.Version)
	})
	if only != "" {
		return out
	}
	out.Nodes = map[string]NodePorts{}
	for n, cap := range s.ports {
		out.Nodes[n] = NodePorts{Capacity: cap, Idle: cap}
	}
	for n, busy := range s.nodes {
		np := out.Nodes[n]
		np.Busy = busy
		if np.Capacity > 0 {
			np.Idle = max(np.Capacity-busy, 0)
		}
		out.Nodes[n] = np
	}
	out.TraceFailed, out.TraceDropped = s.traceFail, s.traceDrop
	return out
}
