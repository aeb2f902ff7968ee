package calls

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/switchboard-cc/switchboard/orchestrator"
)

// ringing is an offer in progress: the agent's phone rings on a leg the
// controller originates (so the caller keeps hearing hold music, and the
// agent-ID announcement can play before the bridge).
type ringing struct {
	// withdrawn: the ACD cancelled the offer (RONA timeout, another agent
	// won); it already knows, so the session does not reject it again.
	withdrawn bool
	cancel    context.CancelFunc
}

type ringResult struct {
	agent    string
	answered bool
	leg      orchestrator.Key
	cause    orchestrator.HangupCause
	// ended receives the agent leg's hangup event once, after answer (a
	// zero Event: its stream ended without one).
	ended <-chan orchestrator.Event
	seen  time.Time // when the answer reached the controller (monotonic)
	// joined: the switch joined the leg with the caller at the answer
	// (JoinOnAnswer), so there is nothing to bridge and the caller's music
	// already stopped.
	joined bool
}

// ringAgent starts ringing agent. An agent that is unknown or whose phone is
// not registered is refused at once, so the ACD moves on.
// Exactly one ringResult for agent is sent on results.
func (ss *session) ringAgent(ctx context.Context, agent string, results chan<- ringResult) *ringing {
	r := &ringing{}
	ep, ok := ss.svc.cfg.Agents.Endpoint(ss.route.Tenant, agent)
	if !ok || !ep.Registered {
		ss.log.Info("offer skipped: agent phone not registered", "agent", agent)
		r.cancel = func() {}
		go func() { results <- ringResult{agent: agent, cause: orchestrator.CauseUserNotRegistered} }()
		return r
	}
	now := ss.now()
	if ss.caller.Offered.IsZero() {
		ss.caller.Offered = now
	}
	leg := &CDR{Tenant: ss.route.Tenant, Node: ss.call.Key.Node, Leg: "agent", Caller: ss.call.From,
		AccessNumber: ss.caller.AccessNumber, Queue: ss.route.Queue, Agent: agent, Arrived: now, Offered: now}
	ss.notify("offer", agent)
	rctx, cancel := context.WithCancel(ctx)
	r.cancel = cancel
	spec := orchestrator.OriginateSpec{ID: orchestrator.NewCallID(), Node: ss.call.Key.Node, To: ep.Endpoint,
		Timeout: ss.ringTimeout(),
		// park_after_bridge keeps the agent's leg up when a bridge ends, so an
		// attended transfer can move it between the caller and a consulted party.
		Vars: map[string]string{"sb_tenant": string(ss.route.Tenant), "sb_agent": agent, "sb_caller_call": ss.call.Key.ID,
			"park_after_bridge": "true"}}
	spec = ss.svc.withHoldMusic(spec)
	spec.CallerID.Number = ss.call.From
	spec.CallerID.Name = firstNonEmpty(ss.svc.cfg.CallerIDName, ss.call.From)
	leg.CallID = spec.ID
	ss.legs = append(ss.legs, leg)
	if ep.AnswerMode == AnswerAuto || ep.AnswerMode == AnswerDesktop {
		spec.Vars["sip_auto_answer"] = "true" // Call-Info answer-after=0: the phone connects at once
	}
	if !ss.route.AnnounceAgent {
		// The switch joins the agent with the caller the moment the phone
		// answers: no round trip through the controller (issue 11). With
		// an announcement to play first the controller bridges.
		spec.JoinOnAnswer = ss.call.Key
	}
	if len(ss.legs) == 1 && ep.AnswerMode != AnswerDesktop {
		ss.svc.observeOffer(time.Since(ss.started)) // the first offer of the call, waits included
	}
	go func() {
		defer cancel()
		if ep.AnswerMode == AnswerDesktop {
			if !ss.svc.awaitDesktopAnswer(rctx, ss.route.Tenant, agent) {
				results <- ringResult{agent: agent, cause: orchestrator.CauseNoAnswer}
				return
			}
		}
		key, events, err := ss.sw().Originate(rctx, spec)
		if errors.Is(err, orchestrator.ErrJoinFailed) {
			// answered, but the caller had left or was already joined
			// with another agent: the switch hung the phone up
			results <- ringResult{agent: agent, cause: orchestrator.CauseLoseRace}
			return
		}
		if err != nil {
			results <- ringResult{agent: agent, cause: causeOf(err)}
			return
		}
		ended := make(chan orchestrator.Event, 1)
		results <- ringResult{agent: agent, answered: true, leg: key, ended: ended, seen: time.Now(), joined: !spec.JoinOnAnswer.IsZero()}
		watchLeg(events, ended)
	}()
	return r
}

