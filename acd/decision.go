package acd

import (
	"fmt"
	"time"
)

// DecisionKind names what a Decision asks the owner to do or report.
type DecisionKind uint8

// Decision kinds.
const (
	DecOffer       DecisionKind = iota + 1 // offer Interaction to Agent (alert the agent, ring the phone)
	DecCancelOffer                         // withdraw the offer of Interaction from Agent
	DecTimer                               // call Fire(Timer) at At
	DecOverflow                            // send Interaction to Overflow (Kind none: refuse it)
	DecTransition                          // an agent changed state (report, persist)
	DecRONA                                // Agent did not answer Interaction (AG-6)
	DecQueued                              // Interaction waits in Queue
	DecAnswered                            // Agent accepted Interaction
	DecFinished                            // Interaction left the ACD
)

var decisionNames = [...]string{"", "offer", "cancel_offer", "timer", "overflow", "transition", "rona", "queued", "answered", "finished"}

func (k DecisionKind) String() string {
	if int(k) < len(decisionNames) {
		return decisionNames[k]
	}
	return fmt.Sprintf("decision(%d)", uint8(k))
}

// TimerKind names a deadline the core asked for.
type TimerKind uint8

// Timer kinds.
const (
	TimerOffer     TimerKind = iota + 1 // RONA deadline of an offer
	TimerWiden                          // next bullseye step
	TimerMaxWait                        // queue's maximum wait
	TimerPreferred                      // end of the preferred agent's exclusivity
	TimerWrap                           // end of after-call work
)

var timerNames = [...]string{"", "offer", "widen", "max_wait", "preferred", "wrap"}

func (k TimerKind) String() string {
	if int(k) < len(timerNames) {
		return timerNames[k]
	}
	return fmt.Sprintf("timer(%d)", uint8(k))
}

// TimerRef identifies a deadline. Firing a stale one (the interaction moved
// on) is harmless: the core ignores it.
type TimerRef struct {
	Kind TimerKind
	ID   string // interaction ID, or agent ID for TimerWrap
	Gen  uint32 // offer attempt, queue generation or wrap generation
	Step int    // TimerWiden: the step it starts
}

// Decision is one step of a plan. Decisions of one call are returned in the
// order they must be applied.
type Decision struct {
	Kind        DecisionKind
	Interaction string
	Agent       string
	Queue       string
	Medium      Medium
	Attempt     uint32 // DecOffer, DecCancelOffer, DecRONA: the offer attempt
	At          time.Time
	Timer       TimerRef       // DecTimer
	Overflow    OverflowTarget // DecOverflow
	Reason      OverflowReason // DecOverflow
	Transition  Transition     // DecTransition
}

func (d Decision) String() string {
	switch d.Kind {
	case DecTransition:
		return "agent " + d.Transition.Agent + ": " + d.Transition.String()
	case DecTimer:
		return fmt.Sprintf("timer %s %s gen %d step %d at %s", d.Timer.Kind, d.Timer.ID, d.Timer.Gen, d.Timer.Step, d.At.Format(time.RFC3339Nano))
	case DecOverflow:
		return fmt.Sprintf("overflow %s (%s) to %s %s", d.Interaction, d.Reason, d.Overflow.Kind, d.Overflow.Target)
	default:
		return fmt.Sprintf("%s %s agent=%s queue=%s attempt=%d", d.Kind, d.Interaction, d.Agent, d.Queue, d.Attempt)
	}
}
