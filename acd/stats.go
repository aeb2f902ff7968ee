package acd

import (
	"slices"
	"time"
)

// AgentStats are an agent's counts and durations for today (AG-4). Durations
// are added when the agent leaves a state; a stretch spanning midnight counts
// for the day it ended.
type AgentStats struct {
	Day           int // yyyymmdd in the ACD's location
	Handled       int // queue interactions finished
	Outbound      int // dialled interactions finished
	Talk          time.Duration
	Busy          time.Duration
	Reserved      time.Duration
	Ready         time.Duration
	NotReady      time.Duration
	Break         time.Duration
	AfterCallWork time.Duration
}

func (s *AgentStats) roll(now time.Time, loc *time.Location) {
	y, m, d := now.In(loc).Date()
	if day := y*10000 + int(m)*100 + d; day != s.Day {
		*s = AgentStats{Day: day}
	}
}

func (s *AgentStats) add(st State, d time.Duration) {
	switch st {
	case Busy:
		s.Busy += d
	case Reserved:
		s.Reserved += d
	case Ready:
		s.Ready += d
	case NotReady:
		s.NotReady += d
	case Break:
		s.Break += d
	case AfterCallWork:
		s.AfterCallWork += d
	}
}

// statBuckets is the rolling window: one bucket per minute for an hour.
const statBuckets = 60

// bucket is one minute of a queue's traffic.
type bucket struct {
	minute     int64
	offered    int32
	answered   int32
	inSL       int32
	abandoned  int32
	lateAband  int32 // abandoned after the service level threshold
	overflowed int32
	handledN   int32
	waitSum    time.Duration
	handleSum  time.Duration
}

func (b *bucket) handled(d time.Duration) { b.handledN++; b.handleSum += d }

type queueStats struct{ b [statBuckets]bucket }

func (s *queueStats) bucket(now time.Time) *bucket {
	min := now.Unix() / 60
	b := &s.b[min%statBuckets]
	if b.minute != min {
		*b = bucket{minute: min}
	}
	return b
}

func (s *queueStats) answered(now time.Time, wait, sl time.Duration) {
	b := s.bucket(now)
	b.answered++
	b.waitSum += wait
	if wait <= sl {
		b.inSL++
	}
}

func (s *queueStats) abandoned(now time.Time, wait, sl time.Duration) {
	b := s.bucket(now)
	b.abandoned++
	if wait > sl {
		b.lateAband++
	}
}

// window sums the buckets of the last n minutes (including the current one).
func (s *queueStats) window(now time.Time, n int) bucket {
	var t bucket
	cur := now.Unix() / 60
	for i := range s.b {
		b := &s.b[i]
		if b.minute > cur-int64(n) && b.minute <= cur {
			t.offered += b.offered
			t.answered += b.answered
			t.inSL += b.inSL
			t.abandoned += b.abandoned
			t.lateAband += b.lateAband
			t.overflowed += b.overflowed
			t.handledN += b.handledN
			t.waitSum += b.waitSum
			t.handleSum += b.handleSum
		}
	}
	return t
}

// WindowStats are a queue's figures over a rolling window.
type WindowStats struct {
	Window     time.Duration
	Offered    int
	Answered   int
	Abandoned  int
	Overflowed int
	// ServiceLevel is the share of calls answered within the threshold,
	// computed as SLDefinition says; 1 with no calls to count.
	ServiceLevel            float64
	ServiceLevelThreshold   time.Duration
	ServiceLevelDefinition  SLDefinition
	AnsweredInThreshold     int
	AbandonedAfterThreshold int
	ASA                     time.Duration // average speed of answer
	AbandonRate             float64       // abandoned / (answered + abandoned)
	AHT                     time.Duration // average handling time
}

// QueueStats is a queue's real-time picture (OPS-8).
type QueueStats struct {
	Queue       string
	Waiting     int
	LongestWait time.Duration
	LoggedIn    int
	Agents      map[State]int
	Windows     []WindowStats // 5, 15 and 60 minutes
}

