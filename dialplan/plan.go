package dialplan

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/switchboard-cc/switchboard/tenancy"
)

// ErrInvalidConfig is wrapped by every problem NewPlan finds.
var ErrInvalidConfig = errors.New("invalid dial plan")

// TenantID names a tenant.
type TenantID string

// SiteID names a site: a place with its own switch nodes and agents.
type SiteID string

// EntryKind says what an Entry starts.
type EntryKind uint8

const (
	// EntryQueue puts the call straight into an ACD queue.
	EntryQueue EntryKind = iota + 1
	// EntryFlow runs an IVR flow (by alias).
	EntryFlow
)

func (k EntryKind) String() string {
	switch k {
	case EntryQueue:
		return "queue"
	case EntryFlow:
		return "flow"
	}
	return fmt.Sprintf("EntryKind(%d)", k)
}

// Entry is where a call starts inside its tenant.
type Entry struct {
	Kind EntryKind
	Name string
}

func (e Entry) String() string { return e.Kind.String() + ":" + e.Name }

// Rule sends calls to Entry while the tenant's Schedule is open. An empty
// Schedule means always.
type Rule struct {
	Schedule string
	Entry    Entry
}

// Tenant is what the plan needs to know about a tenant.
type Tenant struct {
	ID TenantID
	// Location is the tenant's time zone for its schedules. Required: the
	// caller loads it (the core reads no files).
	Location  *time.Location
	Suspended bool
	Schedules map[string]Schedule
	Fallback  Fallback
}

// AccessNumber is a number callers dial, owned by one tenant.
type AccessNumber struct {
	Number string // any form Normalize accepts
	Tenant TenantID
	// Rules are tried in order; the last must be unconditional so that every
	// call has somewhere to go.
	Rules []Rule
	// Sites lists, in preference order, the sites that may handle the number
	// (pre-routing). Empty: the arrival site handles it.
	Sites []SiteID
	// KeepLocal prefers the arrival site when it is listed and up, so media
	// stays local (DIST-7); otherwise the list order alone decides.
	KeepLocal bool
}

// Agent places a tenant's SIP user at a site, for the survivability fallback.
type Agent struct {
	Tenant TenantID
	User   string
	Site   SiteID
}

// Config is the whole input of a Plan.
type Config struct {
	Format  NumberFormat
	Sites   []SiteID
	Tenants []Tenant
	Numbers []AccessNumber
	Agents  []Agent
}

// Plan is a validated, read-only number plan. Safe for concurrent use.
type Plan struct {
	format  NumberFormat
	sites   map[SiteID]bool
	tenants map[TenantID]Tenant
	numbers map[string]AccessNumber // by normalised number
	agents  map[TenantID]map[SiteID][]string
}

// Problem is one part of a configuration that a builder left out, and why.
// Builders of call configuration (this package, callconfig, xmlcurl) leave
// out a bad part and build the rest, so one tenant's bad row never stops
// another tenant's calls; the problems are logged, counted and listed for
// the platform's operators.
type Problem struct {
	Tenant TenantID // empty for what belongs to no tenant (sites, nodes, the format)
	Object string   // what was left out, e.g. `access number "+8620..."`
	Reason string
}

func (p Problem) Error() string { return p.Object + ": " + p.Reason }

// NewPlan validates c as a whole and returns the Plan, or every problem found
// joined in one error (each wraps ErrInvalidConfig). Build is the forgiving
// form.
func NewPlan(c Config) (*Plan, error) {
	p, problems := Build(c)
	if len(problems) == 0 {
		return p, nil
	}
	errs := make([]error, len(problems))
	for i, pr := range problems {
		errs[i] = fmt.Errorf("%w: %v", ErrInvalidConfig, pr)
	}
	return nil, errors.Join(errs...)
}

// Build returns the Plan of every valid part of c and the parts it left
// out: a bad site, tenant, schedule, number or agent is dropped with what
// depends on it (a dropped tenant's numbers, a number whose rule names a
// dropped schedule); everything else is routed. Of two numbers with the
// same key the first in c wins. An invalid format is replaced by the zero
// format.
func Build(c Config) (*Plan, []Problem) {
	p := &Plan{
		format:  c.Format,
		sites:   map[SiteID]bool{},
		tenants: map[TenantID]Tenant{},
		numbers: map[string]AccessNumber{},
		agents:  map[TenantID]map[SiteID][]string{},
	}
	var problems []Problem
	bad := func(t TenantID, object, format string, a ...any) {
		problems = append(problems, Problem{Tenant: t, Object: object, Reason: fmt.Sprintf(format, a...)})
	}
	if err := c.Format.Validate(); err != nil {
		bad("", "number format", "%v", err)
		p.format = NumberFormat{}
	}
	p.addSites(c.Sites, bad)
	p.addTenants(c.Tenants, bad)
	p.addNumbers(c.Numbers, bad)
	p.addAgents(c.Agents, bad)
	return p, problems
}

// complain records that object (of tenant t) was left out, and why.
type complain func(t TenantID, object, format string, a ...any)

