package calls

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path"
	"sync/atomic"
	"time"

	"github.com/switchboard-cc/switchboard/acd"
	"github.com/switchboard-cc/switchboard/ivrflows"
	"github.com/switchboard-cc/switchboard/orchestrator"
	"github.com/switchboard-cc/switchboard/orchestrator/admission"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// session is one inbound call. Only its own goroutine touches its fields,
// except inbox, which the ACD owner writes to through Service.deliver.
type session struct {
	svc *Service
	// releasing is set by Release before it hangs the caller up, so the end
	// is recorded as released, not abandoned.
	releasing atomic.Bool
	call      orchestrator.InboundCall
	route     Route
	inbox     chan message
	log       *slog.Logger

	started    time.Time // when the session began (the socket was connected), monotonic
	answeredAt time.Time // when the agent leg's answer was seen
	caller     CDR
	agentLeg   *CDR                     // the leg rung last
	legs       []*CDR                   // every agent leg rung, in order
	cause      orchestrator.HangupCause // the caller's hangup cause, from its events
	// endedWithoutCause: the caller's stream ended with no hangup seen.
	endedWithoutCause bool

	// answering reports the switch's confirmation of the caller's answer
	// when it was sent without waiting (AnswerStarter, no greeting); nil once
	// seen, or when answered in line.
	answering <-chan error

	hold *holdMusic // music played to the caller: while queued, and during a consultation
	held bool       // the agent's leg is on hold (Service.Hold)

	data    map[string]string // the interaction's attached data, for screen pops
	next    *acd.Interaction  // where a blind transfer sends the caller back into the ACD
	control chan controlMsg   // call-control requests (Transfer)

	// The flow the call is in and its node, for showIVR.
	flowID, flowNode string
	flowNodeType     ivrflows.NodeType

	// Guarded by svc.mu: what LiveCalls shows (row is set at register and
	// read-only after), the line last published to live-call subscribers,
	// and whether ACD plans reach the call.
	row     CallView
	view    view
	shown   CallView
	inQueue bool
	// open is what HandOver leaves on the switch for the connected call
	// (set as it is connected; guarded by svc.mu).
	open *handover
	// handedOver: the controller stopped with the call handed over; the
	// session leaves it as it is (handingOver). handed is set by HandOver
	// once the call's state is on the switch and it was let go of.
	handedOver bool
	handed     atomic.Bool
	// connected: the call was connected to an agent (talk).
	connected bool
}

func newSession(s *Service, call orchestrator.InboundCall) *session {
	return &session{
		svc: s, call: call, inbox: make(chan message, 32), control: make(chan controlMsg), started: time.Now(),
		log: s.cfg.Log.With("call", call.Key.String(), "from", call.From, "to", call.To),
		caller: CDR{Node: call.Key.Node, CallID: call.Key.ID, Leg: "caller", Caller: call.From,
			AccessNumber: call.To, Arrived: s.cfg.Now()},
	}
}

func (ss *session) now() time.Time { return ss.svc.cfg.Now() }
func (ss *session) sw() Switch     { return ss.svc.cfg.Switch }