// Windows reported by QueueStats.
var statWindows = []int{5, 15, 60}

// QueueStats reports queue id now. It scans the queue's waiting interactions
// for the longest wait; meant for dashboards, not for the routing path.
func (d *ACD) QueueStats(now time.Time, id string) (QueueStats, error) {
	q, ok := d.queues[id]
	if !ok {
		return QueueStats{}, ErrUnknownQueue
	}
	var s QueueStats
	for _, x := range d.inter {
		if x.q == q && x.state == iWaiting {
			s.LongestWait = max(s.LongestWait, now.Sub(x.queued))
		}
	}
	return d.fillStats(now, q, s), nil
}

func (d *ACD) fillStats(now time.Time, q *queue, s QueueStats) QueueStats {
	s.Queue, s.Waiting, s.LoggedIn, s.Agents = q.cfg.ID, q.waiting, q.loggedIn, map[State]int{}
	for st, n := range q.byState {
		if n > 0 {
			s.Agents[State(st)] = n
		}
	}
	for _, n := range statWindows {
		s.Windows = append(s.Windows, windowStats(q.st.window(now, n), n, &q.cfg))
	}
	return s
}

// AllQueueStats reports every queue, sorted by ID, in one pass over the
// waiting interactions (wallboards).
func (d *ACD) AllQueueStats(now time.Time) []QueueStats {
	longest := make(map[*queue]time.Duration, len(d.queues))
	for _, x := range d.inter {
		if x.state == iWaiting {
			longest[x.q] = max(longest[x.q], now.Sub(x.queued))
		}
	}
	out := make([]QueueStats, 0, len(d.queues))
	for _, q := range d.queues {
		out = append(out, d.fillStats(now, q, QueueStats{LongestWait: longest[q]}))
	}
	slices.SortFunc(out, func(a, b QueueStats) int { return cmpStr(a.Queue, b.Queue) })
	return out
}

// AgentStates counts every configured agent by state (metrics), without
// building each agent's view.
func (d *ACD) AgentStates() map[State]int {
	out := make(map[State]int, numStates)
	for _, a := range d.agents {
		out[a.state]++
	}
	return out
}

// Agents reports every agent that is logged in (all agents when all is
// set), sorted by ID.
func (d *ACD) Agents(now time.Time, all bool) []AgentView {
	out := make([]AgentView, 0, len(d.agents))
	for id, a := range d.agents {
		if all || a.state != LoggedOut {
			v, _ := d.Agent(now, id)
			out = append(out, v)
		}
	}
	slices.SortFunc(out, func(a, b AgentView) int { return cmpStr(a.ID, b.ID) })
	return out
}

func windowStats(b bucket, n int, cfg *QueueConfig) WindowStats {
	w := WindowStats{Window: time.Duration(n) * time.Minute, Offered: int(b.offered), Answered: int(b.answered),
		Abandoned: int(b.abandoned), Overflowed: int(b.overflowed), ServiceLevel: 1,
		ServiceLevelThreshold: cfg.ServiceLevel, ServiceLevelDefinition: cfg.ServiceLevelDefinition,
		AnsweredInThreshold: int(b.inSL), AbandonedAfterThreshold: int(b.lateAband)}
	counted := b.answered
	if cfg.ServiceLevelDefinition == SLAnsweredAndAbandoned {
		counted += b.lateAband
	}
	if counted > 0 {
		w.ServiceLevel = float64(b.inSL) / float64(counted)
	}
	if b.answered > 0 {
		w.ASA = b.waitSum / time.Duration(b.answered)
	}
	if t := b.answered + b.abandoned; t > 0 {
		w.AbandonRate = float64(b.abandoned) / float64(t)
	}
	if b.handledN > 0 {
		w.AHT = b.handleSum / time.Duration(b.handledN)
	}
	return w
}

