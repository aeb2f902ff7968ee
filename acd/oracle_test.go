package acd

import (
	"os"
	"slices"
	"time"
)

// The oracle is the routing rules of README.md ("Routing", "Documented
// order", "Capacity") written a second time for the property test, from the
// test's own records of what it configured and enqueued. It shares no code
// with the core's comparators, heaps, skill sets or capacity counters, so a
// bug there cannot hide by agreeing with itself. From the core it reads only
// facts an owner could also know: an interaction's state, queue, medium,
// widening step, preferred agent, the agents it is offered to or handled by,
// and each agent's public view.

// arrival is what the test enqueued: base priority, position time (kept
// through RONA, reject, callback conversion and overflow) and arrival order.
type arrival struct {
	prio int
	at   time.Time
	seq  int
}

// oracleStep is widening step s of cfg: zero before the first step, the last
// step once all have passed.
func oracleStep(cfg QueueConfig, s int) Widen {
	if s <= 0 || len(cfg.Widening) == 0 {
		return Widen{}
	}
	return cfg.Widening[min(s, len(cfg.Widening))-1]
}

// effective60 is the effective priority (Priority + AgingPerMinute x minutes
// waited) times 60e9, in integers: the test's aging rates are whole numbers
// and times whole nanoseconds, so equal priorities compare equal exactly.
func (p *propState) effective60(x *interaction) int64 {
	arr := p.arrivals[x.pub.ID]
	rate := p.qcfgs[x.q.cfg.ID].AgingPerMinute
	if rate != float64(int64(rate)) {
		p.rt.Fatalf("oracle: aging %v is not whole", rate)
	}
	return int64(arr.prio)*int64(time.Minute) + int64(rate)*int64(p.h.now.Sub(arr.at))
}

// comesFirst is the documented order: higher effective priority, then earlier
// position time, then earlier arrival.
func (p *propState) comesFirst(x, y *interaction) bool {
	if ex, ey := p.effective60(x), p.effective60(y); ex != ey {
		return ex > ey
	}
	ax, ay := p.arrivals[x.pub.ID], p.arrivals[y.pub.ID]
	if !ax.at.Equal(ay.at) {
		return ax.at.Before(ay.at)
	}
	return ax.seq < ay.seq
}

// mayTake: the agent is Ready, Reserved or Busy without a pending not-ready,
// and one more interaction of med fits its capacity: per medium, offered plus
// in progress stays within Max; nothing during a realtime interaction; a
// realtime one over chats/SMS only with VoiceOverChat; e-mail never blocks.
func (p *propState) mayTake(agentID string, med Medium) bool {
	v, err := p.h.d.Agent(p.h.now, agentID)
	if err != nil {
		p.rt.Fatal(err)
	}
	if v.PendingNR || (v.State != Ready && v.State != Reserved && v.State != Busy) {
		return false
	}
	c := p.profiles[agentID].Capacity
	if c.Max == ([numMedia]uint8{}) {
		c = DefaultCapacity()
	}
	var load [numMedia]int
	for _, x := range p.h.d.inter {
		holds := x.state == iHandling && x.handler.prof.ID == agentID
		for _, a := range x.offerTo {
			holds = holds || (x.state == iOffered && a.prof.ID == agentID)
		}
		if holds {
			load[x.pub.Medium]++
		}
	}
	realtime := load[Voice] + load[WebCall] + load[Callback] + load[Preview]
	chats := load[Chat] + load[SMS]
	isRealtime := med != Chat && med != SMS && med != Email
	switch {
	case load[med] >= int(c.Max[med]), realtime > 0:
		return false
	case isRealtime && chats > 0:
		return c.VoiceOverChat
	}
	return true
}

