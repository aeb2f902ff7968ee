package calls

import (
	"context"
	"errors"
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
		Vars: ss.svc.legVars(ss.call.Key.Node, map[string]string{"sb_tenant": string(ss.route.Tenant), "sb_agent": agent, "sb_caller_call": ss.call.Key.ID,
			"park_after_bridge": "true"})}
	spec.CallerID.Number = ss.call.From
	spec.CallerID.Name = firstNonEmpty(ss.svc.cfg.CallerIDName, ss.call.From)
	leg.CallID = spec.ID
	ss.legs = append(ss.legs, leg)
	if ep.AnswerMode == AnswerAuto || ep.AnswerMode == AnswerDesktop {
		spec.Vars["sip_auto_answer"] = "true" // Call-Info answer-after=0: the phone connects at once
	}
	if len(ss.legs) == 1 && ep.AnswerMode != AnswerDesktop {
		total := time.Since(ss.started) // the first offer of the call
		ss.svc.observeOffer(total, total-ss.switchWait)
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
		if err != nil {
			results <- ringResult{agent: agent, cause: causeOf(err)}
			return
		}
		ended := make(chan orchestrator.Event, 1)
		results <- ringResult{agent: agent, answered: true, leg: key, ended: ended, seen: time.Now()}
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

// legVars adds hold_music to the variables of a leg the controller
// originates for an agent or a consulted party. Hold holds that leg, and
// FreeSWITCH plays the held leg's hold_music to its partner
// (switch_ivr_hold), so the caller hears the configured music rather than
// the switch's default. Values the switch's variable syntax cannot carry
// are left out. On a node whose music failed, the leg carries the fallback
// tone instead.
func (s *Service) legVars(node string, vars map[string]string) map[string]string {
	p := s.holdMusicOn(node)
	if len(p.Files) == 0 {
		return vars
	}
	music := p.Files[0]
	if len(p.Files) > 1 {
		music = "file_string://" + strings.Join(p.Files, "!")
	}
	if !strings.ContainsAny(music, "{}[]'\"\r\n ") {
		vars["hold_music"] = music
	}
	return vars
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
	if ss.hold != nil || (len(p.Files) == 0 && p.Text == "") {
		return
	}
	if p.Files[0] == FallbackHoldMusic {
		ss.svc.musicFallbacks.Add(1)
		ss.log.Warn("hold music missing on this node: the caller hears a tone instead", "node", node, "music", strings.Join(ss.svc.cfg.HoldMusic.Files, ","))
	}
	p.Loop = true
	hctx, cancel := context.WithCancel(ctx)
	h := &holdMusic{cancel: cancel, done: make(chan struct{})}
	ss.hold = h
	go func() {
		defer close(h.done)
		// A missing music source (e.g. local_stream://moh with no files on
		// the node) would leave the caller in dead air: fall back to a tone,
		// and use it on this node from now on.
		err := ss.sw().Play(hctx, ss.call.Key, p)
		if err == nil || hctx.Err() != nil || errors.Is(err, orchestrator.ErrCallEnded) || p.Files[0] == FallbackHoldMusic {
			return
		}
		ss.svc.musicFailed(node)
		ss.svc.musicFallbacks.Add(1)
		ss.log.Warn("hold music failed: the caller hears a tone instead", "node", node, "music", strings.Join(p.Files, ","), "err", err)
		fb := orchestrator.Playback{Files: []string{FallbackHoldMusic}, Loop: true}
		if err := ss.sw().Play(hctx, ss.call.Key, fb); err != nil && hctx.Err() == nil && !errors.Is(err, orchestrator.ErrCallEnded) {
			ss.log.Warn("the fallback tone failed too: the caller waits in silence", "node", node, "err", err)
		}
	}()
}

// FallbackHoldMusic is what a waiting or held caller hears on a node whose
// hold music cannot be played (no music installed): a soft 440 Hz beep
// every 5 s, generated by the switch, rather than dead air.
const FallbackHoldMusic = "tone_stream://%(300,4700,440);loops=-1"

// holdMusicOn is the music to play on node: the configured music, or the
// fallback tone once it failed there.
func (s *Service) holdMusicOn(node string) orchestrator.Playback {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.silentMusic[node] {
		return orchestrator.Playback{Files: []string{FallbackHoldMusic}}
	}
	return s.cfg.HoldMusic
}

// HoldMusicMissing reports whether the hold music failed to play on node,
// so callers there hear FallbackHoldMusic.
func (s *Service) HoldMusicMissing(node string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.silentMusic[node]
}

// musicFailed remembers that the hold music cannot be played on node.
func (s *Service) musicFailed(node string) {
	s.mu.Lock()
	s.silentMusic[node] = true
	s.mu.Unlock()
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
