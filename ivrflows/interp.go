package ivrflows

import (
	"fmt"
	"strings"
	"time"
)

// MaxNodesPerInput caps how many nodes one input may run. Validation already
// rejects loops that never wait for the caller; this is the second wall.
// MaxNodesPerCall caps a whole call, against loops through nodes that wait
// for something other than the caller (a queue that is closed answers at
// once).
const (
	MaxNodesPerInput = 500
	MaxNodesPerCall  = 10000
)

// Outcome is how a flow ended.
type Outcome string

// Outcomes.
const (
	OutcomeHangup       Outcome = "hangup"        // the flow hung up
	OutcomeCallerHangup Outcome = "caller_hangup" // the caller hung up
	OutcomeTransferred  Outcome = "transferred"   // the call went to an agent, queue, flow or number
	OutcomeError        Outcome = "error"         // a node failed with no "error" exit
)

// Outcomes lists every outcome, for documentation and for checking a
// flow test's expected outcome.
var Outcomes = []Outcome{OutcomeHangup, OutcomeCallerHangup, OutcomeTransferred, OutcomeError}

// phase is what the current node waits for.
type phase string

const (
	waitNone     phase = ""
	waitPlay     phase = "play"
	waitDigit    phase = "digit"
	waitHTTP     phase = "http"
	waitSQL      phase = "sql"
	waitLookup   phase = "lookup"
	waitQueue    phase = "queue"
	waitAgentLeg phase = "agent_leg"
	waitTransfer phase = "transfer"
	waitRecord   phase = "record"
)

// Call is what the interpreter knows about the call when a flow starts.
type Call struct {
	ID     string
	Tenant string
	Caller string
	Called string
	// Vars presets declared variables (e.g. data carried from an agent
	// transferring the caller back to the IVR: IVR-9).
	Vars map[string]any
}

// State is one live flow instance: everything the interpreter needs between
// inputs. It is plain data (JSON-serialisable) owned by the call session;
// Step updates it in place.
type State struct {
	Node      int            `json:"node"`
	Phase     phase          `json:"phase,omitempty"`
	Vars      map[string]any `json:"vars"`
	Digits    string         `json:"digits,omitempty"`     // collect: entry so far
	Try       int            `json:"try,omitempty"`        // collect: attempt number
	Attempt   int            `json:"attempt,omitempty"`    // http: attempt number
	TypeAhead string         `json:"type_ahead,omitempty"` // keys not yet used
	Stopping  bool           `json:"stopping,omitempty"`   // StopPlay sent
	Entered   time.Time      `json:"entered"`
	Changes   []VarChange    `json:"changes,omitempty"` // of the current node
	Steps     int            `json:"steps"`             // nodes run so far
	Done      bool           `json:"done,omitempty"`
	Outcome   Outcome        `json:"outcome,omitempty"`
	Error     string         `json:"error,omitempty"`
}

// SecretMask stands for the value of a secret variable in traces and in
// queue data that reads one.
const SecretMask = "******"

// Secret reports whether the flow declared variable name secret. The value
// works inside the flow; whoever carries the flow's variables out of it
// (a runner's outcome) shows SecretMask instead.
func (p *Program) Secret(name string) bool { return p.secret[name] }

// VarChange is a variable a node set.
type VarChange struct {
	Name  string `json:"name"`
	Value any    `json:"value"`
}

// TraceEntry records one node a call passed (IVR-17).
type TraceEntry struct {
	Node    string      `json:"node"`
	Type    NodeType    `json:"type"`
	Entered time.Time   `json:"entered"`
	Left    time.Time   `json:"left"`
	Exit    string      `json:"exit,omitempty"`
	Set     []VarChange `json:"set,omitempty"`
	Error   string      `json:"error,omitempty"`
}

// Result is what one Start or Step produced.
type Result struct {
	Commands []Command
	Trace    []TraceEntry
	Done     bool
	Outcome  Outcome
}

// run is the working context of one Start or Step.
type run struct {
	p   *Program
	s   *State
	now time.Time
	res Result
	ask *Collect
}

