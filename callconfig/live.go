package callconfig

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/switchboard-cc/switchboard/dialplan"
	"github.com/switchboard-cc/switchboard/orchestrator"
	"github.com/switchboard-cc/switchboard/orchestrator/calls"
	"github.com/switchboard-cc/switchboard/store"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// Live holds the current Snapshot and the phones' registrations.
type Live struct {
	st   *store.Store
	log  *slog.Logger
	now  func() time.Time
	snap atomic.Pointer[Snapshot]
	// reloading serialises Reload: a load that read the database earlier
	// must never store its snapshot after one that read it later (a
	// periodic reload racing a reload made right after a change would
	// otherwise bring back the state before the change).
	reloading sync.Mutex
	// basis is the last load's result (held with reloading): what the next
	// load compares with and reuses unchanged tenants' rows from. It differs
	// from snap when a load changed nothing that snap serves (same
	// fingerprint): snap stays, so its readers see no reload.
	basis *Snapshot
	// failures counts failed reloads; loaded is the last successful read
	// (Unix nanoseconds). Both are for metrics.
	failures, loaded atomic.Int64
	// OnReload is called with each new snapshot (e.g. to refresh xml_curl).
	OnReload func(*Snapshot)

	mu    sync.Mutex
	regs  map[string]map[string]bool // user@domain -> node -> registered
	nodes map[string]bool            // node -> up
	// phones are agents working on an external number ("pc+phone" mode,
	// AG-1): tenant/agent -> number, rung through the gateway.
	phones map[string]string
	// answerModes are agents' answer modes (calls.Answer*): tenant/agent -> mode.
	answerModes map[string]string
	// Gateway is the switch gateway external numbers are dialled through.
	Gateway string
}

// New returns a Live that has loaded once.
func New(ctx context.Context, st *store.Store, log *slog.Logger, now func() time.Time) (*Live, error) {
	if now == nil {
		now = time.Now
	}
	l := &Live{st: st, log: log, now: now, regs: map[string]map[string]bool{}, nodes: map[string]bool{},
		phones: map[string]string{}, answerModes: map[string]string{}, Gateway: "pstn"}
	if err := l.Reload(ctx); err != nil {
		return nil, err
	}
	return l, nil
}

// Snapshot returns the current snapshot.
func (l *Live) Snapshot() *Snapshot { return l.snap.Load() }

// Reload loads a new snapshot and swaps it in; on error the old one stays.
// A tenant whose rows cannot be read keeps its rows of the old snapshot
// (and is listed in Problems), so neither a transient read error nor one
// tenant's unreadable row changes what the others get.
//
// A reload reads only what changed since the last one: the tenants'
// configuration versions (bumped by the database itself on every change to
// their configuration, whoever makes it: this process, another replica, a
// hand edit), the tenant list and the node list; then the rows of the
// tenants whose version moved. With nothing changed it builds nothing. So
// a change is seen by the first reload that starts after it commits, as
// when every reload read everything.
func (l *Live) Reload(ctx context.Context) error {
	l.reloading.Lock()
	defer l.reloading.Unlock()
	s, err := load(ctx, l.st, l.now(), l.basis)
	if err != nil {
		if ctx.Err() == nil { // not a shutdown
			l.failures.Add(1)
		}
		return err
	}
	l.basis = s
	l.loaded.Store(time.Now().UnixNano())
	if old := l.snap.Load(); old != nil && old.Fingerprint == s.Fingerprint {
		return nil // nothing changed: keep the old snapshot, no reload work
	}
	l.snap.Store(s)
	if l.OnReload != nil {
		l.OnReload(s)
	}
	return nil
}

// ReloadFailures is how many reloads failed since New (the previous
// snapshot kept serving each time).
func (l *Live) ReloadFailures() uint64 { return uint64(l.failures.Load()) }

// LastLoaded is when the configuration was last read successfully.
func (l *Live) LastLoaded() time.Time {
	if ns := l.loaded.Load(); ns != 0 {
		return time.Unix(0, ns)
	}
	return time.Time{}
}

// Run reloads every interval until ctx is done. Failures are logged and the
// previous snapshot keeps serving.
func (l *Live) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := l.Reload(ctx); err != nil && ctx.Err() == nil {
				l.log.Warn("configuration reload failed; serving the previous snapshot", "err", err)
			}
		}
	}
}

