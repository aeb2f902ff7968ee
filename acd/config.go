package acd

import (
	"fmt"
	"time"
)

// Strategy picks among several ready agents when an interaction arrives.
type Strategy uint8

// Routing strategies. Each orders a queue's ready agents by a key; ties go to
// the agent idle longest, then to the agent configured first.
const (
	LongestIdle   Strategy = iota // earliest idle-since first
	FewestHandled                 // fewest interactions handled today first
	LeastTalkTime                 // least handling time today first
	RoundRobin                    // the agent this queue offered to least recently first
	RingAll                       // offer to every eligible ready agent; first accept wins
	BestSkill                     // highest level in the queue's PrimarySkill first (none set: longest idle)
	Random                        // a seeded pseudo-random ready agent
	numStrategies
)

var strategyNames = [numStrategies]string{"longest_idle", "fewest_handled", "least_talk_time",
	"round_robin", "ring_all", "best_skill", "random"}

func (s Strategy) String() string {
	if s < numStrategies {
		return strategyNames[s]
	}
	return fmt.Sprintf("strategy(%d)", uint8(s))
}

// StrategyNames lists every strategy's name, in Strategy order: the one
// list the store, the API and the docs use.
func StrategyNames() []string { return append([]string(nil), strategyNames[:]...) }

// ParseStrategy turns a strategy's name into a Strategy.
func ParseStrategy(s string) (Strategy, error) {
	for i, n := range strategyNames {
		if n == s {
			return Strategy(i), nil
		}
	}
	return 0, fmt.Errorf("%w: unknown strategy %q (want one of %v)", ErrInvalidConfig, s, strategyNames)
}

// OverflowKind is where an overflowing interaction goes.
type OverflowKind uint8

// Overflow destinations. OverflowNone leaves the interaction waiting (for
// MaxWait) or refuses it (for MaxWaiting / no agents).
const (
	OverflowNone      OverflowKind = iota
	OverflowQueue                  // another queue of the tenant (the core moves it)
	OverflowFlow                   // an IVR flow (the session runs it)
	OverflowNumber                 // an external number (the session transfers)
	OverflowVoicemail              // a voicemail box (the session records)
)

var overflowNames = [...]string{"none", "queue", "flow", "number", "voicemail"}

func (k OverflowKind) String() string {
	if int(k) < len(overflowNames) {
		return overflowNames[k]
	}
	return fmt.Sprintf("overflow(%d)", uint8(k))
}

// OverflowTarget names an overflow destination.
type OverflowTarget struct {
	Kind   OverflowKind
	Target string // queue ID, flow ID, number or mailbox
}

// OverflowReason says which limit was hit.
type OverflowReason uint8

// Overflow reasons.
const (
	ReasonQueueFull OverflowReason = iota + 1
	ReasonMaxWait
	ReasonNoAgents
)

var reasonNames = [...]string{"", "queue_full", "max_wait", "no_agents"}

func (r OverflowReason) String() string {
	if int(r) < len(reasonNames) {
		return reasonNames[r]
	}
	return fmt.Sprintf("reason(%d)", uint8(r))
}

// Widen is one bullseye step: After the interaction entered the queue, skill
// levels are lowered by Relax and agents with membership tier <= Tier qualify.
// Steps are cumulative and ordered: After, Relax and Tier never decrease.
type Widen struct {
	After time.Duration
	Relax int
	Tier  int
}

// QueueConfig is one queue's settings. Changing them takes effect at once.
type QueueConfig struct {
	ID       string
	Strategy Strategy
	// OfferTimeout is the RONA timeout: an offer not accepted by then goes to
	// the next agent or back to the queue at its original position. 0: 20 s.
	OfferTimeout time.Duration
	// WrapUp is the after-call work time; 0 sends the agent back to Ready.
	WrapUp time.Duration
	// AgingPerMinute raises an interaction's effective priority by this much
	// for every minute it waits (OPS-3 VIP handling uses high base priorities).
	AgingPerMinute float64
	// MaxWaiting caps waiting interactions (0: no cap); arrivals beyond it go to OnFull.
	MaxWaiting int
	// MaxWait caps waiting time (0: no cap); then the interaction goes to OnMaxWait.
	MaxWait time.Duration
	// OnFull, OnMaxWait and OnNoAgents are the overflow destinations.
	OnFull, OnMaxWait, OnNoAgents OverflowTarget
	// Widening are the bullseye steps, in order.
	Widening []Widen
	// PreferredTimeout is how long an interaction waits for its preferred agent
	// before any eligible agent may take it. 0: 30 s.
	PreferredTimeout time.Duration
	// ServiceLevel is the answer-time threshold T of the service level. 0: 20 s.
	ServiceLevel time.Duration
	// ServiceLevelDefinition says how the service level is computed
	// (default: answered within T over answered plus abandoned after T).
	ServiceLevelDefinition SLDefinition
	// PrimarySkill ranks agents for BestSkill; without it BestSkill ranks by
	// longest idle (every strategy requires the interaction's skills anyway).
	PrimarySkill string
	// DefaultAHT is the handling time assumed for wait estimates before the
	// queue has data. 0: 3 minutes.
	DefaultAHT time.Duration
}