func (p *Plan) addSites(sites []SiteID, bad complain) {
	for _, s := range sites {
		switch {
		case !ValidName(string(s)):
			bad("", fmt.Sprintf("site %q", s), "%v", errBadName)
		case p.sites[s]:
			bad("", fmt.Sprintf("site %q", s), "duplicate")
		default:
			p.sites[s] = true
		}
	}
}

func (p *Plan) addTenants(tenants []Tenant, bad complain) {
	for _, t := range tenants {
		switch _, dup := p.tenants[t.ID]; {
		case !ValidName(string(t.ID)):
			bad(t.ID, fmt.Sprintf("tenant %q", t.ID), "%v", errBadName)
			continue
		case dup:
			bad(t.ID, fmt.Sprintf("tenant %q", t.ID), "duplicate")
			continue
		case t.Location == nil:
			bad(t.ID, fmt.Sprintf("tenant %q", t.ID), "no time zone")
			continue
		}
		if err := t.Fallback.Validate(); err != nil {
			bad(t.ID, fmt.Sprintf("tenant %q", t.ID), "fallback: %v", err)
			continue
		}
		schedules := make(map[string]Schedule, len(t.Schedules))
		for name, s := range t.Schedules {
			if !ValidName(name) {
				bad(t.ID, fmt.Sprintf("tenant %q", t.ID), "schedule %q: %v", name, errBadName)
				continue
			}
			if err := s.Validate(); err != nil {
				bad(t.ID, fmt.Sprintf("tenant %q", t.ID), "schedule %q: %v", name, err)
				continue
			}
			schedules[name] = s
		}
		t.Schedules = schedules
		p.tenants[t.ID] = t
	}
}

func (p *Plan) addNumbers(numbers []AccessNumber, bad complain) {
	for _, n := range numbers {
		key, err := p.format.Normalize(n.Number)
		if err != nil {
			bad(n.Tenant, fmt.Sprintf("access number %q", n.Number), "%v", err)
			continue
		}
		if prev, dup := p.numbers[key]; dup {
			bad(n.Tenant, fmt.Sprintf("access number %q", n.Number), "same as %q (tenant %s)", prev.Number, prev.Tenant)
			continue
		}
		t, ok := p.tenants[n.Tenant]
		if !ok {
			bad(n.Tenant, fmt.Sprintf("access number %q", n.Number), "unknown tenant %q", n.Tenant)
			continue
		}
		if err := p.checkRules(t, n.Rules); err != nil {
			bad(n.Tenant, fmt.Sprintf("access number %q", n.Number), "%v", err)
			continue
		}
		if i := slices.IndexFunc(n.Sites, func(s SiteID) bool { return !p.sites[s] }); i >= 0 {
			bad(n.Tenant, fmt.Sprintf("access number %q", n.Number), "unknown site %q", n.Sites[i])
			continue
		}
		p.numbers[key] = n
	}
}

func (p *Plan) checkRules(t Tenant, rules []Rule) error {
	if len(rules) == 0 || rules[len(rules)-1].Schedule != "" {
		return errors.New("the last rule must have no schedule, so every call has an entry")
	}
	for i, r := range rules {
		if _, ok := t.Schedules[r.Schedule]; r.Schedule != "" && !ok {
			return fmt.Errorf("rule %d: tenant %q has no schedule %q", i, t.ID, r.Schedule)
		}
		if r.Entry.Kind != EntryQueue && r.Entry.Kind != EntryFlow {
			return fmt.Errorf("rule %d: entry kind must be queue or flow", i)
		}
		// An entry is a queue name or a flow alias: a name in any script
		// (the one rule the API holds entry aliases to). Adapters escape it.
		if err := tenancy.CheckName("entry", r.Entry.Name); err != nil {
			return fmt.Errorf("rule %d: entry %q: %w", i, r.Entry.Name, err)
		}
	}
	return nil
}

func (p *Plan) addAgents(agents []Agent, bad complain) {
	for _, a := range agents {
		switch {
		case !ValidName(a.User):
			bad(a.Tenant, fmt.Sprintf("agent %q", a.User), "%v", errBadName)
			continue
		case !p.sites[a.Site]:
			bad(a.Tenant, fmt.Sprintf("agent %q", a.User), "unknown site %q", a.Site)
			continue
		}
		if _, ok := p.tenants[a.Tenant]; !ok {
			bad(a.Tenant, fmt.Sprintf("agent %q", a.User), "unknown tenant %q", a.Tenant)
			continue
		}
		bySite := p.agents[a.Tenant]
		if bySite == nil {
			bySite = map[SiteID][]string{}
			p.agents[a.Tenant] = bySite
		}
		if !slices.Contains(bySite[a.Site], a.User) {
			bySite[a.Site] = append(bySite[a.Site], a.User)
			slices.Sort(bySite[a.Site])
		}
	}
}

// HasSite reports whether the plan knows site s.
func (p *Plan) HasSite(s SiteID) bool { return p.sites[s] }

// HasTenant reports whether the plan knows tenant t.
func (p *Plan) HasTenant(t TenantID) bool { _, ok := p.tenants[t]; return ok }

// AgentsAt returns the tenant's users placed at site s, sorted.
func (p *Plan) AgentsAt(t TenantID, s SiteID) []string {
	return slices.Clone(p.agents[t][s])
}
