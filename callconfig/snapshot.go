package callconfig

import (
	"cmp"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/switchboard-cc/switchboard/dialplan"
	"github.com/switchboard-cc/switchboard/ivrflows"
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
	// queueSettings are the queues' settings parsed once at load (the call
	// path reads them on every route); a queue whose settings do not parse
	// has none (a Problem).
	queueSettings map[tenancy.TenantID]map[string]QueueSettings
	// agentByExt finds an agent by its phone's extension (the directory
	// user), per tenant.
	agentByExt map[tenancy.TenantID]map[string]string
	// skillByName resolves skill names (as flows use them) to skill IDs.
	skillByName map[tenancy.TenantID]map[string]string
	// Nodes are the enabled switch nodes with their secrets.
	Nodes []NodeWithSecret
	// Problems are the rows Load left out (or, for queue settings, that the
	// ACD will skip; for an access number whose queue or flow is missing or
	// not live, that refuses its calls), each with its tenant and why: one
	// tenant's bad row never stops the others' configuration.
	Problems []dialplan.Problem
	// Fingerprint changes whenever the loaded configuration does.
	Fingerprint [32]byte
	// rows are each tenant's rows as read, for the next load to reuse when
	// the tenant's configuration did not change, or to fall back on when its
	// rows cannot be read.
	rows map[tenancy.TenantID]tenantRows
	// versions are the configuration versions (store.ConfigVersions) the
	// tenants' rows were read at; a tenant whose rows could not be read has
	// none.
	versions map[tenancy.TenantID]int64
	// tenantList and nodeList are the tenant and node lists as read.
	tenantList []tenancy.Tenant
	nodeList   []store.Node
	// stale: some tenant's rows or node's secret could not be read, so the
	// next load reads again even if nothing changed.
	stale bool
}

// NodeWithSecret is a node and its decrypted secret (ESL password).
type NodeWithSecret struct {
	store.Node
	Secret string
}

// LoadLocation resolves time zones (time.LoadLocation); a variable so the
// snapshot can be built where zoneinfo is missing.
var LoadLocation = time.LoadLocation

// Load reads the whole call configuration from st. A row that breaks a
// field rule (written before the rule existed, or by hand in the database)
// is left out and listed in Problems; so is the later of two access numbers
// that differ only by '+'. Only a failing read of the tenant or node list
// fails Load; a tenant whose rows cannot be read is listed in Problems and
// served without them (see Live.Reload for what a reload does instead).
func Load(ctx context.Context, st *store.Store, now time.Time) (*Snapshot, error) {
	return load(ctx, st, now, nil)
}

// tenantRows are one tenant's rows as read from the store.
type tenantRows struct {
	queues  []store.Queue
	skills  []store.Skill
	agents  []store.Agent
	numbers []store.AccessNumber
	// flows maps each flow's name to whether it has a live version.
	flows map[string]bool
}

