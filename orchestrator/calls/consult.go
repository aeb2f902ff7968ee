package calls

import (
	"context"
	"errors"
	"fmt"

	"github.com/switchboard-cc/switchboard/orchestrator"
)

// consultLeg is the party an agent consults during an attended transfer.
type consultLeg struct {
	leg   orchestrator.Key
	agent string // when the target is an agent
	cdr   *CDR
	ended <-chan orchestrator.HangupCause
}

// startConsult holds the caller, rings the target and, once it answers,
// connects the agent to it.
func (ss *session) startConsult(ctx context.Context, r *ringResult, cur *consultLeg, to TransferTo) (*consultLeg, error) {
	if cur != nil {
		return cur, errors.New("a consultation is already in progress")
	}
	hm, ok := ss.sw().(orchestrator.HoldMuter)
	if !ok {
		return nil, orchestrator.ErrUnsupported
	}
	var ep orchestrator.Endpoint
	c := &consultLeg{}
	switch to.Kind {
	case "agent":
		a, ok := ss.svc.cfg.Agents.Endpoint(ss.route.Tenant, to.Target)
		if !ok || !a.Registered {
			return nil, ErrAgentNoPhone
		}
		ep, c.agent = a.Endpoint, to.Target
	default:
		ep = orchestrator.Endpoint{Kind: orchestrator.EndpointGateway, Gateway: ss.svc.cfg.Gateway, Number: to.Target}
	}
	if err := hm.Hold(ctx, ss.call.Key); err != nil {
		return nil, fmt.Errorf("hold the caller: %w", err)
	}
	spec := orchestrator.OriginateSpec{ID: orchestrator.NewCallID(), Node: ss.call.Key.Node, To: ep, Timeout: ss.svc.cfg.RingTimeout,
		Vars: map[string]string{"sb_tenant": string(ss.route.Tenant), "sb_consult_of": ss.call.Key.ID, "park_after_bridge": "true"}}
	spec.CallerID.Number, spec.CallerID.Name = ss.call.From, "Consult "+ss.call.From
	now := ss.now()
	c.cdr = &CDR{Tenant: ss.route.Tenant, Node: ss.call.Key.Node, CallID: spec.ID, Leg: "consult", Caller: ss.call.From,
		AccessNumber: ss.caller.AccessNumber, Queue: ss.route.Queue, Agent: c.agent, Arrived: now, Offered: now}
	ss.legs = append(ss.legs, c.cdr)
	leg, events, err := ss.sw().Originate(ctx, spec)
	if err != nil {
		c.cdr.Ended, c.cdr.HangupCause, c.cdr.Disposition = ss.now(), causeOf(err), Failed
		_ = hm.Unhold(ctx, ss.call.Key)
		return nil, fmt.Errorf("the consulted party did not answer: %w", err)
	}
	c.leg, c.cdr.Answered = leg, ss.now()
	ended := make(chan orchestrator.HangupCause, 1)
	go watchLeg(events, ended)
	c.ended = ended
	if err := ss.sw().BridgeCalls(ctx, r.leg, leg); err != nil {
		ss.hangupLeg(ctx, leg, orchestrator.CauseNormalClearing)
		_ = hm.Unhold(ctx, ss.call.Key)
		return nil, fmt.Errorf("connect the agent to the consulted party: %w", err)
	}
	ss.log.Info("consulting", "target", to.Target, "kind", to.Kind)
	return c, nil
}

// completeConsult hands the caller to the consulted party and releases the
// agent; the call goes on with the consulted party as its agent leg.
func (ss *session) completeConsult(ctx context.Context, r *ringResult, c *consultLeg, release func()) error {
	if hm, ok := ss.sw().(orchestrator.HoldMuter); ok {
		_ = hm.Unhold(ctx, ss.call.Key)
	}
	if err := ss.sw().BridgeCalls(ctx, ss.call.Key, c.leg); err != nil {
		return fmt.Errorf("join the caller with the consulted party: %w", err)
	}
	ss.hangupLeg(ctx, r.leg, orchestrator.CauseNormalClearing)
	ss.agentLeg.HangupCause, ss.agentLeg.Ended, ss.agentLeg.Disposition = orchestrator.CauseNormalClearing, ss.now(), Transferred
	release() // the first agent's work is over (after-call work)
	r.leg, r.ended = c.leg, c.ended
	ss.agentLeg = c.cdr
	ss.setView(view{queue: ss.route.Queue, agent: c.agent, agentLeg: c.leg, answered: c.cdr.Answered})
	ss.log.Info("attended transfer completed", "to_agent", c.agent)
	return nil
}

// cancelConsult drops the consulted party and returns the agent to the caller.
func (ss *session) cancelConsult(ctx context.Context, r *ringResult, c *consultLeg) error {
	if c.ended != nil {
		ss.hangupLeg(ctx, c.leg, orchestrator.CauseNormalClearing)
	}
	c.cdr.Ended, c.cdr.HangupCause = ss.now(), orchestrator.CauseNormalClearing
	if hm, ok := ss.sw().(orchestrator.HoldMuter); ok {
		_ = hm.Unhold(ctx, ss.call.Key)
	}
	return ss.sw().BridgeCalls(ctx, ss.call.Key, r.leg)
}
