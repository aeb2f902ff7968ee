package acd

// waitHeap orders one class's waiting interactions: highest aged priority key
// first, then first come first served. The key is time-invariant within a
// queue (see interaction.key), so the heap never needs re-sorting as time passes.
type waitHeap []*interaction

func waitLess(a, b *interaction) bool {
	if a.key != b.key {
		return a.key > b.key
	}
	return a.seq < b.seq
}

func (h *waitHeap) push(x *interaction) {
	x.hpos = len(*h)
	*h = append(*h, x)
	h.up(x.hpos)
}

func (h *waitHeap) remove(x *interaction) {
	s := *h
	i, last := x.hpos, len(s)-1
	if i != last {
		s[i] = s[last]
		s[i].hpos = i
	}
	s[last] = nil
	*h = s[:last]
	if i != last {
		if !h.down(i) {
			h.up(i)
		}
	}
	x.hpos = -1
}

func (h waitHeap) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !waitLess(h[i], h[p]) {
			return
		}
		h[i], h[p] = h[p], h[i]
		h[i].hpos, h[p].hpos = i, p
		i = p
	}
}

func (h waitHeap) down(i int) bool {
	start := i
	for {
		l := 2*i + 1
		if l >= len(h) {
			break
		}
		c := l
		if r := l + 1; r < len(h) && waitLess(h[r], h[l]) {
			c = r
		}
		if !waitLess(h[c], h[i]) {
			break
		}
		h[i], h[c] = h[c], h[i]
		h[i].hpos, h[c].hpos = i, c
		i = c
	}
	return i > start
}

// agentEntry is one ready agent in a queue's index for one medium. It holds
// everything the heap compares, and the heap's positions live in the heap
// (pos, by membership slot): sifting touches only the queue's own arrays,
// never the agents' records scattered over the heap, which is what keeps a
// routing step cheap once tens of thousands of agents outgrow the CPU caches.
type agentEntry struct {
	k1, k2 int64
	ord    int32 // final tie-break: the agent configured first
	slot   int32 // the membership's slot in its queue (queue.slots)
}

func agentLess(a, b *agentEntry) bool {
	if a.k1 != b.k1 {
		return a.k1 < b.k1
	}
	if a.k2 != b.k2 {
		return a.k2 < b.k2
	}
	return a.ord < b.ord
}

// agentHeap orders a queue's available agents for one medium by the queue's
// strategy key (smallest first). pos[slot] is each member's index in h, -1
// (or beyond len(pos)) when it is not in the heap.
type agentHeap struct {
	h   []agentEntry
	pos []int32
}

func (h *agentHeap) setPos(i int) { h.pos[h.h[i].slot] = int32(i) }

// position is the heap index of the member in slot, or -1.
func (h *agentHeap) position(slot int32) int32 {
	if int(slot) >= len(h.pos) {
		return -1
	}
	return h.pos[slot]
}

// reserve makes room in pos for slots below n, so that routing never grows
// it (attach and serve call it; push still grows it if needed).
func (h *agentHeap) reserve(n int) {
	for len(h.pos) < n {
		h.pos = append(h.pos, -1)
	}
}

func (h *agentHeap) push(e agentEntry) {
	h.reserve(int(e.slot) + 1)
	h.h = append(h.h, e)
	i := len(h.h) - 1
	h.setPos(i)
	h.up(i)
}

func (h *agentHeap) removeAt(i int) agentEntry {
	last := len(h.h) - 1
	e := h.h[i]
	if i != last {
		h.h[i] = h.h[last]
		h.setPos(i)
	}
	h.h[last] = agentEntry{}
	h.h = h.h[:last]
	if i != last {
		if !h.down(i) {
			h.up(i)
		}
	}
	h.pos[e.slot] = -1
	return e
}

// agentArity is the agent heap's fan-out. A 4-ary heap has half the levels
// of a binary one and keeps a node's children in about one cache line, so a
// removal (every offer takes the agent out of each of its queues) touches
// fewer scattered lines; a sift compares up to four children per level.
const agentArity = 4

func parentOf(i int) int { return (i - 1) / agentArity }

func firstChild(i int) int { return agentArity*i + 1 }

func (h *agentHeap) up(i int) {
	for i > 0 {
		p := parentOf(i)
		if !agentLess(&h.h[i], &h.h[p]) {
			return
		}
		h.h[i], h.h[p] = h.h[p], h.h[i]
		h.setPos(i)
		h.setPos(p)
		i = p
	}
}

func (h *agentHeap) down(i int) bool {
	start := i
	for {
		l := firstChild(i)
		if l >= len(h.h) {
			break
		}
		c := l
		for j := l + 1; j < min(l+agentArity, len(h.h)); j++ {
			if agentLess(&h.h[j], &h.h[c]) {
				c = j
			}
		}
		if !agentLess(&h.h[c], &h.h[i]) {
			break
		}
		h.h[i], h.h[c] = h.h[c], h.h[i]
		h.setPos(i)
		h.setPos(c)
		i = c
	}
	return i > start
}
