package calls

import (
	"sort"
	"time"

	"github.com/switchboard-cc/switchboard/ivrflows"
	"github.com/switchboard-cc/switchboard/orchestrator"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// The live-call list (OPS-13 wallboards): every call of a tenant that is up,
// inbound from the moment its session admits it until it ends, and
// agent-placed from Dial until it ends, each with where it is now.

// CallView is one live call as supervisors and agents see it.
type CallView struct {
	CallID string `json:"call_id"`
	Node   string `json:"node"`
	// Caller placed the call: the caller's number (inbound) or the agent's
	// extension (outbound, internal).
	Caller string `json:"caller"`
	// Number is what was dialled: the tenant's access number (inbound), the
	// external number (outbound) or the called agent's extension (internal).
	Number string `json:"access_number"`
	// Queue is the queue an inbound call waits or was answered in; empty
	// before any queue (in its first IVR flow) and for agent-placed calls.
	Queue    string    `json:"queue_id"`
	Agent    string    `json:"agent_id,omitempty"`
	State    CallState `json:"state"`
	Arrived  time.Time `json:"arrived_at"`
	Answered time.Time `json:"answered_at,omitzero"`
	// Flow and FlowNode are the IVR flow (its ID) and the node an inbound
	// call is in, in states ivr and voicemail (FlowNode may be empty for a
	// moment while the flow starts).
	Flow     string `json:"flow_id,omitempty"`
	FlowNode string `json:"flow_node,omitempty"`
	// External is the outside number an inbound caller is bridged or being
	// bridged to, in state external.
	External  string    `json:"external_number,omitempty"`
	Direction Direction `json:"direction"`
	// Remote is the other party's number as the agent sees it: the caller,
	// the dialled number, or the called agent's extension.
	Remote      string `json:"remote_number"`
	RemoteAgent string `json:"remote_agent_id,omitempty"` // internal calls: the called agent
	// Held: the agent put the other party on hold (it hears hold music).
	// Muted: the agent's microphone is muted toward the other party.
	Held  bool `json:"held"`
	Muted bool `json:"muted"`
}

// view is a call's changing part of its CallView, and what call control
// acts on; guarded by Service.mu.
type view struct {
	state      CallState
	queue      string // the queue the call waits or was answered in
	flow, node string // states ivr and voicemail
	external   string // state external: the outside number
	agent      string
	agentLeg   orchestrator.Key
	answered   time.Time
	// held and muted are what call control last did to agentLeg and the
	// switch confirmed; a new agent leg (a new view) starts with neither.
	held, muted bool
}

// LiveChangeKind says what happened to a live call.
type LiveChangeKind string

const (
	// LiveAppeared: the call is up: an inbound call admitted, or a call an
	// agent placed.
	LiveAppeared LiveChangeKind = "appeared"
	// LiveChanged: its line changed: state, queue, flow node, agent, answer
	// time, held or muted.
	LiveChanged LiveChangeKind = "changed"
	// LiveEnded: it is no longer up (the line as it was last).
	LiveEnded LiveChangeKind = "ended"
)

// LiveChangeKinds lists every kind of change, in a call's order.
func LiveChangeKinds() []LiveChangeKind {
	return []LiveChangeKind{LiveAppeared, LiveChanged, LiveEnded}
}

// LiveChange is one change of a tenant's live-call list: the call's line
// after it, and when the controller saw it.
type LiveChange struct {
	Kind LiveChangeKind
	Call CallView
	At   time.Time
}

// SubscribeLive returns the tenant's live calls now and a subscription to
// every later change of them (buffer n), taken together under the lock the
// changes are made under, so that no change is missed or seen twice. A
// subscriber that falls a whole buffer behind is dropped; the call path
// never waits for one.
func (s *Service) SubscribeLive(tenant tenancy.TenantID, n int) ([]CallView, *Subscription[LiveChange]) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.liveCallsLocked(tenant), s.live.subscribe(tenant, n)
}

// LiveDropped counts live-call subscribers dropped for falling behind.
func (s *Service) LiveDropped() int64 { return s.live.dropped.Load() }

// publishLocked tells the tenant's subscribers about a call's line; a
// "changed" that changes nothing since the last one told is not sent.
// shown is what was last told. Service.mu is held, so the changes of the
// list reach subscribers in the order they were made.
func (s *Service) publishLocked(tenant tenancy.TenantID, kind LiveChangeKind, row CallView, shown *CallView) {
	if kind == LiveChanged && row == *shown {
		return
	}
	*shown = row
	s.live.publish(tenant, LiveChange{Kind: kind, Call: row, At: s.cfg.Now()})
}

// changedLocked publishes the session's line if it changed; Service.mu is held.
func (ss *session) changedLocked() {
	ss.svc.publishLocked(ss.route.Tenant, LiveChanged, ss.rowLocked(), &ss.shown)
}

// changedLocked publishes the agent-placed call's line if it changed;
// Service.mu is held.
func (d *dialing) changedLocked() {
	d.svc.publishLocked(d.tenant, LiveChanged, d.rowLocked(), &d.shown)
}