// ApplyNodeEvent records registrations and forgets a lost node's phones.
func (l *Live) ApplyNodeEvent(ev orchestrator.NodeEvent) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch ev.Kind {
	case orchestrator.NodeUp:
		// The adapter reports the node's current registrations right after;
		// what this node had before is stale.
		l.nodes[ev.Node] = true
		l.forgetNodeLocked(ev.Node)
	case orchestrator.NodeRegistered:
		k := regKey(ev.User, ev.Domain)
		if l.regs[k] == nil {
			l.regs[k] = map[string]bool{}
		}
		l.regs[k][ev.Node] = true
	case orchestrator.NodeUnregistered:
		k := regKey(ev.User, ev.Domain)
		delete(l.regs[k], ev.Node)
		if len(l.regs[k]) == 0 {
			delete(l.regs, k)
		}
	case orchestrator.NodeDown:
		l.nodes[ev.Node] = false
		l.forgetNodeLocked(ev.Node)
	}
}

func (l *Live) forgetNodeLocked(node string) {
	for k, nodes := range l.regs {
		delete(nodes, node)
		if len(nodes) == 0 {
			delete(l.regs, k)
		}
	}
}

// NodeUp reports whether node is connected, as its adapter last said.
func (l *Live) NodeUp(node string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.nodes[node]
}

// Registered reports whether user@domain has a registered phone on any node.
func (l *Live) Registered(user, domain string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.regs[regKey(user, domain)]) > 0
}

func regKey(user, domain string) string { return user + "@" + strings.ToLower(domain) }

// Route implements calls.Router from the snapshot's number plan.
func (l *Live) Route(ctx context.Context, to string, vars map[string]string, now time.Time) (calls.Route, error) {
	s := l.Snapshot()
	r, err := s.Plan.Route(dialplan.Call{Dialled: to, Now: now})
	var rej *dialplan.Rejection
	if errors.As(err, &rej) {
		return calls.Route{}, &calls.Rejection{Cause: orchestrator.HangupCause(rej.Cause), Reason: rej.Reason}
	}
	if err != nil {
		return calls.Route{}, err
	}
	t, ok := s.Tenants[tenancy.TenantID(r.Tenant)]
	if !ok {
		return calls.Route{}, &calls.Rejection{Cause: orchestrator.CauseUnallocatedNumber, Reason: "tenant of " + to + " is gone"}
	}
	number := r.Configured // CDRs and screen pops show the number as configured
	if number == "" {
		number = r.Number
	}
	out := calls.Route{Tenant: t.ID, Status: t.Status, Quotas: t.Quotas, AccessNumber: number, Language: string(t.Language)}
	switch r.Entry.Kind {
	case dialplan.EntryQueue:
		id, ok := s.QueueID(t.ID, r.Entry.Name)
		if !ok {
			return calls.Route{}, &calls.Rejection{Cause: orchestrator.CauseUnallocatedNumber,
				Reason: "access number " + r.Number + " names queue " + r.Entry.Name + ", which tenant " + string(t.ID) + " does not have"}
		}
		out.Queue = id
		q := s.Queues[t.ID][id]
		out.RingTimeout = time.Duration(q.RingTimeoutSeconds) * time.Second
		if set, ok := s.queueSettings[t.ID][id]; ok {
			out.Record, out.AnnounceAgent = set.Record, set.AnnounceAgent
			out.AnnouncePositionEvery = time.Duration(set.AnnouncePositionSeconds) * time.Second
		}
	case dialplan.EntryFlow:
		out.Flow = r.Entry.Name
	}
	return out, nil
}

// Endpoint implements calls.Agents: the agent's phone in the tenant's domain.
func (l *Live) Endpoint(t tenancy.TenantID, agentID string) (calls.AgentEndpoint, bool) {
	s := l.Snapshot()
	a, ok := s.Agents[t][agentID]
	if !ok {
		return calls.AgentEndpoint{}, false
	}
	domain := s.Tenants[t].SIPDomain
	mode := l.answerMode(t, a.ID)
	if number, node, ok := l.externalPhone(t, a.ID); ok {
		return calls.AgentEndpoint{AgentID: a.ID, Extension: a.Extension, Name: a.DisplayName, Node: node, Registered: node != "",
			Endpoint: orchestrator.Endpoint{Kind: orchestrator.EndpointGateway, Gateway: l.Gateway, Number: number}, AnswerMode: mode}, true
	}
	node := l.nodeOf(a.Extension, domain)
	return calls.AgentEndpoint{AgentID: a.ID, Extension: a.Extension, Name: a.DisplayName, AnswerMode: mode,
		Endpoint:   orchestrator.Endpoint{Kind: orchestrator.EndpointUser, User: a.Extension, Domain: domain},
		Registered: node != "", Node: node}, true
}

