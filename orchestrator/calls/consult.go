package calls

import (
	"context"
	"fmt"

	"github.com/switchboard-cc/switchboard/orchestrator"
)

// consultLeg is the party an agent consults during an attended transfer.
type consultLeg struct {
	leg    orchestrator.Key
	agent  string // when the target is an agent
	number string // when the target is an outside number
	cdr    *CDR
	ended  <-chan orchestrator.Event
}

// startConsult plays hold music to the caller, rings the target and, once
// it answers, connects the agent to it.
//
// The caller's music is played to the caller's own leg (Player), not made
// with the switch's hold: on FreeSWITCH, holding the caller's leg plays the
// music to the caller's partner (the agent: switch_ivr_hold broadcasts the
// held leg's hold_music to its signal_bond), and once the agent's leg is
// bridged to the consulted party the caller's signal_bond still names the
// agent's leg (switch_ivr_uuid_bridge does not clear it), so the music would
// reach the agent in the middle of the consultation. A playback on the caller
// reaches the caller alone; while the caller is still bridged to the agent
// FreeSWITCH runs it inline and suspends that bridge, so neither hears the
// other.
func (ss *session) startConsult(ctx context.Context, r *ringResult, cur *consultLeg, to TransferTo) (*consultLeg, error) {
	if cur != nil {
		return cur, fmt.Errorf("%w: a consultation is already in progress", ErrConsulting)
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
		ep, c.number = orchestrator.Endpoint{Kind: orchestrator.EndpointGateway, Gateway: ss.svc.cfg.Gateway, Number: to.Target}, to.Target
	}
	ss.startHold(ctx)
	// A held agent leg must be taken off hold first: its phone would stay
	// sendonly, and FreeSWITCH hangs up the partner of a held leg that
	// leaves a bridge (the caller, when the agent's leg moves to the target).
	if err := ss.holdAgent(ctx, r, false); err != nil {
		ss.stopHold(ctx)
		return nil, fmt.Errorf("take the agent off hold: %w", err)
	}
	spec := orchestrator.OriginateSpec{ID: orchestrator.NewCallID(), Node: ss.call.Key.Node, To: ep, Timeout: ss.svc.cfg.RingTimeout,
		Vars: map[string]string{"sb_tenant": string(ss.route.Tenant), "sb_consult_of": ss.call.Key.ID, "park_after_bridge": "true"}}
	spec = ss.svc.withHoldMusic(spec)
	spec.CallerID.Number, spec.CallerID.Name = ss.call.From, "Consult "+ss.call.From
	now := ss.now()
	c.cdr = &CDR{Tenant: ss.route.Tenant, Node: ss.call.Key.Node, CallID: spec.ID, Leg: "consult", Caller: ss.call.From,
		AccessNumber: ss.caller.AccessNumber, Queue: ss.route.Queue, Agent: c.agent, Arrived: now, Offered: now}
	ss.legs = append(ss.legs, c.cdr)
	leg, events, err := ss.sw().Originate(ctx, spec)
	if err != nil {
		c.cdr.Ended, c.cdr.HangupCause, c.cdr.Disposition = ss.now(), causeOf(err), Failed
		ss.stopHold(ctx) // the caller and the agent hear each other again
		return nil, fmt.Errorf("the consulted party did not answer: %w", err)
	}
	c.leg, c.cdr.Answered = leg, ss.now()
	ended := make(chan orchestrator.Event, 1)
	go watchLeg(events, ended)
	c.ended = ended
	if err := ss.sw().BridgeCalls(ctx, r.leg, leg); err != nil {
		ss.hangupLeg(ctx, leg, orchestrator.CauseNormalClearing)
		ss.stopHold(ctx)
		return nil, fmt.Errorf("connect the agent to the consulted party: %w", err)
	}
	ss.log.Info("consulting", "target", to.Target, "kind", to.Kind)
	return c, nil
}

// completeConsult hands the caller to the consulted party and releases the
// agent; the call goes on with the consulted party as its agent leg.
func (ss *session) completeConsult(ctx context.Context, r *ringResult, c *consultLeg, release func()) error {
	ss.stopHold(ctx)
	if err := ss.sw().BridgeCalls(ctx, ss.call.Key, c.leg); err != nil {
		return fmt.Errorf("join the caller with the consulted party: %w", err)
	}
	ss.hangupLeg(ctx, r.leg, orchestrator.CauseNormalClearing)
	ss.agentLeg.HangupCause, ss.agentLeg.Ended, ss.agentLeg.Disposition = orchestrator.CauseNormalClearing, ss.now(), Transferred
	release() // the first agent's work is over (after-call work)
	r.leg, r.ended = c.leg, c.ended
	ss.agentLeg = c.cdr
	v := view{state: StateTalking, queue: ss.route.Queue, agent: c.agent, agentLeg: c.leg, answered: c.cdr.Answered}
	if c.agent == "" {
		v.state, v.external = StateExternal, c.number // the caller talks to the outside number
	}
	ss.setView(v)
	ss.log.Info("attended transfer completed", "to_agent", c.agent)
	return nil
}

// cancelConsult drops the consulted party and returns the agent to the caller.
func (ss *session) cancelConsult(ctx context.Context, r *ringResult, c *consultLeg) error {
	if c.ended != nil {
		ss.hangupLeg(ctx, c.leg, orchestrator.CauseNormalClearing)
	}
	c.cdr.Ended, c.cdr.HangupCause = ss.now(), orchestrator.CauseNormalClearing
	ss.stopHold(ctx)
	return ss.sw().BridgeCalls(ctx, ss.call.Key, r.leg)
}

// holdAgent holds or unholds the agent's leg for Service.Hold: the caller,
// its partner, hears the music. The session remembers the state so a
// consultation can take the agent off hold first.
func (ss *session) holdAgent(ctx context.Context, r *ringResult, on bool) error {
	if on == ss.held {
		return nil
	}
	hm, ok := ss.sw().(orchestrator.HoldMuter)
	if !ok {
		return orchestrator.ErrUnsupported
	}
	if err := holdLeg(ctx, hm, r.leg, on); err != nil {
		return err
	}
	ss.held = on
	return nil
}