// ringTimeout is how long the phone may ring: a little longer than the
// queue's offer timeout, so the ACD's RONA decision (AG-6) comes first.
func (ss *session) ringTimeout() time.Duration {
	if ss.route.RingTimeout > 0 {
		return ss.route.RingTimeout + 2*time.Second
	}
	return ss.svc.cfg.RingTimeout
}

// watchLeg reports the agent leg's hangup event once, then drains its
// stream until the adapter closes it.
func watchLeg(events <-chan orchestrator.Event, ended chan<- orchestrator.Event) {
	sent := false
	for ev := range events {
		if !sent && (ev.Kind == orchestrator.EventHangup || ev.Kind == orchestrator.EventEnded) {
			ended <- ev
			sent = true
		}
	}
	if !sent {
		ended <- orchestrator.Event{} // the stream ended with no hangup: control was lost
	}
}

// causeOf extracts a hangup cause from an originate error.
func causeOf(err error) orchestrator.HangupCause {
	type causer interface {
		HangupCause() orchestrator.HangupCause
	}
	if c, ok := err.(causer); ok {
		return c.HangupCause()
	}
	return orchestrator.CauseNoAnswer
}

// withHoldMusic sets what the far end of a leg the controller originates
// for an agent or a consulted party hears while the leg is held: Hold holds
// that leg, and the switch plays the held leg's music to its partner
// (FreeSWITCH: switch_ivr_hold), so the caller hears the configured music
// rather than the switch's default. On a node without the music the leg
// carries the fallback tone instead.
func (s *Service) withHoldMusic(spec orchestrator.OriginateSpec) orchestrator.OriginateSpec {
	spec.HoldMusic = s.holdMusicOn(spec.Node)
	return spec
}

// holdMusic loops the queue's music while the caller waits, and during a
// consultation.
type holdMusic struct {
	cancel context.CancelFunc
	done   chan struct{}
}

func (ss *session) startHold(ctx context.Context) {
	node := ss.call.Key.Node
	p := ss.svc.holdMusicOn(node)
	if ss.hold != nil || (len(p.Files) == 0 && p.Text == "" && p.Tone == orchestrator.ToneNone) {
		return
	}
	if p.Tone == orchestrator.ToneHoldFallback {
		ss.svc.warnFallback(ss.log, node, "waiting")
	}
	p.Loop = true
	hctx, cancel := context.WithCancel(ctx)
	h := &holdMusic{cancel: cancel, done: make(chan struct{})}
	ss.hold = h
	go func() {
		defer close(h.done)
		// A source that fails although nothing said it was missing (not
		// checked, or gone since the last check) would leave the caller in
		// dead air: fall back to the tone, and use it on this node from
		// now on.
		err := ss.sw().Play(hctx, ss.call.Key, p)
		if err == nil || hctx.Err() != nil || errors.Is(err, orchestrator.ErrCallEnded) || p.Tone == orchestrator.ToneHoldFallback {
			return
		}
		ss.svc.musicFailed(node)
		ss.svc.musicFallbacks.Add(1)
		ss.log.Warn("hold music failed: the caller hears a tone instead", "node", node, "music", strings.Join(p.Files, ","), "err", err)
		fb := fallbackMusic
		fb.Loop = true
		if err := ss.sw().Play(hctx, ss.call.Key, fb); err != nil && hctx.Err() == nil && !errors.Is(err, orchestrator.ErrCallEnded) {
			ss.log.Warn("the fallback tone failed too: the caller waits in silence", "node", node, "err", err)
		}
	}()
}

// fallbackMusic is what a waiting or held caller hears on a node whose hold
// music cannot be played (no music installed): a tone the switch generates,
// rather than dead air.
var fallbackMusic = orchestrator.Playback{Tone: orchestrator.ToneHoldFallback}

// holdMusicOn is the music to play on node: the configured music, or the
// fallback tone when the node is known to lack it (its adapter found it
// missing, or it failed to play there).
func (s *Service) holdMusicOn(node string) orchestrator.Playback {
	if missing, _ := s.musicMissing(node); missing {
		return fallbackMusic
	}
	return s.cfg.HoldMusic
}

