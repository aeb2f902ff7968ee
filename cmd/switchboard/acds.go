package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"sync"
	"time"

	"github.com/switchboard-cc/switchboard/acd"
	"github.com/switchboard-cc/switchboard/callconfig"
	"github.com/switchboard-cc/switchboard/dialplan"
	"github.com/switchboard-cc/switchboard/orchestrator/acdowner"
	"github.com/switchboard-cc/switchboard/orchestrator/calls"
	"github.com/switchboard-cc/switchboard/store"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// tenantACDs runs one ACD owner per active tenant and keeps each in step with
// the configuration snapshot: a new tenant gets an owner, a changed queue or
// agent is applied to the running owner (no restart), an archived tenant's
// owner stops. It connects the owners to the call path both ways.
type tenantACDs struct {
	log   *slog.Logger
	st    *store.Store
	conf  *callconfig.Live
	calls *calls.Service // set once the call path exists; nil: offers fail

	mu      sync.Mutex
	owners  map[tenancy.TenantID]*acdowner.Owner
	applied map[tenancy.TenantID]map[string]any // queue/agent ID -> config last applied
}

func newTenantACDs(log *slog.Logger, st *store.Store, conf *callconfig.Live) *tenantACDs {
	return &tenantACDs{log: log, st: st, conf: conf, owners: map[tenancy.TenantID]*acdowner.Owner{},
		applied: map[tenancy.TenantID]map[string]any{}}
}

// fallbackReachable implements xmlcurl.Config.Reachable: a phone the
// served fallback may ring is one whose agent the tenant's ACD does not
// know to be not ready or on a break (said unavailable). A logged-out
// agent's phone still rings, as does a phone of no agent: the fallback is
// the site's ring group for when the controller is gone. A tenant without
// an ACD here knows nothing and rings them all.
func (r *tenantACDs) fallbackReachable(tenant dialplan.TenantID, user string) bool {
	o, ok := r.Owner(string(tenant))
	if !ok {
		return true
	}
	agent, ok := r.conf.AgentByExtension(tenancy.TenantID(tenant), user)
	if !ok {
		return true
	}
	switch s, _ := o.StateNow(agent); s {
	case acd.NotReady, acd.Break:
		return false
	}
	return true
}

// Owner implements api.ACDOwners.
func (r *tenantACDs) Owner(tenant string) (*acdowner.Owner, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	o, ok := r.owners[tenancy.TenantID(tenant)]
	return o, ok
}

// all is every running owner (for metrics).
func (r *tenantACDs) all() []*acdowner.Owner {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]*acdowner.Owner, 0, len(r.owners))
	for _, o := range r.owners {
		out = append(out, o)
	}
	return out
}

// AgentOfUser implements api.ACDOwners: the agent whose user is userID.
func (r *tenantACDs) AgentOfUser(ctx context.Context, tenant, userID string) (string, bool, error) {
	for id, a := range r.conf.Snapshot().Agents[tenancy.TenantID(tenant)] {
		if a.UserID == userID {
			return id, true, nil
		}
	}
	return "", false, nil
}

// sync applies a snapshot to the owners.
func (r *tenantACDs) sync(ctx context.Context, s *callconfig.Snapshot) {
	for id, t := range s.Tenants {
		queues, agents := acdConfig(s, id, r.log)
		r.mu.Lock()
		o := r.owners[id]
		r.mu.Unlock()
		if o == nil {
			r.start(ctx, t, queues, agents)
			continue
		}
		r.update(ctx, o, id, queues, agents)
	}
	r.mu.Lock()
	var gone []*acdowner.Owner
	for id, o := range r.owners {
		if _, ok := s.Tenants[id]; !ok {
			gone = append(gone, o)
			delete(r.owners, id)
			delete(r.applied, id)
		}
	}
	r.mu.Unlock()
	for _, o := range gone {
		_ = o.Stop(ctx)
	}
}

func (r *tenantACDs) start(ctx context.Context, t tenancy.Tenant, queues []acd.QueueConfig, agents []acd.AgentProfile) {
	o, err := acdowner.Start(ctx, acdowner.Config{Tenant: string(t.ID), Queues: queues, Agents: agents,
		Offerer: offerer{r}, Overflower: offerer{r}, History: history{r.st}, Snapshots: snapshots{r.st},
		Logger: r.log.With("acd", string(t.ID))})
	if err != nil {
		r.log.Error("tenant ACD not started", "tenant", string(t.ID), "err", err)
		return
	}
	applied := map[string]any{}
	for _, q := range queues {
		applied["q:"+q.ID] = q
	}
	for _, a := range agents {
		applied["a:"+a.ID] = a
	}
	r.mu.Lock()
	r.owners[t.ID], r.applied[t.ID] = o, applied
	r.mu.Unlock()
}

