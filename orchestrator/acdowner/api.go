package acdowner

import (
	"context"
	"fmt"
	"time"

	"github.com/switchboard-cc/switchboard/acd"
)

// The methods below apply one ACD event each, in order with every other event
// of the tenant. Refusals come back as the core's typed errors
// (*acd.TransitionError carries the agent's current state for a 409).

// Login logs an agent in (not ready, reason "login").
func (o *Owner) Login(ctx context.Context, agent string) error {
	return o.do(ctx, func(now time.Time, d *acd.ACD) ([]acd.Decision, error) { return d.Login(now, agent) })
}

// Ready makes an agent available.
func (o *Owner) Ready(ctx context.Context, agent string) error {
	return o.do(ctx, func(now time.Time, d *acd.ACD) ([]acd.Decision, error) { return d.Ready(now, agent) })
}

// NotReady makes an agent unavailable with a reason code.
func (o *Owner) NotReady(ctx context.Context, agent, reason string) error {
	return o.do(ctx, func(now time.Time, d *acd.ACD) ([]acd.Decision, error) { return d.NotReady(now, agent, reason) })
}

// Break requests a break; by is the supervisor granting it ("" for the agent).
func (o *Owner) Break(ctx context.Context, agent, by string) error {
	return o.do(ctx, func(now time.Time, d *acd.ACD) ([]acd.Decision, error) { return d.Break(now, agent, by) })
}

// EndBreak ends a break.
func (o *Owner) EndBreak(ctx context.Context, agent string) error {
	return o.do(ctx, func(now time.Time, d *acd.ACD) ([]acd.Decision, error) { return d.EndBreak(now, agent) })
}

// Logout logs an agent out.
func (o *Owner) Logout(ctx context.Context, agent, reason string) error {
	return o.do(ctx, func(now time.Time, d *acd.ACD) ([]acd.Decision, error) { return d.Logout(now, agent, reason) })
}

// ForceNotReady is a supervisor's not-ready.
func (o *Owner) ForceNotReady(ctx context.Context, agent string) error {
	return o.do(ctx, func(now time.Time, d *acd.ACD) ([]acd.Decision, error) { return d.ForceNotReady(now, agent) })
}

// EndWrap ends after-call work early.
func (o *Owner) EndWrap(ctx context.Context, agent string) error {
	return o.do(ctx, func(now time.Time, d *acd.ACD) ([]acd.Decision, error) { return d.EndWrap(now, agent) })
}

// Enqueue puts an interaction of this tenant in its queue.
func (o *Owner) Enqueue(ctx context.Context, in acd.Interaction) error {
	if in.Tenant != o.tenant {
		return fmt.Errorf("%w: interaction %s of tenant %q sent to owner of %q", acd.ErrWrongTenant, in.ID, in.Tenant, o.tenant)
	}
	return o.do(ctx, func(now time.Time, d *acd.ACD) ([]acd.Decision, error) { return d.Enqueue(now, in) })
}

// Accept records that the agent answered.
func (o *Owner) Accept(ctx context.Context, agent, interaction string) error {
	return o.do(ctx, func(now time.Time, d *acd.ACD) ([]acd.Decision, error) { return d.Accept(now, agent, interaction) })
}

// Reject records that the agent declined.
func (o *Owner) Reject(ctx context.Context, agent, interaction string) error {
	return o.do(ctx, func(now time.Time, d *acd.ACD) ([]acd.Decision, error) { return d.Reject(now, agent, interaction) })
}

// Finish ends an interaction (abandoned while waiting, or work done).
func (o *Owner) Finish(ctx context.Context, interaction string) error {
	return o.do(ctx, func(now time.Time, d *acd.ACD) ([]acd.Decision, error) { return d.Finish(now, interaction) })
}

// KeepPlace turns a waiting call into a callback keeping its place.
func (o *Owner) KeepPlace(ctx context.Context, interaction string) error {
	return o.do(ctx, func(now time.Time, d *acd.ACD) ([]acd.Decision, error) { return d.KeepPlace(now, interaction) })
}

// Dial records an outbound interaction started by the agent.
func (o *Owner) Dial(ctx context.Context, agent, interaction string, m acd.Medium) error {
	return o.do(ctx, func(now time.Time, d *acd.ACD) ([]acd.Decision, error) { return d.Dial(now, agent, interaction, m) })
}

// SetQueue adds or changes a queue; it takes effect at once.
func (o *Owner) SetQueue(ctx context.Context, q acd.QueueConfig) error {
	return o.do(ctx, func(now time.Time, d *acd.ACD) ([]acd.Decision, error) { return d.SetQueue(now, q) })
}

// RemoveQueue deletes an unused queue.
func (o *Owner) RemoveQueue(ctx context.Context, id string) error {
	return o.do(ctx, func(time.Time, *acd.ACD) ([]acd.Decision, error) { return nil, o.core.RemoveQueue(id) })
}

