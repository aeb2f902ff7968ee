package acd

import (
	"slices"
	"time"
)

// keyOf is the aged priority key, in priority points x 60 so that whole
// aging rates and whole seconds give exact keys (a rate per second of 1/60 is
// not a binary fraction: rounding made equal effective priorities unequal and
// broke the tie by arrival the wrong way). 60 x effective priority at time t
// is 60*Priority + rate*(t-enq) = key + rate*(t-base); within one queue every
// interaction shares rate, so ordering by key is ordering by effective
// priority at any t, and heaps never need re-sorting.
func (d *ACD) keyOf(q *queue, prio int, enq time.Time) float64 {
	return 60*float64(prio) - q.rate*enq.Sub(d.base).Seconds()
}

// effective60 is 60 x x's effective priority now.
func (d *ACD) effective60(x *interaction) float64 {
	return x.key + x.q.rate*d.now.Sub(d.base).Seconds()
}

func (d *ACD) effective(x *interaction) float64 { return d.effective60(x) / 60 }

// before is the documented order between waiting interactions: higher
// effective priority, then earlier position time, then earlier arrival.
func (d *ACD) before(x, y *interaction) bool {
	ex, ey := d.effective60(x), d.effective60(y)
	if ex != ey {
		return ex > ey
	}
	if !x.enq.Equal(y.enq) {
		return x.enq.Before(y.enq)
	}
	return x.seq < y.seq
}

// place routes a waiting interaction: offer it if an agent qualifies now,
// otherwise wait (parked for its preferred agent, or in its class).
func (d *ACD) place(x *interaction) {
	x.state = iWaiting
	if p := x.pref; p != nil {
		if p.canTake(x.pub.Medium) && p.skills.covers(&x.reqs, 0) {
			d.offer(x, p)
			return
		}
		p.parked.push(x)
		x.q.waiting++
		return
	}
	if x.q.cfg.Strategy == RingAll && x.pub.Medium.kind() == kindRealtime {
		if d.ringAll(x) {
			return
		}
	} else if a := d.findAgent(x); a != nil {
		d.offer(x, a)
		return
	}
	d.wait(x)
}

// eligible reports whether m's agent may take x at x's widening step.
func eligible(m *membership, x *interaction) bool {
	w := m.q.cfg.step(x.step)
	return m.tier <= w.Tier && m.a.canTake(x.pub.Medium) && m.a.skills.covers(&x.reqs, w.Relax)
}

// randomProbes is how many random picks Random tries before falling back to
// the longest-idle order (when most ready agents lack the skills).
const randomProbes = 4

// findAgent returns the first eligible agent of the queue's ready index for
// x's medium, in strategy order. It walks the heap best-first without
// changing it: a small frontier of heap positions, ordered like the heap,
// grows by the children of each entry passed over. Cost O(k log k) for k
// agents skipped; the usual case (the best agent qualifies) is O(1).
func (d *ACD) findAgent(x *interaction) *agent {
	h := &x.q.ready[x.pub.Medium]
	if x.q.cfg.Strategy == Random && len(h.h) > 0 {
		// A few seeded probes: uniform among ready agents when they qualify.
		for range randomProbes {
			if m := x.q.slots[h.h[uint64(d.random())%uint64(len(h.h))].slot]; eligible(m, x) {
				return m.a
			}
		}
	}
	if len(h.h) == 0 {
		return nil
	}
	f := frontier{h: h.h, idx: d.frontier[:0]}
	f.push(0)
	for len(f.idx) > 0 {
		i := f.pop()
		if m := x.q.slots[h.h[i].slot]; eligible(m, x) {
			d.frontier = f.idx
			return m.a
		}
		for c := firstChild(int(i)); c < firstChild(int(i))+agentArity && c < len(h.h); c++ {
			f.push(int32(c))
		}
	}
	d.frontier = f.idx
	return nil
}

// frontier is a binary heap of positions in an agent heap, ordered by the
// entries they point at.
type frontier struct {
	h   []agentEntry
	idx []int32
}

func (f *frontier) less(a, b int) bool { return agentLess(&f.h[f.idx[a]], &f.h[f.idx[b]]) }

func (f *frontier) push(i int32) {
	f.idx = append(f.idx, i)
	for c := len(f.idx) - 1; c > 0; {
		p := (c - 1) / 2
		if !f.less(c, p) {
			break
		}
		f.idx[c], f.idx[p] = f.idx[p], f.idx[c]
		c = p
	}
}

func (f *frontier) pop() int32 {
	top := f.idx[0]
	last := len(f.idx) - 1
	f.idx[0] = f.idx[last]
	f.idx = f.idx[:last]
	for p := 0; ; {
		c := 2*p + 1
		if c >= len(f.idx) {
			break
		}
		if c+1 < len(f.idx) && f.less(c+1, c) {
			c++
		}
		if !f.less(c, p) {
			break
		}
		f.idx[c], f.idx[p] = f.idx[p], f.idx[c]
		p = c
	}
	return top
}