// AgentView is an agent's real-time picture (AG-4).
type AgentView struct {
	ID         string
	State      State
	Reason     string
	Since      time.Time
	InState    time.Duration
	PendingNR  bool
	Work       map[Medium]int
	Offers     []string
	Today      AgentStats
	BreakGroup string
	// Queues are the agent's queues, first-served first.
	Queues []string
	// WrapUntil is when the after-call work in progress ends by itself
	// (zero unless State is AfterCallWork), for the desktop's countdown.
	WrapUntil time.Time
}

// Agent reports agent id now.
func (d *ACD) Agent(now time.Time, id string) (AgentView, error) {
	a, err := d.agent(id)
	if err != nil {
		return AgentView{}, err
	}
	v := AgentView{ID: id, State: a.state, Reason: a.reason, Since: a.since, InState: now.Sub(a.since),
		PendingNR: a.pendingNR, Work: map[Medium]int{}, Today: a.stats, BreakGroup: a.prof.BreakGroup}
	v.Today.roll(now, d.loc)
	for m, n := range a.work {
		if n > 0 {
			v.Work[Medium(m)] = int(n)
		}
	}
	for _, x := range a.offers {
		v.Offers = append(v.Offers, x.pub.ID)
	}
	for _, m := range a.mems {
		v.Queues = append(v.Queues, m.q.cfg.ID)
	}
	if a.state == AfterCallWork {
		v.WrapUntil = a.wrapUntil
	}
	return v, nil
}

// AgentQueues lists the queues agent id is a member of (none for an
// unknown agent).
func (d *ACD) AgentQueues(id string) []string {
	a, err := d.agent(id)
	if err != nil {
		return nil
	}
	out := make([]string, 0, len(a.mems))
	for _, m := range a.mems {
		out = append(out, m.q.cfg.ID)
	}
	return out
}

// Position is a waiting interaction's place (1 = next) in its queue and the
// estimated wait: position x average handling time / logged-in agents.
func (d *ACD) Position(now time.Time, id string) (int, time.Duration, error) {
	x, err := d.interaction(id)
	if err != nil {
		return 0, 0, err
	}
	if x.state != iWaiting {
		return 0, 0, nil
	}
	d.now = now
	pos := 1
	for _, y := range d.inter {
		if y != x && y.q == x.q && y.state == iWaiting && d.before(y, x) {
			pos++
		}
	}
	q := x.q
	return pos, time.Duration(pos) * d.aht(now, q) / time.Duration(max(1, q.loggedIn)), nil
}

// WaitingView is one waiting interaction in its queue's order (OPS-8).
type WaitingView struct {
	Interaction string
	Medium      Medium
	Priority    int
	Effective   float64 // aged priority now
	Position    int     // 1 = next
	Waited      time.Duration
	EWT         time.Duration
	Preferred   string // the agent it waits for, while parked
}

// Waiting lists a queue's waiting interactions best first with their
// positions and estimated waits, in one sort (O(n log n) for all of them).
func (d *ACD) Waiting(now time.Time, queueID string) ([]WaitingView, error) {
	q, ok := d.queues[queueID]
	if !ok {
		return nil, ErrUnknownQueue
	}
	d.now = now
	var xs []*interaction
	for _, x := range d.inter {
		if x.q == q && x.state == iWaiting {
			xs = append(xs, x)
		}
	}
	d.sortBest(xs)
	aht := d.aht(now, q)
	out := make([]WaitingView, len(xs))
	for i, x := range xs {
		out[i] = WaitingView{Interaction: x.pub.ID, Medium: x.pub.Medium, Priority: x.pub.Priority,
			Effective: d.effective(x), Position: i + 1, Waited: now.Sub(x.queued),
			EWT: time.Duration(i+1) * aht / time.Duration(max(1, q.loggedIn))}
		if x.pref != nil {
			out[i].Preferred = x.pref.prof.ID
		}
	}
	return out, nil
}

// aht is the queue's average handling time over the last hour, or its default.
func (d *ACD) aht(now time.Time, q *queue) time.Duration {
	if w := q.st.window(now, 60); w.handledN > 0 {
		return w.handleSum / time.Duration(w.handledN)
	}
	return q.cfg.DefaultAHT
}
