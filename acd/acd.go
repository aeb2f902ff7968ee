package acd

import (
	"fmt"
	"slices"
	"time"
)

// ACD is one tenant's distributor. It is not safe for concurrent use: one
// owner applies every event in order. Each method takes the current time and
// returns the plan as decisions; the returned slice is reused by the next call.
type ACD struct {
	tenant     string
	base       time.Time
	loc        *time.Location
	queues     map[string]*queue
	agents     map[string]*agent
	inter      map[string]*interaction
	skills     map[string]uint8
	skillNames []string
	breakMax   map[string]int
	onBreak    map[string]int
	out        []Decision
	frontier   []int32
	pulls      []*agent
	later      []*interaction
	deferPlace bool // Restore: enter() queues without routing
	free       []*interaction
	now        time.Time
	seq        uint64
	ords       int32
	rng        uint64
}

// Options tune an ACD.
type Options struct {
	// Seed seeds the Random strategy; equal seeds give equal routing.
	Seed uint64
	// Location decides where "today" starts for agent statistics. nil: UTC.
	Location *time.Location
}

// New returns an empty ACD for tenant. base is any time near now; aged
// priorities are computed relative to it.
func New(tenant string, base time.Time, opt Options) *ACD {
	if opt.Location == nil {
		opt.Location = time.UTC
	}
	return &ACD{
		tenant: tenant, base: base, loc: opt.Location, rng: opt.Seed,
		queues: map[string]*queue{}, agents: map[string]*agent{}, inter: map[string]*interaction{},
		skills: map[string]uint8{}, breakMax: map[string]int{}, onBreak: map[string]int{},
	}
}

// Tenant is the tenant this ACD belongs to.
func (d *ACD) Tenant() string { return d.tenant }

func (d *ACD) begin(now time.Time) {
	d.now = now
	d.out = d.out[:0]
	d.pulls = d.pulls[:0]
	d.later = d.later[:0]
}

// end lets agents freed during the call pick up the best waiting work first,
// then routes requeued interactions nobody pulled, then returns the plan.
func (d *ACD) end() []Decision {
	for len(d.pulls) > 0 || len(d.later) > 0 {
		for i := 0; i < len(d.pulls); i++ {
			d.pull(d.pulls[i])
		}
		d.pulls = d.pulls[:0]
		d.sortBest(d.later)
		for i := 0; i < len(d.later); i++ {
			d.reroute(d.later[i])
		}
		d.later = d.later[:0]
	}
	return d.out
}

func (d *ACD) emit(dec Decision) { d.out = append(d.out, dec) }

// random is splitmix64: pure, seeded, good enough to shuffle agents.
func (d *ACD) random() int64 {
	d.rng += 0x9e3779b97f4a7c15
	z := d.rng
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return int64((z ^ (z >> 31)) >> 1)
}

// reroute offers a requeued x to an agent that qualifies, agent-driven: the
// agent found for x takes its own best waiting interaction (which may be
// another one it prefers, by queue priority), until x is offered or no agent
// qualifies. Arrivals need no such care: by the invariant, an available agent
// qualifies for nothing that waits.
func (d *ACD) reroute(x *interaction) {
	for x.state == iWaiting && x.cls != nil {
		if x.q.cfg.Strategy == RingAll && x.pub.Medium.kind() == kindRealtime {
			d.unwait(x)
			d.place(x)
			return
		}
		a := d.findAgent(x)
		if a == nil {
			return
		}
		y := d.bestFor(a)
		if y == nil {
			return // cannot happen: a qualifies for x
		}
		d.unwait(y)
		d.offer(y, a)
	}
}

// sortBest orders xs best first ("comes first", see README), so that a ready
// agent that fits several is offered the one that comes first.
func (d *ACD) sortBest(xs []*interaction) {
	slices.SortStableFunc(xs, func(x, y *interaction) int {
		if d.before(x, y) {
			return -1
		}
		if d.before(y, x) {
			return 1
		}
		return 0
	})
}

// SetBreakLimit caps how many agents of group may be on break at once (AG-5).
// A negative max removes the cap.
func (d *ACD) SetBreakLimit(group string, max int) {
	if max < 0 {
		delete(d.breakMax, group)
		return
	}
	d.breakMax[group] = max
}

