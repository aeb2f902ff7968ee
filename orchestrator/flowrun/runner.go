package flowrun

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/switchboard-cc/switchboard/ivrflows"
	"github.com/switchboard-cc/switchboard/orchestrator"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// Errors of Run and Resume; test with errors.Is.
var (
	ErrConfig    = errors.New("flowrun: bad configuration")
	ErrBadCall   = errors.New("flowrun: bad call")
	ErrResumed   = errors.New("flowrun: suspended flow already resumed")
	ErrNotWanted = errors.New("flowrun: input not expected by the suspended flow")
)

// Config is what a Runner talks to. Only Switch is required: a flow that
// uses an unconfigured service takes that node's error path.
type Config struct {
	Switch    Switch
	Prompter  Prompter // nil: the switch speaks text itself
	HTTP      HTTPDoer
	SQL       SQLRunner
	Lists     Lists
	Voicemail VoicemailSink
	Surveys   SurveySink
	Traces    TraceSink
	Clock     Clock
	Log       *slog.Logger
	// RecordDir is where recordings and voicemail go on the node.
	// Default /var/lib/switchboard/recordings.
	RecordDir string
	// TraceBatch flushes a call's trace once this many entries wait
	// (default 32); TraceEvery flushes entries waiting longer (default 2 s).
	// Hand-offs and the end of the flow always flush.
	TraceBatch int
	TraceEvery time.Duration
	// Ports is the number of IVR ports per node, for idle counts in Stats.
	Ports map[string]int
}

// Runner runs flows on calls. It is safe for concurrent use: one Run or
// Resume per call at a time, on the call session's goroutine.
type Runner struct {
	cfg   Config
	stats *stats
}