// run is the call's script, top to bottom.
func (ss *session) run(ctx context.Context) {
	if !ss.routeCall(ctx) {
		return
	}
	release, ok := ss.admit(ctx)
	if !ok {
		return
	}
	defer release()
	ss.svc.register(ss)
	defer ss.svc.unregister(ss)
	ss.svc.accepted.Add(1)
	if ss.route.Queue == "" {
		if ss.svc.cfg.Flows == nil || ss.svc.cfg.FlowResolver == nil || ss.svc.cfg.Names == nil {
			ss.log.Warn("entry point is an IVR flow but no flow runner is configured: released", "flow", ss.route.Flow)
			ss.caller.Disposition = Failed
			ss.hangup(ctx, orchestrator.CauseNormalCircuitCongest)
			return
		}
		ss.runFlow(ctx)
		return
	}
	if len(ss.route.Greeting.Files) > 0 || ss.route.Greeting.Text != "" {
		// The greeting is heard before the call queues: answer first.
		err := ss.sw().Answer(ctx, ss.call.Key)
		if err != nil {
			ss.answerFailed(ctx, err)
			return
		}
		if err := ss.sw().Play(ctx, ss.call.Key, ss.route.Greeting); err != nil && ctx.Err() == nil {
			ss.log.Warn("greeting failed", "err", err)
		}
	} else if as, ok := ss.sw().(orchestrator.AnswerStarter); ok {
		// Nothing to play first: the call queues, and an agent's phone may
		// ring, while the switch confirms the answer. Waiting for that
		// confirmation (an event, delivered on the switch's own cadence) would
		// add it to what the caller waits for.
		confirm, err := as.StartAnswer(ctx, ss.call.Key)
		if err != nil {
			ss.answerFailed(ctx, err)
			return
		}
		ss.answering = confirm
	} else {
		err := ss.sw().Answer(ctx, ss.call.Key)
		if err != nil {
			ss.answerFailed(ctx, err)
			return
		}
	}
	if ctx.Err() != nil {
		ss.callerLeft()
		return
	}
	in := acd.Interaction{ID: ss.call.Key.ID, Tenant: string(ss.route.Tenant), Queue: ss.route.Queue, Medium: acd.Voice,
		Data: map[string]string{"caller": ss.call.From, "access_number": ss.caller.AccessNumber}}
	for k, v := range ss.call.Vars {
		if len(k) > 8 && k[:8] == "sb_data_" {
			in.Data[k[8:]] = v
		}
	}
	ss.queueAndConnect(ctx, in, false)
}

// routeCall finds the tenant and refuses unknown numbers and suspended tenants.
func (ss *session) routeCall(ctx context.Context) bool {
	r, err := ss.svc.cfg.Router.Route(ctx, ss.call.To, ss.call.Vars, ss.now())
	var rej *Rejection
	switch {
	case errors.As(err, &rej):
		ss.svc.rejectedUnknown.Add(1)
		ss.log.Warn("call rejected", "cause", string(rej.Cause), "reason", rej.Reason)
		ss.caller.Disposition = RejectedUnknown
		ss.hangup(ctx, rej.Cause)
		return false
	case err != nil:
		ss.log.Warn("routing failed", "err", err)
		ss.caller.Disposition = Failed
		ss.hangup(ctx, orchestrator.CauseNormalCircuitCongest)
		return false
	}
	ss.route = r
	ss.caller.Tenant, ss.caller.Queue, ss.caller.AccessNumber = r.Tenant, r.Queue, firstNonEmpty(r.AccessNumber, ss.call.To)
	ss.log = ss.svc.cfg.Log.With("call", ss.call.Key.String(), "tenant", string(r.Tenant), "from", ss.call.From, "to", ss.call.To)
	if r.Status != tenancy.StatusActive {
		ss.svc.refusedSuspended.Add(1)
		ss.log.Info("call refused: tenant not active", "status", string(r.Status))
		ss.caller.Disposition = RefusedSuspend
		ss.announceAndHangup(ctx, ss.svc.cfg.SuspendedPrompt, orchestrator.CauseCallRejected)
		return false
	}
	return true
}

// admit takes one of the tenant's concurrent PSTN calls (MT-2).
func (ss *session) admit(ctx context.Context) (admission.Release, bool) {
	holder := admission.Holder{Node: ss.call.Key.Node, ID: ss.call.Key.ID}
	release, err := ss.svc.cfg.Admission.Admit(ss.route.Tenant, tenancy.ResourcePSTNCalls, holder, ss.route.Quotas.MaxPSTNCalls)
	if err != nil {
		ss.svc.refusedQuota.Add(1)
		ss.log.Warn("call refused over quota", "err", err)
		ss.caller.Disposition = RefusedQuota
		ss.announceAndHangup(ctx, ss.svc.cfg.OverQuotaPrompt, orchestrator.CauseNormalCircuitCongest)
		return nil, false
	}
	return release, true
}

func (ss *session) announceAndHangup(ctx context.Context, p orchestrator.Playback, cause orchestrator.HangupCause) {
	if len(p.Files) > 0 || p.Text != "" {
		if err := ss.sw().PreAnswer(ctx, ss.call.Key); err == nil {
			_ = ss.sw().Play(ctx, ss.call.Key, p)
		}
	}
	ss.hangup(ctx, cause)
}

func (ss *session) hangup(ctx context.Context, cause orchestrator.HangupCause) {
	if ctx.Err() != nil {
		return
	}
	if err := ss.sw().Hangup(ctx, ss.call.Key, cause); err != nil && !errors.Is(err, orchestrator.ErrNoSuchCall) {
		ss.log.Warn("hangup failed", "err", err)
	}
	if ss.cause == "" {
		ss.cause = cause
	}
}

