package calls

import (
	"context"
	"log/slog"

	"github.com/switchboard-cc/switchboard/orchestrator"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// Feature codes (AG-1, AG-2): a phone that dials a string starting with *
// or # (never an extension or a number) reaches the agent's own feature
// codes: the controller changes the state of the agent the phone
// authenticated as, in its own tenant, answers the call, says the outcome
// and hangs up. No PSTN line is taken and no CDR written; the ACD's state
// history records the change.

// FeatureCodes runs a phone's feature code (orchestrator/featurecodes).
type FeatureCodes interface {
	// FeatureCode applies dialled for agentID of tenant and returns the
	// spoken answer (also for an unknown code or a refused change) and,
	// when not nil, a change to make once the call is over (one that makes
	// the agent available: an offer must not ring the phone while it is
	// still in this call).
	FeatureCode(ctx context.Context, tenant tenancy.TenantID, agentID, dialled string) (say orchestrator.Playback, after func(context.Context))
}

// handleFeatureCode serves a feature code dialled by the phone ext of tenant.
func (s *Service) handleFeatureCode(ctx context.Context, call orchestrator.InboundCall, tenant tenancy.TenantID, ext string, log *slog.Logger) {
	if ref := s.featureCodeCaller(tenant, ext); ref != nil {
		s.refusePhoneCall(ctx, call, tenant, ext, ref, log)
		return
	}
	agent, _ := s.cfg.Phones.AgentByExtension(tenant, ext)
	say, after := s.cfg.FeatureCodes.FeatureCode(context.WithoutCancel(ctx), tenant, agent, call.To)
	if after != nil {
		defer after(context.WithoutCancel(ctx)) // also when the agent hung up first: the code was dialled
	}
	if err := s.cfg.Switch.Answer(ctx, call.Key); err != nil {
		log.Warn("feature code: answer failed", "err", err)
		return
	}
	if err := s.cfg.Switch.Play(ctx, call.Key, say); err != nil && ctx.Err() == nil {
		log.Warn("feature code: the answer could not be played", "err", err)
	}
	if ctx.Err() != nil {
		return // the agent hung up
	}
	if err := s.cfg.Switch.Hangup(ctx, call.Key, orchestrator.CauseNormalClearing); err != nil && ctx.Err() == nil {
		log.Warn("feature code: hangup failed", "err", err)
	}
}

// featureCodeCaller refuses a caller that is no agent of an active tenant.
func (s *Service) featureCodeCaller(tenant tenancy.TenantID, ext string) *phoneRefusal {
	barred := func(reason string) *phoneRefusal {
		return &phoneRefusal{cause: orchestrator.CauseOutgoingCallBarred, disposition: RefusedBarred, reason: reason}
	}
	if s.cfg.Phones == nil || s.cfg.Lines == nil {
		return barred("phone calls are not configured on this controller")
	}
	status, _, _, ok := s.cfg.Lines.Lines(tenant)
	switch {
	case !ok:
		return barred("unknown tenant")
	case status != tenancy.StatusActive:
		return &phoneRefusal{cause: orchestrator.CauseOutgoingCallBarred, disposition: RefusedSuspend, reason: "tenant is " + string(status)}
	}
	if _, ok := s.cfg.Phones.AgentByExtension(tenant, ext); !ok {
		return barred("the calling phone is no agent of the tenant")
	}
	return nil
}