// load is Load; a tenant (or node secret) that cannot be read keeps what
// prev had of it, if anything, so a row that breaks the store's own reading
// (hand-written JSON, say) or a failed read costs only that tenant.
//
// With prev, load reads only what changed since prev (see store's
// ConfigVersions): the tenants' configuration versions first, then the
// tenant and node lists (a few rows each); a tenant whose version is the
// one prev read is not read again but keeps prev's rows. When nothing at
// all changed and prev read everything it tried to, load returns prev
// itself, having built nothing. Reading the versions before the rows is
// what makes this safe: rows read after a version are never older than it.
func load(ctx context.Context, st *store.Store, now time.Time, prev *Snapshot) (*Snapshot, error) {
	versions, err := st.ConfigVersions(ctx)
	if err != nil {
		return nil, fmt.Errorf("load configuration versions: %w", err)
	}
	tenants, err := store.All(func(p store.Page) (store.List[tenancy.Tenant], error) { return st.ListTenants(ctx, p) })
	if err != nil {
		return nil, fmt.Errorf("load tenants: %w", err)
	}
	nodes, err := store.All(func(p store.Page) (store.List[store.Node], error) { return st.ListNodes(ctx, p) })
	if err != nil {
		return nil, fmt.Errorf("load nodes: %w", err)
	}
	if prev.unchanged(versions, tenants, nodes) {
		return prev, nil
	}
	s := &Snapshot{LoadedAt: now, Tenants: map[tenancy.TenantID]tenancy.Tenant{},
		Queues: map[tenancy.TenantID]map[string]store.Queue{}, Agents: map[tenancy.TenantID]map[string]store.Agent{},
		queueByName: map[tenancy.TenantID]map[string]string{}, queueSettings: map[tenancy.TenantID]map[string]QueueSettings{},
		agentByExt: map[tenancy.TenantID]map[string]string{}, skillByName: map[tenancy.TenantID]map[string]string{},
		rows: map[tenancy.TenantID]tenantRows{}, versions: map[tenancy.TenantID]int64{}, tenantList: tenants, nodeList: nodes}
	var numbers []store.AccessNumber
	for _, t := range tenants {
		if t.Status == tenancy.StatusArchived {
			continue
		}
		s.addTenant(t)
		rows, err := s.tenantRowsSince(ctx, st, t.ID, versions, prev)
		if err != nil {
			if ctx.Err() != nil {
				return nil, err
			}
			s.stale = true
			rows = prev.tenantRows(t.ID)
			s.problem(t.ID, "tenant "+string(t.ID), fmt.Errorf("%w; serving the rows of the previous load (%d agents, %d numbers)",
				err, len(rows.agents), len(rows.numbers)))
		}
		s.rows[t.ID] = rows
		s.addRows(t.ID, rows)
		numbers = append(numbers, rows.numbers...)
	}
	s.addNumbers(numbers)
	if err := s.loadNodes(ctx, st, nodes, prev); err != nil {
		return nil, err
	}
	plan, problems := dialplan.Build(s.PlanConfig)
	s.Plan, s.Problems = plan, append(s.Problems, problems...)
	fp, err := json.Marshal([]any{s.Tenants, s.Queues, s.Agents, s.PlanConfig.Numbers, s.Nodes, s.skillByName, s.Problems})
	if err != nil {
		return nil, err
	}
	s.Fingerprint = sha256.Sum256(fp)
	return s, nil
}

// unchanged reports whether s (nil: no) is still the configuration: it read
// every tenant's rows and every node's secret it tried to, and the versions,
// tenants and nodes are the ones it read.
func (s *Snapshot) unchanged(versions map[tenancy.TenantID]int64, tenants []tenancy.Tenant, nodes []store.Node) bool {
	if s == nil || s.stale || !slices.Equal(s.tenantList, tenants) || !slices.Equal(s.nodeList, nodes) {
		return false
	}
	for _, t := range tenants {
		if t.Status == tenancy.StatusArchived {
			continue
		}
		if v, ok := versions[t.ID]; !ok || s.versions[t.ID] != v {
			return false
		}
	}
	return true
}

// tenantRowsSince returns tenant t's rows: prev's when t's version is the
// one prev read them at, else read now. The version is recorded in s only
// when the rows are (a tenant created after the versions were read has
// none, and is read again next time).
func (s *Snapshot) tenantRowsSince(ctx context.Context, st *store.Store, t tenancy.TenantID,
	versions map[tenancy.TenantID]int64, prev *Snapshot) (tenantRows, error) {
	v, known := versions[t]
	if prev != nil && known {
		if pv, ok := prev.versions[t]; ok && pv == v {
			s.versions[t] = v
			return prev.rows[t], nil
		}
	}
	rows, err := readTenant(ctx, st, t)
	if err == nil && known {
		s.versions[t] = v
	}
	return rows, err
}

// tenantRows is what s (nil: none) read of tenant t.
func (s *Snapshot) tenantRows(t tenancy.TenantID) tenantRows {
	if s == nil {
		return tenantRows{}
	}
	return s.rows[t]
}

// problem records a row left out of the snapshot.
func (s *Snapshot) problem(t tenancy.TenantID, object string, err error) {
	s.Problems = append(s.Problems, dialplan.Problem{Tenant: dialplan.TenantID(t), Object: object, Reason: err.Error()})
}

