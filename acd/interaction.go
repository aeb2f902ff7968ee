package acd

import (
	"fmt"
	"maps"
	"slices"
	"time"
)

// maxHops bounds queue-to-queue overflow chains (a loop in the settings).
const maxHops = 8

func (d *ACD) interaction(id string) (*interaction, error) {
	x, ok := d.inter[id]
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownInteraction, id)
	}
	return x, nil
}

// compileReqs maps required skills to IDs without registering new names: a
// skill no agent was ever given cannot be served, and outside input must not
// exhaust the skill table.
func (d *ACD) compileReqs(in []SkillLevel) (skillSet, error) {
	if err := d.knownSkills(in); err != nil {
		return skillSet{}, err
	}
	return d.compileSkills(in)
}

func (d *ACD) knownSkills(in []SkillLevel) error {
	for _, s := range in {
		if _, ok := d.skills[s.Skill]; !ok {
			return fmt.Errorf("%w %q: no agent or queue of tenant %s has it", ErrUnknownSkill, s.Skill, d.tenant)
		}
	}
	return nil
}

func (d *ACD) newInteraction() *interaction {
	if n := len(d.free); n > 0 {
		x := d.free[n-1]
		d.free = d.free[:n-1]
		return x
	}
	return &interaction{hpos: -1}
}

// Enqueue puts a new interaction in its queue. It is offered at once if an
// agent qualifies; otherwise it waits, or overflows if a limit is hit.
func (d *ACD) Enqueue(now time.Time, in Interaction) ([]Decision, error) {
	if in.Tenant != d.tenant {
		return nil, fmt.Errorf("%w: interaction %s of tenant %q in ACD of %q", ErrWrongTenant, in.ID, in.Tenant, d.tenant)
	}
	if in.ID == "" {
		return nil, fmt.Errorf("%w: interaction without ID", ErrInvalidConfig)
	}
	if _, dup := d.inter[in.ID]; dup {
		return nil, fmt.Errorf("%w %q", ErrDuplicate, in.ID)
	}
	if in.Medium >= numMedia {
		return nil, fmt.Errorf("%w: interaction %s: unknown medium %d", ErrInvalidConfig, in.ID, in.Medium)
	}
	q, ok := d.queues[in.Queue]
	if !ok {
		return nil, fmt.Errorf("%w %q for interaction %s", ErrUnknownQueue, in.Queue, in.ID)
	}
	if err := d.knownSkills(in.Skills); err != nil {
		return nil, fmt.Errorf("interaction %s: %w", in.ID, err)
	}
	x := d.newInteraction()
	reqs, err := d.compileSkillsInto(x.reqs.list[:0], in.Skills)
	if err != nil {
		d.free = append(d.free, x)
		return nil, fmt.Errorf("interaction %s: %w", in.ID, err)
	}
	d.begin(now)
	skills := append(x.pub.Skills[:0], in.Skills...) // recycled capacity: no allocation in steady state
	x.pub, x.reqs, x.enq = in, reqs, now
	x.pub.Skills = skills
	x.pub.Data = maps.Clone(in.Data)
	d.seq++
	x.seq = d.seq
	d.inter[in.ID] = x
	d.enter(x, q)
	return d.end(), nil
}

// preferred is x's preferred agent if it can wait for it in q: logged in,
// a member of q, with the skills.
func (d *ACD) preferred(x *interaction, q *queue) *agent {
	if x.pub.PreferredAgent == "" {
		return nil // no probe of the agent map: at scale that is a cache miss
	}
	p, ok := d.agents[x.pub.PreferredAgent]
	if !ok || p.state == LoggedOut || p.member(q) == nil || !p.skills.covers(&x.reqs, 0) {
		return nil
	}
	return p
}