// answerFailed ends a call whose answer failed: abandoned when the caller
// was already gone (it hung up while the controller answered), else failed.
func (ss *session) answerFailed(ctx context.Context, err error) {
	switch {
	case ctx.Err() != nil:
		ss.callerGone(ctx)
	case errors.Is(err, orchestrator.ErrCallEnded) || errors.Is(err, orchestrator.ErrNoSuchCall):
		ss.log.Info("caller hung up before the answer", "err", err)
		ss.callerLeft()
	default:
		ss.endWith(ctx, Failed, "answer failed", err)
	}
}

func (ss *session) endWith(ctx context.Context, d Disposition, msg string, err error) {
	ss.log.Warn(msg, "err", err)
	ss.caller.Disposition = d
	ss.hangup(ctx, orchestrator.CauseNormalCircuitCongest)
}

// queueAndConnect hands the call to the ACD and works its plan until the
// call is connected and over, overflows, or the caller hangs up.
//
// With keepCaller (a flow goes on after the agent leg, e.g. a survey) the
// caller is not hung up when the agent leaves. It reports the agent and
// whether one answered.
func (ss *session) queueAndConnect(ctx context.Context, in acd.Interaction, keepCaller bool) (string, bool) {
	ss.enterQueue()
	defer ss.leaveQueue()
	ss.data = in.Data
	if ss.caller.Queued.IsZero() { // the first time in a queue; a transfer back to one keeps it
		ss.caller.Queued = ss.now()
	}
	if err := ss.svc.cfg.Queuer.Enqueue(ctx, ss.route.Tenant, in); err != nil {
		ss.endWith(ctx, Failed, "enqueue failed", err)
		return "", false
	}
	ss.keepWaiting(in)
	finished := false
	finish := func() {
		// a connected call handed over stays the agent's work; a waiting
		// one leaves the ACD's queue (it queues again when taken back)
		if !finished && !(ss.connected && ss.handingOver()) {
			finished = true
			if err := ss.svc.cfg.Queuer.Finish(context.WithoutCancel(ctx), ss.route.Tenant, in.ID); err != nil {
				ss.log.Warn("ACD finish failed", "err", err)
			}
		}
	}
	defer finish()
	ss.startHold(ctx)
	defer ss.stopHold(ctx)

	leg, agent, ok := ss.waitForAgent(ctx, in)
	if !ok {
		return "", false
	}
	ss.talk(ctx, leg, agent, keepCaller, finish)
	finish()
	if next := ss.next; next != nil && ctx.Err() == nil {
		// A blind transfer back into the ACD: queue again, as a new wait.
		ss.next = nil
		ss.leaveQueue()
		ss.caller.Queue, ss.route.Queue = next.Queue, next.Queue
		return ss.queueAndConnect(ctx, *next, keepCaller)
	}
	return agent, true
}

// waitForAgent plays hold music and rings offered agents until one answers.
// Several phones may ring at once (ring-all, or the next agent's offer
// arriving while a withdrawn one is still being cancelled): the first answer
// the ACD accepts wins and every other leg is released.
func (ss *session) waitForAgent(ctx context.Context, in acd.Interaction) (*ringResult, string, bool) {
	rings := map[string]*ringing{}
	results := make(chan ringResult, 8)
	defer ss.releaseRings(ctx, rings, results)
	var announce <-chan time.Time
	if every := ss.route.AnnouncePositionEvery; every > 0 {
		t := time.NewTicker(every)
		defer t.Stop()
		announce = t.C
	}
	for {
		select {
		case <-announce:
			if len(rings) == 0 {
				ss.announcePosition(ctx, in.ID)
			}
		case <-ctx.Done():
			if ss.handingOver() {
				return nil, "", false // left waiting on the switch (HandOver)
			}
			ss.callerGone(ctx)
			return nil, "", false
		case ev, open := <-ss.call.Events:
			if !open || ev.Kind == orchestrator.EventEnded || ev.Kind == orchestrator.EventHangup {
				if (!open || ev.Cause == "") && ss.handingOver() {
					return nil, "", false // left waiting on the switch (HandOver)
				}
				if !open {
					ss.endedWithoutCause = ss.cause == ""
				}
				ss.noteHangup(ev)
				ss.callerGone(ctx)
				return nil, "", false
			}
		case err := <-ss.answering:
			ss.answering = nil
			if err != nil && ctx.Err() == nil {
				ss.answerFailed(ctx, err)
				return nil, "", false
			}
		case m := <-ss.inbox:
			switch m.kind {
			case acd.DecOffer:
				if rings[m.agent] != nil {
					continue // the same agent again: its phone already rings
				}
				rings[m.agent] = ss.ringAgent(ctx, m.agent, results)
				ss.showRings(len(rings))
			case acd.DecCancelOffer:
				if r := rings[m.agent]; r != nil {
					r.withdrawn = true
					r.cancel()
				}
			case acd.DecOverflow:
				ss.overflow(ctx, m.overflow)
				return nil, "", false
			}
		case r := <-results:
			ring := rings[r.agent]
			delete(rings, r.agent)
			if ss.settleRing(ctx, in, ring, r) {
				return &r, r.agent, true
			}
			ss.showRings(len(rings))
		}
	}
}

