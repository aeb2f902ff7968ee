package acdowner

import (
	"context"
	"time"

	"github.com/switchboard-cc/switchboard/acd"
)

// applyPlan carries out the core's decisions in order, each re-checked
// against the core's current state: an offer withdrawn later in the same plan
// is never presented, a cancel is only sent for an offer that was presented.
func (o *Owner) applyPlan(ctx context.Context, now time.Time, ds []acd.Decision) {
	for _, d := range ds {
		switch d.Kind {
		case acd.DecOffer:
			o.offer(ctx, d)
		case acd.DecCancelOffer:
			o.cancel(ctx, d)
		case acd.DecTimer:
			o.schedule(now, d)
		case acd.DecOverflow:
			o.overflow(ctx, d)
		case acd.DecTransition:
			o.record(d.Transition)
		case acd.DecAnswered:
			o.forget(d)
			o.unschedule(acd.TimerRef{Kind: acd.TimerOffer, ID: d.Interaction, Gen: d.Attempt})
		case acd.DecFinished:
			for _, ref := range o.byInter[d.Interaction] {
				o.unschedule(ref)
			}
			delete(o.byInter, d.Interaction)
		}
		if d.Queue != "" {
			o.markDirty(d.Queue)
		}
		if d.Kind == acd.DecTransition {
			// The agent's queues count agents by state.
			for _, q := range o.core.AgentQueues(d.Agent) {
				o.markDirty(q)
			}
		}
		o.subs.publish(o, Update{Tenant: o.tenant, Decision: d})
	}
}

func (o *Owner) offer(ctx context.Context, d acd.Decision) {
	if !o.core.Offered(d.Interaction, d.Agent, d.Attempt) {
		return // superseded within the plan
	}
	of := Offer{Tenant: o.tenant, Interaction: d.Interaction, Agent: d.Agent, Queue: d.Queue,
		Medium: d.Medium, Attempt: d.Attempt, Deadline: d.At}
	if in, ok := o.core.Interaction(d.Interaction); ok {
		of.Data = in.Data
	}
	if err := o.cfg.Offerer.Offer(ctx, of); err != nil {
		o.count(func(k *Counters) { k.OfferFailures++ })
		o.log.Warn("offer failed, treated as rejected", "interaction", d.Interaction, "agent", d.Agent, "err", err)
		o.follow = append(o.follow, command{apply: func(now time.Time, c *acd.ACD) ([]acd.Decision, error) {
			if !c.Offered(d.Interaction, d.Agent, d.Attempt) {
				return nil, nil
			}
			return c.Reject(now, d.Agent, d.Interaction)
		}})
		return
	}
	o.sent[offerKey{d.Interaction, d.Agent, d.Attempt}] = of
}

func (o *Owner) cancel(ctx context.Context, d acd.Decision) {
	k := offerKey{d.Interaction, d.Agent, d.Attempt}
	of, ok := o.sent[k]
	if !ok {
		return
	}
	delete(o.sent, k)
	if err := o.cfg.Offerer.CancelOffer(ctx, of); err != nil {
		o.log.Warn("cancel offer failed", "interaction", d.Interaction, "agent", d.Agent, "err", err)
	}
}

// forget drops offers that were answered (they need no cancel).
func (o *Owner) forget(d acd.Decision) {
	delete(o.sent, offerKey{d.Interaction, d.Agent, d.Attempt})
}

// schedule arms a core deadline; firing posts it back into the mailbox.
func (o *Owner) schedule(now time.Time, d acd.Decision) {
	ref := d.Timer
	if old, ok := o.timers[ref]; ok {
		old.Stop()
	}
	if ref.Kind != acd.TimerWrap {
		o.byInter[ref.ID] = append(o.byInter[ref.ID], ref)
	}
	o.timers[ref] = o.cfg.Clock.AfterFunc(max(0, d.At.Sub(now)), func() {
		o.post(func(now time.Time, c *acd.ACD) ([]acd.Decision, error) {
			delete(o.timers, ref)
			return c.Fire(now, ref)
		})
	})
}

