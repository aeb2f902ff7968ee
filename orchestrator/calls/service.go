package calls

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/switchboard-cc/switchboard/acd"
	"github.com/switchboard-cc/switchboard/orchestrator"
	"github.com/switchboard-cc/switchboard/orchestrator/admission"
	"github.com/switchboard-cc/switchboard/orchestrator/flowrun"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// Switch is the part of the Switch port the inbound call path uses.
type Switch interface {
	orchestrator.Answerer
	orchestrator.Player
	orchestrator.Bridger
	orchestrator.Originator
	orchestrator.Recorder
	orchestrator.Hanger
}

// Config wires a Service. Switch, Router, Queuer, Agents and Admission are required.
type Config struct {
	Switch    Switch
	Router    Router
	Queuer    Queuer
	Agents    Agents
	Admission *admission.Controller
	Records   Records  // nil: CDRs are only logged
	Notifier  Notifier // nil: no screen pops
	Now       func() time.Time
	Log       *slog.Logger

	HoldMusic       orchestrator.Playback // looped while the caller waits
	OverQuotaPrompt orchestrator.Playback // played before an over-quota refusal
	SuspendedPrompt orchestrator.Playback // played before a suspended tenant's refusal
	RingTimeout     time.Duration         // how long an agent's phone rings; 0: 20 s
	CallerIDName    string                // shown on agents' phones; empty: the caller's number
	// Flows runs IVR flows for routes whose entry is a flow; FlowResolver and
	// Names resolve the flow's version and its queue and skill names.
	Flows        *flowrun.Runner
	FlowResolver FlowResolver
	Names        Names
	// Lines gives tenants' quotas and caller IDs for agent-initiated calls;
	// nil: agents cannot dial out.
	Lines TenantLines
	// Phones resolves what agents dial on their phones (phone.go); nil: calls
	// placed from phones are refused.
	Phones PhoneDirectory
	// FeatureCodes serves what phones dial starting with * or #
	// (featurecode.go); nil: such calls go the way of other phone calls.
	FeatureCodes FeatureCodes
	// RecordDir is where the switch writes call recordings (per tenant
	// below it). Empty: /var/lib/freeswitch/recordings.
	RecordDir string
	// Gateway is the switch gateway that reaches external numbers (transfers,
	// overflow to a number). Empty: "pstn".
	Gateway string
	// Health is what the switch adapter learned of its nodes (hold music,
	// gateways) when they connected; nil: nothing is known in advance, and
	// a missing hold music is learned when it first fails to play.
	Health orchestrator.HealthReporter
}

// Stats are the call path's counters, read by the metrics layer.
type Stats struct {
	Accepted, RejectedUnknown, RefusedQuota, RefusedSuspended, Abandoned, Released, Answered, Overflowed, NodeLost, Active int64
	HoldMusicFallbacks                                                                                                     int64 // holds that played the fallback tone
}

// Service runs inbound calls and receives the ACD owner's plans for them.
type Service struct {
	cfg Config

	mu       sync.Mutex
	sessions map[string]*session      // by interaction ID (the caller's call ID)
	dials    map[string]*dialing      // agent-placed calls, by call ID (the agent leg's)
	answers  map[string]chan struct{} // tenant/agent -> desktop answer awaited
	// silentMusic: nodes where the hold music failed to play (not
	// installed), and when; callers there hear the fallback tone until the
	// node's adapter, checking after that, finds the music (ring.go).
	silentMusic map[string]time.Time
	lat         latencies
	// handover is set by HandOver: the controller is stopping and leaves
	// connected calls up on the switch.
	handover atomic.Bool
	adopted  sync.WaitGroup   // calls taken back by Readopt, until they end
	live     feed[LiveChange] // changes of the live-call list; published with mu held

	accepted, rejectedUnknown, refusedQuota, refusedSuspended   atomic.Int64
	abandoned, released, answered, overflowed, nodeLost, active atomic.Int64
	musicFallbacks                                              atomic.Int64 // holds that played the fallback tone
}

