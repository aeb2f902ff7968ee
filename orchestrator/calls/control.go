package calls

import (
	"context"
	"errors"
	"fmt"

	"github.com/switchboard-cc/switchboard/orchestrator"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// Call control from agents' and supervisors' screens (AG-3, OPS-13). Every
// operation names the tenant; a call of another tenant is ErrNoCall, the same
// as a call that does not exist, so nothing leaks across tenants.

// ErrNoCall: no such live call in the tenant.
var ErrNoCall = errors.New("no such live call")

// ErrNotConnected: the call has no agent (yet) for this operation.
var ErrNotConnected = errors.New("the call is not connected to an agent")

// ControlSwitch is the part of the port call control needs beyond Switch.
type ControlSwitch interface {
	orchestrator.HoldMuter
	orchestrator.Eavesdropper
}

// Direction says who placed a call.
type Direction string

const (
	Inbound  Direction = "inbound"  // a caller dialled one of the tenant's numbers
	Outbound Direction = "outbound" // an agent dialled an external number through the gateway
	Internal Direction = "internal" // an agent called another agent of the tenant
)

// callRef is one live call of a tenant as call control acts on it, read
// under Service.mu.
type callRef struct {
	view
	ss   *session         // an inbound call's session (hold, transfer, consult); nil for agent-placed calls
	main orchestrator.Key // the leg whose hang-up ends the call: the caller, or the agent-placed call's agent leg
	from string           // the other party's number, shown on a monitoring supervisor's phone
}

// lookup finds a live call of tenant, inbound or agent-placed.
func (s *Service) lookup(tenant tenancy.TenantID, callID string) (callRef, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ss := s.sessions[callID]; ss != nil && ss.route.Tenant == tenant {
		return callRef{view: ss.view, ss: ss, main: ss.call.Key, from: ss.call.From}, nil
	}
	if d := s.dials[callID]; d != nil && d.tenant == tenant {
		return callRef{view: d.view, main: d.view.agentLeg, from: d.row.Remote}, nil
	}
	return callRef{}, ErrNoCall
}

// inboundCall finds a live inbound call of tenant that has an agent:
// transfer and consultation run on the inbound session.
func (s *Service) inboundCall(tenant tenancy.TenantID, callID string) (callRef, error) {
	c, err := s.lookup(tenant, callID)
	switch {
	case err != nil:
		return callRef{}, err
	case c.ss == nil:
		return callRef{}, ErrNotInbound
	case c.agent == "":
		return callRef{}, ErrNotConnected
	}
	return c, nil
}

// ErrNotInbound: transfers and consultations work on inbound calls only.
var ErrNotInbound = errors.New("transfer and consultation work on inbound calls only, not on calls an agent placed")

// AgentOf returns the call's agent (the agent talking on an inbound call, or
// the agent who placed the call), for "is this my call" checks.
func (s *Service) AgentOf(tenant tenancy.TenantID, callID string) (string, error) {
	c, err := s.lookup(tenant, callID)
	return c.agent, err
}

func (s *Service) control() (ControlSwitch, error) {
	cs, ok := s.cfg.Switch.(ControlSwitch)
	if !ok {
		return nil, orchestrator.ErrUnsupported
	}
	return cs, nil
}

// connected finds a live call of tenant whose agent is talking, and the
// switch's hold/mute/eavesdrop verbs.
func (s *Service) connected(tenant tenancy.TenantID, callID string) (callRef, ControlSwitch, error) {
	c, err := s.lookup(tenant, callID)
	if err != nil {
		return callRef{}, nil, err
	}
	if c.agent == "" || c.answered.IsZero() {
		return callRef{}, nil, ErrNotConnected
	}
	cs, err := s.control()
	return c, cs, err
}

// Hold puts the other party (the caller, or the far end of an agent-placed
// call) on hold or takes it off: that party hears hold music and not the
// agent; unhold restores the conversation.
//
// The switch holds the AGENT's leg, because on FreeSWITCH 1.10 `uuid_hold X`
// (switch_ivr_hold) plays X's hold_music to X's partner, not to X: X's own
// endpoint gets the sendonly re-INVITE (mod_sofia, INDICATE_HOLD), the bridge
// stops carrying audio both ways, and the partner (X's signal_bond) gets the
// music as a broadcast. Holding the caller's leg would play the music to the
// agent and re-INVITE the caller's gateway (capture 09: uuid_hold on U1 gave
// CHANNEL_HOLD on U1 and the music on U2).
//
// An inbound call's hold is carried out by its session, in order with
// consultations; during a consultation the caller already hears music and
// Hold fails with ErrConsulting.
func (s *Service) Hold(ctx context.Context, tenant tenancy.TenantID, callID string, on bool) error {
	c, cs, err := s.connected(tenant, callID)
	if err != nil {
		return err
	}
	if c.ss != nil {
		err = s.request(ctx, tenant, callID, controlMsg{hold: &on})
	} else {
		err = holdLeg(ctx, cs, c.agentLeg, on)
	}
	if err == nil {
		s.markLeg(tenant, callID, c.agentLeg, func(v *view) { v.held = on })
		if missing, _ := s.musicMissing(c.agentLeg.Node); on && missing {
			s.warnFallback(s.cfg.Log.With("call", callID, "tenant", string(tenant)), c.agentLeg.Node, "held")
		}
	}
	return err
}

// ErrConsulting: the agent is consulting someone; the caller hears hold
// music until the consultation completes or is cancelled.
var ErrConsulting = fmt.Errorf("%w: the agent is consulting, the caller hears hold music until the consultation ends", ErrNotConnected)

// holdLeg holds or unholds an agent's leg: its partner hears the music.
func holdLeg(ctx context.Context, hm orchestrator.HoldMuter, agentLeg orchestrator.Key, on bool) error {
	if on {
		return hm.Hold(ctx, agentLeg)
	}
	return hm.Unhold(ctx, agentLeg)
}

// Mute mutes or unmutes the agent's microphone toward the caller.
func (s *Service) Mute(ctx context.Context, tenant tenancy.TenantID, callID string, on bool) error {
	c, cs, err := s.connected(tenant, callID)
	if err != nil {
		return err
	}
	if on {
		err = cs.Mute(ctx, c.agentLeg)
	} else {
		err = cs.Unmute(ctx, c.agentLeg)
	}
	if err == nil {
		s.markLeg(tenant, callID, c.agentLeg, func(v *view) { v.muted = on })
	}
	return err
}

// Release hangs up the whole call (agent hang-up or supervisor force
// release). An agent-placed call is its agent leg: the far end goes with it
// (the bridge ends); an inbound call loses its agent leg, if it has one,
// then its caller (a caller in an IVR flow, a queue or bridged to an outside
// number: hanging up the caller's leg ends the call).
func (s *Service) Release(ctx context.Context, tenant tenancy.TenantID, callID string) error {
	c, err := s.lookup(tenant, callID)
	if err != nil {
		return err
	}
	if c.ss != nil {
		c.ss.releasing.Store(true)
	}
	if !c.agentLeg.IsZero() && c.agentLeg != c.main {
		_ = s.cfg.Switch.Hangup(ctx, c.agentLeg, orchestrator.CauseNormalClearing)
	}
	return s.cfg.Switch.Hangup(ctx, c.main, orchestrator.CauseNormalClearing)
}

// TransferTo names where a blind transfer goes.
type TransferTo struct {
	// Kind is "number" (external, through the gateway), "dialplan" (an
	// extension of the switch's dialplan, e.g. an IVR entry), "queue" (a
	// queue of the tenant, by ID or name) or "agent" (the same queue with
	// that agent preferred).
	Kind   string
	Target string
}

// Transfer sends the caller elsewhere and releases the agent (AG-3).
func (s *Service) Transfer(ctx context.Context, tenant tenancy.TenantID, callID string, to TransferTo) error {
	c, err := s.inboundCall(tenant, callID)
	if err != nil {
		return err
	}
	if to.Target == "" {
		return fmt.Errorf("transfer target is empty")
	}
	switch to.Kind {
	case "queue":
		id, ok := s.namesQueue(tenant, to.Target)
		if !ok {
			return fmt.Errorf("%w: no such queue", ErrBadTarget)
		}
		to.Target = id
	case "agent":
		if _, ok := s.cfg.Agents.Endpoint(tenant, to.Target); !ok {
			return fmt.Errorf("%w: no such agent", ErrBadTarget)
		}
	case "number":
		if err := s.checkGateways(c.ss.call.Key.Node, s.gatewayTo(to.Target)); err != nil {
			return err
		}
	}
	select {
	case c.ss.control <- controlMsg{transfer: &to}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Monitor rings the supervisor's phone and, once answered, joins it to the
// call in mode (listen, whisper or barge; OPS-13). It returns when the
// supervisor answered and the eavesdrop started.
func (s *Service) Monitor(ctx context.Context, tenant tenancy.TenantID, callID, supervisorAgent string, mode orchestrator.EavesdropMode) (orchestrator.Key, error) {
	c, cs, err := s.connected(tenant, callID)
	if err != nil {
		return orchestrator.Key{}, err
	}
	ep, ok := s.cfg.Agents.Endpoint(tenant, supervisorAgent)
	if !ok {
		return orchestrator.Key{}, fmt.Errorf("supervisor %s has no phone in this tenant", supervisorAgent)
	}
	if !ep.Registered {
		return orchestrator.Key{}, fmt.Errorf("supervisor %s: %w", supervisorAgent, orchestrator.ErrNotRegistered)
	}
	spec := orchestrator.OriginateSpec{ID: orchestrator.NewCallID(), Node: c.main.Node, To: ep.Endpoint, Timeout: s.cfg.RingTimeout,
		Vars: map[string]string{"sb_tenant": string(tenant), "sb_monitor_of": callID}}
	spec.CallerID.Number, spec.CallerID.Name = c.from, "Monitor "+c.from
	leg, events, err := s.cfg.Switch.Originate(ctx, spec)
	if err != nil {
		return orchestrator.Key{}, fmt.Errorf("ring supervisor: %w", err)
	}
	go drain(events) // the supervisor leg's events are not needed; its stream ends at hangup
	if err := cs.Eavesdrop(ctx, leg, c.agentLeg, mode); err != nil {
		_ = s.cfg.Switch.Hangup(context.WithoutCancel(ctx), leg, orchestrator.CauseNormalClearing)
		return orchestrator.Key{}, err
	}
	return leg, nil
}

func drain(events <-chan orchestrator.Event) {
	for range events {
	}
}

// controlMsg is a call-control request carried out by the call's own
// goroutine, because it changes what the session does next. Requests other
// than transfer are answered on reply.
type controlMsg struct {
	transfer *TransferTo
	hold     *bool       // hold (true) or unhold the agent's leg
	consult  *TransferTo // "agent" or "number"
	complete bool
	cancel   bool
	reply    chan error
	err      error
}

// ErrNoConsult: complete or cancel without a consultation in progress.
var ErrNoConsult = errors.New("no consultation in progress")

// Consult starts an attended transfer: the caller is held, the target
// (another agent or a number) rings, and once it answers the agent talks to
// it. Complete then joins the caller with the target and releases the agent;
// Cancel returns the agent to the caller.
func (s *Service) Consult(ctx context.Context, tenant tenancy.TenantID, callID string, to TransferTo) error {
	if to.Kind != "agent" && to.Kind != "number" {
		return fmt.Errorf("%w: consult an agent or a number", ErrBadTarget)
	}
	if to.Kind == "agent" {
		if _, ok := s.cfg.Agents.Endpoint(tenant, to.Target); !ok {
			return fmt.Errorf("%w: no such agent", ErrBadTarget)
		}
	}
	if to.Kind == "number" { // refused before the caller is put on hold
		c, err := s.inboundCall(tenant, callID)
		if err != nil {
			return err
		}
		if err := s.checkGateways(c.ss.call.Key.Node, s.gatewayTo(to.Target)); err != nil {
			return err
		}
	}
	return s.request(ctx, tenant, callID, controlMsg{consult: &to})
}

// gatewayTo is number reached through the configured gateway.
func (s *Service) gatewayTo(number string) orchestrator.Endpoint {
	return orchestrator.Endpoint{Kind: orchestrator.EndpointGateway, Gateway: s.cfg.Gateway, Number: number}
}

// CompleteConsult joins the caller with the consulted party.
func (s *Service) CompleteConsult(ctx context.Context, tenant tenancy.TenantID, callID string) error {
	return s.request(ctx, tenant, callID, controlMsg{complete: true})
}

// CancelConsult ends the consultation and returns the agent to the caller.
func (s *Service) CancelConsult(ctx context.Context, tenant tenancy.TenantID, callID string) error {
	return s.request(ctx, tenant, callID, controlMsg{cancel: true})
}

func (s *Service) request(ctx context.Context, tenant tenancy.TenantID, callID string, m controlMsg) error {
	c, err := s.inboundCall(tenant, callID)
	if err != nil {
		return err
	}
	m.reply = make(chan error, 1)
	select {
	case c.ss.control <- m:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-m.reply:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *Service) namesQueue(tenant tenancy.TenantID, nameOrID string) (string, bool) {
	if s.cfg.Names == nil {
		return "", false
	}
	return s.cfg.Names.QueueID(tenant, nameOrID)
}