// SetAgent adds or changes an agent's profile; it takes effect at once.
func (o *Owner) SetAgent(ctx context.Context, p acd.AgentProfile) error {
	if p.Tenant != o.tenant {
		return fmt.Errorf("%w: agent %s of tenant %q sent to owner of %q", acd.ErrWrongTenant, p.ID, p.Tenant, o.tenant)
	}
	return o.do(ctx, func(now time.Time, d *acd.ACD) ([]acd.Decision, error) { return d.SetAgent(now, p) })
}

// SetBreakLimit caps breaks for a group (negative: no cap).
func (o *Owner) SetBreakLimit(ctx context.Context, group string, max int) error {
	return o.do(ctx, func(time.Time, *acd.ACD) ([]acd.Decision, error) { o.core.SetBreakLimit(group, max); return nil, nil })
}

// QueueStats reads a queue's real-time statistics.
func (o *Owner) QueueStats(ctx context.Context, queue string) (acd.QueueStats, error) {
	return query(ctx, o, func(now time.Time, d *acd.ACD) (acd.QueueStats, error) { return d.QueueStats(now, queue) })
}

// Agent reads an agent's real-time view.
func (o *Owner) Agent(ctx context.Context, agent string) (acd.AgentView, error) {
	return query(ctx, o, func(now time.Time, d *acd.ACD) (acd.AgentView, error) { return d.Agent(now, agent) })
}

// Agents reads every logged-in agent's view (every agent when all is set).
func (o *Owner) Agents(ctx context.Context, all bool) ([]acd.AgentView, error) {
	return query(ctx, o, func(now time.Time, d *acd.ACD) ([]acd.AgentView, error) { return d.Agents(now, all), nil })
}

// AllQueueStats reads every queue's statistics.
func (o *Owner) AllQueueStats(ctx context.Context) ([]acd.QueueStats, error) {
	return query(ctx, o, func(now time.Time, d *acd.ACD) ([]acd.QueueStats, error) { return d.AllQueueStats(now), nil })
}

// Gauges is what the metrics show of a tenant's ACD at one moment.
type Gauges struct {
	Queues []acd.QueueStats
	Agents map[acd.State]int // every configured agent by state
}

// Gauges reads every queue's statistics and the agents by state in one
// turn of the owner (a metrics scrape asks every tenant's owner).
func (o *Owner) Gauges(ctx context.Context) (Gauges, error) {
	return query(ctx, o, func(now time.Time, d *acd.ACD) (Gauges, error) {
		return Gauges{Queues: d.AllQueueStats(now), Agents: d.AgentStates()}, nil
	})
}

// Waiting lists a queue's waiting interactions best first, with positions
// and estimated waits.
func (o *Owner) Waiting(ctx context.Context, queue string) ([]acd.WaitingView, error) {
	return query(ctx, o, func(now time.Time, d *acd.ACD) ([]acd.WaitingView, error) { return d.Waiting(now, queue) })
}

// Position reads a waiting interaction's place and estimated wait.
func (o *Owner) Position(ctx context.Context, interaction string) (pos int, ewt time.Duration, err error) {
	type place struct {
		pos int
		ewt time.Duration
	}
	p, err := query(ctx, o, func(now time.Time, d *acd.ACD) (place, error) {
		pos, ewt, err := d.Position(now, interaction)
		return place{pos, ewt}, err
	})
	return p.pos, p.ewt, err
}

// query runs q on the owner goroutine and hands its result back through a
// channel of its own: a caller whose ctx ends first returns without waiting,
// and the owner may still run q later, so the two must share no variable.
func query[T any](ctx context.Context, o *Owner, q func(now time.Time, d *acd.ACD) (T, error)) (T, error) {
	out := make(chan T, 1) // never blocks the owner, even when nobody reads it
	err := o.do(ctx, func(now time.Time, d *acd.ACD) ([]acd.Decision, error) {
		v, err := q(now, d)
		out <- v
		return nil, err
	})
	if err != nil {
		var zero T
		return zero, err
	}
	return <-out, nil // do returned the reply: q ran and sent
}

// Sync returns once every event sent before it was applied and the store
// writes they caused (history, snapshots) were carried out by the writer.
func (o *Owner) Sync(ctx context.Context) error {
	written := make(chan struct{})
	err := o.doCommand(ctx, command{quiet: true, reply: make(chan error, 1), apply: func(time.Time, *acd.ACD) ([]acd.Decision, error) {
		o.write(func(context.Context) { close(written) }) // after every write queued so far
		return nil, nil
	}})
	if err != nil {
		return err
	}
	select {
	case <-written:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Adopt puts back a call the agent was handling before a restart (the core's
// Adopt: idempotent, busy from accepted).
func (o *Owner) Adopt(ctx context.Context, agent string, in acd.Interaction, accepted time.Time) error {
	return o.do(ctx, func(now time.Time, d *acd.ACD) ([]acd.Decision, error) { return d.Adopt(now, agent, in, accepted) })
}

// Handling lists the interactions agents are handling.
func (o *Owner) Handling(ctx context.Context) ([]acd.WorkView, error) {
	return query(ctx, o, func(_ time.Time, d *acd.ACD) ([]acd.WorkView, error) { return d.Handling(), nil })
}
