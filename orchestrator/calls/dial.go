package calls

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/switchboard-cc/switchboard/orchestrator"
	"github.com/switchboard-cc/switchboard/orchestrator/admission"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// Agent-initiated calls (AG-2 dial out, internal calls): the agent's phone
// rings first; once the agent answers, the far end is dialled from that leg
// — an external number through the gateway with the tenant's caller ID, or
// another agent's phone. The ACD counts it as the agent's outbound work.
// From Dial until it ends the call is in the tenant's live-call list, and
// call control (hang up, hold, mute, monitor) works on it by its ID.

// DialTarget is who the agent calls: Number (external) or Agent (internal).
type DialTarget struct {
	Number string
	Agent  string
}

// TenantLines gives what outbound calls of a tenant need.
type TenantLines interface {
	// Lines returns the tenant's status, quotas and the caller ID its
	// outbound calls present (e.g. its main access number).
	Lines(tenant tenancy.TenantID) (status tenancy.Status, quotas tenancy.Quotas, callerID string, ok bool)
}

// Errors of Dial safe to show.
var (
	ErrBadTarget     = errors.New("dial target: give a number or an agent, not both")
	ErrAgentNoPhone  = errors.New("the agent's phone is not registered")
	ErrTenantBlocked = errors.New("the tenant may not place calls now")
	// ErrGatewayMissing: the node that would place the call has no gateway
	// of that name, as its adapter last learned; nothing was dialled.
	// Errors wrapping it are *GatewayMissingError.
	ErrGatewayMissing = errors.New("gateway missing")
)

// GatewayMissingError names the gateway a call needs and the node that
// lacks it.
type GatewayMissingError struct{ Gateway, Node string }

func (e *GatewayMissingError) Error() string {
	return fmt.Sprintf("node %s has no gateway %q, so it cannot call outside numbers: add the gateway to the node "+
		"(a sofia profile's gateways, docs/freeswitch-setup.md) and the node reports it within seconds", e.Node, e.Gateway)
}

func (e *GatewayMissingError) Unwrap() error { return ErrGatewayMissing }

// OutsideGateway is the gateway calls to outside numbers go through.
func (s *Service) OutsideGateway() string { return s.cfg.Gateway }

// checkGateways refuses a call whose endpoints go through a gateway node is
// known to lack (the switch would ring the agent, then fail the far end
// within 0.1 s). A gateway not known either way passes: a failure at dial
// time still plays the reorder tone.
func (s *Service) checkGateways(node string, eps ...orchestrator.Endpoint) error {
	if s.cfg.Health == nil {
		return nil
	}
	h := s.cfg.Health.NodeHealth(node)
	for _, ep := range eps {
		if ep.Kind == orchestrator.EndpointGateway && h.Gateway(ep.Gateway) == orchestrator.Missing {
			return &GatewayMissingError{Gateway: ep.Gateway, Node: node}
		}
	}
	return nil
}