// ringAll offers x to every eligible ready agent of its queue at once.
func (d *ACD) ringAll(x *interaction) bool {
	var to []*agent
	for _, e := range x.q.ready[x.pub.Medium].h {
		if m := x.q.slots[e.slot]; eligible(m, x) {
			to = append(to, m.a)
		}
	}
	if len(to) == 0 {
		return false
	}
	d.offer(x, to...)
	return true
}

// wait puts x in its class heap.
func (d *ACD) wait(x *interaction) {
	q := x.q
	k := classKey{medium: x.pub.Medium, step: x.step, bits: x.reqs.bits}
	var c *class
	for _, cc := range q.classes[k] {
		if cc.reqs.equal(&x.reqs) {
			c = cc
			break
		}
	}
	if c == nil {
		// The class owns its copy: x's list is recycled when x finishes.
		reqs := skillSet{bits: x.reqs.bits, list: slices.Clone(x.reqs.list)}
		c = &class{q: q, medium: x.pub.Medium, step: x.step, reqs: reqs, idx: -1}
		q.classes[k] = append(q.classes[k], c)
	}
	if len(c.h) == 0 {
		c.idx = len(q.nonEmpty)
		q.nonEmpty = append(q.nonEmpty, c)
	}
	c.h.push(x)
	x.cls = c
	q.waiting++
}

// unwait takes a waiting x out of its class or its preferred agent's parking.
func (d *ACD) unwait(x *interaction) {
	if x.state != iWaiting {
		return
	}
	q := x.q
	if x.pref != nil && x.cls == nil {
		x.pref.parked.remove(x)
		q.waiting--
		return
	}
	c := x.cls
	if c == nil {
		return
	}
	c.h.remove(x)
	x.cls = nil
	q.waiting--
	if len(c.h) == 0 {
		last := q.nonEmpty[len(q.nonEmpty)-1]
		q.nonEmpty[c.idx] = last
		last.idx = c.idx
		q.nonEmpty = q.nonEmpty[:len(q.nonEmpty)-1]
		c.idx = -1
	}
}

// pull gives an agent that became able to take work the best waiting
// interaction it qualifies for, repeatedly while capacity remains.
func (d *ACD) pull(a *agent) {
	for a.available() {
		x := d.bestFor(a)
		if x == nil {
			return
		}
		d.unwait(x)
		d.offer(x, a)
	}
}

// bestFor is the documented choice when an agent turns ready: interactions
// parked for it as preferred agent first; then, among its queues of the
// first membership priority (lowest number) that has any work it qualifies for, the head of
// each class it qualifies for, ordered by before().
func (d *ACD) bestFor(a *agent) *interaction {
	var best *interaction
	for _, x := range a.parked {
		if a.canTake(x.pub.Medium) && a.skills.covers(&x.reqs, 0) && (best == nil || d.before(x, best)) {
			best = x
		}
	}
	if best != nil {
		return best
	}
	bestPrio := 0
	for _, m := range a.mems {
		if best != nil && m.priority > bestPrio {
			break
		}
		for _, c := range m.q.nonEmpty {
			w := m.q.cfg.step(c.step)
			if m.tier > w.Tier || !a.canTake(c.medium) || !a.skills.covers(&c.reqs, w.Relax) {
				continue
			}
			if x := c.h[0]; best == nil || d.before(x, best) {
				best, bestPrio = x, m.priority
			}
		}
	}
	return best
}

// offer reserves x for agents (one, or several for ring-all) and starts the
// RONA timer.
func (d *ACD) offer(x *interaction, agents ...*agent) {
	q := x.q
	x.state = iOffered
	x.attempt++
	x.offerTo = append(x.offerTo[:0], agents...)
	deadline := d.now.Add(q.cfg.OfferTimeout)
	for _, a := range agents {
		if m := a.member(q); m != nil {
			q.rrSeq++
			m.rr = q.rrSeq
		}
		a.offers = append(a.offers, x)
		a.offered[x.pub.Medium]++
		a.load[x.pub.Medium.kind()]++
		d.emit(Decision{Kind: DecOffer, Interaction: x.pub.ID, Agent: a.prof.ID, Queue: q.cfg.ID, Medium: x.pub.Medium, Attempt: x.attempt, At: deadline})
		d.fire(a, EvOffer, "", x.pub.Medium)
	}
	d.emit(Decision{Kind: DecTimer, Interaction: x.pub.ID, Queue: q.cfg.ID, At: deadline,
		Timer: TimerRef{Kind: TimerOffer, ID: x.pub.ID, Gen: x.attempt}})
}

// requeue returns x to its queue at its original position. It is routed again
// at the end of the call, after freed agents chose their best work.
func (d *ACD) requeue(x *interaction) {
	x.pref = nil
	x.key = d.keyOf(x.q, x.pub.Priority, x.enq) // the queue's aging may have changed during the offer
	x.state = iWaiting
	d.wait(x)
	d.later = append(d.later, x)
}