// unschedule stops a timer whose event can no longer matter.
func (o *Owner) unschedule(ref acd.TimerRef) {
	if t, ok := o.timers[ref]; ok {
		t.Stop()
		delete(o.timers, ref)
	}
}

func (o *Owner) overflow(ctx context.Context, d acd.Decision) {
	if d.Overflow.Kind == acd.OverflowQueue && o.core.Has(d.Interaction) {
		return // moved to another queue inside the ACD
	}
	if o.cfg.Overflower == nil {
		return
	}
	ov := Overflow{Tenant: o.tenant, Interaction: d.Interaction, Queue: d.Queue, Target: d.Overflow, Reason: d.Reason, At: d.At}
	if err := o.cfg.Overflower.Overflow(ctx, ov); err != nil {
		o.log.Error("overflow not carried out", "interaction", d.Interaction, "target", d.Overflow.Target, "err", err)
	}
}

// record queues a transition for the history store, dropping the oldest when
// the store has failed for long (counted and logged).
func (o *Owner) record(t acd.Transition) {
	o.states.Store(t.Agent, t.To)
	if len(o.pending) >= o.cfg.MaxPending {
		n := len(o.pending) / 10
		o.pending = append(o.pending[:0], o.pending[n:]...)
		o.count(func(k *Counters) { k.HistoryDropped += int64(n) })
		o.log.Error("agent state history dropped: store failing", "dropped", n)
	}
	o.pending = append(o.pending, StateRecord{Tenant: o.tenant, Agent: t.Agent, From: t.From, To: t.To,
		Event: t.Event, Reason: t.Reason, Medium: t.Medium, At: t.At})
}

func (o *Owner) flushHistory(ctx context.Context) {
	if len(o.pending) == 0 || o.cfg.History == nil {
		o.pending = o.pending[:0]
		return
	}
	batch := o.pending
	o.pending = make([]StateRecord, 0, cap(batch))
	o.write(func(ctx context.Context) {
		wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		if err := o.cfg.History.AppendAgentStates(wctx, o.tenant, batch); err != nil {
			o.count(func(k *Counters) { k.HistoryFailures++ })
			o.log.Warn("agent state history not written, will retry", "records", len(batch), "err", err)
			// Back to the owner, ahead of newer records, for the next flush.
			o.post(func(time.Time, *acd.ACD) ([]acd.Decision, error) {
				o.pending = append(batch, o.pending...)
				return nil, nil
			})
			return
		}
		o.count(func(k *Counters) { k.HistoryWritten += int64(len(batch)) })
	})
}

// flushTick runs every FlushEvery: history is written, and the snapshot
// when it is due.
func (o *Owner) flushTick() {
	o.send(command{quiet: true, apply: func(now time.Time, c *acd.ACD) ([]acd.Decision, error) {
		o.flushHistory(context.Background())
		if o.changed && now.Sub(o.lastSnap) >= o.cfg.SnapshotEvery {
			o.saveSnapshot(context.Background(), now)
		}
		o.flushT = o.cfg.Clock.AfterFunc(o.cfg.FlushEvery, o.flushTick)
		return nil, nil
	}})
}

// markDirty notes that queue q's figures changed; they are published
// StatsDelay after the first change not yet published.
func (o *Owner) markDirty(q string) {
	o.dirty[q] = true
	if o.statsT == nil {
		o.statsT = o.cfg.Clock.AfterFunc(o.cfg.StatsDelay, o.statsTick)
	}
}

// statsTick publishes the statistics of the queues that changed.
func (o *Owner) statsTick() {
	o.send(command{quiet: true, apply: func(now time.Time, c *acd.ACD) ([]acd.Decision, error) {
		o.statsT = nil
		for q := range o.dirty {
			if s, err := c.QueueStats(now, q); err == nil {
				o.subs.publish(o, Update{Tenant: o.tenant, Queue: &s})
			}
			delete(o.dirty, q)
		}
		return nil, nil
	}})
}
