package flowrun_test

import (
	"context"

	"github.com/switchboard-cc/switchboard/ivrflows"
	"github.com/switchboard-cc/switchboard/orchestrator"
	"github.com/switchboard-cc/switchboard/orchestrator/flowrun"
)

// acdResult stands for the session's ACD part: enqueue with the data, ring
// the offered agent, bridge; it reports whether an agent answered, who, and
// whether the caller is still there after the agent leg.
func acdResult(ctx context.Context, q ivrflows.Queue) (answered bool, agent string, callerStayed bool) {
	return false, "", true
}

// A call session whose route's entry is a flow: resolve the live version
// once, run it, do the ACD part at the hand-off, and resume the flow after
// the agent leg (survey) until it ends.
func Example() {
	var (
		runner *flowrun.Runner // flowrun.New(flowrun.Config{Switch: adapter, ...})
		ctx    context.Context // the call's context (cancelled at hang-up)
		call   orchestrator.InboundCall
		live   *ivrflows.Program // resolved once from the flow's "live" alias
	)
	if runner == nil {
		return // (wiring elided)
	}
	o, err := runner.Run(ctx, call, live, flowrun.Meta{Tenant: "acme", FlowID: "main", Version: 3})
	for err == nil && o.Kind != flowrun.Ended {
		switch o.Kind {
		case flowrun.HandOffQueue:
			answered, agent, _ := acdResult(ctx, o.Queue) // o.Queue.Data goes to the agent's screen
			o, err = runner.Resume(ctx, o.Suspend, ivrflows.QueueResult{Answered: answered, Agent: agent})
		case flowrun.AgentLeg:
			var in ivrflows.Input = ivrflows.AgentLegEnded{}
			if ctx.Err() != nil {
				in = ivrflows.CallerHangup{} // completes the trace and counts
			}
			o, err = runner.Resume(ctx, o.Suspend, in)
		case flowrun.HandOffTransfer:
			ok := true // carry out o.Transfer (agent, queue, flow or number)
			o, err = runner.Resume(ctx, o.Suspend, ivrflows.TransferResult{OK: ok})
		}
	}
}