// nodeOf is a node where user@domain is registered ("" if none); the
// lowest name, so the choice is stable.
func (l *Live) nodeOf(user, domain string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	best := ""
	for n := range l.regs[regKey(user, domain)] {
		if best == "" || n < best {
			best = n
		}
	}
	return best
}

// Lines implements calls.TenantLines: outbound calls present the tenant's
// first access number (in number order) as caller ID.
func (l *Live) Lines(t tenancy.TenantID) (tenancy.Status, tenancy.Quotas, string, bool) {
	s := l.Snapshot()
	ten, ok := s.Tenants[t]
	if !ok {
		return "", tenancy.Quotas{}, "", false
	}
	cid := ""
	for _, n := range s.PlanConfig.Numbers {
		if n.Tenant == dialplan.TenantID(t) && (cid == "" || n.Number < cid) {
			cid = n.Number
		}
	}
	return ten.Status, ten.Quotas, cid, true
}

// QueueID implements calls.Names.
func (l *Live) QueueID(t tenancy.TenantID, nameOrID string) (string, bool) {
	return l.Snapshot().QueueID(t, nameOrID)
}

// SkillID implements calls.Names.
func (l *Live) SkillID(t tenancy.TenantID, nameOrID string) (string, bool) {
	return l.Snapshot().SkillID(t, nameOrID)
}

// AgentQueue implements calls.Names: an agent by ID or extension, and the
// queue it serves first (lowest priority number, as the ACD orders them).
func (l *Live) AgentQueue(t tenancy.TenantID, idOrExtension string) (string, string, bool) {
	s := l.Snapshot()
	for id, a := range s.Agents[t] {
		if id != idOrExtension && a.Extension != idOrExtension {
			continue
		}
		best, prio := "", 0
		for _, m := range a.Queues {
			if best == "" || m.Priority < prio {
				best, prio = m.QueueID, m.Priority
			}
		}
		return id, best, best != ""
	}
	return "", "", false
}

// SetExternalPhone puts an agent in phone mode: offers ring number through
// the gateway instead of the agent's SIP phone. An empty number ends it.
func (l *Live) SetExternalPhone(t tenancy.TenantID, agent, number string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if number == "" {
		delete(l.phones, string(t)+"/"+agent)
		return
	}
	l.phones[string(t)+"/"+agent] = number
}

// externalPhone is an agent's phone-mode number and a node that is up to
// dial it from.
func (l *Live) externalPhone(t tenancy.TenantID, agent string) (string, string, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	number, ok := l.phones[string(t)+"/"+agent]
	if !ok {
		return "", "", false
	}
	node := ""
	for n, up := range l.nodes {
		if up && (node == "" || n < node) {
			node = n
		}
	}
	return number, node, true
}

// SetAnswerMode sets how an agent's offers are answered (calls.Answer*).
func (l *Live) SetAnswerMode(t tenancy.TenantID, agent, mode string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if mode == "" {
		delete(l.answerModes, string(t)+"/"+agent)
		return
	}
	l.answerModes[string(t)+"/"+agent] = mode
}

func (l *Live) answerMode(t tenancy.TenantID, agent string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.answerModes[string(t)+"/"+agent]
}

// AgentByExtension implements calls.PhoneDirectory: the tenant's agent
// whose phone is extension (the directory user its phone registers as).
func (l *Live) AgentByExtension(t tenancy.TenantID, extension string) (string, bool) {
	id, ok := l.Snapshot().agentByExt[t][extension]
	return id, ok
}

// OutsideNumber implements calls.PhoneDirectory with the plan's number format.
func (l *Live) OutsideNumber(dialled string) (string, bool) {
	return l.Snapshot().PlanConfig.Format.Outside(dialled)
}
