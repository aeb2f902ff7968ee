package acd

import (
	"fmt"
	"time"
)

// Fire applies a deadline the core asked for. Stale timers (the interaction
// was answered, moved or finished meanwhile) are ignored without error.
func (d *ACD) Fire(now time.Time, t TimerRef) ([]Decision, error) {
	d.begin(now)
	if t.Kind == TimerWrap {
		a, err := d.agent(t.ID)
		if err != nil {
			return nil, err
		}
		if a.state == AfterCallWork && a.wrapGen == t.Gen {
			d.fire(a, EvWrapEnd, "", 0)
		}
		return d.end(), nil
	}
	x, ok := d.inter[t.ID]
	if !ok {
		return d.end(), nil
	}
	switch t.Kind {
	case TimerOffer:
		if x.state == iOffered && x.attempt == t.Gen {
			d.offerTimeout(x)
		}
	case TimerWiden:
		if x.qgen == t.Gen && x.step == t.Step-1 && x.state != iHandling {
			d.widen(x)
		}
	case TimerMaxWait:
		if x.qgen == t.Gen && x.state == iWaiting && x.q.cfg.OnMaxWait.Kind != OverflowNone {
			d.overflow(x, x.q.cfg.OnMaxWait, ReasonMaxWait)
		}
	case TimerPreferred:
		if x.qgen == t.Gen && x.state == iWaiting && x.pref != nil {
			d.unwait(x)
			x.pref = nil
			d.place(x)
		}
	default:
		return nil, fmt.Errorf("%w: unknown timer kind %d", ErrInvalidConfig, t.Kind)
	}
	return d.end(), nil
}

// offerTimeout: RONA for a single-agent offer (the agent goes not ready with
// reason "no answer"); for ring-all the ringing agents are released to Ready.
// The interaction goes back to its original position and is routed again.
func (d *ACD) offerTimeout(x *interaction) {
	if len(x.offerTo) > 1 || x.q.cfg.Strategy == RingAll {
		d.cancelAll(x)
	} else {
		d.rona(x.offerTo[0], x, EvNoAnswer, ReasonNoAnswer)
	}
	x.pref = nil
	d.requeue(x)
}

// widen moves x to its next bullseye step and schedules the one after.
func (d *ACD) widen(x *interaction) {
	waiting := x.state == iWaiting && x.pref == nil
	if waiting {
		d.unwait(x)
	}
	x.step++
	if x.step < len(x.q.cfg.Widening) {
		d.timer(x, TimerWiden, x.qgen, x.step+1, x.queued.Add(x.q.cfg.Widening[x.step].After))
	}
	if waiting {
		d.place(x)
	}
}