// LiveCalls lists the tenant's calls that are up, inbound and agent-placed,
// oldest first.
func (s *Service) LiveCalls(tenant tenancy.TenantID) []CallView {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.liveCallsLocked(tenant)
}

func (s *Service) liveCallsLocked(tenant tenancy.TenantID) []CallView {
	var out []CallView
	for _, ss := range s.sessions {
		if ss.route.Tenant == tenant {
			out = append(out, ss.rowLocked())
		}
	}
	for _, d := range s.dials {
		if d.tenant == tenant {
			out = append(out, d.rowLocked())
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Arrived.Before(out[j].Arrived) })
	return out
}

// rowLocked is an inbound call's line in the list; Service.mu is held.
func (ss *session) rowLocked() CallView {
	v := ss.row
	v.State, v.Queue, v.Flow, v.FlowNode, v.External = ss.view.state, ss.view.queue, ss.view.flow, ss.view.node, ss.view.external
	if ss.view.agent != "" {
		v.Agent, v.Answered = ss.view.agent, ss.view.answered
	}
	v.Held, v.Muted = ss.view.held, ss.view.muted
	return v
}

// markLeg records a confirmed hold or mute on the call's view, if the call
// still has the same agent leg (it may have ended or moved on meanwhile).
func (s *Service) markLeg(tenant tenancy.TenantID, callID string, leg orchestrator.Key, mark func(*view)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ss := s.sessions[callID]; ss != nil && ss.route.Tenant == tenant {
		if ss.view.agentLeg == leg {
			mark(&ss.view)
			ss.changedLocked()
		}
	} else if d := s.dials[callID]; d != nil && d.tenant == tenant && d.view.agentLeg == leg {
		mark(&d.view)
		d.changedLocked()
	}
}

// register lists an admitted inbound call: from now until unregister it is
// in LiveCalls and call control finds it. ACD plans reach it only while it
// is in a queue (enterQueue).
func (s *Service) register(ss *session) {
	v := view{state: StateQueued, queue: ss.route.Queue}
	if ss.route.Queue == "" {
		v.state = StateIVR
	}
	s.mu.Lock()
	ss.row = CallView{CallID: ss.call.Key.ID, Node: ss.call.Key.Node, Caller: ss.call.From, Number: ss.caller.AccessNumber,
		Arrived: ss.caller.Arrived, Direction: Inbound, Remote: ss.call.From}
	ss.view = v
	s.sessions[ss.call.Key.ID] = ss
	s.publishLocked(ss.route.Tenant, LiveAppeared, ss.rowLocked(), &ss.shown)
	s.mu.Unlock()
}

func (s *Service) unregister(ss *session) {
	s.mu.Lock()
	if s.sessions[ss.call.Key.ID] == ss {
		delete(s.sessions, ss.call.Key.ID)
		s.publishLocked(ss.route.Tenant, LiveEnded, ss.rowLocked(), &ss.shown)
	}
	s.mu.Unlock()
}

// enterQueue shows the call waiting in its queue and lets the ACD's plans
// reach it (Service.deliver) until leaveQueue.
func (ss *session) enterQueue() {
	ss.svc.mu.Lock()
	ss.inQueue = true
	ss.view = view{state: StateQueued, queue: ss.route.Queue}
	ss.changedLocked()
	ss.svc.mu.Unlock()
}

// leaveQueue stops the ACD's plans: later ones are stale.
func (ss *session) leaveQueue() {
	ss.svc.mu.Lock()
	ss.inQueue = false
	ss.svc.mu.Unlock()
}

func (ss *session) setView(v view) {
	ss.svc.mu.Lock()
	ss.view = v
	ss.changedLocked()
	ss.svc.mu.Unlock()
}

// showRings shows a queued call as ringing while an offered phone rings.
func (ss *session) showRings(n int) {
	st := StateQueued
	if n > 0 {
		st = StateRinging
	}
	ss.svc.mu.Lock()
	ss.view.state = st
	ss.changedLocked()
	ss.svc.mu.Unlock()
}

// showExternal shows the caller bridged (or being bridged) to number.
func (ss *session) showExternal(number string) {
	ss.setView(view{state: StateExternal, queue: ss.route.Queue, external: number})
}

// showFlow shows the call in flow, before its first node.
func (ss *session) showFlow(flow string) {
	ss.flowID, ss.flowNode, ss.flowNodeType = flow, "", ""
	ss.showIVR()
}

// atNode is the flow's Meta.OnNode: the call entered node.
func (ss *session) atNode(node string, typ ivrflows.NodeType) {
	ss.flowNode, ss.flowNodeType = node, typ
	ss.showIVR()
}

// showIVR shows the call in its flow, at the node it is in (a voicemail
// node: voicemail); the session calls it whenever the flow takes the call
// back (after a queue, an agent leg or a failed transfer).
func (ss *session) showIVR() {
	st := StateIVR
	if ss.flowNodeType == ivrflows.NodeVoicemail {
		st = StateVoicemail
	}
	ss.setView(view{state: st, queue: ss.route.Queue, flow: ss.flowID, node: ss.flowNode})
}