// announcePosition tells the caller its place and estimated wait, between
// two stretches of hold music.
func (ss *session) announcePosition(ctx context.Context, id string) {
	pos, ewt, err := ss.svc.cfg.Queuer.Position(ctx, ss.route.Tenant, id)
	if err != nil || pos <= 0 {
		return
	}
	ss.stopHold(ctx)
	text := fmt.Sprintf("You are number %d in the queue. Your estimated wait is %d minutes.", pos, int(ewt.Round(time.Minute).Minutes()))
	if ewt < time.Minute {
		text = fmt.Sprintf("You are number %d in the queue. An agent will be with you shortly.", pos)
	}
	if err := ss.sw().Play(ctx, ss.call.Key, orchestrator.Playback{Text: text}); err != nil && ctx.Err() == nil {
		ss.log.Warn("position announcement failed", "err", err)
	}
	ss.startHold(ctx)
}

// settleRing handles one ring's outcome and reports whether it connects the call.
func (ss *session) settleRing(ctx context.Context, in acd.Interaction, ring *ringing, r ringResult) bool {
	withdrawn := ring != nil && ring.withdrawn
	if !r.answered {
		if leg := ss.legOf(r.agent); leg != nil && leg.Answered.IsZero() {
			leg.Ended, leg.HangupCause, leg.Disposition = ss.now(), r.cause, Failed
		}
		ss.log.Info("agent did not answer", "agent", r.agent, "cause", string(r.cause), "withdrawn_by_acd", withdrawn)
		// A phone that answered too late to be joined (LOSE_RACE) did
		// not refuse the offer: the ACD's cancel is on its way.
		if !withdrawn && r.cause != orchestrator.CauseLoseRace {
			ss.reject(ctx, r.agent)
		}
		ss.ensureHold(ctx)
		return false
	}
	if withdrawn {
		ss.log.Info("agent answered a withdrawn offer: releasing the agent leg", "agent", r.agent, "joined_by_switch", r.joined)
		ss.hangupLeg(ctx, r.leg, orchestrator.CauseLoseRace)
		ss.ensureHold(ctx)
		return false
	}
	if err := ss.svc.cfg.Queuer.Accept(ctx, ss.route.Tenant, r.agent, in.ID); err != nil {
		ss.log.Warn("ACD refused the answer (offer withdrawn): releasing the agent leg", "agent", r.agent, "joined_by_switch", r.joined, "err", err)
		ss.hangupLeg(ctx, r.leg, orchestrator.CauseLoseRace)
		ss.ensureHold(ctx)
		return false
	}
	ss.agentLeg = ss.legOf(r.agent)
	return true
}

// releaseRings cancels every phone still ringing and hangs up any that
// answered too late.
func (ss *session) releaseRings(ctx context.Context, rings map[string]*ringing, results chan ringResult) {
	for _, r := range rings {
		r.cancel()
	}
	for range len(rings) {
		r := <-results
		if r.answered {
			ss.hangupLeg(context.WithoutCancel(ctx), r.leg, orchestrator.CauseOriginatorCancel)
		}
		ss.cancelledLeg(r.agent)
	}
}

