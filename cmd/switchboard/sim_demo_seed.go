package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/switchboard-cc/switchboard/store"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// The demo's data is seeded through the store like an operator would, and
// idempotently: a kept data dir is found again (by site name, node name, SIP
// domain, queue name, number, e-mail and extension) and only what is missing
// is created. Node addresses are updated, since fssim listens on a new port
// at every start.

// demoTenantSpec is one demo tenant.
type demoTenantSpec struct{ name, domain, number string }

var demoTenantSpecs = []demoTenantSpec{
	{"Acme Insurance", "acme.demo", "+862055500001"},
	{"Bolt Telecom", "bolt.demo", "+862055500002"},
}

const (
	demoSite  = "demo"
	demoQueue = "support"
)

// demoTenant is a seeded tenant as the simulation uses it.
type demoTenant struct {
	tenancy.Tenant
	number     string
	queue      store.Queue
	agents     []store.Agent // ordered by extension
	adminEmail string
}

func (t *demoTenant) ownsAgent(id string) bool {
	return slices.ContainsFunc(t.agents, func(a store.Agent) bool { return a.ID == id })
}

func demoNodeName(i int) string { return fmt.Sprintf("sim%d", i+1) }

// seedDemo makes sure the demo site, nodes and tenants exist.
func seedDemo(ctx context.Context, st *store.Store, nodes []simNode, opts demoOptions) ([]*demoTenant, error) {
	if err := seedDemoNodes(ctx, st, nodes); err != nil {
		return nil, err
	}
	var out []*demoTenant
	for _, spec := range demoTenantSpecs {
		t, err := seedDemoTenant(ctx, st, spec, opts)
		if err != nil {
			return nil, fmt.Errorf("seed tenant %s: %w", spec.domain, err)
		}
		out = append(out, t)
	}
	return out, nil
}

func seedDemoNodes(ctx context.Context, st *store.Store, nodes []simNode) error {
	a := store.SystemActor
	sites, err := store.All(func(p store.Page) (store.List[store.Site], error) { return st.ListSites(ctx, p) })
	if err != nil {
		return fmt.Errorf("seed site: %w", err)
	}
	i := slices.IndexFunc(sites, func(s store.Site) bool { return s.Name == demoSite })
	var site store.Site
	if i >= 0 {
		site = sites[i]
	} else if site, err = st.CreateSite(ctx, a, store.SiteInput{Name: demoSite, Description: "switchboard sim demo"}); err != nil {
		return fmt.Errorf("seed site: %w", err)
	}
	known, err := store.All(func(p store.Page) (store.List[store.Node], error) { return st.ListNodes(ctx, p) })
	if err != nil {
		return fmt.Errorf("seed nodes: %w", err)
	}
	for i, n := range nodes {
		name, addr, secret, on, kind := demoNodeName(i), n.Addr(), n.Password(), true, store.NodeFreeSWITCH
		j := slices.IndexFunc(known, func(k store.Node) bool { return k.Name == name })
		if j >= 0 {
			_, err = st.UpdateNode(ctx, a, known[j].ID, store.NodePatch{Address: &addr, Secret: &secret, Enabled: &on, Kind: &kind, SiteID: &site.ID})
		} else {
			_, err = st.CreateNode(ctx, a, store.NodeInput{SiteID: site.ID, Name: name, Kind: kind, Address: addr, Secret: secret, Enabled: true})
		}
		if err != nil {
			return fmt.Errorf("seed node %s: %w", name, err)
		}
	}
	return nil
}

func seedDemoTenant(ctx context.Context, st *store.Store, spec demoTenantSpec, opts demoOptions) (*demoTenant, error) {
	t, err := ensureDemoTenant(ctx, st, spec, opts.Agents)
	if err != nil {
		return nil, err
	}
	dt := &demoTenant{Tenant: t, number: spec.number, adminEmail: "admin@" + spec.domain}
	if dt.queue, err = ensureDemoQueue(ctx, st, t.ID, opts.Speed); err != nil {
		return nil, err
	}
	if err := ensureDemoNumber(ctx, st, t.ID, spec.number); err != nil {
		return nil, err
	}
	if dt.agents, err = ensureDemoAgents(ctx, st, t, dt.queue, opts.Agents); err != nil {
		return nil, err
	}
	return dt, nil
}