// New checks cfg and returns a Service.
func New(cfg Config) (*Service, error) {
	switch {
	case cfg.Switch == nil, cfg.Router == nil, cfg.Queuer == nil, cfg.Agents == nil, cfg.Admission == nil:
		return nil, errors.New("calls: Switch, Router, Queuer, Agents and Admission are required")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.RecordDir == "" {
		cfg.RecordDir = "/var/lib/freeswitch/recordings"
	}
	if cfg.Gateway == "" {
		cfg.Gateway = "pstn"
	}
	if cfg.RingTimeout <= 0 {
		cfg.RingTimeout = 20 * time.Second
	}
	return &Service{cfg: cfg, sessions: map[string]*session{}, dials: map[string]*dialing{}, answers: map[string]chan struct{}{},
		silentMusic: map[string]time.Time{}}, nil
}

// Stats returns the counters.
func (s *Service) Stats() Stats {
	return Stats{Accepted: s.accepted.Load(), RejectedUnknown: s.rejectedUnknown.Load(), RefusedQuota: s.refusedQuota.Load(),
		RefusedSuspended: s.refusedSuspended.Load(), Abandoned: s.abandoned.Load(), Released: s.released.Load(), Answered: s.answered.Load(),
		Overflowed: s.overflowed.Load(), NodeLost: s.nodeLost.Load(), Active: s.active.Load(), HoldMusicFallbacks: s.musicFallbacks.Load()}
}

// HandleCall is the orchestrator.CallHandler of inbound calls: it runs the
// call's whole script on the caller's goroutine and returns when it ended.
// Calls placed from tenants' phones take the phone-call path (phone.go).
func (s *Service) HandleCall(ctx context.Context, call orchestrator.InboundCall) {
	s.active.Add(1)
	defer s.active.Add(-1)
	if isPhoneCall(call) {
		s.handlePhoneCall(ctx, call)
		return
	}
	ss := newSession(s, call)
	ss.run(ctx)
	if ss.handedOver {
		ss.log.Info("call handed over: its records stay open")
		return
	}
	ss.writeRecords()
}

// message is a plan step the ACD owner sends to one call's session.
type message struct {
	kind     acd.DecisionKind // DecOffer, DecCancelOffer, DecOverflow
	agent    string
	attempt  uint32
	overflow acd.OverflowTarget
}

// Offer asks the call to ring agent (the owner's DecOffer). It never blocks.
func (s *Service) Offer(tenant tenancy.TenantID, interaction, agent string, attempt uint32) bool {
	return s.deliver(tenant, interaction, message{kind: acd.DecOffer, agent: agent, attempt: attempt})
}

// CancelOffer withdraws an offer (RONA timeout or another agent won).
func (s *Service) CancelOffer(tenant tenancy.TenantID, interaction, agent string) bool {
	return s.deliver(tenant, interaction, message{kind: acd.DecCancelOffer, agent: agent})
}

// Overflow sends the call to target (queue full, waited too long, no agents).
func (s *Service) Overflow(tenant tenancy.TenantID, interaction string, target acd.OverflowTarget) bool {
	return s.deliver(tenant, interaction, message{kind: acd.DecOverflow, overflow: target})
}

// deliver hands m to the session without blocking the owner. It reports
// false when no such call of that tenant is in a queue (it ended, left the
// queue, or the plan is stale).
func (s *Service) deliver(tenant tenancy.TenantID, interaction string, m message) bool {
	s.mu.Lock()
	ss := s.sessions[interaction]
	queued := ss != nil && ss.inQueue
	s.mu.Unlock()
	if !queued || ss.route.Tenant != tenant {
		return false
	}
	select {
	case ss.inbox <- m:
		return true
	default:
		s.cfg.Log.Error("call inbox full: plan step dropped", "call", ss.call.Key.String(), "step", m.kind.String(), "agent", m.agent)
		return false
	}
}

// ErrNoOffer: the agent has no offer waiting for a desktop answer.
var ErrNoOffer = errors.New("no offer is waiting for this agent's answer")

// AnswerOffer is the agent's "answer" click for an offer in desktop answer
// mode: the phone is then connected with auto-answer.
func (s *Service) AnswerOffer(tenant tenancy.TenantID, agent string) error {
	s.mu.Lock()
	ch, ok := s.answers[string(tenant)+"/"+agent]
	if ok {
		delete(s.answers, string(tenant)+"/"+agent)
	}
	s.mu.Unlock()
	if !ok {
		return ErrNoOffer
	}
	close(ch)
	return nil
}

// awaitDesktopAnswer waits for AnswerOffer or the end of the offer.
func (s *Service) awaitDesktopAnswer(ctx context.Context, tenant tenancy.TenantID, agent string) bool {
	key := string(tenant) + "/" + agent
	ch := make(chan struct{})
	s.mu.Lock()
	s.answers[key] = ch
	s.mu.Unlock()
	select {
	case <-ch:
		return true
	case <-ctx.Done():
		s.mu.Lock()
		if s.answers[key] == ch {
			delete(s.answers, key)
		}
		s.mu.Unlock()
		return false
	}
}
