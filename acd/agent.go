package acd

import (
	"fmt"
	"time"
)

// Not-ready reasons the core sets itself.
const (
	ReasonLogin      = "login"
	ReasonNoAnswer   = "no answer"
	ReasonRejected   = "rejected"
	ReasonSupervisor = "supervisor"
)

func (d *ACD) agent(id string) (*agent, error) {
	a, ok := d.agents[id]
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownAgent, id)
	}
	return a, nil
}

// check refuses an event the table does not allow in a's state.
func check(a *agent, ev Event) error {
	if next[a.state][ev] == numStates {
		return &TransitionError{Agent: a.prof.ID, State: a.state, Event: ev}
	}
	return nil
}

// target resolves the table's derived targets from a's work.
func target(a *agent, ev Event) State {
	to := next[a.state][ev]
	if to != derived {
		return to
	}
	switch {
	case len(a.jobs) > 0:
		return Busy
	case len(a.offers) > 0:
		return Reserved
	case ev == EvWorkEnd && a.pendingWrap > 0:
		return AfterCallWork
	case a.pendingNR:
		return NotReady
	default:
		return Ready
	}
}

// fire moves a along the table (checked by the caller) and reports it.
func (d *ACD) fire(a *agent, ev Event, reason string, med Medium) {
	from, to := a.state, target(a, ev)
	now := d.now
	if from != to {
		a.stats.roll(now, d.loc)
		a.stats.add(from, now.Sub(a.since))
		a.since = now
		for _, m := range a.mems {
			m.q.byState[from]--
			m.q.byState[to]++
			if from == LoggedOut {
				m.q.loggedIn++
			} else if to == LoggedOut {
				m.q.loggedIn--
			}
		}
		if from == Break {
			d.onBreak[a.prof.BreakGroup]--
		}
		if to == Break {
			d.onBreak[a.prof.BreakGroup]++
		}
		if to == Ready {
			a.idleSince = now
		}
	}
	a.state = to
	switch to {
	case NotReady:
		if reason == "" && a.pendingNR {
			reason = a.pendingReason
		}
		a.reason = reason
		a.pendingNR, a.pendingReason = false, ""
	case Busy:
		if ev == EvNotReady || ev == EvNoAnswer || ev == EvReject {
			a.pendingNR, a.pendingReason = true, reason
		}
		a.reason = ""
	case AfterCallWork:
		a.pendingWrap = 0
		a.reason = ""
	default:
		a.reason = ""
		if to == LoggedOut || to == Ready || to == Break {
			a.pendingNR, a.pendingReason = false, ""
		}
	}
	if to == Ready || to == LoggedOut {
		a.pendingWrap = 0
	}
	d.emit(Decision{Kind: DecTransition, Agent: a.prof.ID, Medium: med, At: now, Transition: Transition{
		Agent: a.prof.ID, From: from, To: to, Event: ev, Reason: a.reasonFor(to, reason), Medium: med, At: now}})
	d.reindex(a)
	if a.available() {
		d.pulls = append(d.pulls, a)
	}
}

func (a *agent) reasonFor(to State, reason string) string {
	if to == NotReady {
		return a.reason
	}
	return reason
}

// simple applies an agent event that needs no work bookkeeping.
func (d *ACD) simple(now time.Time, id string, ev Event, reason string) ([]Decision, error) {
	a, err := d.agent(id)
	if err != nil {
		return nil, err
	}
	if err := check(a, ev); err != nil {
		return nil, err
	}
	d.begin(now)
	d.fire(a, ev, reason, 0)
	return d.end(), nil
}

// Login logs the agent in; it starts not ready (reason "login").
func (d *ACD) Login(now time.Time, agentID string) ([]Decision, error) {
	return d.simple(now, agentID, EvLogin, ReasonLogin)
}

// Ready makes the agent available; it may get an offer at once.
func (d *ACD) Ready(now time.Time, agentID string) ([]Decision, error) {
	return d.simple(now, agentID, EvReady, "")
}

// NotReady makes the agent unavailable with a reason code. While busy, the
// change waits until the work ends (no new offers meanwhile).
func (d *ACD) NotReady(now time.Time, agentID, reason string) ([]Decision, error) {
	return d.simple(now, agentID, EvNotReady, reason)
}

// EndWrap ends after-call work early.
func (d *ACD) EndWrap(now time.Time, agentID string) ([]Decision, error) {
	return d.simple(now, agentID, EvWrapEnd, "")
}

