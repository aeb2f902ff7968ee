package acd

import (
	"fmt"
	"time"
)

// Adopt puts back an inbound interaction an agent was already handling when
// the controller stopped: a call that survived on the switch and was taken
// back after a restart (or by another replica). The agent becomes busy with
// it as if it had accepted it at accepted; Finish ends it as usual (after-call
// work follows). It is idempotent: an interaction the agent already handles
// (restored from a snapshot) is left as it is. The interaction's queue must
// exist; an unknown one is accounted to the agent's first queue.
func (d *ACD) Adopt(now time.Time, agentID string, in Interaction, accepted time.Time) ([]Decision, error) {
	a, err := d.agent(agentID)
	if err != nil {
		return nil, err
	}
	if x, dup := d.inter[in.ID]; dup || in.ID == "" {
		if dup && x.state == iHandling && x.handler == a {
			return nil, nil
		}
		return nil, fmt.Errorf("%w %q", ErrDuplicate, in.ID)
	}
	if in.Tenant != d.tenant {
		return nil, fmt.Errorf("%w: interaction %s of tenant %q", ErrWrongTenant, in.ID, in.Tenant)
	}
	if err := check(a, EvDial); err != nil {
		return nil, err
	}
	if !a.fits(in.Medium) {
		return nil, fmt.Errorf("%w: agent %s cannot take another %s", ErrNoCapacity, agentID, in.Medium)
	}
	q := d.queues[in.Queue]
	if q == nil {
		if len(a.mems) == 0 {
			return nil, fmt.Errorf("%w %q", ErrUnknownQueue, in.Queue)
		}
		q = a.mems[0].q
		in.Queue = q.cfg.ID
	}
	if accepted.IsZero() || accepted.After(now) {
		accepted = now
	}
	d.begin(now)
	x := d.newInteraction()
	x.pub = in
	x.q, x.enq, x.queued = q, accepted, accepted
	x.state, x.handler, x.accepted = iHandling, a, accepted
	d.inter[in.ID] = x
	if a.state == NotReady {
		a.pendingNR, a.pendingReason = true, a.reason
	}
	a.work[in.Medium]++
	a.load[in.Medium.kind()]++
	a.jobs = append(a.jobs, x)
	d.fire(a, EvDial, "", in.Medium)
	return d.end(), nil
}

// WorkView is an interaction an agent is handling.
type WorkView struct {
	Interaction string
	Agent       string
	Medium      Medium
	Outbound    bool
	Accepted    time.Time
}

// Handling lists the interactions agents are handling, in no order: after a
// restart, what the controller checks against the calls it took back.
func (d *ACD) Handling() []WorkView {
	var out []WorkView
	for id, x := range d.inter {
		if x.state == iHandling && x.handler != nil {
			out = append(out, WorkView{Interaction: id, Agent: x.handler.prof.ID, Medium: x.pub.Medium,
				Outbound: x.outbound, Accepted: x.accepted})
		}
	}
	return out
}