// New checks cfg and fills in defaults.
func New(cfg Config) (*Runner, error) {
	if cfg.Switch == nil {
		return nil, fmt.Errorf("%w: Switch is required", ErrConfig)
	}
	if cfg.Clock == nil {
		cfg.Clock = realClock{}
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.RecordDir == "" {
		cfg.RecordDir = "/var/lib/switchboard/recordings"
	}
	if cfg.TraceBatch <= 0 {
		cfg.TraceBatch = 32
	}
	if cfg.TraceEvery <= 0 {
		cfg.TraceEvery = 2 * time.Second
	}
	return &Runner{cfg: cfg, stats: newStats(cfg.Ports)}, nil
}

// Meta says whose call and which flow version runs.
type Meta struct {
	Tenant  tenancy.TenantID
	FlowID  string
	Version int
	// Vars presets declared flow variables (data an agent sends back with
	// the caller to the IVR: IVR-9).
	Vars map[string]any
	// Answered: the session already answered the call (or it is an
	// outbound leg), so Run does not answer it.
	Answered bool
	// OnNode, when set, is told each node the flow enters (its ID and
	// type), on the goroutine running Run or Resume, before that node's
	// commands are carried out: the session shows where the caller is.
	OnNode func(node string, typ ivrflows.NodeType)
}

// Kind is how Run or Resume returned.
type Kind int

const (
	// Ended: the flow is over (Outcome.Result says how).
	Ended Kind = iota + 1
	// HandOffQueue: enqueue the call (Outcome.Queue), then Resume with
	// ivrflows.QueueResult and, after an agent leg, ivrflows.AgentLegEnded.
	HandOffQueue
	// HandOffTransfer: carry out Outcome.Transfer, then Resume with
	// ivrflows.TransferResult (a failed transfer takes the node's failed exit).
	HandOffTransfer
	// AgentLeg: an agent took the queued call (Resume with an answered
	// QueueResult returns it). Resume with ivrflows.AgentLegEnded when the
	// agent hangs up and the caller is still there (a survey follows).
	AgentLeg
)

func (k Kind) String() string {
	switch k {
	case Ended:
		return "ended"
	case HandOffQueue:
		return "queue"
	case HandOffTransfer:
		return "transfer"
	case AgentLeg:
		return "agent_leg"
	}
	return "unknown"
}

// Outcome is where the flow left the call.
type Outcome struct {
	Kind     Kind
	Result   ivrflows.Outcome  // Ended: hangup, caller_hangup, transferred or error
	Error    string            // Ended with error: the interpreter's message
	Queue    ivrflows.Queue    // HandOffQueue: queue, priority, skills, data for the agent's screen
	Transfer ivrflows.Transfer // HandOffTransfer
	Vars     map[string]any    // the flow's variables now (a copy; secret ones masked: secret.go)
	Trace    int               // trace entries produced so far
	Suspend  *Suspended        // hand-offs: the flow waiting for the session
}

// Suspended is a flow waiting at a hand-off. The session keeps it while it
// queues or transfers the call and gives it back to Resume. If the caller
// hangs up meanwhile, Resume with ivrflows.CallerHangup{} so the trace is
// completed and the counts are right.
type Suspended struct {
	inst    *instance
	resumed bool
}

// WithEvents makes Resume read the call's events from ch instead of the
// channel Run was given (a session that relays events while the call waits).
func (s *Suspended) WithEvents(ch <-chan orchestrator.Event) { s.inst.call.Events = ch }

// Run starts prog on call and runs it until a hand-off or the end. ctx is
// the call's context: the adapter cancels it when the caller hangs up, and
// Run then stops cleanly, flushes the trace and returns Ended with
// caller_hangup. The error reports a call that could not be run at all or
// a failing switch verb; Outcome is valid either way.
func (r *Runner) Run(ctx context.Context, call orchestrator.InboundCall, prog *ivrflows.Program, meta Meta) (Outcome, error) {
	if missing := missingOf(call, prog, meta); missing != "" {
		return Outcome{Kind: Ended, Result: ivrflows.OutcomeError}, fmt.Errorf("%w: no %s", ErrBadCall, missing)
	}
	if meta.FlowID == "" {
		meta.FlowID = prog.Flow
	}
	in := newInstance(r, call, prog, meta)
	r.stats.start(in.key(), call.Key.Node)
	if !meta.Answered {
		if err := r.cfg.Switch.Answer(ctx, call.Key); err != nil {
			o := in.end(ctx, ivrflows.OutcomeError, "answer failed: "+err.Error())
			return o, fmt.Errorf("flowrun: answer %s: %w", call.Key, err)
		}
	}
	state, res := prog.Start(ivrflows.Call{ID: call.Key.ID, Tenant: string(meta.Tenant), Caller: call.From,
		Called: call.To, Vars: meta.Vars}, r.cfg.Clock.Now())
	in.state = state
	return in.loop(ctx, res)
}

// Resume continues a suspended flow with the hand-off's result.
func (r *Runner) Resume(ctx context.Context, s *Suspended, input ivrflows.Input) (Outcome, error) {
	if s == nil || s.inst == nil {
		return Outcome{Kind: Ended, Result: ivrflows.OutcomeError}, fmt.Errorf("%w: nil suspended flow", ErrBadCall)
	}
	if s.resumed {
		return Outcome{Kind: Ended, Result: ivrflows.OutcomeError}, ErrResumed
	}
	in := s.inst
	if _, ok := input.(ivrflows.AgentLegEnded); ok && in.dropStaleKeys(ctx) {
		input = ivrflows.CallerHangup{} // the caller left with the agent
	}
	res, err := in.prog.Step(in.state, input, r.cfg.Clock.Now())
	if err != nil {
		return in.outcomeSuspended(), fmt.Errorf("%w: %v", ErrNotWanted, err)
	}
	s.resumed = true
	if q, ok := input.(ivrflows.QueueResult); ok && q.Answered && !res.Done {
		in.absorb(ctx, res)
		in.susp = &Suspended{inst: in}
		return Outcome{Kind: AgentLeg, Suspend: in.susp, Vars: in.publicVars(), Trace: in.traced}, nil
	}
	r.stats.resume(in.key(), in.call.Key.Node)
	if _, hung := input.(ivrflows.CallerHangup); hung {
		in.gone = true
	}
	return in.loop(ctx, res)
}

func missingOf(call orchestrator.InboundCall, prog *ivrflows.Program, meta Meta) string {
	switch {
	case prog == nil:
		return "program"
	case call.Key.Node == "" || call.Key.ID == "":
		return "call key (node and id)"
	case meta.Tenant == "":
		return "tenant"
	}
	return ""
}
