package callconfig

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"time"

	"github.com/switchboard-cc/switchboard/dialplan"
	"github.com/switchboard-cc/switchboard/store"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// Snapshot is configuration as of one load. It is never modified after Load.
type Snapshot struct {
	LoadedAt   time.Time
	Tenants    map[tenancy.TenantID]tenancy.Tenant
	PlanConfig dialplan.Config
	Plan       *dialplan.Plan
	// Queues and Agents of each tenant, by ID.
	Queues map[tenancy.TenantID]map[string]store.Queue
	Agents map[tenancy.TenantID]map[string]store.Agent
	// queueByName resolves entry aliases (queue names) to queue IDs.
	queueByName map[tenancy.TenantID]map[string]string
	// skillByName resolves skill names (as flows use them) to skill IDs.
	skillByName map[tenancy.TenantID]map[string]string
	// Nodes are the enabled switch nodes with their secrets.
	Nodes []NodeWithSecret
	// Fingerprint changes whenever the loaded configuration does.
	Fingerprint [32]byte
}

// NodeWithSecret is a node and its decrypted secret (ESL password).
type NodeWithSecret struct {
	store.Node
	Secret string
}

// LoadLocation resolves time zones (time.LoadLocation); a variable so the
// snapshot can be built where zoneinfo is missing.
var LoadLocation = time.LoadLocation

// Load reads the whole call configuration from st.
func Load(ctx context.Context, st *store.Store, now time.Time) (*Snapshot, error) {
	s := &Snapshot{LoadedAt: now, Tenants: map[tenancy.TenantID]tenancy.Tenant{},
		Queues: map[tenancy.TenantID]map[string]store.Queue{}, Agents: map[tenancy.TenantID]map[string]store.Agent{},
		queueByName: map[tenancy.TenantID]map[string]string{}, skillByName: map[tenancy.TenantID]map[string]string{}}
	tenants, err := store.All(func(p store.Page) (store.List[tenancy.Tenant], error) { return st.ListTenants(ctx, p) })
	if err != nil {
		return nil, fmt.Errorf("load tenants: %w", err)
	}
	for _, t := range tenants {
		if t.Status == tenancy.StatusArchived {
			continue
		}
		if err := s.loadTenant(ctx, st, t); err != nil {
			return nil, err
		}
	}
	if err := s.loadNodes(ctx, st); err != nil {
		return nil, err
	}
	fp, err := json.Marshal([]any{s.Tenants, s.Queues, s.Agents, s.PlanConfig.Numbers, s.Nodes, s.skillByName})
	if err != nil {
		return nil, err
	}
	s.Fingerprint = sha256.Sum256(fp)
	plan, err := dialplan.NewPlan(s.PlanConfig)
	if err != nil {
		return nil, fmt.Errorf("build number plan: %w", err)
	}
	s.Plan = plan
	return s, nil
}

func (s *Snapshot) loadTenant(ctx context.Context, st *store.Store, t tenancy.Tenant) error {
	s.Tenants[t.ID] = t
	loc, err := LoadLocation(t.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	// The plan routes every tenant's numbers; the call path applies the
	// tenant's status itself so a suspended tenant's callers hear why.
	// While the controller is unreachable each node enforces the tenant's
	// PSTN call quota alone in its fallback (MT-2).
	s.PlanConfig.Tenants = append(s.PlanConfig.Tenants, dialplan.Tenant{ID: dialplan.TenantID(t.ID), Location: loc,
		Fallback: dialplan.Fallback{MaxCalls: max(t.Quotas.MaxPSTNCalls, 0)}})
	queues, err := store.All(func(p store.Page) (store.List[store.Queue], error) { return st.ListQueues(ctx, t.ID, p) })
	if err != nil {
		return fmt.Errorf("load queues of %s: %w", t.ID, err)
	}
	s.Queues[t.ID], s.queueByName[t.ID] = map[string]store.Queue{}, map[string]string{}
	for _, q := range queues {
		s.Queues[t.ID][q.ID] = q
		s.queueByName[t.ID][q.Name] = q.ID
	}
	skills, err := store.All(func(p store.Page) (store.List[store.Skill], error) { return st.ListSkills(ctx, t.ID, p) })
	if err != nil {
		return fmt.Errorf("load skills of %s: %w", t.ID, err)
	}
	s.skillByName[t.ID] = map[string]string{}
	for _, sk := range skills {
		s.skillByName[t.ID][sk.Name] = sk.ID
		s.skillByName[t.ID][sk.ID] = sk.ID
	}
	agents, err := store.All(func(p store.Page) (store.List[store.Agent], error) { return st.ListAgents(ctx, t.ID, p) })
	if err != nil {
		return fmt.Errorf("load agents of %s: %w", t.ID, err)
	}
	s.Agents[t.ID] = map[string]store.Agent{}
	for _, a := range agents {
		s.Agents[t.ID][a.ID] = a
	}
	numbers, err := store.All(func(p store.Page) (store.List[store.AccessNumber], error) { return st.ListAccessNumbers(ctx, t.ID, p) })
	if err != nil {
		return fmt.Errorf("load numbers of %s: %w", t.ID, err)
	}
	for _, n := range numbers {
		kind := dialplan.EntryQueue
		if n.EntryKind == store.EntryFlow {
			kind = dialplan.EntryFlow
		}
		s.PlanConfig.Numbers = append(s.PlanConfig.Numbers, dialplan.AccessNumber{Number: n.Number, Tenant: dialplan.TenantID(t.ID),
			Rules: []dialplan.Rule{{Entry: dialplan.Entry{Kind: kind, Name: n.EntryAlias}}}})
	}
	return nil
}

func (s *Snapshot) loadNodes(ctx context.Context, st *store.Store) error {
	nodes, err := store.All(func(p store.Page) (store.List[store.Node], error) { return st.ListNodes(ctx, p) })
	if err != nil {
		return fmt.Errorf("load nodes: %w", err)
	}
	for _, n := range nodes {
		if !n.Enabled {
			continue
		}
		ns := NodeWithSecret{Node: n}
		if n.HasSecret {
			if ns.Secret, err = st.NodeSecret(ctx, n.ID); err != nil {
				return fmt.Errorf("read secret of node %s: %w", n.Name, err)
			}
		}
		s.Nodes = append(s.Nodes, ns)
	}
	return nil
}

// QueueID resolves a queue name (an access number's entry alias) or ID.
func (s *Snapshot) QueueID(t tenancy.TenantID, nameOrID string) (string, bool) {
	if _, ok := s.Queues[t][nameOrID]; ok {
		return nameOrID, true
	}
	id, ok := s.queueByName[t][nameOrID]
	return id, ok
}

// SkillID resolves a skill name (as flows use it) or ID.
func (s *Snapshot) SkillID(t tenancy.TenantID, nameOrID string) (string, bool) {
	id, ok := s.skillByName[t][nameOrID]
	return id, ok
}