// Dial starts a call from agent to target and returns its ID at once; the
// call runs on its own goroutine until either side hangs up.
func (s *Service) Dial(ctx context.Context, tenant tenancy.TenantID, agent string, to DialTarget) (string, error) {
	if (to.Number == "") == (to.Agent == "") {
		return "", ErrBadTarget
	}
	lines := s.cfg.Lines
	if lines == nil {
		return "", orchestrator.ErrUnsupported
	}
	status, quotas, callerID, ok := lines.Lines(tenant)
	if !ok || status != tenancy.StatusActive {
		return "", ErrTenantBlocked
	}
	me, ok := s.cfg.Agents.Endpoint(tenant, agent)
	if !ok || !me.Registered || me.Node == "" {
		return "", ErrAgentNoPhone
	}
	node := me.Node
	var far orchestrator.Endpoint
	// dialled is what the agent's phone shows and the CDR keeps: the number,
	// or the called agent's extension (never an internal ID); display adds
	// the called agent's name.
	dialled, display := to.Number, to.Number
	row := CallView{Node: me.Node, Caller: me.Extension, Number: to.Number, Agent: agent, Direction: Outbound, Remote: to.Number}
	if to.Agent != "" {
		ep, ok := s.cfg.Agents.Endpoint(tenant, to.Agent)
		if !ok {
			return "", fmt.Errorf("%w: no such agent", ErrBadTarget)
		}
		if !ep.Registered {
			return "", ErrAgentNoPhone
		}
		far = ep.Endpoint
		callerID = me.Extension
		row.Direction, row.Number, row.Remote, row.RemoteAgent = Internal, ep.Extension, ep.Extension, to.Agent
		dialled, display = ep.Extension, ep.Extension
		if ep.Name != "" {
			display = ep.Name + " " + ep.Extension
		}
	} else {
		far = orchestrator.Endpoint{Kind: orchestrator.EndpointGateway, Gateway: s.cfg.Gateway, Number: to.Number}
	}
	// An agent in phone mode is reached through the gateway too.
	if err := s.checkGateways(node, me.Endpoint, far); err != nil {
		s.cfg.Log.Info("dial-out refused before ringing the agent", "tenant", string(tenant), "agent", agent, "err", err)
		return "", err
	}
	id := orchestrator.NewCallID()
	var release admission.Release = func() {}
	if to.Number != "" { // external calls take one of the tenant's PSTN lines (MT-2)
		r, err := s.cfg.Admission.Admit(tenant, tenancy.ResourcePSTNCalls, admission.Holder{Node: node, ID: id}, quotas.MaxPSTNCalls)
		if err != nil {
			s.refusedQuota.Add(1)
			return "", err
		}
		release = r
	}
	if err := s.cfg.Queuer.Dial(ctx, tenant, agent, id); err != nil {
		release()
		return "", err
	}
	d := &dialing{svc: s, tenant: tenant, agent: agent, node: node, id: id, me: me, far: far, callerID: callerID, inACD: true,
		display: display,
		cdr: CDR{Tenant: tenant, Node: node, CallID: id, Leg: "outbound", Caller: me.Extension, Agent: agent,
			AccessNumber: dialled, Arrived: s.cfg.Now()}}
	row.CallID, row.Arrived = id, d.cdr.Arrived
	d.row, d.view = row, view{agent: agent, agentLeg: orchestrator.Key{Node: node, ID: id}}
	s.addDial(d)
	go func() {
		defer release()
		d.run(context.WithoutCancel(ctx))
	}()
	return id, nil
}

// dialing is one agent-initiated call; only its goroutine touches it,
// except view (guarded by Service.mu) and row (set before it is
// listed, read-only after).
type dialing struct {
	svc               *Service
	tenant            tenancy.TenantID
	agent, node, id   string
	me                AgentEndpoint
	far               orchestrator.Endpoint
	callerID          string
	display           string // what the agent's phone shows as the other party while it rings
	cdr               CDR
	agentLeg          orchestrator.Key
	agentEvents       <-chan orchestrator.Event
	answered, bridged bool
	cause             orchestrator.HangupCause
	// inACD: the ACD counts the call as the agent's outbound work, so it is
	// finished there at the end. fromPhone: the calling leg is the phone's
	// own call (phone.go), not a leg the controller originated.
	inACD, fromPhone bool

	row  CallView // its line in the live-call list, without state
	view view     // agent, agent leg, answer time; Hold holds the agent leg, so the far end hears the music

	shown CallView // the line last published to live-call subscribers (guarded by Service.mu)
}

func (s *Service) addDial(d *dialing) {
	s.mu.Lock()
	s.dials[d.id] = d
	s.publishLocked(d.tenant, LiveAppeared, d.rowLocked(), &d.shown)
	s.mu.Unlock()
}

func (s *Service) removeDial(d *dialing) {
	s.mu.Lock()
	delete(s.dials, d.id)
	s.publishLocked(d.tenant, LiveEnded, d.rowLocked(), &d.shown)
	s.mu.Unlock()
}

// rowLocked is the call's line in the live-call list; Service.mu is held.
func (d *dialing) rowLocked() CallView {
	v := d.row
	v.State, v.Answered = StateRinging, d.view.answered
	v.Held, v.Muted = d.view.held, d.view.muted
	if !v.Answered.IsZero() {
		v.State = StateTalking
	}
	return v
}

func (d *dialing) run(ctx context.Context) {
	s := d.svc
	log := d.logger()
	defer d.finish(ctx, log)
	spec := s.withHoldMusic(orchestrator.OriginateSpec{ID: d.id, Node: d.node, To: d.me.Endpoint, Timeout: s.cfg.RingTimeout,
		Vars: map[string]string{"sb_tenant": string(d.tenant), "sb_agent": d.agent, "sb_outbound": "true"}})
	spec.CallerID.Name, spec.CallerID.Number = "Dialing "+d.display, d.cdr.AccessNumber
	leg, events, err := s.cfg.Switch.Originate(ctx, spec)
	if err != nil {
		d.cause = causeOf(err)
		log.Info("agent did not pick up an outbound call", "err", err)
		return
	}
	d.agentLeg, d.agentEvents = leg, events
	d.cdr.Offered = s.cfg.Now()
	d.connect(ctx, log)
}

func (d *dialing) logger() *slog.Logger {
	return d.svc.cfg.Log.With("call", d.node+"/"+d.id, "tenant", string(d.tenant), "agent", d.agent, "dial", d.cdr.AccessNumber)
}