// cancelledLeg records an agent leg the controller stopped before it was
// answered: its own end time, ORIGINATOR_CANCEL, and why (the caller's
// disposition is known by now: releaseRings runs as waitForAgent returns).
func (ss *session) cancelledLeg(agent string) {
	leg := ss.legOf(agent)
	if leg == nil || !leg.Answered.IsZero() || !leg.Ended.IsZero() {
		return
	}
	leg.Ended, leg.HangupCause, leg.Disposition = ss.now(), orchestrator.CauseOriginatorCancel, Cancelled
	switch ss.caller.Disposition {
	case Abandoned:
		leg.Disposition = CallerAbandoned
	case NodeLost:
		leg.HangupCause, leg.Disposition = "", NodeLost
	}
}

// legOf is the latest CDR leg rung for agent.
func (ss *session) legOf(agent string) *CDR {
	for i := len(ss.legs) - 1; i >= 0; i-- {
		if ss.legs[i].Agent == agent {
			return ss.legs[i]
		}
	}
	return nil
}

func (ss *session) reject(ctx context.Context, agent string) {
	if err := ss.svc.cfg.Queuer.Reject(ctx, ss.route.Tenant, agent, ss.call.Key.ID); err != nil {
		ss.log.Warn("ACD reject failed", "agent", agent, "err", err)
	}
}

// lostControl reports whether the call ended because the controller lost
// the switch (node down, connection cut) rather than by a hangup: the
// adapter cancels with ErrNodeDown, or the stream ended with no hangup cause.
func (ss *session) lostControl(ctx context.Context) bool {
	return errors.Is(context.Cause(ctx), orchestrator.ErrNodeDown) || ss.endedWithoutCause
}

func (ss *session) callerGone(ctx context.Context) {
	if ss.lostControl(ctx) {
		ss.caller.Disposition = NodeLost
		ss.svc.nodeLost.Add(1)
		return
	}
	if ss.caller.Disposition == "" {
		ss.callerLeft()
		ss.log.Info("caller left the queue", "disposition", string(ss.caller.Disposition), "waited", ss.now().Sub(ss.caller.Queued).String())
	}
}

// callerLeft records a caller's end before any agent answered: released if
// the API hung it up (Release), else abandoned.
func (ss *session) callerLeft() {
	if ss.releasing.Load() {
		ss.caller.Disposition = Released
		ss.svc.released.Add(1)
		return
	}
	ss.caller.Disposition = Abandoned
	ss.svc.abandoned.Add(1)
}

func (ss *session) noteHangup(ev orchestrator.Event) {
	ss.noteSIPCause(ev)
	if ev.Cause != "" && ss.cause == "" {
		ss.cause = ev.Cause
	}
	if ev.Kind == orchestrator.EventEnded && ev.Cause == "" && ss.cause == "" {
		ss.endedWithoutCause = true
	}
}

// noteSIPCause keeps the first SIP status that ended the caller's leg.
func (ss *session) noteSIPCause(ev orchestrator.Event) {
	if ev.SIPCause != "" && ss.caller.SIPHangupCause == "" {
		ss.caller.SIPHangupCause = ev.SIPCause
	}
}

// overflow carries out the ACD's overflow plan.
func (ss *session) overflow(ctx context.Context, t acd.OverflowTarget) {
	ss.svc.overflowed.Add(1)
	ss.caller.Disposition = Overflowed
	ss.stopHold(ctx)
	ss.log.Info("call overflows", "kind", t.Kind.String(), "target", t.Target)
	switch t.Kind {
	case acd.OverflowNumber:
		ss.showExternal(t.Target)
		res, err := ss.sw().Bridge(ctx, ss.call.Key, orchestrator.Endpoint{Kind: orchestrator.EndpointGateway, Gateway: ss.svc.cfg.Gateway, Number: t.Target}, ss.svc.cfg.RingTimeout)
		if err == nil && res.Answered {
			ss.waitCallerEnd(ctx)
			return
		}
		ss.hangup(ctx, orchestrator.CauseNormalCircuitCongest)
	default:
		// Queue, flow and voicemail targets are carried out by the layer that
		// owns them; until it exists the caller is released with a cause.
		ss.hangup(ctx, orchestrator.CauseNormalCircuitCongest)
	}
}

func (ss *session) waitCallerEnd(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case ev, open := <-ss.call.Events:
			if !open || ev.Kind == orchestrator.EventEnded {
				ss.noteHangup(ev)
				return
			}
			if ev.Kind == orchestrator.EventHangup {
				ss.noteHangup(ev)
			}
		}
	}
}