func (r *tenantACDs) update(ctx context.Context, o *acdowner.Owner, id tenancy.TenantID, queues []acd.QueueConfig, agents []acd.AgentProfile) {
	r.mu.Lock()
	applied := r.applied[id]
	r.mu.Unlock()
	for _, q := range queues {
		if !reflect.DeepEqual(applied["q:"+q.ID], q) {
			if err := o.SetQueue(ctx, q); err != nil {
				r.log.Warn("queue change refused by the ACD", "tenant", string(id), "queue", q.ID, "err", err)
				continue
			}
			r.mu.Lock()
			applied["q:"+q.ID] = q
			r.mu.Unlock()
		}
	}
	for _, a := range agents {
		if !reflect.DeepEqual(applied["a:"+a.ID], a) {
			if err := o.SetAgent(ctx, a); err != nil {
				r.log.Warn("agent change refused by the ACD", "tenant", string(id), "agent", a.ID, "err", err)
				continue
			}
			r.mu.Lock()
			applied["a:"+a.ID] = a
			r.mu.Unlock()
		}
	}
}

// stopAll stops every owner (at shutdown).
func (r *tenantACDs) stopAll(ctx context.Context) {
	r.mu.Lock()
	owners := r.owners
	r.owners = map[tenancy.TenantID]*acdowner.Owner{}
	r.mu.Unlock()
	for _, o := range owners {
		_ = o.Stop(ctx)
	}
}

func (r *tenantACDs) owner(t tenancy.TenantID) (*acdowner.Owner, error) {
	o, ok := r.Owner(string(t))
	if !ok {
		return nil, fmt.Errorf("no ACD running for tenant %s", t)
	}
	return o, nil
}

// The calls.Queuer side: the call session talks to its tenant's owner.

func (r *tenantACDs) Enqueue(ctx context.Context, t tenancy.TenantID, in acd.Interaction) error {
	o, err := r.owner(t)
	if err != nil {
		return err
	}
	return o.Enqueue(ctx, in)
}

func (r *tenantACDs) Accept(ctx context.Context, t tenancy.TenantID, agent, interaction string) error {
	o, err := r.owner(t)
	if err != nil {
		return err
	}
	return o.Accept(ctx, agent, interaction)
}

func (r *tenantACDs) Reject(ctx context.Context, t tenancy.TenantID, agent, interaction string) error {
	o, err := r.owner(t)
	if err != nil {
		return err
	}
	return o.Reject(ctx, agent, interaction)
}

func (r *tenantACDs) Finish(ctx context.Context, t tenancy.TenantID, interaction string) error {
	o, err := r.owner(t)
	if err != nil {
		return err
	}
	return o.Finish(ctx, interaction)
}

func (r *tenantACDs) Dial(ctx context.Context, t tenancy.TenantID, agent, interaction string) error {
	o, err := r.owner(t)
	if err != nil {
		return err
	}
	return o.Dial(ctx, agent, interaction, acd.Voice)
}

func (r *tenantACDs) Position(ctx context.Context, t tenancy.TenantID, interaction string) (int, time.Duration, error) {
	o, err := r.owner(t)
	if err != nil {
		return 0, 0, err
	}
	return o.Position(ctx, interaction)
}

// offerer hands the owners' offers and overflows to the call sessions.
type offerer struct{ r *tenantACDs }

var errNoCallWaiting = errors.New("no such call waits for an agent")

func (o offerer) Offer(ctx context.Context, of acdowner.Offer) error {
	if o.r.calls == nil || of.Medium != acd.Voice {
		return fmt.Errorf("medium %s: %w", of.Medium, errNoCallWaiting)
	}
	if !o.r.calls.Offer(tenancy.TenantID(of.Tenant), of.Interaction, of.Agent, of.Attempt) {
		return errNoCallWaiting
	}
	return nil
}

func (o offerer) CancelOffer(ctx context.Context, of acdowner.Offer) error {
	if o.r.calls != nil {
		o.r.calls.CancelOffer(tenancy.TenantID(of.Tenant), of.Interaction, of.Agent)
	}
	return nil
}

func (o offerer) Overflow(ctx context.Context, ov acdowner.Overflow) error {
	if o.r.calls == nil || !o.r.calls.Overflow(tenancy.TenantID(ov.Tenant), ov.Interaction, ov.Target) {
		return errNoCallWaiting
	}
	return nil
}

// history persists agent state transitions.
type history struct{ st *store.Store }

func (h history) AppendAgentStates(ctx context.Context, tenant string, recs []acdowner.StateRecord) error {
	rows := make([]store.AgentStateChange, len(recs))
	for i, r := range recs {
		rows[i] = store.AgentStateChange{AgentID: r.Agent, FromState: r.From.String(), ToState: r.To.String(),
			Event: r.Event.String(), Reason: r.Reason, At: r.At}
	}
	return h.st.AppendAgentStates(ctx, tenancy.TenantID(tenant), rows)
}

