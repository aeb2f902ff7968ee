package calls

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/switchboard-cc/switchboard/acd"
	"github.com/switchboard-cc/switchboard/orchestrator"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// Route is what a dialled number leads to.
type Route struct {
	Tenant       tenancy.TenantID
	Status       tenancy.Status
	Quotas       tenancy.Quotas
	AccessNumber string
	Queue        string // entry queue (the built-in flow: answer, greet, queue)
	Flow         string // entry flow alias; calls without a flow runner are released
	// RingTimeout is the entry queue's offer (RONA) timeout; an agent's phone
	// rings a little longer so the ACD decides. 0: Config.RingTimeout.
	RingTimeout time.Duration
	Language    string
	// Greeting is played after answer; empty plays nothing.
	Greeting orchestrator.Playback
	// AnnounceAgent plays the agent's ID to the caller before bridging (AG-2).
	AnnounceAgent bool
	// Record records answered calls into Config.RecordDir/<tenant>/ on the node.
	Record bool
	// AnnouncePositionEvery tells a waiting caller its position and
	// estimated wait at this interval; 0: never.
	AnnouncePositionEvery time.Duration
}

// Rejection refuses a call with a cause the switch turns into a SIP status.
type Rejection struct {
	Cause  orchestrator.HangupCause
	Reason string
}

func (r *Rejection) Error() string { return fmt.Sprintf("call rejected (%s): %s", r.Cause, r.Reason) }

// Router finds the route of a dialled number. An unknown number is a
// *Rejection with cause UNALLOCATED_NUMBER.
type Router interface {
	Route(ctx context.Context, to string, vars map[string]string, now time.Time) (Route, error)
}

// Queuer is what a call needs from its tenant's ACD owner. The owner calls
// back through Service.Offer, CancelOffer and Overflow.
type Queuer interface {
	Enqueue(ctx context.Context, tenant tenancy.TenantID, in acd.Interaction) error
	Accept(ctx context.Context, tenant tenancy.TenantID, agentID, interactionID string) error
	Reject(ctx context.Context, tenant tenancy.TenantID, agentID, interactionID string) error
	Finish(ctx context.Context, tenant tenancy.TenantID, interactionID string) error
	// Dial records an agent-initiated voice call as the agent's outbound work.
	Dial(ctx context.Context, tenant tenancy.TenantID, agentID, interactionID string) error
	// Position is a waiting interaction's place (1 = next) and estimated wait.
	Position(ctx context.Context, tenant tenancy.TenantID, interactionID string) (int, time.Duration, error)
}

// AgentEndpoint is how an agent is reached.
type AgentEndpoint struct {
	AgentID    string
	Extension  string
	Name       string
	Endpoint   orchestrator.Endpoint // user@domain, or gateway+number in phone mode
	Registered bool                  // phone mode endpoints count as registered
	Node       string                // a node where the phone is registered
	// AnswerMode is how offers reach the agent (AG-2): "" rings the phone
	// and the agent picks up; "auto" rings with auto-answer (headset agents);
	// "desktop" waits for the agent to answer on the desktop (AnswerOffer),
	// then connects the phone with auto-answer.
	AnswerMode string
}

// Answer modes.
const (
	AnswerRing    = ""
	AnswerAuto    = "auto"
	AnswerDesktop = "desktop"
)

// Agents looks up agents' endpoints.
type Agents interface {
	Endpoint(tenant tenancy.TenantID, agentID string) (AgentEndpoint, bool)
}

// Records receives call detail records and screen pops.
type Records interface {
	WriteCDR(ctx context.Context, cdr CDR) error
}

// Notifier receives events for agents' and supervisors' screens (screen pop).
type Notifier interface {
	Notify(tenant tenancy.TenantID, ev Notice)
}

// Notice kinds.
const (
	NoticeOffer     = "offer"     // an agent's phone rings: the screen pop
	NoticeConnected = "connected" // the agent talks to the caller
	NoticeEnded     = "ended"     // the agent's part of the call ended (Disposition)
	NoticeVoicemail = "voicemail" // a flow took a message for a mailbox that notifies (Data: mailbox, voicemail_id)
)

// NoticeKinds lists every kind of Notice.
var NoticeKinds = []string{NoticeOffer, NoticeConnected, NoticeEnded, NoticeVoicemail}

// Notice is one event for a tenant's screens (screen pop).
type Notice struct {
	Kind        string            `json:"kind"` // one of NoticeKinds
	Agent       string            `json:"agent_id"`
	Call        orchestrator.Key  `json:"call"`
	Caller      string            `json:"caller"`
	Number      string            `json:"access_number"`
	Queue       string            `json:"queue_id"`
	Data        map[string]string `json:"data,omitempty"` // attached data (IVR-9, DIST-3)
	Disposition string            `json:"disposition,omitempty"`
	// QueuedAt is when the caller joined the queue (the pop's "waited"),
	// zero when it never waited in one.
	QueuedAt time.Time `json:"queued_at,omitzero"`
	At       time.Time `json:"at"`
}

// Disposition is how a call ended.
type Disposition string

const (
	Answered        Disposition = "answered"
	Abandoned       Disposition = "abandoned"
	Released        Disposition = "released" // hung up through the API (force release) before an agent answered
	Overflowed      Disposition = "overflowed"
	Transferred     Disposition = "transferred"
	SelfService     Disposition = "self_service" // the IVR flow served the caller and ended
	RefusedQuota    Disposition = "refused_over_quota"
	RefusedSuspend  Disposition = "refused_suspended"
	RejectedUnknown Disposition = "rejected_unknown"
	Failed          Disposition = "failed"
	NodeLost        Disposition = "node_lost"
	// Agent legs only: the controller stopped the ringing (hang-up cause
	// ORIGINATOR_CANCEL) because the caller hung up (CallerAbandoned; also a
	// leg that had just answered when the caller left, before the bridge:
	// NORMAL_CLEARING), or
	// because another agent answered, the call overflowed or was released
	// through the API (Cancelled).
	CallerAbandoned Disposition = "caller_abandoned"
	Cancelled       Disposition = "cancelled"
)

// Dispositions is the closed set of dispositions a CDR may carry.
var Dispositions = []Disposition{Answered, Abandoned, Released, Overflowed, Transferred, SelfService, RefusedQuota,
	RefusedSuspend, RejectedUnknown, RefusedBarred, Failed, NodeLost, CallerAbandoned, Cancelled}

// CDR is one leg's record.
type CDR struct {
	Tenant       tenancy.TenantID
	Node         string
	CallID       string
	Leg          string // "caller" or "agent"
	Caller       string
	AccessNumber string
	Queue        string
	Agent        string
	Arrived      time.Time
	Queued       time.Time
	Offered      time.Time
	Answered     time.Time
	Ended        time.Time
	Disposition  Disposition
	HangupCause  orchestrator.HangupCause
	// SIPHangupCause is the SIP status that ended the leg ("200" for a
	// BYE, "486" busy, "487" cancelled), when SIP ended it.
	SIPHangupCause string
	RecordingPath  string
}

// errOverflow ends waiting when the ACD sends the call elsewhere.
var errOverflow = errors.New("overflowed")