func (r *run) emit(c Command) { r.res.Commands = append(r.res.Commands, c) }

// Start creates the state of a new call in this flow and runs it to the first
// node that waits.
func (p *Program) Start(call Call, now time.Time) (*State, Result) {
	s := &State{Node: p.start, Vars: make(map[string]any, len(p.defaults)+len(SystemVariables))}
	for k, v := range p.defaults {
		s.Vars[k] = v
	}
	for k, v := range call.Vars {
		if t, ok := p.Vars[k]; ok {
			if cv, err := coerce(v, t); err == nil {
				s.Vars[k] = cv
			}
		}
	}
	s.Vars[VarCaller], s.Vars[VarCalled], s.Vars[VarCallID] = call.Caller, call.Called, call.ID
	s.Vars[VarTenant], s.Vars[VarLanguage], s.Vars[VarAgent] = call.Tenant, p.Language, ""
	r := &run{p: p, s: s, now: now}
	r.runFrom(true)
	return s, r.result()
}

// Step feeds one input to a live flow and runs it to the next node that
// waits (or the end). It never blocks and does no I/O.
func (p *Program) Step(s *State, in Input, now time.Time) (Result, error) {
	if s.Done {
		return Result{Done: true, Outcome: s.Outcome}, ErrFlowEnded
	}
	r := &run{p: p, s: s, now: now}
	if _, ok := in.(CallerHangup); ok {
		r.finish(OutcomeCallerHangup, "")
		return r.result(), nil
	}
	if d, ok := in.(Digit); ok && (len(d.Key) != 1 || !strings.Contains(dtmfKeys, d.Key)) {
		return Result{}, fmt.Errorf("%w: %q is not a phone key", ErrUnexpectedInput, d.Key)
	} else if ok && s.Phase != waitDigit {
		r.typeAhead(d)
		return r.result(), nil
	}
	if !expects(s.Phase, in) {
		return Result{}, fmt.Errorf("%w: %T while node %q waits for %s", ErrUnexpectedInput, in, p.Nodes[s.Node].ID, s.Phase)
	}
	s.Phase = waitNone
	r.runFrom(r.apply(r.resume(p.Nodes[s.Node], in)))
	return r.result(), nil
}

func (r *run) result() Result {
	r.res.Done, r.res.Outcome = r.s.Done, r.s.Outcome
	return r.res
}

// typeAhead keeps keys pressed while no collection runs, for the next menu
// or collect; a barge-in prompt is stopped. Keys during an agent leg are the
// agent's business and are dropped.
func (r *run) typeAhead(d Digit) {
	if r.s.Phase == waitQueue || r.s.Phase == waitAgentLeg || len(r.s.TypeAhead) >= maxDigits {
		return
	}
	r.s.TypeAhead += d.Key
	if r.s.Phase == waitPlay && !r.s.Stopping {
		if pp, ok := r.p.Nodes[r.s.Node].Params.(*PlayParams); ok && pp.BargeIn {
			r.s.Stopping = true
			r.emit(StopPlay{})
		}
	}
}

var phaseInputs = map[phase]func(Input) bool{
	waitPlay:     func(in Input) bool { _, ok := in.(PlayDone); return ok },
	waitDigit:    func(in Input) bool { _, ok := in.(Digit); _, t := in.(Timeout); return ok || t },
	waitHTTP:     func(in Input) bool { _, ok := in.(HTTPResponse); return ok },
	waitSQL:      func(in Input) bool { _, ok := in.(QueryResult); return ok },
	waitLookup:   func(in Input) bool { _, ok := in.(LookupResult); return ok },
	waitQueue:    func(in Input) bool { _, ok := in.(QueueResult); return ok },
	waitAgentLeg: func(in Input) bool { _, ok := in.(AgentLegEnded); return ok },
	waitTransfer: func(in Input) bool { _, ok := in.(TransferResult); return ok },
	waitRecord:   func(in Input) bool { _, ok := in.(RecordDone); return ok },
}