// SetQueue adds a queue or changes one in place; waiting interactions keep
// their places and are routed again under the new settings.
func (d *ACD) SetQueue(now time.Time, cfg QueueConfig) ([]Decision, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	cfg.defaults()
	cfg.Widening = slices.Clone(cfg.Widening)
	primary := -1
	if cfg.PrimarySkill != "" {
		id, err := d.skillID(cfg.PrimarySkill)
		if err != nil {
			return nil, err
		}
		primary = int(id)
	}
	d.begin(now)
	q, ok := d.queues[cfg.ID]
	if !ok {
		q = &queue{classes: map[classKey][]*class{}}
		d.queues[cfg.ID] = q
	}
	q.cfg, q.primary = cfg, primary
	q.rate = cfg.AgingPerMinute
	d.rekeyQueue(q)
	return d.end(), nil
}

// rekeyQueue recomputes every key of q after its settings changed, then lets
// its waiting interactions look for agents again.
func (d *ACD) rekeyQueue(q *queue) {
	for m := range q.ready {
		h := &q.ready[m]
		for i := range h.h {
			h.h[i].k1, h.h[i].k2 = d.agentKey(q.slots[h.h[i].slot])
		}
		for i := parentOf(len(h.h) - 1); i >= 0; i-- {
			h.down(i)
		}
	}
	var all []*interaction
	for _, c := range q.nonEmpty {
		all = append(all, c.h...)
	}
	// Interactions parked for their preferred agent are keyed by q's aging
	// too (a stale key ranked them by the old rate). Settings changes are
	// rare, so finding them by a pass over the tenant's interactions is fine.
	for _, x := range d.inter {
		if x.q == q && x.state == iWaiting && x.pref != nil && x.cls == nil {
			all = append(all, x)
		}
	}
	for _, x := range all {
		d.unwait(x)
		x.key = d.keyOf(q, x.pub.Priority, x.enq)
	}
	d.sortBest(all)
	for _, x := range all {
		d.place(x)
	}
}

// RemoveQueue deletes a queue nobody waits in and no agent is a member of.
func (d *ACD) RemoveQueue(id string) error {
	q, ok := d.queues[id]
	if !ok {
		return fmt.Errorf("%w %q", ErrUnknownQueue, id)
	}
	if q.waiting > 0 || len(q.members) > 0 {
		return fmt.Errorf("%w: queue %q has %d waiting and %d members", ErrQueueBusy, id, q.waiting, len(q.members))
	}
	for _, x := range d.inter {
		if x.q == q {
			return fmt.Errorf("%w: queue %q still has interaction %s", ErrQueueBusy, id, x.pub.ID)
		}
	}
	delete(d.queues, id)
	return nil
}

// SetAgent adds an agent (logged out) or changes one's skills, queues and
// capacity in place, keeping its state.
func (d *ACD) SetAgent(now time.Time, p AgentProfile) ([]Decision, error) {
	if p.ID == "" {
		return nil, fmt.Errorf("%w: agent without ID", ErrInvalidConfig)
	}
	if p.Tenant != d.tenant {
		return nil, fmt.Errorf("%w: agent %s of tenant %q in ACD of %q", ErrWrongTenant, p.ID, p.Tenant, d.tenant)
	}
	for _, m := range p.Queues {
		if _, ok := d.queues[m.Queue]; !ok {
			return nil, fmt.Errorf("%w %q in agent %s", ErrUnknownQueue, m.Queue, p.ID)
		}
	}
	sk, err := d.compileSkills(p.Skills)
	if err != nil {
		return nil, fmt.Errorf("agent %s: %w", p.ID, err)
	}
	d.begin(now)
	a, ok := d.agents[p.ID]
	if !ok {
		a = &agent{ord: d.ords, state: LoggedOut, since: now, idleSince: now}
		d.ords++
		d.agents[p.ID] = a
	}
	d.detach(a)
	if a.state == Break && a.prof.BreakGroup != p.BreakGroup { // the break now counts for the new group
		d.onBreak[a.prof.BreakGroup]--
		d.onBreak[p.BreakGroup]++
	}
	a.prof = p
	a.prof.Skills, a.prof.Queues = nil, nil // compiled into skills and mems; not kept twice
	a.skills, a.cap = sk, p.Capacity
	if a.cap.isZero() {
		a.cap = DefaultCapacity()
	}
	d.attach(a, p.Queues)
	d.reindex(a)
	for _, x := range append([]*interaction(nil), a.parked...) {
		if a.member(x.q) == nil { // no longer a member: any agent may take it
			d.unwait(x)
			d.requeue(x)
		}
	}
	d.pulls = append(d.pulls, a)
	return d.end(), nil
}

