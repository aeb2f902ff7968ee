package calls

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard-cc/switchboard/acd"
	"github.com/switchboard-cc/switchboard/orchestrator"
	"github.com/switchboard-cc/switchboard/orchestrator/admission"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// A restart loses no call (issue 13). The switch is the source of truth for
// calls in progress: at a graceful stop (HandOver) the controller writes on
// each connected caller's channel what it needs to take the call back (the
// open records of its two legs, HandoverVar) and leaves the call up; on start
// and on every node reconnect (Readopt) it reads that back from the node's
// channels, takes the caller and its agent's leg back over the node's
// connection, shows the call live again, puts the agent back to busy in the
// ACD, and writes each leg's record once, when the call really ends.
//
// What the switch does with a connected caller meanwhile: the caller's
// socket application ends when its socket closes, but the bridge
// application it runs inside it goes on until a side hangs up; then the
// caller would go on with the extension (the served fallback: it rang
// every phone of the tenant). HandOver therefore sets hangup_after_bridge
// on the caller (and clears the park_after_bridge the join set, which would
// win), which FreeSWITCH reads when the bridge ends
// (switch_ivr_bridge.c, switch_ivr_multi_threaded_bridge: "hup =
// switch_channel_get_variable(caller_channel,
// SWITCH_HANGUP_AFTER_BRIDGE_VARIABLE)"): the caller leaves with its agent,
// with or without a controller, and never reaches the fallback.

// HandoverVar is the caller channel variable that holds a handed-over call's
// open records (handover.encode).
const HandoverVar = "sb_handover"

// FallbackDialVar is the channel variable the served dialplan's fallback
// dials (xmlcurl sets it before the socket); HandOver and Readopt empty it
// on every call they touch, so a call whose controller let go never rings
// the tenant's phones, ready or not (an empty bridge does nothing:
// mod_dptools.c audio_bridge_function, "if (zstr(data)) return;").
const FallbackDialVar = "sb_fallback_dial"

// ErrAdopted: a call taken back after a restart accepts no call control
// but hang-up (Release) until it ends.
var ErrAdopted = errors.New("call taken back after a restart: no call control until it ends")

// Adopter is the part of a switch that takes calls back after a restart.
type Adopter interface {
	// Adopt starts tracking a call the switch has but the controller does
	// not; its events follow on the stream.
	Adopt(ctx context.Context, key orchestrator.Key) (<-chan orchestrator.Event, error)
	// NodeVar reads a variable of any channel of a node.
	NodeVar(ctx context.Context, key orchestrator.Key, name string) (string, error)
}

// Detacher lets go of a call without ending it: the end of its session no
// longer hangs it up.
type Detacher interface {
	Detach(key orchestrator.Key) error
}

// QueueAdopter is the part of the ACD that puts an adopted call back on its
// agent (acd.ACD.Adopt).
type QueueAdopter interface {
	Adopt(ctx context.Context, tenant tenancy.TenantID, agent string, in acd.Interaction, accepted time.Time) error
}

// handover is what a connected call's records need to be written once
// after a restart: the caller's and its agent leg's open CDR fields.
type handover struct {
	// waiting: the call waited in queue (no agent, leg or answer yet); it
	// queues again when taken back.
	waiting      bool
	data         map[string]string // a waiting call's attached data
	tenant       tenancy.TenantID
	queue        string
	agent        string
	leg          string // the agent leg's call ID, on the caller's node
	from, number string
	arrived      time.Time
	queued       time.Time
	answered     time.Time // the caller's first answer by an agent
	offered      time.Time // the agent leg's offer
	legAnswered  time.Time
	recording    string
}

func (h handover) encode() string {
	v := url.Values{}
	v.Set("v", "1")
	v.Set("t", string(h.tenant))
	v.Set("q", h.queue)
	v.Set("a", h.agent)
	v.Set("l", h.leg)
	v.Set("f", h.from)
	v.Set("n", h.number)
	v.Set("r", h.recording)
	if h.waiting {
		v.Set("k", "q")
	}
	for k, d := range h.data {
		v.Set("d."+k, d)
	}
	for k, t := range map[string]time.Time{"ar": h.arrived, "qu": h.queued, "an": h.answered, "of": h.offered, "la": h.legAnswered} {
		if !t.IsZero() {
			v.Set(k, strconv.FormatInt(t.UnixMilli(), 10))
		}
	}
	return v.Encode()
}