// addTenant adds tenant t to the snapshot and to the number plan.
func (s *Snapshot) addTenant(t tenancy.Tenant) {
	s.Tenants[t.ID] = t
	loc, err := LoadLocation(t.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	// The plan routes every tenant's numbers, a suspended tenant's too: the
	// call path applies the tenant's status itself so a suspended tenant's
	// callers hear why. What runs without the controller does not serve a
	// suspended tenant: the directory (its phones cannot register) and the
	// fallback (it rings nobody). While the controller is unreachable each
	// node enforces the tenant's PSTN call quota alone in its fallback (MT-2).
	s.PlanConfig.Tenants = append(s.PlanConfig.Tenants, dialplan.Tenant{ID: dialplan.TenantID(t.ID), Location: loc,
		Suspended: t.Status == tenancy.StatusSuspended, Fallback: dialplan.Fallback{MaxCalls: max(t.Quotas.MaxPSTNCalls, 0)}})
}

// readTenant reads tenant t's queues, skills, agents and access numbers.
func readTenant(ctx context.Context, st *store.Store, t tenancy.TenantID) (tenantRows, error) {
	var r tenantRows
	var err error
	if r.queues, err = store.All(func(p store.Page) (store.List[store.Queue], error) { return st.ListQueues(ctx, t, p) }); err != nil {
		return r, fmt.Errorf("its queues could not be read: %w", err)
	}
	if r.skills, err = store.All(func(p store.Page) (store.List[store.Skill], error) { return st.ListSkills(ctx, t, p) }); err != nil {
		return r, fmt.Errorf("its skills could not be read: %w", err)
	}
	if r.agents, err = store.All(func(p store.Page) (store.List[store.Agent], error) { return st.ListAgents(ctx, t, p) }); err != nil {
		return r, fmt.Errorf("its agents could not be read: %w", err)
	}
	if r.numbers, err = store.All(func(p store.Page) (store.List[store.AccessNumber], error) { return st.ListAccessNumbers(ctx, t, p) }); err != nil {
		return r, fmt.Errorf("its access numbers could not be read: %w", err)
	}
	if r.flows, err = st.FlowEntries(ctx, t); err != nil {
		return r, fmt.Errorf("its flows could not be read: %w", err)
	}
	return r, nil
}

// addRows adds tenant t's queues, skills and agents; its numbers go through
// addNumbers with every tenant's.
func (s *Snapshot) addRows(t tenancy.TenantID, r tenantRows) {
	s.Queues[t], s.queueByName[t], s.queueSettings[t] = map[string]store.Queue{}, map[string]string{}, map[string]QueueSettings{}
	for _, q := range r.queues {
		if set, err := ParseQueueSettings(q.Settings); err != nil {
			// Kept for routing; the ACD skips it (cmd/switchboard acdConfig).
			s.problem(t, fmt.Sprintf("queue %s (%q)", q.ID, q.Name), err)
		} else {
			s.queueSettings[t][q.ID] = set
		}
		s.Queues[t][q.ID] = q
		s.queueByName[t][q.Name] = q.ID
	}
	s.skillByName[t] = map[string]string{}
	for _, sk := range r.skills {
		s.skillByName[t][sk.Name] = sk.ID
		s.skillByName[t][sk.ID] = sk.ID
	}
	s.Agents[t], s.agentByExt[t] = map[string]store.Agent{}, map[string]string{}
	for _, a := range r.agents {
		if err := checkAgent(a); err != nil {
			s.problem(t, fmt.Sprintf("agent %s (extension %q)", a.ID, a.Extension), err)
			continue
		}
		s.Agents[t][a.ID] = a
		s.agentByExt[t][a.Extension] = a.ID
	}
}

// checkAgent holds an agent row to the rules the API and the store apply,
// and its digest to the form the directory serves.
func checkAgent(a store.Agent) error {
	if err := tenancy.CheckExtension("extension", a.Extension); err != nil {
		return err
	}
	if err := tenancy.CheckOptionalName("display_name", a.DisplayName); err != nil {
		return err
	}
	if b, err := hex.DecodeString(a.SIPHA1); err != nil || len(b) != md5.Size {
		return errors.New("sip_ha1: not an MD5 digest in hex")
	}
	return nil
}

// addNumbers adds every tenant's valid access numbers to the plan, oldest
// first, so that of two numbers that are the same but for '+' (refused by
// the API, possible by hand or in a race) the older one keeps working.
func (s *Snapshot) addNumbers(numbers []store.AccessNumber) {
	slices.SortFunc(numbers, func(a, b store.AccessNumber) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID))
	})
	byKey := map[string]store.AccessNumber{}
	for _, n := range numbers {
		object := fmt.Sprintf("access number %s (%q)", n.ID, n.Number)
		err := errors.Join(tenancy.CheckNumber("number", n.Number), tenancy.CheckName("entry_alias", n.EntryAlias))
		if n.EntryKind != store.EntryQueue && n.EntryKind != store.EntryFlow {
			err = errors.Join(err, fmt.Errorf("entry_kind: %q is not queue or flow", n.EntryKind))
		}
		if err != nil {
			s.problem(n.TenantID, object, err)
			continue
		}
		key := tenancy.NumberKey(n.Number)
		if old, dup := byKey[key]; dup {
			s.problem(n.TenantID, object, fmt.Errorf("number: the same number as %q of tenant %s, which is older and kept", old.Number, old.TenantID))
			continue
		}
		byKey[key] = n
		if err := s.checkEntry(n); err != nil {
			// Kept: the call path refuses its calls naming the same reason.
			s.problem(n.TenantID, object, err)
		}
		kind := dialplan.EntryQueue
		if n.EntryKind == store.EntryFlow {
			kind = dialplan.EntryFlow
		}
		s.PlanConfig.Numbers = append(s.PlanConfig.Numbers, dialplan.AccessNumber{Number: n.Number, Tenant: dialplan.TenantID(n.TenantID),
			Rules: []dialplan.Rule{{Entry: dialplan.Entry{Kind: kind, Name: n.EntryAlias}}}})
	}
}