// enter puts x in q: limits first, then timers, then routing.
func (d *ACD) enter(x *interaction, q *queue) {
	now := d.now
	x.q, x.queued, x.step, x.state = q, now, 0, iWaiting
	x.qgen++
	x.key = d.keyOf(q, x.pub.Priority, x.enq)
	d.serve(q, x.pub.Medium)
	q.st.bucket(now).offered++
	switch {
	case q.loggedIn == 0 && q.cfg.OnNoAgents.Kind != OverflowNone:
		d.overflow(x, q.cfg.OnNoAgents, ReasonNoAgents)
		return
	case q.cfg.MaxWaiting > 0 && q.waiting >= q.cfg.MaxWaiting:
		d.overflow(x, q.cfg.OnFull, ReasonQueueFull)
		return
	}
	d.emit(Decision{Kind: DecQueued, Interaction: x.pub.ID, Queue: q.cfg.ID, Medium: x.pub.Medium, At: now})
	if q.cfg.MaxWait > 0 {
		d.timer(x, TimerMaxWait, x.qgen, 0, now.Add(q.cfg.MaxWait))
	}
	if len(q.cfg.Widening) > 0 {
		d.timer(x, TimerWiden, x.qgen, 1, now.Add(q.cfg.Widening[0].After))
	}
	x.pref = d.preferred(x, q)
	if x.pref != nil {
		t := x.pub.PreferredTimeout
		if t <= 0 {
			t = q.cfg.PreferredTimeout
		}
		d.timer(x, TimerPreferred, x.qgen, 0, now.Add(t))
	}
	if d.deferPlace {
		if x.pref != nil {
			x.pref.parked.push(x)
			q.waiting++
			d.pulls = append(d.pulls, x.pref) // it may take x now: parked work comes first when it pulls
			return
		}
		x.state = iWaiting
		d.wait(x)
		d.later = append(d.later, x)
		return
	}
	d.place(x)
}

func (d *ACD) timer(x *interaction, k TimerKind, gen uint32, step int, at time.Time) {
	d.emit(Decision{Kind: DecTimer, Interaction: x.pub.ID, Queue: x.q.cfg.ID, At: at,
		Timer: TimerRef{Kind: k, ID: x.pub.ID, Gen: gen, Step: step}})
}

// overflow sends x to target: another queue is handled here; anything else
// leaves the ACD and the owner carries it out (OverflowNone: refused).
func (d *ACD) overflow(x *interaction, t OverflowTarget, r OverflowReason) {
	d.unwait(x)
	d.emit(Decision{Kind: DecOverflow, Interaction: x.pub.ID, Queue: x.q.cfg.ID, Medium: x.pub.Medium, At: d.now, Overflow: t, Reason: r})
	if nq, ok := d.queues[t.Target]; ok && t.Kind == OverflowQueue && x.hops < maxHops {
		x.hops++
		d.enter(x, nq)
		return
	}
	x.q.st.bucket(d.now).overflowed++
	d.finish(x)
}

// finish forgets x and recycles its record.
func (d *ACD) finish(x *interaction) {
	d.emit(Decision{Kind: DecFinished, Interaction: x.pub.ID, Queue: x.q.cfg.ID, Medium: x.pub.Medium, At: d.now})
	delete(d.inter, x.pub.ID)
	if len(d.later) > 0 {
		d.later = slices.DeleteFunc(d.later, func(y *interaction) bool { return y == x })
	}
	offerTo, skills, reqs := x.offerTo[:0], x.pub.Skills[:0], x.reqs.list[:0]
	*x = interaction{hpos: -1, offerTo: offerTo}
	x.pub.Skills, x.reqs.list = skills, reqs
	d.free = append(d.free, x)
}

// cancelAll withdraws every offer of x; the agents are told and freed.
func (d *ACD) cancelAll(x *interaction) {
	for len(x.offerTo) > 0 {
		b := x.offerTo[len(x.offerTo)-1]
		d.withdraw(b, x)
		d.fire(b, EvCancel, "", x.pub.Medium)
	}
}

func (d *ACD) offeredTo(x *interaction, a *agent) bool {
	return x.state == iOffered && slices.Contains(x.offerTo, a)
}

