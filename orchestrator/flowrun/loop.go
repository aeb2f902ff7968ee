package flowrun

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/switchboard-cc/switchboard/ivrflows"
	"github.com/switchboard-cc/switchboard/orchestrator"
)

// instance is one flow on one call: the interpreter's state plus what the
// loop is waiting for. Only the call session's goroutine touches it.
type instance struct {
	r     *Runner
	call  orchestrator.InboundCall
	prog  *ivrflows.Program
	meta  Meta
	state *ivrflows.State
	log   *slog.Logger
	trace traceBuf

	inputs    []ivrflows.Input  // results of commands carried out, not yet fed
	play      *playback         // media playing, nil if none
	collect   *ivrflows.Collect // waiting for a key
	timer     <-chan time.Time  // the collect's timeout, once its prompt is over
	handoff   *Outcome          // a Queue or Transfer command met
	gone      bool              // the caller hung up
	completed bool              // counted as completed (first hand-off or end)
	records   int
	traced    int
	susp      *Suspended
	shown     int // the node last told to Meta.OnNode; -1: none yet
}

func newInstance(r *Runner, call orchestrator.InboundCall, prog *ivrflows.Program, meta Meta) *instance {
	in := &instance{r: r, call: call, prog: prog, meta: meta, shown: -1,
		log: r.cfg.Log.With("call", call.Key.String(), "tenant", string(meta.Tenant), "flow", meta.FlowID, "version", meta.Version)}
	in.trace.batch = TraceBatch{CallID: call.Key.ID, FlowID: meta.FlowID, Version: meta.Version}
	return in
}

func (in *instance) key() FlowKey {
	return FlowKey{Tenant: in.meta.Tenant, Flow: in.meta.FlowID, Version: in.meta.Version}
}

// loop carries out res, then feeds inputs until a hand-off or the end.
func (in *instance) loop(ctx context.Context, res ivrflows.Result) (Outcome, error) {
	defer in.stopPlayback(ctx)
	for {
		in.absorb(ctx, res)
		if res.Done {
			return in.end(ctx, res.Outcome, in.state.Error), nil
		}
		if in.handoff != nil {
			return in.suspend(ctx), nil
		}
		in.maybeFlush(ctx)
		input := in.next(ctx)
		from := in.nodeID()
		var err error
		res, err = in.prog.Step(in.state, input, in.r.cfg.Clock.Now())
		in.transition(ctx, from, input, len(res.Commands))
		if err != nil {
			// A key the interpreter does not know ("A".."D" on some phones)
			// or an input it does not wait for: drop it, keep going.
			in.log.Warn("flowrun: input dropped", "input", inputName(input), "err", err)
			if errors.Is(err, ivrflows.ErrFlowEnded) {
				return in.end(ctx, in.state.Outcome, in.state.Error), nil
			}
			res = ivrflows.Result{}
		}
	}
}

// absorb records a step's trace and carries out its commands.
func (in *instance) absorb(ctx context.Context, res ivrflows.Result) {
	in.showNode()
	in.traced += len(res.Trace)
	in.trace.add(in.publicTrace(res.Trace), in.r.cfg.Clock.Now())
	for _, cmd := range res.Commands {
		in.exec(ctx, cmd)
	}
}

// next is the next input for the interpreter: a command's result already
// known, else whatever happens first on the call.
func (in *instance) next(ctx context.Context) ivrflows.Input {
	for {
		if len(in.inputs) > 0 {
			x := in.inputs[0]
			in.inputs = in.inputs[1:]
			return x
		}
		if in.gone || ctx.Err() != nil {
			in.gone = true
			return ivrflows.CallerHangup{}
		}
		if x := in.wait(ctx); x != nil {
			return x
		}
	}
}

// wait blocks for one thing on the call; nil means "nothing for the
// interpreter yet" (a collect prompt ended and its timeout now runs).
func (in *instance) wait(ctx context.Context) ivrflows.Input {
	select {
	case ev, ok := <-in.call.Events:
		return in.event(ctx, ev, ok)
	case <-in.play.doneCh():
		wasPrompt := in.play.prompt
		in.play.cancel()
		in.play = nil
		if !wasPrompt {
			return ivrflows.PlayDone{}
		}
		if in.collect != nil && in.timer == nil {
			in.timer = in.r.cfg.Clock.After(in.collect.Timeout)
		}
		return nil
	case <-in.timer:
		in.collect, in.timer = nil, nil
		return ivrflows.Timeout{}
	case <-ctx.Done():
		in.gone = true
		return ivrflows.CallerHangup{}
	}
}