func ensureDemoTenant(ctx context.Context, st *store.Store, spec demoTenantSpec, agents int) (tenancy.Tenant, error) {
	q := tenancy.Quotas{MaxAgents: max(agents, 10), MaxPSTNCalls: 4*agents + 10, MaxWebCalls: 1, MaxChats: 1, MaxPublishedFlows: 1}
	all, err := store.All(func(p store.Page) (store.List[tenancy.Tenant], error) { return st.ListTenants(ctx, p) })
	if err != nil {
		return tenancy.Tenant{}, err
	}
	i := slices.IndexFunc(all, func(t tenancy.Tenant) bool { return t.SIPDomain == spec.domain })
	if i < 0 {
		return st.CreateTenant(ctx, store.SystemActor, store.TenantInput{Name: spec.name, SIPDomain: spec.domain,
			Language: "en", TimeZone: "UTC", Quotas: q})
	}
	t := all[i]
	if t.Quotas.MaxAgents >= q.MaxAgents && t.Quotas.MaxPSTNCalls >= q.MaxPSTNCalls {
		return t, nil
	}
	grown := t.Quotas
	grown.MaxAgents, grown.MaxPSTNCalls = max(grown.MaxAgents, q.MaxAgents), max(grown.MaxPSTNCalls, q.MaxPSTNCalls)
	return st.UpdateTenant(ctx, store.SystemActor, t.ID, store.TenantPatch{Quotas: &grown})
}

// ensureDemoQueue: agents ring for up to 20 s; after-call work is 5 s of
// demo time (the controller's timers are not sped up, so it is divided here).
func ensureDemoQueue(ctx context.Context, st *store.Store, t tenancy.TenantID, speed float64) (store.Queue, error) {
	all, err := store.All(func(p store.Page) (store.List[store.Queue], error) { return st.ListQueues(ctx, t, p) })
	if err != nil {
		return store.Queue{}, err
	}
	if i := slices.IndexFunc(all, func(q store.Queue) bool { return q.Name == demoQueue }); i >= 0 {
		return all[i], nil
	}
	wrap := max(1, int(math.Round(5/speed)))
	return st.CreateQueue(ctx, store.SystemActor, t, store.QueueInput{Name: demoQueue, Strategy: "longest_idle",
		RingTimeoutSeconds: 20, WrapUpSeconds: wrap})
}

func ensureDemoNumber(ctx context.Context, st *store.Store, t tenancy.TenantID, number string) error {
	all, err := store.All(func(p store.Page) (store.List[store.AccessNumber], error) { return st.ListAccessNumbers(ctx, t, p) })
	if err != nil {
		return err
	}
	if slices.ContainsFunc(all, func(n store.AccessNumber) bool { return n.Number == number }) {
		return nil
	}
	_, err = st.CreateAccessNumber(ctx, store.SystemActor, t, store.AccessNumberInput{Number: number, EntryKind: store.EntryQueue,
		EntryAlias: demoQueue, Description: "switchboard sim demo"})
	return err
}

// ensureDemoAgents makes agents 1001, 1002, ... members of the queue.
func ensureDemoAgents(ctx context.Context, st *store.Store, t tenancy.Tenant, q store.Queue, n int) ([]store.Agent, error) {
	all, err := store.All(func(p store.Page) (store.List[store.Agent], error) { return st.ListAgents(ctx, t.ID, p) })
	if err != nil {
		return nil, err
	}
	var out []store.Agent
	for i := range n {
		ext := fmt.Sprint(1001 + i)
		if j := slices.IndexFunc(all, func(a store.Agent) bool { return a.Extension == ext }); j >= 0 {
			out = append(out, all[j])
			continue
		}
		a, err := createDemoAgent(ctx, st, t, q, ext)
		if err != nil {
			return nil, fmt.Errorf("agent %s: %w", ext, err)
		}
		out = append(out, a)
	}
	return out, nil
}

func createDemoAgent(ctx context.Context, st *store.Store, t tenancy.Tenant, q store.Queue, ext string) (store.Agent, error) {
	email, name := ext+"@"+t.SIPDomain, t.Name+" agent "+ext
	u, err := st.UserByEmail(ctx, email)
	if errors.Is(err, store.ErrNotFound) {
		// The demo's agents never sign in: their hash matches no password.
		u, err = st.CreateUser(ctx, store.SystemActor, t.ID, store.UserInput{Email: email, DisplayName: name,
			Role: tenancy.RoleAgent, PasswordHash: "!demo-agent-no-login"})
	}
	if err != nil {
		return store.Agent{}, err
	}
	return st.CreateAgent(ctx, store.SystemActor, t.ID, store.AgentInput{UserID: u.ID, Extension: ext, DisplayName: name,
		SIPPassword: "demo-sip-" + ext, Queues: []store.AgentQueue{{QueueID: q.ID, Priority: 1}}})
}