// Accept records that the agent answered the offer. Other ring-all agents
// lose theirs.
func (d *ACD) Accept(now time.Time, agentID, interactionID string) ([]Decision, error) {
	a, x, err := d.pair(agentID, interactionID)
	if err != nil {
		return nil, err
	}
	if err := check(a, EvAccept); err != nil {
		return nil, err
	}
	d.begin(now)
	for i := 0; i < len(x.offerTo); { // withdraw shrinks offerTo
		if b := x.offerTo[i]; b != a {
			d.withdraw(b, x)
			d.fire(b, EvCancel, "", x.pub.Medium)
			continue
		}
		i++
	}
	med := x.pub.Medium
	a.offers = removeX(a.offers, x)
	a.offered[med]--
	a.work[med]++
	a.jobs = append(a.jobs, x)
	x.offerTo = x.offerTo[:0]
	x.state, x.handler, x.accepted = iHandling, a, now
	x.q.st.answered(now, now.Sub(x.queued), x.q.cfg.ServiceLevel)
	d.emit(Decision{Kind: DecAnswered, Interaction: x.pub.ID, Agent: a.prof.ID, Queue: x.q.cfg.ID, Medium: med, Attempt: x.attempt, At: now})
	d.fire(a, EvAccept, "", med)
	return d.end(), nil
}

func (d *ACD) pair(agentID, interactionID string) (*agent, *interaction, error) {
	a, err := d.agent(agentID)
	if err != nil {
		return nil, nil, err
	}
	x, err := d.interaction(interactionID)
	if err != nil {
		return nil, nil, err
	}
	if !d.offeredTo(x, a) {
		return nil, nil, fmt.Errorf("%w: %s to agent %s", ErrNotOffered, interactionID, agentID)
	}
	return a, x, nil
}

// Reject is the agent declining an offer: handled like no answer, with reason "rejected".
func (d *ACD) Reject(now time.Time, agentID, interactionID string) ([]Decision, error) {
	a, x, err := d.pair(agentID, interactionID)
	if err != nil {
		return nil, err
	}
	d.begin(now)
	d.rona(a, x, EvReject, ReasonRejected)
	if len(x.offerTo) == 0 {
		d.requeue(x)
	}
	return d.end(), nil
}

// rona takes x back from a, which goes not ready (pending while busy) with its
// other offers withdrawn (AG-6).
func (d *ACD) rona(a *agent, x *interaction, ev Event, reason string) {
	d.emit(Decision{Kind: DecRONA, Interaction: x.pub.ID, Agent: a.prof.ID, Queue: x.q.cfg.ID, Medium: x.pub.Medium, Attempt: x.attempt, At: d.now})
	d.withdraw(a, x)
	back := d.withdrawAll(a)
	d.fire(a, ev, reason, x.pub.Medium)
	d.requeueAll(back)
}

// Finish ends an interaction wherever it is: waiting or offered, the caller
// abandoned; in progress, the agent's work on it ended (after-call work follows
// if the queue has a wrap-up time).
func (d *ACD) Finish(now time.Time, interactionID string) ([]Decision, error) {
	x, err := d.interaction(interactionID)
	if err != nil {
		return nil, err
	}
	d.begin(now)
	switch x.state {
	case iWaiting:
		d.unwait(x)
		x.q.st.abandoned(now, now.Sub(x.queued), x.q.cfg.ServiceLevel)
	case iOffered:
		d.cancelAll(x)
		x.q.st.abandoned(now, now.Sub(x.queued), x.q.cfg.ServiceLevel)
	case iHandling:
		d.endWork(x)
	}
	d.finish(x)
	return d.end(), nil
}