func expects(ph phase, in Input) bool {
	f, ok := phaseInputs[ph]
	return ok && f(in)
}

// next is what a node decided: take an exit, wait for an input, or end.
type next struct {
	exit string
	wait phase
	end  Outcome
	err  error
}

// runFrom runs nodes until one waits or the flow ends. enter says whether
// the current node is to be entered.
func (r *run) runFrom(enter bool) {
	for n := 0; enter && !r.s.Done; n++ {
		if n >= MaxNodesPerInput {
			r.finish(OutcomeError, fmt.Sprintf("ran %d nodes without waiting for the caller", n))
			return
		}
		if r.s.Steps >= MaxNodesPerCall {
			r.finish(OutcomeError, fmt.Sprintf("the call passed %d nodes; the flow seems to loop", r.s.Steps))
			return
		}
		node := r.p.Nodes[r.s.Node]
		r.s.Steps++
		r.s.Entered, r.s.Changes, r.s.Stopping = r.now, nil, false
		enter = r.apply(r.enterNode(node))
	}
}

// apply carries out a node's decision; it reports whether a new node is to
// be entered.
func (r *run) apply(nx next) bool {
	switch {
	case nx.err != nil:
		return r.fail(nx.err)
	case nx.end != "":
		r.finish(nx.end, "")
		return false
	case nx.wait != waitNone:
		r.s.Phase = nx.wait
		return false
	}
	return r.leave(nx.exit, "")
}

// fail sends a node's runtime error to its "error" exit, or ends the flow.
func (r *run) fail(err error) bool {
	node := r.p.Nodes[r.s.Node]
	if _, ok := node.next[ExitError]; ok {
		return r.leave(ExitError, err.Error())
	}
	r.finish(OutcomeError, err.Error())
	return false
}

// fallbackExits: an optional exit left unconnected falls back to another.
var fallbackExits = map[string]string{CalHoliday: CalClosed, "empty": ExitOK}

func (r *run) leave(exit, errMsg string) bool {
	node := r.p.Nodes[r.s.Node]
	target, ok := node.next[exit]
	if !ok {
		if fb, has := fallbackExits[exit]; has {
			exit = fb
			target, ok = node.next[exit]
		}
	}
	r.trace(exit, errMsg)
	if !ok {
		r.emit(Hangup{Cause: "NORMAL_CLEARING"})
		r.end(OutcomeHangup, "")
		return false
	}
	r.s.Node, r.s.Phase = target, waitNone
	return true
}

func (r *run) trace(exit, errMsg string) {
	node := r.p.Nodes[r.s.Node]
	r.res.Trace = append(r.res.Trace, TraceEntry{Node: node.ID, Type: node.Type, Entered: r.s.Entered,
		Left: r.now, Exit: exit, Set: r.s.Changes, Error: errMsg})
	r.s.Changes = nil
}

// finish ends the flow at the current node; an error ends the call.
func (r *run) finish(o Outcome, errMsg string) {
	r.trace("", errMsg)
	if o == OutcomeError {
		r.emit(Hangup{Cause: "NORMAL_TEMPORARY_FAILURE"})
	}
	r.end(o, errMsg)
}

func (r *run) end(o Outcome, errMsg string) {
	r.s.Done, r.s.Outcome, r.s.Error, r.s.Phase = true, o, errMsg, waitNone
}

// set assigns a declared variable, converting to its type, and records it.
func (r *run) set(name string, v any) error {
	t := r.p.Vars[name]
	if t == "" {
		t = SystemVariables[name]
	}
	cv, err := coerce(v, t)
	if err != nil && r.p.secret[name] {
		return fmt.Errorf("variable %s: the value is not a %s", name, t) // the error lands in the trace
	}
	if err != nil {
		return fmt.Errorf("variable %s: %w", name, err)
	}
	r.s.Vars[name] = cv
	if r.p.secret[name] {
		cv = SecretMask
	}
	r.s.Changes = append(r.s.Changes, VarChange{Name: name, Value: cv})
	return nil
}
