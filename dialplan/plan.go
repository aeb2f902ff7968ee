package dialplan

import (
	"errors"
	"fmt"
	"slices"
	"time"
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

// NewPlan validates c as a whole and returns the Plan, or every problem found
// joined in one error (each wraps ErrInvalidConfig).
func NewPlan(c Config) (*Plan, error) {
	p := &Plan{
		format:  c.Format,
		sites:   map[SiteID]bool{},
		tenants: map[TenantID]Tenant{},
		numbers: map[string]AccessNumber{},
		agents:  map[TenantID]map[SiteID][]string{},
	}
	var errs []error
	bad := func(format string, a ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrInvalidConfig}, a...)...))
	}
	if err := c.Format.Validate(); err != nil {
		bad("%v", err)
	}
	p.addSites(c.Sites, bad)
	p.addTenants(c.Tenants, bad)
	p.addNumbers(c.Numbers, bad)
	p.addAgents(c.Agents, bad)
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return p, nil
}

type complain func(format string, a ...any)

func (p *Plan) addSites(sites []SiteID, bad complain) {
	for _, s := range sites {
		switch {
		case !ValidName(string(s)):
			bad("site %q: %v", s, errBadName)
		case p.sites[s]:
			bad("site %q: duplicate", s)
		default:
			p.sites[s] = true
		}
	}
}

func (p *Plan) addTenants(tenants []Tenant, bad complain) {
	for _, t := range tenants {
		if !ValidName(string(t.ID)) {
			bad("tenant %q: %v", t.ID, errBadName)
		}
		if _, dup := p.tenants[t.ID]; dup {
			bad("tenant %q: duplicate", t.ID)
			continue
		}
		if t.Location == nil {
			bad("tenant %q: no time zone", t.ID)
		}
		for name, s := range t.Schedules {
			if !ValidName(name) {
				bad("tenant %q: schedule %q: %v", t.ID, name, errBadName)
			}
			if err := s.Validate(); err != nil {
				bad("tenant %q: schedule %q: %v", t.ID, name, err)
			}
		}
		if err := t.Fallback.Validate(); err != nil {
			bad("tenant %q: fallback: %v", t.ID, err)
		}
		p.tenants[t.ID] = t
	}
}

func (p *Plan) addNumbers(numbers []AccessNumber, bad complain) {
	for _, n := range numbers {
		key, err := p.format.Normalize(n.Number)
		if err != nil {
			bad("access number %q: %v", n.Number, err)
			continue
		}
		if prev, dup := p.numbers[key]; dup {
			bad("access number %q: same as %q", n.Number, prev.Number)
			continue
		}
		t, ok := p.tenants[n.Tenant]
		if !ok {
			bad("access number %q: unknown tenant %q", n.Number, n.Tenant)
			continue
		}
		if err := p.checkRules(t, n.Rules); err != nil {
			bad("access number %q: %v", n.Number, err)
		}
		for _, s := range n.Sites {
			if !p.sites[s] {
				bad("access number %q: unknown site %q", n.Number, s)
			}
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
		if !ValidName(r.Entry.Name) {
			return fmt.Errorf("rule %d: entry %q: %w", i, r.Entry.Name, errBadName)
		}
	}
	return nil
}

func (p *Plan) addAgents(agents []Agent, bad complain) {
	for _, a := range agents {
		switch {
		case !ValidName(a.User):
			bad("agent %q: %v", a.User, errBadName)
			continue
		case !p.sites[a.Site]:
			bad("agent %q: unknown site %q", a.User, a.Site)
			continue
		}
		if _, ok := p.tenants[a.Tenant]; !ok {
			bad("agent %q: unknown tenant %q", a.User, a.Tenant)
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