// HoldMusicMissing reports whether callers waiting or held on node hear the
// fallback tone instead of the configured music, and why.
func (s *Service) HoldMusicMissing(node string) (bool, string) {
	return s.musicMissing(node)
}

// musicMissing: the node's adapter reports a configured source missing
// (checked when the node connected, so no caller has to hear it fail
// first), or the music failed to play there — until the adapter, checking
// after the failure, finds every source available (the operator installed
// the music: no restart needed).
func (s *Service) musicMissing(node string) (bool, string) {
	s.mu.Lock()
	failedAt, failed := s.silentMusic[node]
	s.mu.Unlock()
	var h orchestrator.NodeHealth
	if s.cfg.Health != nil {
		h = s.cfg.Health.NodeHealth(node)
	}
	for _, f := range s.cfg.HoldMusic.Files {
		if h.MediaState(f) == orchestrator.Missing {
			return true, f + ": " + h.MediaDetail[f]
		}
	}
	if failed && !(h.Checked.After(failedAt) && allAvailable(h, s.cfg.HoldMusic.Files)) {
		return true, "the music failed to play on this node"
	}
	return false, ""
}

// allAvailable reports whether the node has every one of sources.
func allAvailable(h orchestrator.NodeHealth, sources []string) bool {
	for _, f := range sources {
		if h.MediaState(f) != orchestrator.Available {
			return false
		}
	}
	return len(sources) > 0
}

// warnFallback logs, and counts, a hold that plays the fallback tone: every
// such hold is warned, so the missing music is never silent in the logs.
func (s *Service) warnFallback(log *slog.Logger, node, who string) {
	s.musicFallbacks.Add(1)
	_, why := s.musicMissing(node)
	log.Warn("hold music missing on this node: the "+who+" caller hears a tone instead", "node", node,
		"music", strings.Join(s.cfg.HoldMusic.Files, ","), "reason", why)
}

// musicFailed remembers that the hold music cannot be played on node.
func (s *Service) musicFailed(node string) {
	s.mu.Lock()
	s.silentMusic[node] = time.Now()
	s.mu.Unlock()
}

// ensureHold restarts the caller's music when it ended by itself while the
// caller still waits: a join the switch made at an agent's answer and the
// controller then undid (an offer withdrawn at that very moment), or a
// leg killed just after it was joined.
func (ss *session) ensureHold(ctx context.Context) {
	h := ss.hold
	if h == nil {
		return
	}
	select {
	case <-h.done:
	default:
		return
	}
	ss.hold = nil
	ss.startHold(ctx)
}

func (ss *session) stopHold(ctx context.Context) {
	h := ss.hold
	if h == nil {
		return
	}
	ss.hold = nil
	// A break that reaches the switch before the music app started is lost
	// (the app then starts and plays on): try again, briefly, a few times.
	for try := 0; try < 3 && ctx.Err() == nil; try++ {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 700*time.Millisecond)
		err := ss.sw().StopPlay(sctx, ss.call.Key)
		cancel()
		if err == nil {
			break
		}
	}
	h.cancel()
	<-h.done
}

// writeRecords stores the caller's and the agent's CDRs.
func (ss *session) writeRecords() {
	now := ss.now()
	ss.caller.Ended = now
	if ss.caller.HangupCause == "" {
		ss.caller.HangupCause = ss.cause
	}
	if ss.caller.HangupCause == "" {
		ss.caller.HangupCause = orchestrator.CauseNormalClearing
	}
	recs := []CDR{ss.caller}
	for _, leg := range ss.legs {
		if leg.Ended.IsZero() {
			leg.Ended = now
		}
		if leg.Disposition == "" {
			if leg.Answered.IsZero() {
				leg.Disposition = Failed
			} else {
				leg.Disposition = ss.caller.Disposition
			}
		}
		recs = append(recs, *leg)
	}
	for _, c := range recs {
		ss.log.Info("call record", "leg", c.Leg, "disposition", string(c.Disposition), "cause", string(c.HangupCause), "agent", c.Agent)
		if ss.svc.cfg.Records != nil && c.Tenant != "" {
			if err := ss.svc.cfg.Records.WriteCDR(context.Background(), c); err != nil {
				ss.log.Warn("CDR not stored", "leg", c.Leg, "err", err)
			}
		}
	}
}