// talk bridges the caller with the agent's answered leg and waits for either
// side to hang up.
//
// release tells the ACD the agent's work ended (an attended transfer that
// hands the caller to someone else releases the agent before the call ends).
func (ss *session) talk(ctx context.Context, r *ringResult, agent string, keepCaller bool, release func()) {
	// Waits for the switch to confirm the music stopped. After a join made
	// by the switch (r.joined) the join already broke it; the break still
	// goes out, for a round sent just after the join, which would play
	// over the bridge (FreeSWITCH runs an app sent to a bridged call inline).
	ss.stopHold(ctx)
	now := ss.now()
	firstAnswer := ss.caller.Answered.IsZero()
	if firstAnswer {
		// the caller's first answer: an agent reached after a blind
		// transfer has it on its own leg's CDR
		ss.caller.Answered, ss.caller.Agent = now, agent
	}
	ss.agentLeg.Answered = now
	ep, _ := ss.svc.cfg.Agents.Endpoint(ss.route.Tenant, agent)
	if ss.route.AnnounceAgent && ep.Extension != "" {
		_ = ss.sw().Play(ctx, ss.call.Key, orchestrator.Playback{Text: "Agent " + ep.Extension})
	}
	if !r.seen.IsZero() && !ss.route.AnnounceAgent && !r.joined {
		ss.svc.observeBridge(time.Since(r.seen)) // the answer seen to uuid_bridge sent, waits included
	}
	var err error
	if !r.joined { // the switch joined them at the answer
		err = ss.sw().BridgeCalls(ctx, ss.call.Key, r.leg)
	}
	if err != nil {
		ss.bridgeFailed(ctx, r, agent, firstAnswer, err)
		return
	}
	ss.caller.Disposition = Answered
	ss.svc.answered.Add(1)
	ss.setView(view{state: StateTalking, queue: ss.route.Queue, agent: agent, agentLeg: r.leg, answered: now})
	defer ss.setView(view{state: StateQueued, queue: ss.route.Queue})
	ss.keepOpen(r.leg)
	ss.notify(NoticeConnected, agent)
	if ss.route.Record {
		p := path.Join(ss.svc.cfg.RecordDir, string(ss.route.Tenant), ss.call.Key.ID+".wav")
		if err := ss.sw().RecordStart(ctx, ss.call.Key, p); err == nil {
			ss.caller.RecordingPath = p
			ss.agentLeg.RecordingPath = p
		} else {
			ss.log.Warn("recording failed to start", "err", err)
		}
	}
	var consult *consultLeg
	defer func() {
		if consult != nil {
			ss.hangupLeg(context.WithoutCancel(ctx), consult.leg, orchestrator.CauseNormalClearing)
			ss.stopHold(ctx) // a caller kept for a flow must not keep the consultation's music
		}
	}()
	for done := false; !done; {
		var consultEnded <-chan orchestrator.Event
		if consult != nil {
			consultEnded = consult.ended
		}
		select {
		case m := <-ss.control:
			switch {
			case m.transfer != nil:
				ss.transfer(ctx, r, *m.transfer)
				return
			case m.hold != nil && consult != nil:
				m.err = ErrConsulting
			case m.hold != nil:
				m.err = ss.holdAgent(ctx, r, *m.hold)
			case m.consult != nil:
				consult, m.err = ss.startConsult(ctx, r, consult, *m.consult)
			case m.complete:
				if consult == nil {
					m.err = ErrNoConsult
					break
				}
				m.err = ss.completeConsult(ctx, r, consult, release)
				if m.err == nil {
					consult = nil
				}
			case m.cancel:
				if consult == nil {
					m.err = ErrNoConsult
					break
				}
				m.err = ss.cancelConsult(ctx, r, consult)
				consult = nil
			}
			m.reply <- m.err
		case ev := <-consultEnded:
			ss.log.Info("consulted party left", "cause", string(ev.Cause))
			consult.ended = nil
			_ = ss.cancelConsult(ctx, r, consult)
			consult = nil
		case <-ctx.Done():
			if ss.handingOver() {
				return // left up on the switch, with its records (HandOver)
			}
			ss.hangupLeg(context.WithoutCancel(ctx), r.leg, orchestrator.CauseNormalClearing)
			ss.agentLeg.HangupCause, ss.agentLeg.Ended = orchestrator.CauseNormalClearing, ss.now()
			done = true
		case ev := <-r.ended:
			cause := ev.Cause
			if cause == "" && ss.handingOver() {
				return // the controller let go of the leg: it is up on the switch
			}
			if cause == "" {
				ss.endedWithoutCause = true // the agent leg vanished: the switch is gone
			}
			ss.agentLeg.HangupCause, ss.agentLeg.SIPHangupCause, ss.agentLeg.Ended = cause, ev.SIPCause, ss.now()
			if !keepCaller || ss.endedWithoutCause {
				ss.hangup(ctx, orchestrator.CauseNormalClearing)
			}
			done = true
		case ev, open := <-ss.call.Events:
			// The caller's stream is read here, between control requests,
			// not by a goroutine of its own: one hand-off less per event,
			// and none is taken from under a transfer's own wait for the
			// caller's end. Only its end matters; a closed stream is an end
			// with no cause.
			if open && ev.Kind != orchestrator.EventEnded && ev.Kind != orchestrator.EventHangup {
				continue
			}
			cause := ev.Cause
			if (!open || cause == "") && ss.handingOver() {
				return // the controller let go of the caller: it is up on the switch
			}
			ss.noteSIPCause(ev)
			if ss.cause == "" {
				ss.cause = cause
			}
			if cause == "" {
				ss.endedWithoutCause = true
			}
			ss.hangupLeg(context.WithoutCancel(ctx), r.leg, orchestrator.CauseNormalClearing)
			ss.agentLeg.HangupCause, ss.agentLeg.Ended = orchestrator.CauseNormalClearing, ss.now()
			done = true
		}
	}
	if ss.lostControl(ctx) {
		ss.caller.Disposition, ss.agentLeg.Disposition = NodeLost, NodeLost
		ss.svc.nodeLost.Add(1)
	}
	ss.notify(NoticeEnded, agent)
}