// checkEntry reports an access number whose entry names no queue or flow of
// its tenant, or a flow with no live version: the API refuses such entries,
// but a queue or flow deleted concurrently, or rows written before the rule
// or by hand, leave numbers whose every call is refused.
func (s *Snapshot) checkEntry(n store.AccessNumber) error {
	if n.EntryKind == store.EntryQueue {
		if _, ok := s.QueueID(n.TenantID, n.EntryAlias); !ok {
			return fmt.Errorf("entry_alias: the tenant has no queue %q; its calls are refused", n.EntryAlias)
		}
		return nil
	}
	live, ok := s.rows[n.TenantID].flows[n.EntryAlias]
	switch {
	case !ok:
		return fmt.Errorf("entry_alias: the tenant has no flow %q; its calls are refused", n.EntryAlias)
	case !live:
		return fmt.Errorf("entry_alias: flow %q has no live version; its calls are refused until one is published as %q",
			n.EntryAlias, ivrflows.AliasLive)
	}
	return nil
}

// loadNodes adds the enabled nodes with their secrets.
func (s *Snapshot) loadNodes(ctx context.Context, st *store.Store, nodes []store.Node, prev *Snapshot) error {
	var err error
	for _, n := range nodes {
		if !n.Enabled {
			continue
		}
		ns := NodeWithSecret{Node: n}
		if n.HasSecret {
			if ns.Secret, err = st.NodeSecret(ctx, n.ID); err != nil {
				if ctx.Err() != nil {
					return err
				}
				// One node's unreadable secret costs that node only; a
				// node the previous load had keeps its secret.
				s.stale = true
				old, ok := prev.node(n.ID)
				s.problem("", fmt.Sprintf("node %s (%q)", n.ID, n.Name), fmt.Errorf("its secret could not be read: %w", err))
				if !ok {
					continue
				}
				ns.Secret = old.Secret
			}
		}
		s.Nodes = append(s.Nodes, ns)
	}
	return nil
}

// node is the node with ID id in s (nil: none).
func (s *Snapshot) node(id string) (NodeWithSecret, bool) {
	if s == nil {
		return NodeWithSecret{}, false
	}
	for _, n := range s.Nodes {
		if n.ID == id {
			return n, true
		}
	}
	return NodeWithSecret{}, false
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