func (c *QueueConfig) validate() error {
	if c.ID == "" {
		return fmt.Errorf("%w: queue without ID", ErrInvalidConfig)
	}
	if c.ServiceLevelDefinition >= numSLDefinitions {
		return fmt.Errorf("%w: queue %s: unknown service level definition %d", ErrInvalidConfig, c.ID, c.ServiceLevelDefinition)
	}
	if c.Strategy >= numStrategies {
		return fmt.Errorf("%w: queue %s: unknown strategy %d", ErrInvalidConfig, c.ID, c.Strategy)
	}
	if c.OfferTimeout < 0 || c.WrapUp < 0 || c.MaxWait < 0 || c.PreferredTimeout < 0 || c.MaxWaiting < 0 || c.AgingPerMinute < 0 {
		return fmt.Errorf("%w: queue %s: negative limit", ErrInvalidConfig, c.ID)
	}
	for _, t := range []OverflowTarget{c.OnFull, c.OnMaxWait, c.OnNoAgents} {
		if t.Kind > OverflowVoicemail || (t.Kind != OverflowNone && t.Target == "") {
			return fmt.Errorf("%w: queue %s: overflow %s needs a target", ErrInvalidConfig, c.ID, t.Kind)
		}
	}
	prev := Widen{}
	for i, w := range c.Widening {
		if w.After <= prev.After || w.Relax < prev.Relax || w.Tier < prev.Tier {
			return fmt.Errorf("%w: queue %s: widening step %d must come later and widen at least as much as step %d", ErrInvalidConfig, c.ID, i+1, i)
		}
		prev = w
	}
	return nil
}

func (c *QueueConfig) defaults() {
	if c.OfferTimeout == 0 {
		c.OfferTimeout = 20 * time.Second
	}
	if c.PreferredTimeout == 0 {
		c.PreferredTimeout = 30 * time.Second
	}
	if c.ServiceLevel == 0 {
		c.ServiceLevel = 20 * time.Second
	}
	if c.DefaultAHT == 0 {
		c.DefaultAHT = 3 * time.Minute
	}
}

// step returns widening step s (0 is the unwidened base).
func (c *QueueConfig) step(s int) Widen {
	if s <= 0 || len(c.Widening) == 0 {
		return Widen{}
	}
	if s > len(c.Widening) {
		s = len(c.Widening)
	}
	return c.Widening[s-1]
}

// SkillLevel is a skill an agent has, or an interaction needs at least.
type SkillLevel struct {
	Skill string
	Level int // 0..255
}

// Membership puts an agent in a queue. When the agent turns ready, queues of
// lower Priority numbers are served first (1 before 2), like the store's agent
// queue priority (1-100) and app_queue's penalty; equal numbers are one level. Tier 0 agents are the queue's core group; tier k
// agents qualify once an interaction reached a widening step with Tier >= k.
type Membership struct {
	Queue    string
	Priority int
	Tier     int
}

// AgentProfile is an agent's configuration.
type AgentProfile struct {
	ID         string
	Tenant     string
	Skills     []SkillLevel
	Queues     []Membership
	Capacity   Capacity // zero: DefaultCapacity
	BreakGroup string   // the group whose break cap applies (AG-5)
}

// Interaction is a unit of work of any medium waiting for an agent.
type Interaction struct {
	ID       string
	Tenant   string
	Queue    string
	Medium   Medium
	Priority int // higher first; VIPs get a higher base (OPS-3)
	Skills   []SkillLevel
	// PreferredAgent (a named or the last agent) gets the interaction first,
	// for PreferredTimeout (0: the queue's).
	PreferredAgent   string
	PreferredTimeout time.Duration
	Data             map[string]string // attached data, carried untouched
}

// MaxSkills is how many distinct skill names one tenant may use.
const MaxSkills = 256