// event turns a call event into an input: keys are fed in order whatever
// the flow is doing (the interpreter keeps type-ahead and asks for StopPlay
// on barge-in); the end of the call is CallerHangup.
func (in *instance) event(ctx context.Context, ev orchestrator.Event, ok bool) ivrflows.Input {
	if !ok {
		in.call.Events = nil // closed: the call is over; ctx follows
		in.gone = true
		return ivrflows.CallerHangup{}
	}
	switch ev.Kind {
	case orchestrator.EventDTMF:
		if ev.Digit == "" {
			return nil
		}
		if in.collect != nil {
			in.collect, in.timer = nil, nil
			if in.play != nil && in.play.prompt {
				in.stopPlayback(ctx) // a key stops the collect's prompt
			}
		}
		return ivrflows.Digit{Key: ev.Digit}
	case orchestrator.EventHangup, orchestrator.EventEnded:
		in.gone = true
		return ivrflows.CallerHangup{}
	}
	return nil
}

// pending returns a key (or the hang-up) already waiting in the call's
// events without blocking, so a key typed before a collect starts is used
// at once instead of starting the prompt only to cut it.
func (in *instance) pending(ctx context.Context) ivrflows.Input {
	for {
		select {
		case ev, ok := <-in.call.Events:
			if x := in.event(ctx, ev, ok); x != nil {
				return x
			}
		default:
			return nil
		}
	}
}

// dropStaleKeys discards keys left in the call's events from the agent leg
// (meant for the agent, not for the survey that follows) and reports
// whether the call ended meanwhile.
func (in *instance) dropStaleKeys(ctx context.Context) bool {
	for {
		select {
		case ev, ok := <-in.call.Events:
			if !ok || ev.Kind == orchestrator.EventHangup || ev.Kind == orchestrator.EventEnded {
				in.gone = true
				return true
			}
		default:
			return in.gone || ctx.Err() != nil
		}
	}
}

// suspend hands the call to the session at a queue or transfer.
func (in *instance) suspend(ctx context.Context) Outcome {
	o := *in.handoff
	in.handoff = nil
	in.flush(ctx)
	if !in.completed {
		in.completed = true
		in.r.stats.complete(in.key())
	}
	in.r.stats.suspend(in.key(), in.call.Key.Node)
	in.susp = &Suspended{inst: in}
	o.Suspend, o.Vars, o.Trace = in.susp, in.publicVars(), in.traced
	in.log.Info("flowrun: hand-off", "kind", o.Kind.String())
	return o
}

func (in *instance) outcomeSuspended() Outcome {
	return Outcome{Kind: Ended, Result: ivrflows.OutcomeError, Suspend: in.susp}
}

// end closes the flow: counts, trace flushed.
func (in *instance) end(ctx context.Context, result ivrflows.Outcome, msg string) Outcome {
	in.stopPlayback(ctx)
	in.flush(ctx)
	in.r.stats.end(in.key(), in.call.Key.Node, result, in.completed)
	in.completed = true
	msg = scrub(msg, in.secretValues())
	in.log.Info("flowrun: flow ended", "outcome", string(result), "error", msg)
	return Outcome{Kind: Ended, Result: result, Error: msg, Vars: in.publicVars(), Trace: in.traced}
}

// showNode tells Meta.OnNode the node the flow waits in, when it changed.
func (in *instance) showNode() {
	n := in.state.Node
	if in.meta.OnNode == nil || n == in.shown || n < 0 || n >= len(in.prog.Nodes) {
		return
	}
	in.shown = n
	in.meta.OnNode(in.prog.Nodes[n].ID, in.prog.Nodes[n].Type)
}

func (in *instance) nodeID() string {
	if n := in.state.Node; n >= 0 && n < len(in.prog.Nodes) {
		return in.prog.Nodes[n].ID
	}
	return ""
}

// transition logs "node -[input]-> node" at debug level (IVR-17 logs),
// without cost when debug is off.
func (in *instance) transition(ctx context.Context, from string, x ivrflows.Input, commands int) {
	if !in.log.Enabled(ctx, slog.LevelDebug) {
		return
	}
	in.log.Debug("flowrun: "+from+" -["+inputName(x)+"]-> "+in.nodeID(), "commands", commands)
}

// inputName names an input for logs; a key is only "digit", since it may
// be part of a PIN.
func inputName(x ivrflows.Input) string {
	switch x.(type) {
	case ivrflows.Digit:
		return "digit"
	case ivrflows.Timeout:
		return "timeout"
	case ivrflows.PlayDone:
		return "play_done"
	case ivrflows.CallerHangup:
		return "caller_hangup"
	case ivrflows.HTTPResponse:
		return "http_response"
	case ivrflows.QueryResult:
		return "query_result"
	case ivrflows.LookupResult:
		return "lookup_result"
	case ivrflows.RecordDone:
		return "record_done"
	case nil:
		return "none"
	}
	return fmt.Sprintf("%T", x)
}
