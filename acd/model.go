package acd

import "time"

// istate is where an interaction is in its life.
type istate uint8

const (
	iWaiting istate = iota
	iOffered
	iHandling
	iDone
)

// interaction is the core's record of one piece of work.
type interaction struct {
	pub      Interaction
	q        *queue
	reqs     skillSet
	cls      *class // the class heap it waits in (nil while parked or offered)
	pref     *agent // parked in pref.parked while set
	hpos     int
	key      float64 // aged priority key: 60*Priority - rate*(enq-base in seconds); higher first
	seq      uint64  // arrival order, kept on RONA: "original position"
	enq      time.Time
	queued   time.Time // entered its current queue (service level, max wait)
	step     int
	qgen     uint32 // bumped on every queue move; stale timers carry an old one
	hops     int
	state    istate
	attempt  uint32
	offerTo  []*agent
	handler  *agent
	accepted time.Time
	outbound bool
}

// class groups a queue's waiting interactions that every agent judges alike:
// same medium, same required skills, same widening step. An agent checks a
// class once, then takes its head.
type class struct {
	q      *queue
	medium Medium
	step   int
	reqs   skillSet
	h      waitHeap
	idx    int // position in q.nonEmpty, -1 when empty
}

type classKey struct {
	medium Medium
	step   int
	bits   skillBits
}

// queue is one queue's state.
type queue struct {
	cfg      QueueConfig
	primary  int     // skill ID for BestSkill, -1 if none
	rate     float64 // aging, priority points per minute (AgingPerMinute)
	ready    [numMedia]agentHeap
	serves   [numMedia]bool // media seen in this queue; only those are indexed
	classes  map[classKey][]*class
	nonEmpty []*class
	waiting  int
	members  []*membership // configured members
	slots    []*membership // by membership.slot; nil where free
	free     []int32       // free slots, reused first
	loggedIn int
	byState  [numStates]int
	rrSeq    int64
	st       queueStats
}

// membership is an agent's place in one queue and in its ready indexes.
type membership struct {
	a        *agent
	q        *queue
	priority int
	tier     int
	rr       int64 // round robin: the queue's sequence at this agent's last offer
	slot     int32 // index in q.slots and in q.ready[*].pos
}

// pos is m's index in its queue's ready heap for med, or -1.
func (m *membership) pos(med Medium) int32 { return m.q.ready[med].position(m.slot) }

// agent is one agent's state.
type agent struct {
	prof          AgentProfile
	ord           int32
	skills        skillSet
	cap           Capacity
	mems          []*membership // first-served (lowest priority number) first
	state         State
	reason        string
	since         time.Time
	idleSince     time.Time
	pendingNR     bool
	pendingReason string
	pendingWrap   time.Duration
	wrapGen       uint32
	wrapUntil     time.Time // when the after-call work in progress ends by itself
	work, offered [numMedia]uint8
	load          [3]uint8 // work+offered per medium kind
	offers        []*interaction
	jobs          []*interaction
	parked        waitHeap // interactions waiting for this agent as preferred
	stats         AgentStats
}

func (a *agent) available() bool {
	return (a.state == Ready || a.state == Reserved || a.state == Busy) && !a.pendingNR
}

// canTake applies the capacity rules (see Capacity) for one more interaction of m.
func (a *agent) canTake(m Medium) bool { return a.available() && a.fits(m) }

// fits is the capacity part of canTake, regardless of state.
func (a *agent) fits(m Medium) bool {
	if a.work[m]+a.offered[m] >= a.cap.Max[m] || a.load[kindRealtime] > 0 {
		return false
	}
	return m.kind() != kindRealtime || a.load[kindConversational] == 0 || a.cap.VoiceOverChat
}

func (a *agent) member(q *queue) *membership {
	for _, m := range a.mems {
		if m.q == q {
			return m
		}
	}
	return nil
}

func removeX(s []*interaction, x *interaction) []*interaction {
	for i, y := range s {
		if y == x {
			s[i] = s[len(s)-1]
			s[len(s)-1] = nil
			return s[:len(s)-1]
		}
	}
	return s
}

func removeA(s []*agent, a *agent) []*agent {
	for i, y := range s {
		if y == a {
			copy(s[i:], s[i+1:])
			s[len(s)-1] = nil
			return s[:len(s)-1]
		}
	}
	return s
}
