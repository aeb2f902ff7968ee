package acd

import (
	"flag"
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// TestPropertiesOverRandomEvents drives the core with random event sequences
// over a random small configuration and checks the invariants after every call.
func TestPropertiesOverRandomEvents(t *testing.T) {
	if f := flag.Lookup("rapid.steps"); f != nil && f.Value.String() == f.DefValue {
		_ = f.Value.Set("300") // long sequences find the interesting interleavings
	}
	if f := flag.Lookup("rapid.checks"); f != nil && f.Value.String() == f.DefValue {
		_ = f.Value.Set("400") // exact ties in the documented order are rare: 100 runs missed a swapped tie-break
	}
	rapid.Check(t, func(rt *rapid.T) {
		h := newHarness(rt)
		p := &propState{h: h, rt: rt, reqs: map[string][]SkillLevel{}, arrivals: map[string]arrival{},
			live: map[string]map[string]bool{}, ringAll: map[string]bool{}, qcfgs: map[string]QueueConfig{}, profiles: map[string]AgentProfile{}}
		p.setup()
		rt.Repeat(map[string]func(*rapid.T){
			"":          func(*rapid.T) { p.check() },
			"login":     func(*rapid.T) { p.agentOp(func(id string) ([]Decision, error) { return h.d.Login(h.now, id) }) },
			"ready":     func(*rapid.T) { p.agentOp(func(id string) ([]Decision, error) { return h.d.Ready(h.now, id) }) },
			"ready2":    func(*rapid.T) { p.agentOp(func(id string) ([]Decision, error) { return h.d.Ready(h.now, id) }) },
			"notready":  func(*rapid.T) { p.agentOp(func(id string) ([]Decision, error) { return h.d.NotReady(h.now, id, "r") }) },
			"break":     func(*rapid.T) { p.agentOp(func(id string) ([]Decision, error) { return h.d.Break(h.now, id, "") }) },
			"endbreak":  func(*rapid.T) { p.agentOp(func(id string) ([]Decision, error) { return h.d.EndBreak(h.now, id) }) },
			"logout":    func(*rapid.T) { p.agentOp(func(id string) ([]Decision, error) { return h.d.Logout(h.now, id, "") }) },
			"forcenr":   func(*rapid.T) { p.agentOp(func(id string) ([]Decision, error) { return h.d.ForceNotReady(h.now, id) }) },
			"endwrap":   func(*rapid.T) { p.agentOp(func(id string) ([]Decision, error) { return h.d.EndWrap(h.now, id) }) },
			"enqueue":   func(*rapid.T) { p.enqueue() },
			"enqueue2":  func(*rapid.T) { p.enqueue() },
			"accept":    func(*rapid.T) { p.respond(true) },
			"accept2":   func(*rapid.T) { p.respond(true) },
			"reject":    func(*rapid.T) { p.respond(false) },
			"finish":    func(*rapid.T) { p.finish() },
			"advance":   func(*rapid.T) { p.advance() },
			"keepplace": func(*rapid.T) { p.keepPlace() },
			"dial":      func(*rapid.T) { p.dial() },
			"reconfig":  func(*rapid.T) { p.reconfigAgent() },
			"reconfigq": func(*rapid.T) { p.reconfigQueue() },
			"restart":   func(*rapid.T) { p.restart() },
		})
	})
}

type propState struct {
	h        *harness
	rt       *rapid.T
	agents   []string
	queues   []string
	reqs     map[string][]SkillLevel
	arrivals map[string]arrival         // what the test enqueued, for the oracle
	live     map[string]map[string]bool // interaction -> agents with a live offer, from the plans
	ringAll  map[string]bool            // last offered by a ring-all queue
	next     int
	caps     map[string]int
	qcfgs    map[string]QueueConfig
	profiles map[string]AgentProfile
	// grand is load kept over a capacity lowered by reconfig: existing work
	// continues, nothing new is offered until the load is under the cap.
	grand map[*agent][numMedia]int
}

var propSkills = []string{"en", "fr", "de"}

func (p *propState) setup() {
	h, rt := p.h, p.rt
	nq := rapid.IntRange(1, 3).Draw(rt, "queues")
	for i := range nq {
		id := fmt.Sprintf("q%d", i)
		cfg := QueueConfig{ID: id, Strategy: Strategy(rapid.IntRange(0, int(numStrategies)-1).Draw(rt, "strategy")),
			PrimarySkill: "en", OfferTimeout: 15 * time.Second,
			WrapUp:         time.Duration(rapid.IntRange(0, 2).Draw(rt, "wrap")) * 10 * time.Second,
			AgingPerMinute: float64(rapid.IntRange(0, 2).Draw(rt, "aging")),
			MaxWaiting:     rapid.IntRange(0, 4).Draw(rt, "maxwaiting"),
			MaxWait:        time.Duration(rapid.IntRange(0, 3).Draw(rt, "maxwait")) * time.Minute,
		}
		if rapid.Bool().Draw(rt, "widen") {
			cfg.Widening = []Widen{{After: 20 * time.Second, Relax: 2}, {After: 40 * time.Second, Relax: 2, Tier: 1}}
		}
		if i > 0 {
			cfg.OnMaxWait = OverflowTarget{Kind: OverflowQueue, Target: "q0"}
			cfg.OnFull = OverflowTarget{Kind: OverflowVoicemail, Target: "vm"}
		}
		if rapid.Bool().Draw(rt, "onnoagents") {
			cfg.OnNoAgents = OverflowTarget{Kind: OverflowQueue, Target: "q0"}
		}
		p.queues = append(p.queues, id)
		h.queue(cfg)
		p.qcfgs[id] = cfg
	}
	p.caps = map[string]int{"g": rapid.IntRange(0, 2).Draw(rt, "breakcap")}
	h.d.SetBreakLimit("g", p.caps["g"])
	na := rapid.IntRange(1, 5).Draw(rt, "agents")
	for i := range na {
		id := fmt.Sprintf("a%d", i)
		p.agents = append(p.agents, id)
		p.profiles[id] = p.profile(id)
		h.record(h.d.SetAgent(h.now, p.profiles[id]))
		if rapid.Bool().Draw(rt, "starts_ready") { // several ready agents early: the offers have choices
			h.record(h.d.Login(h.now, id))
			h.record(h.d.Ready(h.now, id))
		}
	}
}

func (p *propState) profile(id string) AgentProfile {
	rt := p.rt
	prof := AgentProfile{ID: id, Tenant: "t1", BreakGroup: "g"}
	for _, s := range propSkills {
		if rapid.Bool().Draw(rt, "has_"+s) {
			prof.Skills = append(prof.Skills, SkillLevel{s, rapid.IntRange(1, 5).Draw(rt, "level")})
		}
	}
	for _, q := range p.queues {
		if rapid.IntRange(0, 3).Draw(rt, "member") > 0 {
			prof.Queues = append(prof.Queues, Membership{Queue: q, Priority: rapid.IntRange(0, 2).Draw(rt, "prio"), Tier: rapid.IntRange(0, 1).Draw(rt, "tier")})
		}
	}
	if rapid.Bool().Draw(rt, "custom_cap") {
		prof.Capacity = DefaultCapacity()
		prof.Capacity.Max[Chat] = uint8(rapid.IntRange(0, 3).Draw(rt, "chats"))
		prof.Capacity.VoiceOverChat = rapid.Bool().Draw(rt, "voiceoverchat")
	}
	return prof
}

// agentOp applies an agent event; refusals must be typed errors.
func (p *propState) agentOp(f func(id string) ([]Decision, error)) {
	id := rapid.SampledFrom(p.agents).Draw(p.rt, "agent")
	ds, err := f(id)
	p.apply(ds, err)
}

func (p *propState) apply(ds []Decision, err error) {
	if err != nil {
		var te *TransitionError
		var be *BreakCapError
		if !asErr(err, &te) && !asErr(err, &be) && !isAny(err, ErrNotOffered, ErrUnknownInteraction, ErrDuplicate, ErrInvalidConfig, ErrNoCapacity) {
			p.rt.Fatalf("unexpected error kind: %v", err)
		}
		return
	}
	ds = p.h.record(ds, nil)
	if os.Getenv("ACD_PROP_DEBUG") != "" {
		for _, d := range ds {
			p.rt.Log(d.String())
		}
	}
	p.trackOffers(ds)
	p.checkOffers(ds)
}

func (p *propState) enqueue() {
	rt := p.rt
	p.next++
	id := fmt.Sprintf("x%d", p.next)
	in := Interaction{ID: id, Tenant: "t1", Queue: rapid.SampledFrom(p.queues).Draw(rt, "queue"),
		Medium:   Medium(rapid.SampledFrom([]int{int(Voice), int(Chat), int(Email)}).Draw(rt, "medium")),
		Priority: rapid.IntRange(0, 2).Draw(rt, "priority")}
	for _, s := range propSkills {
		if rapid.IntRange(0, 3).Draw(rt, "needs_"+s) == 0 {
			in.Skills = append(in.Skills, SkillLevel{s, rapid.IntRange(1, 5).Draw(rt, "min")})
		}
	}
	if rapid.IntRange(0, 4).Draw(rt, "preferred") == 0 {
		in.PreferredAgent = rapid.SampledFrom(p.agents).Draw(rt, "pref")
	}
	if in.Tenant = "t1"; rapid.IntRange(0, 20).Draw(rt, "othertenant") == 0 {
		in.Tenant = "t2"
	}
	p.reqs[id] = in.Skills
	p.arrivals[id] = arrival{prio: in.Priority, at: p.h.now, seq: p.next}
	ds, err := p.h.d.Enqueue(p.h.now, in)
	if in.Tenant == "t2" {
		if err == nil {
			p.rt.Fatal("interaction of another tenant accepted")
		}
		return
	}
	if isAny(err, ErrUnknownSkill) {
		return // a skill no agent was given
	}
	p.apply(ds, err)
}

// pick returns a random live interaction, optionally in state st.
func (p *propState) pick(want func(*interaction) bool) *interaction {
	var ids []string
	for id, x := range p.h.d.inter {
		if want(x) {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	slices.Sort(ids)
	return p.h.d.inter[rapid.SampledFrom(ids).Draw(p.rt, "interaction")]
}

func (p *propState) respond(accept bool) {
	x := p.pick(func(x *interaction) bool { return x.state == iOffered })
	if x == nil {
		return
	}
	a := x.offerTo[rapid.IntRange(0, len(x.offerTo)-1).Draw(p.rt, "who")].prof.ID
	if accept {
		p.apply(p.h.d.Accept(p.h.now, a, x.pub.ID))
	} else {
		p.apply(p.h.d.Reject(p.h.now, a, x.pub.ID))
	}
}

func (p *propState) finish() {
	if x := p.pick(func(*interaction) bool { return true }); x != nil {
		p.apply(p.h.d.Finish(p.h.now, x.pub.ID))
	}
}

func (p *propState) keepPlace() {
	if x := p.pick(func(x *interaction) bool { return x.state == iWaiting && x.pub.Medium == Voice }); x != nil {
		p.apply(p.h.d.KeepPlace(p.h.now, x.pub.ID))
	}
}

func (p *propState) dial() {
	p.next++
	id := rapid.SampledFrom(p.agents).Draw(p.rt, "agent")
	p.apply(p.h.d.Dial(p.h.now, id, fmt.Sprintf("out%d", p.next), Voice))
}

func (p *propState) reconfigAgent() {
	id := rapid.SampledFrom(p.agents).Draw(p.rt, "agent")
	p.profiles[id] = p.profile(id)
	p.apply(p.h.d.SetAgent(p.h.now, p.profiles[id]))
	a := p.h.d.agents[id]
	var g [numMedia]int
	for m := range g {
		g[m] = int(a.work[m]) + int(a.offered[m])
	}
	if p.grand == nil {
		p.grand = map[*agent][numMedia]int{}
	}
	p.grand[a] = g
}

// reconfigQueue changes a queue's strategy, aging and widening in place.
func (p *propState) reconfigQueue() {
	rt := p.rt
	id := rapid.SampledFrom(p.queues).Draw(rt, "queue")
	cfg := p.qcfgs[id]
	cfg.Strategy = Strategy(rapid.IntRange(0, int(numStrategies)-1).Draw(rt, "strategy"))
	cfg.AgingPerMinute = float64(rapid.IntRange(0, 2).Draw(rt, "aging"))
	cfg.Widening = nil
	if rapid.Bool().Draw(rt, "widen") {
		cfg.Widening = []Widen{{After: 10 * time.Second, Relax: 1}, {After: 30 * time.Second, Relax: 3, Tier: 1}}
	}
	p.qcfgs[id] = cfg
	p.apply(p.h.d.SetQueue(p.h.now, cfg))
}

// restart snapshots the ACD, restores the snapshot into a fresh one with the
// same settings and continues with it: nothing waiting or in progress is lost.
func (p *propState) restart() {
	h, rt := p.h, p.rt
	snap := h.d.Snapshot()
	held := len(h.d.inter)
	d2 := New("t1", t0, Options{Seed: 2})
	for _, id := range p.queues {
		if _, err := d2.SetQueue(h.now, p.qcfgs[id]); err != nil {
			rt.Fatal(err)
		}
	}
	d2.SetBreakLimit("g", p.caps["g"])
	for _, id := range p.agents {
		if _, err := d2.SetAgent(h.now, p.profiles[id]); err != nil {
			rt.Fatal(err)
		}
	}
	ds, err := d2.Restore(h.now, snap)
	if err != nil {
		rt.Fatalf("restore: %v", err)
	}
	h.d, h.timers, p.grand = d2, map[TimerRef]time.Time{}, nil
	p.live = map[string]map[string]bool{} // the new core starts without offers
	for _, x := range d2.inter {          // agents over a lowered capacity keep their work
		if x.handler != nil {
			var g [numMedia]int
			for m := range g {
				g[m] = int(x.handler.work[m]) + int(x.handler.offered[m])
			}
			if p.grand == nil {
				p.grand = map[*agent][numMedia]int{}
			}
			p.grand[x.handler] = g
		}
	}
	gone := 0
	for _, d := range ds {
		if d.Kind == DecFinished {
			gone++ // overflowed on restore (no agents, queue full)
		}
	}
	p.apply(ds, nil)
	if len(d2.inter)+gone != held {
		rt.Fatalf("restart kept %d of %d interactions (%d overflowed)", len(d2.inter), held, gone)
	}
	for _, as := range snap.Agents {
		if v, _ := d2.Agent(h.now, as.ID); as.State != Ready && as.State != v.State {
			rt.Fatalf("agent %s restored as %s, was %s", as.ID, v.State, as.State)
		}
	}
}

// advance moves time, firing due timers one by one and checking each plan.
func (p *propState) advance() {
	h := p.h
	end := h.now.Add(time.Duration(rapid.IntRange(1, 40).Draw(p.rt, "seconds")) * time.Second)
	for {
		var next TimerRef
		var at time.Time
		for r, t := range h.timers {
			if !t.After(end) && (at.IsZero() || t.Before(at) || (t.Equal(at) && fmt.Sprint(r) < fmt.Sprint(next))) {
				next, at = r, t
			}
		}
		if at.IsZero() {
			break
		}
		delete(h.timers, next)
		if at.After(h.now) {
			h.now = at
		}
		p.apply(h.d.Fire(h.now, next))
		p.check()
	}
	h.now = end
}

// checkOffers: every offer goes to an agent of this tenant that the oracle
// says qualifies (member, tier and skills at the widening step, or the
// preferred agent with full skills), and no interaction that agent qualifies
// for and that comes first is left waiting.
func (p *propState) checkOffers(ds []Decision) {
	d := p.h.d
	for _, dec := range ds {
		if dec.Kind != DecOffer {
			continue
		}
		a, ok := d.agents[dec.Agent]
		if !ok || a.prof.Tenant != d.tenant {
			p.rt.Fatalf("offer to unknown or foreign agent %s", dec.Agent)
		}
		x, ok := d.inter[dec.Interaction]
		if !ok || !slices.Contains(x.offerTo, a) {
			continue // answered or withdrawn within the same call
		}
		if !p.qualifies(dec.Agent, x) {
			p.rt.Fatalf("%s (queue %s, step %d, needs %v, preferred %v) offered to %s, who does not qualify: %+v",
				x.pub.ID, x.q.cfg.ID, x.step, p.reqs[x.pub.ID], x.pref != nil, dec.Agent, p.profiles[dec.Agent])
		}
		p.checkNoBetter(dec.Agent, x)
	}
}

// checkNoBetter, by the oracle: no waiting interaction of the same medium that
// the agent qualifies for and that comes first for it (parked for it, or a
// queue of a lower membership priority number, or the same level and first in
// the documented order) was passed over.
func (p *propState) checkNoBetter(agentID string, x *interaction) {
	rx := p.rank(agentID, x)
	for _, y := range p.h.d.inter {
		if y.state != iWaiting || y.pub.Medium != x.pub.Medium || !p.qualifies(agentID, y) {
			continue
		}
		if ry := p.rank(agentID, y); ry < rx || (ry == rx && p.comesFirst(y, x)) {
			ax, ay := p.arrivals[x.pub.ID], p.arrivals[y.pub.ID]
			if os.Getenv("ACD_PROP_DEBUG") != "" {
				p.rt.Logf("oracle x60 %d y60 %d; core x60 %v y60 %v; rank x %d y %d; y step %d parked %v",
					p.effective60(x), p.effective60(y), p.h.d.effective60(x), p.h.d.effective60(y), rx, p.rank(agentID, y), y.step, y.pref != nil)
			}
			p.rt.Fatalf("%s (queue %s, prio %d, at %s, #%d) offered to %s while %s (queue %s, prio %d, at %s, #%d) comes first",
				x.pub.ID, x.q.cfg.ID, ax.prio, ax.at.Sub(t0), ax.seq, agentID, y.pub.ID, y.q.cfg.ID, ay.prio, ay.at.Sub(t0), ay.seq)
		}
	}
}

// check verifies the global invariants.
func (p *propState) check() {
	d, rt := p.h.d, p.rt
	p.checkNoIdleAgentForWork()
	p.checkLiveOffers()
	if p.grand == nil {
		p.grand = map[*agent][numMedia]int{}
	}
	for id, q := range d.queues {
		for med := range q.ready {
			h := &q.ready[med]
			for i := range h.h {
				for c := agentArity*i + 1; c <= agentArity*i+agentArity && c < len(h.h); c++ {
					if agentLess(&h.h[c], &h.h[i]) {
						rt.Fatalf("queue %s %s heap out of order at %d", id, Medium(med), c)
					}
				}
				if m := q.slots[h.h[i].slot]; m == nil || h.position(m.slot) != int32(i) || h.h[i].ord != m.a.ord {
					rt.Fatalf("queue %s %s heap entry %d does not match its membership", id, Medium(med), i)
				}
			}
		}
	}
	onBreak := map[string]int{}
	for _, a := range d.agents {
		var load [3]int
		for m := Medium(0); m < numMedia; m++ {
			n := int(a.work[m]) + int(a.offered[m])
			g := p.grand[a]
			g[m] = min(g[m], n)
			p.grand[a] = g
			if n > max(int(a.cap.Max[m]), g[m]) {
				rt.Fatalf("agent %s holds %d %s, capacity %d", a.prof.ID, n, m, a.cap.Max[m])
			}
			load[m.kind()] += n
		}
		if _, re := p.grand[a]; !re && (load[kindRealtime] > 1 || (load[kindRealtime] == 1 && load[kindConversational] > 0 && !a.cap.VoiceOverChat)) {
			rt.Fatalf("agent %s breaks the medium rules: load %v", a.prof.ID, load)
		}
		if a.state == Break {
			onBreak[a.prof.BreakGroup]++
		}
		if (len(a.jobs) > 0) != (a.state == Busy) {
			rt.Fatalf("agent %s in %s with %d jobs", a.prof.ID, a.state, len(a.jobs))
		}
		if len(a.offers) > 0 && a.state != Reserved && a.state != Busy {
			rt.Fatalf("agent %s in %s with offers", a.prof.ID, a.state)
		}
		for _, m := range a.mems {
			for med := Medium(0); med < numMedia; med++ {
				if (m.pos(med) >= 0) != (m.q.serves[med] && a.canTake(med)) {
					rt.Fatalf("agent %s index for %s/%s out of date", a.prof.ID, m.q.cfg.ID, med)
				}
			}
		}
	}
	for g, n := range onBreak {
		if max, ok := d.breakMax[g]; ok && n > max {
			rt.Fatalf("%d agents of %s on break, cap %d", n, g, max)
		}
		if d.onBreak[g] != n {
			rt.Fatalf("break count %d, real %d", d.onBreak[g], n)
		}
	}
	waiting := map[*queue]int{}
	for id, x := range d.inter {
		switch x.state {
		case iWaiting:
			waiting[x.q]++
			inClass := x.cls != nil && x.hpos >= 0 && x.cls.h[x.hpos] == x
			parked := x.pref != nil && x.hpos >= 0 && x.hpos < len(x.pref.parked) && x.pref.parked[x.hpos] == x
			if inClass == parked {
				rt.Fatalf("waiting %s is in class %v and parked %v", id, inClass, parked)
			}
		case iOffered:
			if len(x.offerTo) == 0 {
				rt.Fatalf("offered %s to nobody", id)
			}
			for _, a := range x.offerTo {
				if !slices.Contains(a.offers, x) {
					rt.Fatalf("%s offered to %s which does not hold it", id, a.prof.ID)
				}
			}
		case iHandling:
			if !slices.Contains(x.handler.jobs, x) {
				rt.Fatalf("%s handled by %s which does not hold it", id, x.handler.prof.ID)
			}
		default:
			rt.Fatalf("%s kept in state %d", id, x.state)
		}
	}
	for _, q := range d.queues {
		for i, c := range q.nonEmpty {
			if c.idx != i || len(c.h) == 0 {
				rt.Fatalf("queue %s: nonEmpty[%d] has idx %d and %d waiting", q.cfg.ID, i, c.idx, len(c.h))
			}
		}
		for _, cs := range q.classes {
			for _, c := range cs {
				if (len(c.h) > 0) != (c.idx >= 0) {
					rt.Fatalf("queue %s: class with %d waiting has idx %d", q.cfg.ID, len(c.h), c.idx)
				}
			}
		}
		if q.waiting != waiting[q] {
			rt.Fatalf("queue %s counts %d waiting, has %d", q.cfg.ID, q.waiting, waiting[q])
		}
	}
}