// callerGoneWait is how long a failed bridge waits for the caller's hang-up
// event before it calls the failure the switch's: the event comes over the
// caller's own socket, the bridge's reply over the node's connection, so
// the reply can be read first.
const callerGoneWait = time.Second

// bridgeFailed ends a call whose bridge to the answered agent leg failed.
// A caller who hangs up just as the agent answers makes uuid_bridge fail
// (-ERR Invalid uuid): that caller abandoned the call (or it was released,
// or the node lost), with the caller's own hang-up cause, and never talked
// to the agent. Only a caller still there when the bridge failed is
// "failed" and hung up with NORMAL_CIRCUIT_CONGESTION.
func (ss *session) bridgeFailed(ctx context.Context, r *ringResult, agent string, firstAnswer bool, err error) {
	if !ss.callerHungUp(ctx, callerGoneWait) {
		ss.log.Warn("bridge failed", "agent", agent, "err", err)
		ss.hangupLeg(ctx, r.leg, orchestrator.CauseNormalCircuitCongest)
		ss.caller.Disposition = Failed
		ss.hangup(ctx, orchestrator.CauseNormalCircuitCongest)
		return
	}
	ss.log.Info("caller hung up as the agent answered: not bridged", "agent", agent, "cause", string(ss.cause), "err", err)
	if firstAnswer {
		ss.caller.Answered, ss.caller.Agent = time.Time{}, ""
	}
	ss.hangupLeg(context.WithoutCancel(ctx), r.leg, orchestrator.CauseNormalClearing)
	ss.agentLeg.HangupCause, ss.agentLeg.Ended = orchestrator.CauseNormalClearing, ss.now()
	ss.callerGone(ctx)
	if ss.caller.Disposition == Abandoned {
		ss.agentLeg.Disposition = CallerAbandoned
	}
}

// callerHungUp reports whether the caller is gone: its context is done,
// or its hang-up (or the end of its events) comes within wait. It reads the
// caller's events, so it is called only while nothing else does.
func (ss *session) callerHungUp(ctx context.Context, wait time.Duration) bool {
	if ctx.Err() != nil {
		ss.noteQueuedHangup()
		return true
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			ss.noteQueuedHangup()
			return true
		case <-t.C:
			return false
		case ev, open := <-ss.call.Events:
			if !open {
				ss.endedWithoutCause = ss.cause == ""
				return true
			}
			if ev.Kind == orchestrator.EventHangup || ev.Kind == orchestrator.EventEnded {
				ss.noteHangup(ev)
				return true
			}
		}
	}
}