func (d *ACD) endWork(x *interaction) {
	a, med, now := x.handler, x.pub.Medium, d.now
	a.jobs = removeX(a.jobs, x)
	a.work[med]--
	a.load[med.kind()]--
	a.stats.roll(now, d.loc)
	talk := now.Sub(x.accepted)
	a.stats.Talk += talk
	if x.outbound {
		a.stats.Outbound++
	} else {
		a.stats.Handled++
		x.q.st.bucket(now).handled(talk)
		a.pendingWrap = max(a.pendingWrap, x.q.cfg.WrapUp)
	}
	d.fire(a, EvWorkEnd, "", med)
	if a.state == AfterCallWork {
		a.wrapGen++
		a.wrapUntil = now.Add(x.q.cfg.WrapUp)
		d.emit(Decision{Kind: DecTimer, Agent: a.prof.ID, At: now.Add(x.q.cfg.WrapUp),
			Timer: TimerRef{Kind: TimerWrap, ID: a.prof.ID, Gen: a.wrapGen}})
	}
}

// Dial records an outbound interaction the agent starts itself (AG-2 dial
// out). It counts as outbound work; Finish ends it.
func (d *ACD) Dial(now time.Time, agentID, interactionID string, med Medium) ([]Decision, error) {
	a, err := d.agent(agentID)
	if err != nil {
		return nil, err
	}
	if _, dup := d.inter[interactionID]; dup || interactionID == "" {
		return nil, fmt.Errorf("%w %q", ErrDuplicate, interactionID)
	}
	if err := check(a, EvDial); err != nil {
		return nil, err
	}
	if !a.fits(med) {
		return nil, fmt.Errorf("%w: agent %s cannot take another %s", ErrNoCapacity, agentID, med)
	}
	if len(a.mems) == 0 {
		return nil, fmt.Errorf("%w: agent %s is in no queue to account the dial to", ErrInvalidConfig, agentID)
	}
	d.begin(now)
	x := d.newInteraction()
	x.pub = Interaction{ID: interactionID, Tenant: d.tenant, Queue: a.mems[0].q.cfg.ID, Medium: med}
	x.q, x.enq, x.queued, x.outbound = a.mems[0].q, now, now, true
	x.state, x.handler, x.accepted = iHandling, a, now
	d.inter[interactionID] = x
	if a.state == NotReady || a.state == AfterCallWork {
		a.pendingNR, a.pendingReason = true, a.reason
		if a.state == AfterCallWork {
			a.pendingNR = false
		}
	}
	a.work[med]++
	a.load[med.kind()]++
	a.jobs = append(a.jobs, x)
	d.fire(a, EvDial, "", med)
	return d.end(), nil
}

// KeepPlace turns a waiting voice call into a callback that keeps the caller's
// place in the queue; the session can hang up the line.
func (d *ACD) KeepPlace(now time.Time, interactionID string) ([]Decision, error) {
	x, err := d.interaction(interactionID)
	if err != nil {
		return nil, err
	}
	if x.state != iWaiting {
		return nil, fmt.Errorf("%w: interaction %s is not waiting", ErrInvalidConfig, interactionID)
	}
	d.begin(now)
	d.unwait(x)
	x.pub.Medium = Callback
	d.serve(x.q, Callback)
	d.place(x)
	return d.end(), nil
}

// Offered reports whether the offer attempt of the interaction to the agent
// is still pending: the owner re-checks a plan with it before acting.
func (d *ACD) Offered(interactionID, agentID string, attempt uint32) bool {
	x, ok := d.inter[interactionID]
	a, ok2 := d.agents[agentID]
	return ok && ok2 && x.attempt == attempt && d.offeredTo(x, a)
}

// Has reports whether the interaction is still held (waiting, offered or in progress).
func (d *ACD) Has(interactionID string) bool {
	_, ok := d.inter[interactionID]
	return ok
}

// Interaction returns a held interaction as it was enqueued (attached data
// included, for the agent's screen pop).
func (d *ACD) Interaction(id string) (Interaction, bool) {
	x, ok := d.inter[id]
	if !ok {
		return Interaction{}, false
	}
	return x.pub, true
}
