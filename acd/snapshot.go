package acd

import (
	"cmp"
	"fmt"
	"slices"
	"time"
)

// Snapshot is what survives a restart: agent states, work in progress and
// waiting interactions with their original positions. Offers in flight are not
// kept: offered interactions come back as waiting, their agents as ready.
type Snapshot struct {
	Agents  []AgentSnapshot
	Waiting []WaitingSnapshot
}

// AgentSnapshot is one agent's restorable state.
type AgentSnapshot struct {
	ID     string
	State  State
	Reason string
	Since  time.Time
	Today  AgentStats
	Work   []WorkSnapshot
}

// WorkSnapshot is an interaction an agent is handling.
type WorkSnapshot struct {
	Interaction Interaction
	Accepted    time.Time
	Outbound    bool
}

// WaitingSnapshot is a waiting (or offered) interaction.
type WaitingSnapshot struct {
	Interaction Interaction
	Enqueued    time.Time // its position time
	Queued      time.Time // when it entered its current queue
}

// Snapshot captures the ACD's restorable state.
func (d *ACD) Snapshot() Snapshot {
	var s Snapshot
	for id, a := range d.agents {
		as := AgentSnapshot{ID: id, State: a.state, Reason: a.reason, Since: a.since, Today: a.stats}
		if as.State == Reserved {
			as.State = Ready
		}
		for _, x := range a.jobs {
			as.Work = append(as.Work, WorkSnapshot{Interaction: x.pub, Accepted: x.accepted, Outbound: x.outbound})
		}
		s.Agents = append(s.Agents, as)
	}
	// Waiting in arrival order: Restore numbers them again in this order, so
	// interactions of the same position time keep their order (README: "then
	// earlier arrival sequence").
	var waiting []*interaction
	for _, x := range d.inter {
		if x.state == iWaiting || x.state == iOffered {
			waiting = append(waiting, x)
		}
	}
	slices.SortFunc(waiting, func(x, y *interaction) int { return cmp.Compare(x.seq, y.seq) })
	for _, x := range waiting {
		s.Waiting = append(s.Waiting, WaitingSnapshot{Interaction: x.pub, Enqueued: x.enq, Queued: x.queued})
	}
	slices.SortFunc(s.Agents, func(a, b AgentSnapshot) int { return cmpStr(a.ID, b.ID) })
	slices.SortStableFunc(s.Waiting, func(a, b WaitingSnapshot) int { return a.Enqueued.Compare(b.Enqueued) })
	return s
}

func cmpStr(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Restore loads a snapshot into an ACD whose queues and agents are already
// configured and that holds no interactions yet. Waiting interactions get
// fresh timers relative to their original times (past deadlines fire at once).
func (d *ACD) Restore(now time.Time, s Snapshot) ([]Decision, error) {
	if len(d.inter) > 0 {
		return nil, fmt.Errorf("%w: restore into an ACD that already has interactions", ErrInvalidConfig)
	}
	for _, as := range s.Agents {
		if err := d.restoreAgent(now, as); err != nil {
			return nil, err
		}
	}
	d.begin(now)
	for _, w := range s.Waiting {
		q, ok := d.queues[w.Interaction.Queue]
		if !ok {
			return nil, fmt.Errorf("restore %s: %w %q", w.Interaction.ID, ErrUnknownQueue, w.Interaction.Queue)
		}
		reqs, err := d.compileSkills(w.Interaction.Skills) // our own data: skills nobody has yet are kept
		if err != nil {
			return nil, fmt.Errorf("restore %s: %w", w.Interaction.ID, err)
		}
		x := d.newInteraction()
		x.pub, x.reqs, x.enq = w.Interaction, reqs, w.Enqueued
		d.seq++
		x.seq = d.seq
		d.inter[x.pub.ID] = x
		d.now = w.Queued
		d.deferPlace = true // all are back before anyone is routed: best first
		d.enter(x, q)
		d.deferPlace = false
		d.now = now
	}
	for _, a := range d.agents {
		d.pulls = append(d.pulls, a)
	}
	slices.SortFunc(d.pulls, func(x, y *agent) int { return int(x.ord - y.ord) })
	return d.end(), nil
}

func (d *ACD) restoreAgent(now time.Time, as AgentSnapshot) error {
	a, err := d.agent(as.ID)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	d.begin(now)
	to := as.State
	if to == Reserved || to >= numStates || (to == Busy && len(as.Work) == 0) {
		to = Ready
	}
	for _, m := range a.mems {
		m.q.byState[a.state]--
		m.q.byState[to]++
		if a.state == LoggedOut && to != LoggedOut {
			m.q.loggedIn++
		}
	}
	if to == Break {
		d.onBreak[a.prof.BreakGroup]++
	}
	a.state, a.reason, a.since, a.stats = to, as.Reason, as.Since, as.Today
	for _, w := range as.Work {
		x := d.newInteraction()
		x.pub, x.accepted, x.outbound = w.Interaction, w.Accepted, w.Outbound
		x.q = d.queues[w.Interaction.Queue]
		if x.q == nil {
			return fmt.Errorf("restore %s: %w %q", w.Interaction.ID, ErrUnknownQueue, w.Interaction.Queue)
		}
		x.state, x.handler = iHandling, a
		d.inter[x.pub.ID] = x
		a.jobs = append(a.jobs, x)
		a.work[x.pub.Medium]++
		a.load[x.pub.Medium.kind()]++
	}
	if len(a.jobs) > 0 {
		a.state = Busy
	}
	d.reindex(a)
	return nil
}