// EndBreak ends a break (the agent's or a supervisor's action).
func (d *ACD) EndBreak(now time.Time, agentID string) ([]Decision, error) {
	return d.simple(now, agentID, EvEndBreak, "")
}

// Break grants a break while fewer than the group's cap are on break,
// otherwise refuses with a *BreakCapError carrying the count (AG-5). A
// supervisor's grant (by != "") follows the same cap: raise the cap to allow more.
func (d *ACD) Break(now time.Time, agentID, by string) ([]Decision, error) {
	a, err := d.agent(agentID)
	if err != nil {
		return nil, err
	}
	if err := check(a, EvBreak); err != nil {
		return nil, err
	}
	g := a.prof.BreakGroup
	if max, ok := d.breakMax[g]; ok && d.onBreak[g] >= max {
		return nil, &BreakCapError{Group: g, OnBreak: d.onBreak[g], Max: max}
	}
	d.begin(now)
	d.fire(a, EvBreak, by, 0)
	return d.end(), nil
}

// OnBreak is how many agents of group are on break.
func (d *ACD) OnBreak(group string) int { return d.onBreak[group] }

// Logout logs the agent out. Pending offers go back to their queues at their
// original positions, interactions parked for it as preferred agent are
// released. A busy agent cannot log out (release the work first).
func (d *ACD) Logout(now time.Time, agentID, reason string) ([]Decision, error) {
	a, err := d.agent(agentID)
	if err != nil {
		return nil, err
	}
	if err := check(a, EvLogout); err != nil {
		return nil, err
	}
	d.begin(now)
	back := d.withdrawAll(a)
	d.fire(a, EvLogout, reason, 0)
	d.requeueAll(back)
	d.releaseParked(a)
	for _, m := range a.mems {
		if m.q.loggedIn == 0 && m.q.cfg.OnNoAgents.Kind != OverflowNone {
			d.overflowAll(m.q, ReasonNoAgents)
		}
	}
	return d.end(), nil
}

// overflowAll sends every interaction waiting in q to the no-agents
// destination: the last agent of the queue logged out.
func (d *ACD) overflowAll(q *queue, r OverflowReason) {
	var all []*interaction
	for _, c := range q.nonEmpty {
		all = append(all, c.h...)
	}
	d.deferPlace = true // routed best first in their new queues at the end of the call
	for _, x := range all {
		d.overflow(x, q.cfg.OnNoAgents, r)
	}
	d.deferPlace = false
}

// ForceNotReady is a supervisor's not-ready: from Reserved it withdraws the
// offers first; otherwise it is NotReady with reason "supervisor".
func (d *ACD) ForceNotReady(now time.Time, agentID string) ([]Decision, error) {
	a, err := d.agent(agentID)
	if err != nil {
		return nil, err
	}
	if a.state != Reserved {
		return d.NotReady(now, agentID, ReasonSupervisor)
	}
	d.begin(now)
	back := d.withdrawAll(a)
	d.fire(a, EvCancel, "", 0) // Reserved -> Ready
	d.fire(a, EvNotReady, ReasonSupervisor, 0)
	d.requeueAll(back)
	return d.end(), nil
}

// withdrawAll takes back every pending offer of a and returns those no other
// agent is offered; the caller requeues them once a is no longer available,
// so they cannot come straight back to a.
func (d *ACD) withdrawAll(a *agent) []*interaction {
	var back []*interaction
	for len(a.offers) > 0 {
		x := a.offers[len(a.offers)-1]
		d.withdraw(a, x)
		if len(x.offerTo) == 0 {
			back = append(back, x)
		}
	}
	return back
}

func (d *ACD) requeueAll(xs []*interaction) {
	for _, x := range xs {
		d.requeue(x)
	}
}

// withdraw removes the offer of x from a (bookkeeping only, no transition).
func (d *ACD) withdraw(a *agent, x *interaction) {
	a.offers = removeX(a.offers, x)
	a.offered[x.pub.Medium]--
	a.load[x.pub.Medium.kind()]--
	x.offerTo = removeA(x.offerTo, a)
	d.emit(Decision{Kind: DecCancelOffer, Interaction: x.pub.ID, Agent: a.prof.ID, Queue: x.q.cfg.ID, Medium: x.pub.Medium, Attempt: x.attempt, At: d.now})
}

// releaseParked lets interactions waiting for a as preferred agent go to anyone.
func (d *ACD) releaseParked(a *agent) {
	for len(a.parked) > 0 {
		x := a.parked[0]
		d.unwait(x)
		d.requeue(x) // routed best first with everything else freed by this call
	}
}