// qualifies says whether the agent may be given x as far as x is concerned: an
// interaction parked for its preferred agent only that agent, with every skill
// at its full level; any other a member of x's queue whose tier the widening
// step has reached, with every required skill at the level lowered by the step.
func (p *propState) qualifies(agentID string, x *interaction) bool {
	prof := p.profiles[agentID]
	i := slices.IndexFunc(prof.Queues, func(m Membership) bool { return m.Queue == x.q.cfg.ID })
	if i < 0 {
		return false
	}
	w := oracleStep(p.qcfgs[x.q.cfg.ID], x.step)
	if x.pref != nil {
		if x.pref.prof.ID != agentID {
			return false
		}
		w = Widen{} // preferred: no tier, no relaxing
	} else if prof.Queues[i].Tier > w.Tier {
		return false
	}
	for _, need := range p.reqs[x.pub.ID] {
		j := slices.IndexFunc(prof.Skills, func(s SkillLevel) bool { return s.Skill == need.Skill })
		if j < 0 || prof.Skills[j].Level < need.Level-w.Relax {
			return false
		}
	}
	return true
}

// rank is where x stands for the agent when it turns ready: interactions
// parked for it first (-1), then its queues by membership priority number.
func (p *propState) rank(agentID string, x *interaction) int {
	if x.pref != nil && x.pref.prof.ID == agentID {
		return -1
	}
	for _, m := range p.profiles[agentID].Queues {
		if m.Queue == x.q.cfg.ID {
			return m.Priority
		}
	}
	return 1 << 30
}

// checkNoIdleAgentForWork: no waiting interaction has an agent that may take
// it now (every path that frees an agent pulls, every arrival routes first).
func (p *propState) checkNoIdleAgentForWork() {
	for id, x := range p.h.d.inter {
		if x.state != iWaiting {
			continue
		}
		for _, a := range p.agents {
			if p.qualifies(a, x) && p.mayTake(a, x.pub.Medium) {
				if os.Getenv("ACD_PROP_DEBUG") != "" {
					v, _ := p.h.d.Agent(p.h.now, a)
					ag := p.h.d.agents[a]
					p.rt.Logf("%+v prof %+v work %v offered %v load %v cap %+v pref %v", v, p.profiles[a], ag.work, ag.offered, ag.load, ag.cap, x.pref != nil)
				}
				p.rt.Fatalf("%s (queue %s, %s, step %d) waits while agent %s could take it", id, x.q.cfg.ID, x.pub.Medium, x.step, a)
			}
		}
	}
}

// trackOffers follows the live offers as an owner sees them, from the plan
// alone, and notes whether each interaction was last offered by a ring-all
// queue (realtime medium) that may ring several agents at once.
func (p *propState) trackOffers(ds []Decision) {
	for _, dec := range ds {
		switch dec.Kind {
		case DecOffer:
			if p.live[dec.Interaction] == nil {
				p.live[dec.Interaction] = map[string]bool{}
			}
			p.live[dec.Interaction][dec.Agent] = true
			p.ringAll[dec.Interaction] = p.qcfgs[dec.Queue].Strategy == RingAll && dec.Medium.kind() == kindRealtime
		case DecCancelOffer, DecAnswered:
			delete(p.live[dec.Interaction], dec.Agent)
		case DecFinished:
			delete(p.live, dec.Interaction)
		}
	}
}

// checkLiveOffers: no interaction has more than one live offer unless its
// queue rings all, and the offers the plans announced are the ones the core
// holds.
func (p *propState) checkLiveOffers() {
	for id, x := range p.h.d.inter {
		if x.state == iOffered && len(p.live[id]) == 0 {
			p.rt.Fatalf("%s is offered to %d agents that no plan announced", id, len(x.offerTo))
		}
	}
	for id, to := range p.live {
		if len(to) > 1 && !p.ringAll[id] {
			p.rt.Fatalf("%s has %d live offers (%v) and its queue does not ring all", id, len(to), to)
		}
		x, ok := p.h.d.inter[id]
		if !ok {
			p.rt.Fatalf("%s has live offers %v but left the ACD", id, to)
		}
		held := map[string]bool{}
		if x.state == iOffered {
			for _, a := range x.offerTo {
				held[a.prof.ID] = true
			}
		}
		if len(held) != len(to) {
			p.rt.Fatalf("%s: plans offered it to %v, core holds offers to %v", id, to, held)
		}
		for a := range held {
			if !to[a] {
				p.rt.Fatalf("%s: plans offered it to %v, core holds offers to %v", id, to, held)
			}
		}
	}
}
