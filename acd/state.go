package acd

import (
	"fmt"
	"time"
)

// State is an agent's presence state. Work counts per medium live beside it;
// Busy means at least one accepted interaction is in progress.
type State uint8

// Agent states.
const (
	LoggedOut State = iota
	NotReady
	Ready
	Reserved // at least one offer pending, nothing accepted yet
	Busy
	AfterCallWork
	Break
	numStates
)

var stateNames = [numStates]string{"logged_out", "not_ready", "ready", "reserved", "busy", "after_call_work", "break"}

// States lists every agent state in order, for reports that show each one
// (a metric with a zero series per state).
func States() []State {
	out := make([]State, numStates)
	for i := range out {
		out[i] = State(i)
	}
	return out
}

func (s State) String() string {
	if s < numStates {
		return stateNames[s]
	}
	return fmt.Sprintf("state(%d)", uint8(s))
}

// Event is what moves an agent from one state to another.
type Event uint8

// Agent events.
const (
	EvLogin Event = iota
	EvReady
	EvNotReady
	EvBreak
	EvEndBreak
	EvLogout
	EvOffer
	EvAccept
	EvReject
	EvNoAnswer // RONA: the offer timed out
	EvCancel   // the offer was withdrawn (caller left, another agent won ring-all)
	EvDial     // the agent starts an outbound interaction
	EvWorkEnd
	EvWrapEnd
	numEvents
)

var eventNames = [numEvents]string{"login", "ready", "not_ready", "break", "end_break", "logout",
	"offer", "accept", "reject", "no_answer", "cancel", "dial", "work_end", "wrap_end"}

// Events lists every agent event in order.
func Events() []Event {
	out := make([]Event, numEvents)
	for i := range out {
		out[i] = Event(i)
	}
	return out
}

func (e Event) String() string {
	if e < numEvents {
		return eventNames[e]
	}
	return fmt.Sprintf("event(%d)", uint8(e))
}

// derived marks a rule whose target depends on the agent's work (see next).
const derived State = 255

// rule is one line of the transition table.
type rule struct {
	from State
	ev   Event
	to   State
}

// table is the agent state machine; README.md shows it as a table. Any pair not
// listed is refused with a *TransitionError.
var table = []rule{
	{LoggedOut, EvLogin, NotReady},
	{NotReady, EvReady, Ready},
	{NotReady, EvNotReady, NotReady},
	{NotReady, EvBreak, Break},
	{NotReady, EvLogout, LoggedOut},
	{NotReady, EvDial, Busy},
	{Ready, EvNotReady, NotReady},
	{Ready, EvBreak, Break},
	{Ready, EvLogout, LoggedOut},
	{Ready, EvOffer, Reserved},
	{Ready, EvDial, Busy},
	{Reserved, EvOffer, Reserved},
	{Reserved, EvAccept, Busy},
	{Reserved, EvReject, NotReady},
	{Reserved, EvNoAnswer, NotReady},
	{Reserved, EvCancel, derived}, // Reserved while other offers remain, else Ready
	{Reserved, EvLogout, LoggedOut},
	{Busy, EvOffer, Busy},
	{Busy, EvAccept, Busy},
	{Busy, EvReject, Busy},              // not-ready is kept pending until the work ends
	{Busy, EvNoAnswer, Busy},            // idem
	{Busy, EvCancel, Busy},              //
	{Busy, EvNotReady, Busy},            // pending
	{Busy, EvDial, Busy},                //
	{Busy, EvWorkEnd, derived},          // Busy, Reserved, AfterCallWork, NotReady or Ready
	{AfterCallWork, EvWrapEnd, derived}, // NotReady if pending, else Ready
	{AfterCallWork, EvNotReady, NotReady},
	{AfterCallWork, EvBreak, Break},
	{AfterCallWork, EvLogout, LoggedOut},
	{AfterCallWork, EvDial, Busy},
	{Break, EvEndBreak, Ready},
	{Break, EvNotReady, NotReady},
	{Break, EvLogout, LoggedOut},
}

// next is table as an array, built once, for constant-time lookups.
var next = func() (t [numStates][numEvents]State) {
	for s := range t {
		for e := range t[s] {
			t[s][e] = numStates // refused
		}
	}
	for _, r := range table {
		t[r.from][r.ev] = r.to
	}
	return t
}()

// Allows reports whether the table lets ev happen in state s (a caller that
// must announce a change before making it checks with this first).
func Allows(s State, ev Event) bool {
	return s < numStates && ev < numEvents && next[s][ev] != numStates
}

// Transition is one agent state change, reported as "A -[event]-> B".
type Transition struct {
	Agent  string
	From   State
	To     State
	Event  Event
	Reason string // not-ready reason, "no answer", "supervisor", ...
	Medium Medium // for offer/accept/work events
	At     time.Time
}

func (t Transition) String() string {
	s := t.From.String() + " -[" + t.Event.String() + "]-> " + t.To.String()
	if t.Reason != "" {
		s += " (" + t.Reason + ")"
	}
	return s
}