// finish ends the call's accounting: the ACD's outbound work, the live
// list, and the CDR.
func (d *dialing) finish(ctx context.Context, log *slog.Logger) {
	s := d.svc
	s.removeDial(d)
	if d.inACD {
		if err := s.cfg.Queuer.Finish(ctx, d.tenant, d.id); err != nil {
			log.Warn("ACD finish of an outbound call failed", "err", err)
		}
	}
	d.cdr.Ended = s.cfg.Now()
	d.cdr.HangupCause = d.cause
	switch {
	case d.bridged:
		d.cdr.Disposition = Answered
	default:
		d.cdr.Disposition = Failed
	}
	log.Info("call record", "leg", d.cdr.Leg, "disposition", string(d.cdr.Disposition), "cause", string(d.cause))
	s.writeCDR(ctx, d.cdr, log)
}

// writeCDR stores a record; without a Records port it is only logged.
func (s *Service) writeCDR(ctx context.Context, cdr CDR, log *slog.Logger) {
	if s.cfg.Records == nil {
		return
	}
	if err := s.cfg.Records.WriteCDR(ctx, cdr); err != nil {
		log.Warn("CDR not stored", "err", err)
	}
}

// connect presents the caller ID on the calling leg, bridges it to the far
// end and waits for the end of the call. A failed bridge clears the calling
// leg: an agent leg that answered with NORMAL_CLEARING, a phone's call that
// is still ringing with the failure's cause, so the phone shows why.
func (d *dialing) connect(ctx context.Context, log *slog.Logger) {
	s := d.svc
	leg := d.agentLeg
	if cd, ok := s.cfg.Switch.(orchestrator.CallData); ok && d.callerID != "" {
		_ = cd.SetVar(ctx, leg, "effective_caller_id_number", d.callerID)
		_ = cd.SetVar(ctx, leg, "effective_caller_id_name", d.callerID)
	}
	res, err := s.cfg.Switch.Bridge(ctx, leg, d.far, s.cfg.RingTimeout)
	if err != nil || !res.Answered {
		d.cause = res.Cause
		if d.cause == "" {
			d.cause = causeOf(err)
		}
		log.Info("outbound call not answered", "cause", string(d.cause), "err", err)
		clear := orchestrator.CauseNormalClearing
		if d.fromPhone && d.cause != "" {
			clear = d.cause
		}
		if !d.fromPhone {
			// The agent picked up and waits: say the call failed the way
			// phones do, rather than hang up without a sound (a missing
			// gateway ends the attempt within 0.1 s).
			if d.cause == orchestrator.CauseInvalidGateway {
				log.Warn("outbound call failed: the node has no such gateway", "gateway", s.cfg.Gateway)
			}
			tctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			_ = s.cfg.Switch.Play(tctx, leg, orchestrator.Playback{Tone: failureTone(d.cause)})
			cancel()
		}
		_ = s.cfg.Switch.Hangup(ctx, leg, clear)
		drainFor(d.agentEvents, 5*time.Second)
		return
	}
	d.bridged = true
	d.cdr.Answered = s.cfg.Now()
	s.mu.Lock()
	d.view.answered = d.cdr.Answered
	d.changedLocked()
	s.mu.Unlock()
	d.cause = d.waitEnd(ctx)
}

// failureTone is what an agent hears when the far end of a call they
// placed cannot be reached: busy for a busy party, reorder for everything
// else, the tones every phone user recognises.
func failureTone(cause orchestrator.HangupCause) orchestrator.Tone {
	if cause == orchestrator.CauseUserBusy {
		return orchestrator.ToneBusy
	}
	return orchestrator.ToneReorder
}

// waitEnd waits until the bridge ends or the agent hangs up, then clears the
// agent leg (the adapter keeps a leg up after its bridge ends).
func (d *dialing) waitEnd(ctx context.Context) orchestrator.HangupCause {
	for ev := range d.agentEvents {
		switch ev.Kind {
		case orchestrator.EventUnbridged:
			_ = d.svc.cfg.Switch.Hangup(ctx, d.agentLeg, orchestrator.CauseNormalClearing)
			return orchestrator.CauseNormalClearing
		case orchestrator.EventHangup, orchestrator.EventEnded:
			return ev.Cause
		}
	}
	return ""
}

// drainFor reads a leg's stream until it closes or d passes.
func drainFor(events <-chan orchestrator.Event, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	for {
		select {
		case _, ok := <-events:
			if !ok {
				return
			}
		case <-t.C:
			go drain(events) // the adapter closes it when the leg ends
			return
		}
	}
}