// noteQueuedHangup takes the caller's cause from the events already queued
// when its context ended (the context says that it ended, not why).
func (ss *session) noteQueuedHangup() {
	for {
		select {
		case ev, open := <-ss.call.Events:
			if !open {
				return
			}
			if ev.Kind == orchestrator.EventHangup || ev.Kind == orchestrator.EventEnded {
				ss.noteHangup(ev)
			}
		default:
			return
		}
	}
}

// transfer releases the agent and sends the caller to the target (blind
// transfer, AG-3). The caller's CDR says "transferred" with the target.
func (ss *session) transfer(ctx context.Context, r *ringResult, to TransferTo) {
	ss.log.Info("blind transfer", "kind", to.Kind, "target", to.Target, "agent", ss.agentLeg.Agent)
	// FreeSWITCH hangs up the partner of a held leg that hangs up
	// (switch_ivr_bridge.c, CF_LEG_HOLDING): take the agent's leg off hold
	// first, or the caller would go with it.
	if err := ss.holdAgent(ctx, r, false); err != nil {
		ss.log.Warn("unhold before transfer failed", "err", err)
	}
	ss.hangupLeg(ctx, r.leg, orchestrator.CauseNormalClearing)
	// the first agent's leg ends now, handed on, whatever the caller does next
	ss.agentLeg.HangupCause, ss.agentLeg.Ended, ss.agentLeg.Disposition = orchestrator.CauseNormalClearing, ss.now(), Transferred
	ss.caller.Disposition = Transferred
	if to.Kind == "number" {
		ss.showExternal(to.Target)
	} else {
		ss.setView(view{state: StateQueued, queue: ss.route.Queue})
	}
	switch to.Kind {
	case "queue", "agent":
		// Back to the ACD: a queue, or this queue with the agent preferred.
		next := acd.Interaction{ID: ss.call.Key.ID, Tenant: string(ss.route.Tenant), Queue: ss.route.Queue, Medium: acd.Voice, Data: ss.data}
		if to.Kind == "queue" {
			next.Queue = to.Target
		} else {
			next.PreferredAgent = to.Target
		}
		ss.next = &next
		ss.caller.Disposition = ""
	case "number":
		res, err := ss.sw().Bridge(ctx, ss.call.Key, orchestrator.Endpoint{Kind: orchestrator.EndpointGateway, Gateway: ss.svc.cfg.Gateway, Number: to.Target}, ss.svc.cfg.RingTimeout)
		if err != nil || !res.Answered {
			ss.log.Warn("transfer to number failed", "target", to.Target, "err", err, "cause", string(res.Cause))
			ss.hangup(ctx, orchestrator.CauseNormalClearing)
			return
		}
		ss.waitCallerEnd(ctx)
	default: // "dialplan": the switch's dialplan takes the call from here
		if t, ok := ss.svc.cfg.Switch.(orchestrator.Transferrer); ok {
			if err := t.BlindTransfer(ctx, ss.call.Key, to.Target); err == nil {
				return
			} else {
				ss.log.Warn("transfer failed", "target", to.Target, "err", err)
			}
		}
		ss.hangup(ctx, orchestrator.CauseNormalClearing)
	}
}

func (ss *session) hangupLeg(ctx context.Context, leg orchestrator.Key, cause orchestrator.HangupCause) {
	if err := ss.sw().Hangup(ctx, leg, cause); err != nil && !errors.Is(err, orchestrator.ErrNoSuchCall) && !errors.Is(err, orchestrator.ErrCallEnded) {
		ss.log.Warn("agent leg hangup failed", "leg", leg.String(), "err", err)
	}
}

func (ss *session) notify(kind, agent string) {
	if ss.svc.cfg.Notifier == nil {
		return
	}
	ss.svc.cfg.Notifier.Notify(ss.route.Tenant, Notice{Kind: kind, Agent: agent, Call: ss.call.Key, Caller: ss.call.From,
		Number: ss.caller.AccessNumber, Queue: ss.route.Queue, Disposition: string(ss.caller.Disposition),
		Data: ss.data, QueuedAt: ss.caller.Queued, At: ss.now()})
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