func parseHandover(s string) (handover, error) {
	v, err := url.ParseQuery(s)
	if err != nil {
		return handover{}, err
	}
	if v.Get("v") != "1" {
		return handover{}, fmt.Errorf("handover record version %q", v.Get("v"))
	}
	h := handover{tenant: tenancy.TenantID(v.Get("t")), queue: v.Get("q"), agent: v.Get("a"), leg: v.Get("l"),
		from: v.Get("f"), number: v.Get("n"), recording: v.Get("r"), waiting: v.Get("k") == "q"}
	for k := range v {
		if name, ok := strings.CutPrefix(k, "d."); ok {
			if h.data == nil {
				h.data = map[string]string{}
			}
			h.data[name] = v.Get(k)
		}
	}
	for k, t := range map[string]*time.Time{"ar": &h.arrived, "qu": &h.queued, "an": &h.answered, "of": &h.offered, "la": &h.legAnswered} {
		if s := v.Get(k); s != "" {
			ms, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return handover{}, fmt.Errorf("handover record %s: %w", k, err)
			}
			*t = time.UnixMilli(ms).UTC()
		}
	}
	if h.tenant == "" || h.queue == "" && h.waiting || !h.waiting && (h.agent == "" || h.leg == "") {
		return handover{}, errors.New("handover record without tenant, queue, agent or agent leg")
	}
	return h, nil
}

// keepOpen notes, as the call is connected, what HandOver would leave on the
// switch. Called on the session's goroutine, which owns the records.
func (ss *session) keepOpen(leg orchestrator.Key) {
	ss.connected = true
	h := &handover{tenant: ss.route.Tenant, queue: ss.route.Queue, agent: ss.agentLeg.Agent, leg: leg.ID,
		from: ss.call.From, number: ss.caller.AccessNumber, arrived: ss.caller.Arrived, queued: ss.caller.Queued,
		answered: ss.caller.Answered, offered: ss.agentLeg.Offered, legAnswered: ss.agentLeg.Answered,
		recording: ss.agentLeg.RecordingPath}
	ss.svc.mu.Lock()
	ss.open = h
	ss.svc.mu.Unlock()
}

// keepWaiting notes, as the call waits in a queue, what HandOver would
// leave on the switch for it.
func (ss *session) keepWaiting(in acd.Interaction) {
	h := &handover{waiting: true, tenant: ss.route.Tenant, queue: in.Queue, from: ss.call.From, number: ss.caller.AccessNumber,
		arrived: ss.caller.Arrived, queued: ss.caller.Queued, data: maps.Clone(in.Data)}
	ss.svc.mu.Lock()
	ss.open = h
	ss.svc.mu.Unlock()
}

// handingOver reports, on the session's goroutine, whether the end it sees
// is the controller's stop with this call handed over (HandOver): then the
// session leaves the call as it is (no hang-up, no record; a connected
// call's agent stays busy with it).
func (ss *session) handingOver() bool {
	if ss.handed.Load() {
		ss.handedOver = true
	}
	return ss.handedOver
}

// HandOver is the controller's graceful stop for calls: from now on no
// session ends its call or writes its records because the controller
// stops, and every connected call gets its open records (HandoverVar) and
// hangup_after_bridge on the switch, with the served fallback's dial string
// emptied. Call it while the switch is still connected, before the calls'
// contexts end. It returns how many calls were handed over. Calls not yet
// connected to an agent (in a flow, queued, ringing) end as before, with
// their records (node_lost).
func (s *Service) HandOver(ctx context.Context) int {
	s.handover.Store(true)
	cd, ok := s.cfg.Switch.(orchestrator.CallData)
	if !ok {
		return 0
	}
	type open struct {
		key orchestrator.Key
		h   handover
		ss  *session
	}
	var calls []open
	s.mu.Lock()
	for _, ss := range s.sessions {
		o := ss.open
		switch {
		case o == nil:
		case !o.waiting && ss.view.state == StateTalking && ss.view.agentLeg.ID == o.leg,
			o.waiting && ss.inQueue && ss.view.state == StateQueued:
			calls = append(calls, open{ss.call.Key, *o, ss})
		}
	}
	s.mu.Unlock()
	n := 0
	for _, c := range calls {
		if c.h.waiting {
			if err := s.handOverWaiting(ctx, cd, c.ss, c.h); err != nil {
				s.cfg.Log.Warn("waiting call not handed over", "call", c.key.String(), "err", err)
				continue
			}
			n++
			s.cfg.Log.Info("waiting call handed over: parked on the switch", "call", c.key.String(),
				"tenant", string(c.h.tenant), "queue", c.h.queue)
			continue
		}
		// The join set park_after_bridge on the caller (the controller
		// decides what a caller does after its agent); with no controller
		// the caller leaves with its agent.
		err := cd.SetVar(ctx, c.key, "park_after_bridge", "false")
		if err == nil {
			err = cd.SetVar(ctx, c.key, "hangup_after_bridge", "true")
		}
		if err == nil {
			err = cd.SetVar(ctx, c.key, FallbackDialVar, "")
		}
		if err == nil {
			err = cd.SetVar(ctx, c.key, HandoverVar, c.h.encode())
		}
		if err == nil {
			// The agent's leg hangs up with the caller instead of parking
			// (park_after_bridge is for the controller's transfers).
			leg := orchestrator.Key{Node: c.key.Node, ID: c.h.leg}
			err = cd.SetVar(ctx, leg, "park_after_bridge", "false")
		}
		if d, ok := s.cfg.Switch.(Detacher); ok && err == nil {
			err = d.Detach(c.key)
		}
		if err != nil {
			s.cfg.Log.Warn("call not handed over", "call", c.key.String(), "err", err)
			continue
		}
		c.ss.handed.Store(true)
		n++
		s.cfg.Log.Info("call handed over: left up on the switch, its records open", "call", c.key.String(),
			"tenant", string(c.h.tenant), "agent", c.h.agent, "agent_leg", c.h.leg)
	}
	return n
}

