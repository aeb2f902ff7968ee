package calls

import (
	"context"
	"fmt"

	"github.com/switchboard-cc/switchboard/acd"
	"github.com/switchboard-cc/switchboard/ivrflows"
	"github.com/switchboard-cc/switchboard/orchestrator"
	"github.com/switchboard-cc/switchboard/orchestrator/flowrun"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// FlowProgram is a published flow version, compiled.
type FlowProgram struct {
	Program *ivrflows.Program
	FlowID  string
	Version int
}

// FlowResolver finds the version a tenant's flow alias points to now. The
// session resolves once per call, so a publish or rollback never changes a
// call in flight.
type FlowResolver interface {
	ResolveFlow(ctx context.Context, tenant tenancy.TenantID, flow string) (FlowProgram, error)
}

// Names turns the names flows use into the IDs the ACD uses.
type Names interface {
	QueueID(tenant tenancy.TenantID, nameOrID string) (string, bool)
	SkillID(tenant tenancy.TenantID, nameOrID string) (string, bool)
	// AgentQueue finds an agent by ID or extension and the queue it serves
	// first (a transfer to the agent waits there with the agent preferred).
	AgentQueue(tenant tenancy.TenantID, idOrExtension string) (agentID, queueID string, ok bool)
}

// runFlow plays the tenant's IVR flow and carries out its hand-offs: queue
// (with the flow's priority, skills and attached data, then a survey when the
// agent leaves), and transfers (number, queue, another flow).
func (ss *session) runFlow(ctx context.Context) {
	next := ss.route.Flow
	for hops := 0; next != "" && ctx.Err() == nil; hops++ {
		if hops == maxFlowHops {
			ss.endWith(ctx, Failed, "flows transfer to each other in a loop", fmt.Errorf("more than %d flow transfers", maxFlowHops))
			return
		}
		next = ss.runOneFlow(ctx, next, hops > 0)
	}
}

// maxFlowHops bounds flow-to-flow transfers in one call.
const maxFlowHops = 5

// runOneFlow runs one flow to its end and returns the flow to run next
// (a transfer to another flow), or "".
func (ss *session) runOneFlow(ctx context.Context, name string, answered bool) string {
	cfg := ss.svc.cfg
	fp, err := cfg.FlowResolver.ResolveFlow(ctx, ss.route.Tenant, name)
	if err != nil {
		ss.endWith(ctx, Failed, "entry flow not found", err)
		return ""
	}
	log := ss.log.With("flow", name, "flow_version", fp.Version)
	meta := flowrun.Meta{Tenant: ss.route.Tenant, FlowID: fp.FlowID, Version: fp.Version, Answered: answered, OnNode: ss.atNode}
	var after *ivrflows.Transfer // a transfer the flow ended with, carried out below
	ss.showFlow(fp.FlowID)
	o, err := cfg.Flows.Run(ctx, ss.call, fp.Program, meta)
	// resume gives the call back to the suspended flow, and shows it there again.
	resume := func(s *flowrun.Suspended, in ivrflows.Input) (flowrun.Outcome, error) {
		ss.showIVR()
		return cfg.Flows.Resume(ctx, s, in)
	}
	for err == nil && o.Kind != flowrun.Ended {
		switch o.Kind {
		case flowrun.HandOffQueue:
			res := ss.flowQueue(ctx, o.Queue, true) // the flow goes on after the agent (survey)
			o, err = resume(o.Suspend, res)
		case flowrun.AgentLeg:
			var in ivrflows.Input = ivrflows.AgentLegEnded{}
			if ctx.Err() != nil {
				in = ivrflows.CallerHangup{}
			}
			o, err = resume(o.Suspend, in)
		case flowrun.HandOffTransfer:
			ok := true
			switch o.Transfer.To {
			case ivrflows.TransferNumber:
				ok = ss.flowTransfer(ctx, o.Transfer)
			case ivrflows.TransferQueue, ivrflows.TransferFlow:
				t := o.Transfer
				after = &t
			case ivrflows.TransferAgent:
				if _, _, found := cfg.Names.AgentQueue(ss.route.Tenant, o.Transfer.Target); found {
					t := o.Transfer
					after = &t
				} else {
					log.Warn("flow transfers to an unknown agent", "target", o.Transfer.Target)
					ok = false
				}
			default:
				ok = false
			}
			o, err = resume(o.Suspend, ivrflows.TransferResult{OK: ok})
		default:
			err = fmt.Errorf("flow hand-off %v not supported", o.Kind)
		}
	}
	if err != nil && ctx.Err() == nil {
		log.Warn("flow failed", "err", err)
	}
	if after != nil && ctx.Err() == nil {
		switch after.To {
		case ivrflows.TransferFlow:
			return after.Target
		case ivrflows.TransferAgent:
			agent, queue, _ := cfg.Names.AgentQueue(ss.route.Tenant, after.Target)
			ss.flowQueueTo(ctx, ivrflows.Queue{Queue: queue}, agent, false)
		default:
			ss.flowQueue(ctx, ivrflows.Queue{Queue: after.Target}, false) // the flow is over: the call ends with the agent
		}
		return ""
	}
	if ss.caller.Disposition == "" {
		if o.Result != ivrflows.OutcomeHangup && (ctx.Err() != nil || o.Result == ivrflows.OutcomeCallerHangup) {
			ss.callerLeft()
		} else {
			ss.caller.Disposition = SelfService
		}
	}
	if ctx.Err() == nil && o.Kind == flowrun.Ended && o.Result != ivrflows.OutcomeTransferred {
		ss.hangup(ctx, orchestrator.CauseNormalClearing)
	}
	return ""
}

// flowQueue hands the call to the ACD as the flow asked and reports whether
// an agent answered. With keepCaller the caller stays when the agent leaves
// (the flow goes on).
func (ss *session) flowQueue(ctx context.Context, q ivrflows.Queue, keepCaller bool) ivrflows.QueueResult {
	return ss.flowQueueTo(ctx, q, "", keepCaller)
}

// flowQueueTo is flowQueue with a preferred agent (a transfer to an agent).
func (ss *session) flowQueueTo(ctx context.Context, q ivrflows.Queue, preferred string, keepCaller bool) ivrflows.QueueResult {
	names := ss.svc.cfg.Names
	queue, ok := names.QueueID(ss.route.Tenant, q.Queue)
	if !ok {
		ss.log.Warn("flow names a queue the tenant does not have", "queue", q.Queue)
		return ivrflows.QueueResult{Reason: "no such queue"}
	}
	in := acd.Interaction{ID: ss.call.Key.ID, Tenant: string(ss.route.Tenant), Queue: queue, Medium: acd.Voice,
		Priority: q.Priority, PreferredAgent: preferred,
		Data: map[string]string{"caller": ss.call.From, "access_number": ss.caller.AccessNumber}}
	for k, v := range q.Data {
		in.Data[k] = v
	}
	for _, s := range q.Skills {
		if id, ok := names.SkillID(ss.route.Tenant, s); ok {
			in.Skills = append(in.Skills, acd.SkillLevel{Skill: id, Level: 1})
		} else {
			ss.log.Warn("flow names a skill the tenant does not have: ignored", "skill", s)
		}
	}
	ss.route.Queue = queue
	ss.caller.Queue = queue
	agent, answered := ss.queueAndConnect(ctx, in, keepCaller)
	return ivrflows.QueueResult{Answered: answered, Agent: agent}
}

// flowTransfer carries out a flow's transfer to an external number; a
// failure sends the flow down its failed exit.
func (ss *session) flowTransfer(ctx context.Context, t ivrflows.Transfer) bool {
	ss.showExternal(t.Target)
	res, err := ss.sw().Bridge(ctx, ss.call.Key, orchestrator.Endpoint{Kind: orchestrator.EndpointGateway, Gateway: ss.svc.cfg.Gateway, Number: t.Target}, ss.svc.cfg.RingTimeout)
	if err != nil || !res.Answered {
		return false
	}
	ss.caller.Disposition = Transferred
	ss.waitCallerEnd(ctx)
	return true
}