// detach takes a out of its queues' indexes and counts.
func (d *ACD) detach(a *agent) {
	for _, m := range a.mems {
		for med := range m.q.ready {
			if pos := m.pos(Medium(med)); pos >= 0 {
				m.q.ready[med].removeAt(int(pos))
			}
		}
		m.q.members = slices.DeleteFunc(m.q.members, func(x *membership) bool { return x == m })
		m.q.slots[m.slot] = nil
		m.q.free = append(m.q.free, m.slot)
		m.q.byState[a.state]--
		if a.state != LoggedOut {
			m.q.loggedIn--
		}
	}
	a.mems = a.mems[:0]
}

func (d *ACD) attach(a *agent, queues []Membership) {
	for _, pm := range queues {
		q := d.queues[pm.Queue]
		if a.member(q) != nil {
			continue
		}
		m := &membership{a: a, q: q, priority: pm.Priority, tier: pm.Tier}
		if n := len(q.free); n > 0 {
			m.slot = q.free[n-1]
			q.free = q.free[:n-1]
			q.slots[m.slot] = m
		} else {
			m.slot = int32(len(q.slots))
			q.slots = append(q.slots, m)
			for med := range q.ready {
				if q.serves[med] {
					q.ready[med].reserve(len(q.slots))
				}
			}
		}
		a.mems = append(a.mems, m)
		q.members = append(q.members, m)
		q.byState[a.state]++
		if a.state != LoggedOut {
			q.loggedIn++
		}
	}
	slices.SortStableFunc(a.mems, func(x, y *membership) int { return x.priority - y.priority }) // lower first
}

// serve starts indexing q's members for medium m, the first time an
// interaction of m enters q: agents are indexed only for media their queues
// actually see, which keeps memory and reindexing cost per agent small.
func (d *ACD) serve(q *queue, m Medium) {
	if q.serves[m] {
		return
	}
	q.serves[m] = true
	q.ready[m].reserve(len(q.slots))
	for _, m := range q.members {
		d.reindex(m.a)
	}
}

// agentKey is the strategy's ordering key for m's agent in m's queue.
func (d *ACD) agentKey(m *membership) (int64, int64) {
	a := m.a
	idle := a.idleSince.UnixNano()
	switch m.q.cfg.Strategy {
	case FewestHandled:
		return int64(a.stats.Handled), idle
	case LeastTalkTime:
		return int64(a.stats.Talk), idle
	case RoundRobin:
		return m.rr, idle
	case BestSkill:
		if m.q.primary < 0 {
			return idle, 0
		}
		return -int64(a.skills.level(uint8(m.q.primary))), idle
	default: // LongestIdle, RingAll
		return idle, 0
	}
}

// reindex puts a into exactly the ready indexes it can take work from, with
// fresh keys. Cost: memberships x media x log(agents).
func (d *ACD) reindex(a *agent) {
	for _, m := range a.mems {
		for med := Medium(0); med < numMedia; med++ {
			if !m.q.serves[med] {
				continue // never indexed: serve is for good
			}
			h := &m.q.ready[med]
			pos := h.position(m.slot)
			if !a.canTake(med) {
				if pos >= 0 {
					h.removeAt(int(pos))
				}
				continue
			}
			k1, k2 := d.agentKey(m)
			if pos >= 0 {
				if e := &h.h[pos]; e.k1 == k1 && e.k2 == k2 {
					continue
				}
				h.removeAt(int(pos))
			}
			h.push(agentEntry{k1: k1, k2: k2, ord: a.ord, slot: m.slot})
		}
	}
}