// acdConfig builds a tenant's ACD queues and agents from the snapshot. A
// queue whose settings do not parse is skipped with a log line naming why.
func acdConfig(s *callconfig.Snapshot, t tenancy.TenantID, log *slog.Logger) ([]acd.QueueConfig, []acd.AgentProfile) {
	var queues []acd.QueueConfig
	for _, q := range s.Queues[t] {
		qc, err := queueConfig(q)
		if err != nil {
			log.Error("queue skipped by the ACD", "tenant", string(t), "queue", q.ID, "err", err)
			continue
		}
		queues = append(queues, qc)
	}
	var agents []acd.AgentProfile
	for _, a := range s.Agents[t] {
		p := acd.AgentProfile{ID: a.ID, Tenant: string(t), Capacity: agentCapacity(a.Capacity)}
		for _, sk := range a.Skills {
			p.Skills = append(p.Skills, acd.SkillLevel{Skill: sk.SkillID, Level: sk.Level})
		}
		for _, m := range a.Queues {
			p.Queues = append(p.Queues, acd.Membership{Queue: m.QueueID, Priority: m.Priority})
		}
		agents = append(agents, p)
	}
	return queues, agents
}

func queueConfig(q store.Queue) (acd.QueueConfig, error) {
	strategy, err := acd.ParseStrategy(q.Strategy)
	if err != nil {
		return acd.QueueConfig{}, err
	}
	set, err := callconfig.ParseQueueSettings(q.Settings)
	if err != nil {
		return acd.QueueConfig{}, err
	}
	sld, err := acd.ParseSLDefinition(set.ServiceLevelDefinition)
	if err != nil {
		return acd.QueueConfig{}, err
	}
	sec := func(n int) time.Duration { return time.Duration(n) * time.Second }
	qc := acd.QueueConfig{ServiceLevelDefinition: sld, ID: q.ID, Strategy: strategy, OfferTimeout: sec(q.RingTimeoutSeconds), WrapUp: sec(q.WrapUpSeconds),
		MaxWait: sec(q.MaxWaitSeconds), AgingPerMinute: set.AgingPerMinute, MaxWaiting: set.MaxWaiting,
		ServiceLevel: sec(set.ServiceLevelSeconds), PrimarySkill: set.PrimarySkill}
	for dst, src := range map[*acd.OverflowTarget]*callconfig.Overflow{&qc.OnFull: set.OnFull, &qc.OnMaxWait: set.OnMaxWait, &qc.OnNoAgents: set.OnNoAgents} {
		if *dst, err = src.ACD(); err != nil {
			return acd.QueueConfig{}, err
		}
	}
	for _, w := range set.Widening {
		qc.Widening = append(qc.Widening, acd.Widen{After: sec(w.AfterSeconds), Relax: w.Relax, Tier: w.Tier})
	}
	return qc, nil
}

// snapshots keeps the owners' snapshots (agent states, waiting interactions)
// in the store as JSON, so a restarted controller resumes where it was.
type snapshots struct{ st *store.Store }

func (s snapshots) LoadACDSnapshot(ctx context.Context, tenant string) (acd.Snapshot, bool, error) {
	raw, _, found, err := s.st.LoadACDSnapshot(ctx, tenancy.TenantID(tenant))
	if err != nil || !found {
		return acd.Snapshot{}, false, err
	}
	var snap acd.Snapshot
	if err := json.Unmarshal(raw, &snap); err != nil {
		return acd.Snapshot{}, false, fmt.Errorf("decode ACD snapshot of %s: %w", tenant, err)
	}
	return snap, true, nil
}

func (s snapshots) SaveACDSnapshot(ctx context.Context, tenant string, snap acd.Snapshot) error {
	raw, err := json.Marshal(snap)
	if err != nil {
		return err
	}
	return s.st.SaveACDSnapshot(ctx, tenancy.TenantID(tenant), raw)
}

// agentCapacity is the stored capacity over the ACD's defaults.
func agentCapacity(c *store.AgentCapacity) acd.Capacity {
	out := acd.DefaultCapacity()
	if c == nil {
		return out
	}
	for m, v := range map[acd.Medium]*int{acd.Voice: c.Voice, acd.WebCall: c.WebCall, acd.Chat: c.Chat, acd.Email: c.Email,
		acd.SMS: c.SMS, acd.Callback: c.Callback, acd.Preview: c.Preview} {
		if v != nil {
			out.Max[m] = uint8(*v)
		}
	}
	out.VoiceOverChat = c.VoiceOverChat
	return out
}

// Adopt puts a call taken back after a restart back on its agent (calls.Adopter).
func (r *tenantACDs) Adopt(ctx context.Context, t tenancy.TenantID, agent string, in acd.Interaction, accepted time.Time) error {
	o, err := r.owner(t)
	if err != nil {
		return err
	}
	return o.Adopt(ctx, agent, in, accepted)
}
