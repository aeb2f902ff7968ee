package calls

import (
	"context"
	"log/slog"

	"github.com/switchboard-cc/switchboard/orchestrator"
	"github.com/switchboard-cc/switchboard/orchestrator/admission"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// Calls agents place from their registered phones. The phones' dialplan
// context is the controller's (xmlcurl.PhoneContext): FreeSWITCH hands such a
// call to the outbound socket with the tenant and the extension the phone
// authenticated as. Here the controller decides, within that tenant only:
//
//	another agent's extension  -> internal call to that phone (no PSTN line)
//	an outside number          -> through the gateway with the tenant's caller
//	                              ID, holding one of its PSTN lines (MT-2)
//	anything else              -> refused with a cause and a CDR
//
// Allowed calls then run as the agent-placed calls of dial.go, with the
// phone's own call as the calling leg: same live-call list, call control,
// ACD accounting and CDR.

// Channel variables of a phone's call, set by the served dialplan
// (xmlcurl.VarOrigin, xmlcurl.VarPhoneUser, xmlcurl.VarTenant).
const (
	varOrigin    = "sb_origin"
	originPhone  = "phone"
	varPhoneUser = "sb_phone_user"
	varTenant    = "sb_tenant"
)

// PhoneDirectory says what a phone's dialled string means in its tenant.
type PhoneDirectory interface {
	// AgentByExtension finds the tenant's agent whose phone is extension.
	AgentByExtension(tenant tenancy.TenantID, extension string) (agentID string, ok bool)
	// OutsideNumber reports whether dialled is a number outside the platform
	// (dialplan.NumberFormat.Outside) and how the gateway is sent it.
	OutsideNumber(dialled string) (number string, ok bool)
}

// RefusedBarred: the caller may not dial that (SIP 403).
const RefusedBarred Disposition = "refused_not_allowed"

// phoneRefusal is why a phone's call is not placed.
type phoneRefusal struct {
	cause       orchestrator.HangupCause
	disposition Disposition
	reason      string
}

func isPhoneCall(call orchestrator.InboundCall) bool { return call.Vars[varOrigin] == originPhone }

// handlePhoneCall runs a call a phone placed, on the adapter's goroutine,
// until it ends.
func (s *Service) handlePhoneCall(ctx context.Context, call orchestrator.InboundCall) {
	tenant, ext := tenancy.TenantID(call.Vars[varTenant]), call.Vars[varPhoneUser]
	log := s.cfg.Log.With("call", call.Key.String(), "tenant", string(tenant), "phone", ext, "dialled", call.To)
	// The record outlives the call: stores and the ACD get a context that
	// the hangup does not cancel.
	keep := context.WithoutCancel(ctx)
	if s.cfg.FeatureCodes != nil && tenancy.LooksLikeFeatureCode(call.To) {
		s.handleFeatureCode(ctx, call, tenant, ext, log)
		return
	}
	d, release, ref := s.placePhoneCall(tenant, ext, call)
	if ref != nil {
		s.refusePhoneCall(ctx, call, tenant, ext, ref, log)
		return
	}
	defer release()
	log = log.With("agent", d.agent)
	if err := s.cfg.Queuer.Dial(ctx, tenant, d.agent, d.id); err != nil {
		log.Debug("phone call not counted as the agent's ACD work", "err", err) // e.g. the agent is logged out
	} else {
		d.inACD = true
	}
	s.addDial(d)
	defer d.finish(keep, log)
	log.Info("phone call placed", "direction", string(d.row.Direction))
	d.connect(ctx, log)
}

// placePhoneCall decides what a phone's call is and, for an allowed one,
// returns it ready to connect with the PSTN line it holds.
func (s *Service) placePhoneCall(tenant tenancy.TenantID, ext string, call orchestrator.InboundCall) (*dialing, admission.Release, *phoneRefusal) {
	barred := func(reason string) *phoneRefusal {
		return &phoneRefusal{cause: orchestrator.CauseOutgoingCallBarred, disposition: RefusedBarred, reason: reason}
	}
	dir := s.cfg.Phones
	if dir == nil || s.cfg.Lines == nil {
		return nil, nil, barred("phone calls are not configured on this controller")
	}
	status, quotas, callerID, ok := s.cfg.Lines.Lines(tenant)
	switch {
	case !ok:
		return nil, nil, barred("unknown tenant")
	case status != tenancy.StatusActive:
		return nil, nil, &phoneRefusal{cause: orchestrator.CauseOutgoingCallBarred, disposition: RefusedSuspend,
			reason: "tenant is " + string(status)}
	}
	agent, ok := dir.AgentByExtension(tenant, ext)
	if !ok {
		return nil, nil, barred("the calling phone is no agent of the tenant")
	}
	me, _ := s.cfg.Agents.Endpoint(tenant, agent)
	d := &dialing{svc: s, tenant: tenant, agent: agent, node: call.Key.Node, id: call.Key.ID, me: me, fromPhone: true,
		agentLeg: call.Key, agentEvents: call.Events,
		cdr: CDR{Tenant: tenant, Node: call.Key.Node, CallID: call.Key.ID, Caller: ext, Agent: agent,
			AccessNumber: call.To, Arrived: s.cfg.Now()}}
	d.row = CallView{CallID: d.id, Node: d.node, Caller: ext, Number: call.To, Agent: agent, Remote: call.To, Arrived: d.cdr.Arrived}
	d.view = view{agent: agent, agentLeg: call.Key}
	if far, ok := dir.AgentByExtension(tenant, call.To); ok {
		ep, _ := s.cfg.Agents.Endpoint(tenant, far)
		d.far, d.cdr.Leg = ep.Endpoint, string(Internal)
		d.row.Direction, d.row.RemoteAgent = Internal, far
	} else {
		number, ok := dir.OutsideNumber(call.To)
		if !ok {
			return nil, nil, &phoneRefusal{cause: orchestrator.CauseUnallocatedNumber, disposition: RejectedUnknown,
				reason: "neither an extension of the tenant nor an outside number"}
		}
		d.far = orchestrator.Endpoint{Kind: orchestrator.EndpointGateway, Gateway: s.cfg.Gateway, Number: number}
		d.cdr.Leg, d.row.Direction = string(Outbound), Outbound
	}
	if d.far.Kind != orchestrator.EndpointGateway {
		return d, func() {}, nil
	}
	// An outside number, or an agent in phone mode (reached through the
	// gateway too): the PSTN sees the tenant's number and a line is taken.
	d.callerID = callerID
	switch {
	case callerID == "":
		return nil, nil, barred("the tenant has no number to present as caller ID")
	case quotas.MaxPSTNCalls <= 0:
		return nil, nil, barred("the tenant has no PSTN lines")
	}
	release, err := s.cfg.Admission.Admit(tenant, tenancy.ResourcePSTNCalls,
		admission.Holder{Node: call.Key.Node, ID: call.Key.ID}, quotas.MaxPSTNCalls)
	if err != nil {
		return nil, nil, &phoneRefusal{cause: orchestrator.CauseNormalCircuitCongest, disposition: RefusedQuota,
			reason: "all the tenant's PSTN lines are in use"}
	}
	return d, release, nil
}

// refusePhoneCall hangs the phone's call up with the refusal's cause (the
// phone gets the matching SIP status: 403, 404 or 503) and records it.
func (s *Service) refusePhoneCall(ctx context.Context, call orchestrator.InboundCall, tenant tenancy.TenantID, ext string,
	ref *phoneRefusal, log *slog.Logger) {
	switch ref.disposition {
	case RejectedUnknown:
		s.rejectedUnknown.Add(1)
	case RefusedQuota:
		s.refusedQuota.Add(1)
	case RefusedSuspend:
		s.refusedSuspended.Add(1)
	}
	log.Warn("phone call refused", "cause", string(ref.cause), "reason", ref.reason)
	if err := s.cfg.Switch.Hangup(ctx, call.Key, ref.cause); err != nil {
		log.Warn("hangup of a refused phone call failed", "err", err)
	}
	now := s.cfg.Now()
	s.writeCDR(context.WithoutCancel(ctx), CDR{Tenant: tenant, Node: call.Key.Node, CallID: call.Key.ID, Leg: string(Outbound),
		Caller: ext, AccessNumber: call.To, Arrived: now, Ended: now, Disposition: ref.disposition, HangupCause: ref.cause}, log)
}