// handOverWaiting leaves a waiting caller on the switch: the fallback's
// dial string emptied, its record set, let go of, then parked (Parker: out
// of the socket application, which would go on to the fallback when its
// socket closes and its music ends) until it is taken back; it waits in
// silence meanwhile.
//
// The session is marked handed over once the record is on the switch,
// before the park, whose events it may see: from then on it ends quietly
// and the next start takes the call back, parked or not.
func (s *Service) handOverWaiting(ctx context.Context, cd orchestrator.CallData, ss *session, h handover) error {
	key := ss.call.Key
	p, ok := s.cfg.Switch.(Parker)
	if !ok {
		return errors.New("the switch cannot park a call")
	}
	if err := cd.SetVar(ctx, key, FallbackDialVar, ""); err != nil {
		return err
	}
	if err := cd.SetVar(ctx, key, HandoverVar, h.encode()); err != nil {
		return err
	}
	ss.handed.Store(true)
	if d, ok := s.cfg.Switch.(Detacher); ok {
		if err := d.Detach(key); err != nil {
			return err
		}
	}
	return p.Park(ctx, key)
}

// Readopt takes back the calls a node has that this controller handed over
// (HandoverVar) and does not run: after a restart, on the node's first
// NodeUp, or after a reconnect. calls are the node's channels (NodeUp.Calls).
// Each adopted call is watched on a goroutine of its own until it ends (or
// ctx ends: handed over again); Wait waits for them. It returns how many it
// took back.
func (s *Service) Readopt(ctx context.Context, calls []orchestrator.Key) int {
	ad, ok := s.cfg.Switch.(Adopter)
	if !ok {
		return 0
	}
	n := 0
	for _, k := range calls {
		s.mu.Lock()
		_, running := s.sessions[k.ID]
		s.mu.Unlock()
		if running {
			continue
		}
		v, err := ad.NodeVar(ctx, k, HandoverVar)
		if err != nil || v == "" {
			continue // not ours to take back (an agent leg, a call in the fallback), or gone
		}
		h, err := parseHandover(v)
		if err != nil {
			s.cfg.Log.Warn("handed-over call not taken back: bad record", "call", k.String(), "err", err)
			continue
		}
		took := false
		if h.waiting {
			took = s.adoptWaiting(ctx, ad, k, h)
		} else {
			took = s.adopt(ctx, ad, k, h)
		}
		if took {
			n++
		}
	}
	return n
}

// adopt takes one handed-over call back and starts its watch.
func (s *Service) adopt(ctx context.Context, ad Adopter, k orchestrator.Key, h handover) bool {
	log := s.cfg.Log.With("call", k.String(), "tenant", string(h.tenant), "agent", h.agent)
	events, err := ad.Adopt(ctx, k)
	if err != nil {
		log.Warn("handed-over call not taken back", "err", err)
		return false
	}
	legKey := orchestrator.Key{Node: k.Node, ID: h.leg}
	legEvents, err := ad.Adopt(ctx, legKey)
	if err != nil {
		log.Warn("handed-over call's agent leg is gone: the call ends", "leg", legKey.String(), "err", err)
		closed := make(chan orchestrator.Event)
		close(closed)
		legEvents = closed
	}
	ss := newSession(s, orchestrator.InboundCall{Key: k, From: h.from, To: h.number, Events: events})
	ss.log = log
	ss.route = Route{Tenant: h.tenant, Queue: h.queue, AccessNumber: h.number}
	ss.caller = CDR{Tenant: h.tenant, Node: k.Node, CallID: k.ID, Leg: "caller", Caller: h.from, AccessNumber: h.number,
		Queue: h.queue, Agent: h.agent, Arrived: h.arrived, Queued: h.queued, Answered: h.answered,
		Disposition: Answered, RecordingPath: h.recording}
	leg := &CDR{Tenant: h.tenant, Node: k.Node, CallID: h.leg, Leg: "agent", Caller: h.from, AccessNumber: h.number,
		Queue: h.queue, Agent: h.agent, Arrived: h.offered, Offered: h.offered, Answered: h.legAnswered, RecordingPath: h.recording}
	ss.legs, ss.agentLeg = []*CDR{leg}, leg
	release := s.readmit(ctx, ss, log)
	if qa, ok := s.cfg.Queuer.(QueueAdopter); ok {
		in := acd.Interaction{ID: k.ID, Tenant: string(h.tenant), Queue: h.queue, Medium: acd.Voice,
			Data: map[string]string{"caller": h.from, "access_number": h.number}}
		if err := qa.Adopt(ctx, h.tenant, h.agent, in, h.legAnswered); err != nil {
			log.Warn("ACD did not take the call back on its agent", "err", err)
		}
	}
	if cd, ok := s.cfg.Switch.(orchestrator.CallData); ok {
		// a controller that took the call back lets go of it by hanging
		// up, never into the fallback
		_ = cd.SetVar(ctx, k, FallbackDialVar, "")
	}
	s.register(ss)
	ss.setView(view{state: StateTalking, queue: h.queue, agent: h.agent, agentLeg: legKey, answered: h.legAnswered})
	s.mu.Lock()
	ss.open = &h
	s.mu.Unlock()
	log.Info("handed-over call taken back", "agent_leg", legKey.String())
	s.active.Add(1)
	s.adopted.Add(1)
	go func() {
		defer s.adopted.Done()
		defer s.active.Add(-1)
		defer release()
		ss.watchAdopted(ctx, legEvents)
	}()
	return true
}

// readmit takes the call's place in its tenant's PSTN quota again; a call
// already up is never refused for it.
func (s *Service) readmit(ctx context.Context, ss *session, log interface{ Warn(string, ...any) }) admission.Release {
	none := func() {}
	r, err := s.cfg.Router.Route(ctx, ss.route.AccessNumber, map[string]string{"sb_tenant": string(ss.route.Tenant)}, s.cfg.Now())
	if err != nil || r.Tenant != ss.route.Tenant {
		return none
	}
	holder := admission.Holder{Node: ss.call.Key.Node, ID: ss.call.Key.ID}
	release, err := s.cfg.Admission.Admit(ss.route.Tenant, tenancy.ResourcePSTNCalls, holder, r.Quotas.MaxPSTNCalls)
	if err != nil {
		log.Warn("taken-back call over the tenant's quota: kept, not counted", "err", err)
		return none
	}
	return release
}

// Wait waits until every call taken back by Readopt has ended or was
// handed over again (their ctx ended).
func (s *Service) Wait() { s.adopted.Wait() }

// watchAdopted is an adopted call's session: it waits for either side to
// hang up, hangs up the other, and writes both records once, with the end
// it saw. Call control is refused (ErrAdopted).
func (ss *session) watchAdopted(ctx context.Context, legEvents <-chan orchestrator.Event) {
	defer ss.svc.unregister(ss)
	leg := ss.agentLeg
	for done := false; !done; {
		select {
		case <-ctx.Done():
			ss.handedOver = true // the controller stops: the call stays on the switch, still handed over
			return
		case m := <-ss.control:
			if m.reply != nil {
				m.reply <- ErrAdopted
			} else {
				ss.log.Warn("call control refused on a call taken back after a restart", "err", ErrAdopted)
			}
		case ev, open := <-legEvents:
			if open && ev.Kind != orchestrator.EventHangup && ev.Kind != orchestrator.EventEnded {
				continue
			}
			if ss.adoptedLost(open, ev) {
				return
			}
			leg.HangupCause, leg.SIPHangupCause, leg.Ended = ev.Cause, ev.SIPCause, ss.now()
			ss.hangup(context.WithoutCancel(ctx), orchestrator.CauseNormalClearing)
			done = true
		case ev, open := <-ss.call.Events:
			if open && ev.Kind != orchestrator.EventHangup && ev.Kind != orchestrator.EventEnded {
				continue
			}
			if ss.adoptedLost(open, ev) {
				return
			}
			ss.noteHangup(ev)
			ss.hangupLeg(context.WithoutCancel(ctx), orchestrator.Key{Node: ss.call.Key.Node, ID: leg.CallID}, orchestrator.CauseNormalClearing)
			leg.HangupCause, leg.Ended = orchestrator.CauseNormalClearing, ss.now()
			done = true
		}
	}
	if ss.endedWithoutCause {
		ss.caller.Disposition, leg.Disposition = NodeLost, NodeLost
	}
	if err := ss.svc.cfg.Queuer.Finish(context.WithoutCancel(ctx), ss.route.Tenant, ss.call.Key.ID); err != nil {
		ss.log.Warn("ACD finish failed", "err", err)
	}
	ss.notify(NoticeEnded, leg.Agent)
	ss.writeRecords()
}

// adoptedLost reports whether an adopted call's stream ended because the
// controller is stopping with its calls handed over (then nothing is
// recorded); an end with no cause otherwise is the node lost.
func (ss *session) adoptedLost(open bool, ev orchestrator.Event) bool {
	if (!open || ev.Cause == "") && (ss.handingOver() || ss.svc.handover.Load()) {
		ss.handedOver = true
		return true
	}
	if !open || (ev.Kind == orchestrator.EventEnded && ev.Cause == "") {
		ss.endedWithoutCause = true
	}
	return false
}

// Running reports whether the call path runs the call whose interaction is
// id: an inbound call (its caller's call ID) or an agent-placed one.
func (s *Service) Running(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions[id] != nil || s.dials[id] != nil
}

// Parker takes a call out of whatever it runs, its outbound socket's
// application included, into a plain park that outlives the socket, where
// a controller drives it over the node's connection.
type Parker interface {
	Park(ctx context.Context, key orchestrator.Key) error
}

// adoptWaiting takes back a caller that waited in a queue when the
// controller stopped: parked first (out of the socket application, whose
// end would send it into the fallback), then queued again as a new wait in
// its queue (the ACD dropped it at the stop); its arrival and first queue
// times are kept for its record.
func (s *Service) adoptWaiting(ctx context.Context, ad Adopter, k orchestrator.Key, h handover) bool {
	log := s.cfg.Log.With("call", k.String(), "tenant", string(h.tenant), "queue", h.queue)
	events, err := ad.Adopt(ctx, k)
	if err != nil {
		log.Warn("handed-over waiting call not taken back", "err", err)
		return false
	}
	if p, ok := s.cfg.Switch.(Parker); ok {
		if err := p.Park(ctx, k); err != nil {
			log.Warn("handed-over waiting call not parked: taken back as it is", "err", err)
		}
	}
	vars := map[string]string{"sb_tenant": string(h.tenant)}
	r, err := s.cfg.Router.Route(ctx, h.number, vars, s.cfg.Now())
	if err != nil || r.Tenant != h.tenant {
		r = Route{Tenant: h.tenant, Status: tenancy.StatusActive, AccessNumber: h.number}
	}
	r.Queue, r.Greeting = h.queue, orchestrator.Playback{}
	ss := newSession(s, orchestrator.InboundCall{Key: k, From: h.from, To: h.number, Vars: vars, Events: events})
	ss.log = log
	ss.route = r
	ss.caller.Tenant, ss.caller.Queue, ss.caller.AccessNumber = h.tenant, h.queue, h.number
	ss.caller.Arrived, ss.caller.Queued = h.arrived, h.queued
	release := s.readmit(ctx, ss, log)
	s.register(ss)
	log.Info("handed-over waiting call taken back: queued again")
	in := acd.Interaction{ID: k.ID, Tenant: string(h.tenant), Queue: h.queue, Medium: acd.Voice, Data: h.data}
	s.active.Add(1)
	s.adopted.Add(1)
	go func() {
		defer s.adopted.Done()
		defer s.active.Add(-1)
		defer release()
		defer s.unregister(ss)
		ss.queueAndConnect(ctx, in, false)
		if ss.handedOver || ctx.Err() != nil && !ss.connected {
			// the controller stopped again before an agent took it: the
			// channel still has its record, the next start takes it back
			ss.handedOver = true
			return
		}
		ss.writeRecords()
	}()
	return true
}
