package orchestrator

import (
	"context"
	"errors"
	"time"
)

// The Switch port. Features depend on the small role interfaces below, not on
// Switch as a whole, so a fake for one feature needs only the verbs it uses.
// Every implementation is held to the same contract suite (orchestrator/switchtest).
//
// Rules every implementation follows (learned from the real switches, see
// ../shared/freeswitch and ../shared/asterisk):
//   - IDs are chosen by the controller (NewCallID) and interest is registered
//     before acting, because events can arrive before the reply that caused them.
//   - A reply alone is never trusted: a verb returns only once the switch's
//     events confirm it (e.g. FreeSWITCH answers +OK to uuid_hold on an unknown call).
//   - Each call's events are delivered in the switch's order, never dropped.
//   - Exactly one EventEnded closes a call's stream, built from each switch's truth
//     (FreeSWITCH outbound sockets never see CHANNEL_DESTROY; ARI may never send
//     ChannelDestroyed and StasisEnd ends control).

// Key addresses a call or another resource (conference, recording) on one node.
// IDs are unique per node; with the node they are unique cluster-wide.
type Key struct {
	Node string `json:"node"`
	ID   string `json:"id"`
}

func (k Key) String() string { return k.Node + "/" + k.ID }

// IsZero reports whether k addresses nothing.
func (k Key) IsZero() bool { return k.Node == "" && k.ID == "" }

// Errors shared by every Switch implementation. Adapters wrap them with %w so
// callers can test with errors.Is.
var (
	ErrNoSuchCall    = errors.New("no such call")
	ErrCallEnded     = errors.New("call ended")
	ErrNodeDown      = errors.New("node down")
	ErrNotRegistered = errors.New("endpoint not registered")
	ErrUnsupported   = errors.New("operation not supported by this switch")
	// ErrJoinFailed: a leg originated with JoinOnAnswer answered, but the
	// call to join had ended or was already joined with another leg, so the
	// switch hung the new leg up (a ring-all loser, a caller who left).
	ErrJoinFailed = errors.New("answered leg not joined")
)

// EndpointKind says how an Endpoint is reached.
type EndpointKind int

const (
	// EndpointUser is a SIP user of a tenant domain (an agent's registered phone).
	EndpointUser EndpointKind = iota + 1
	// EndpointGateway is a number dialled through a named gateway (PSTN, agent's
	// external phone in "pc+phone" mode).
	EndpointGateway
	// EndpointCall is another call already on the switch.
	EndpointCall
)

// Endpoint is where a bridge, transfer or originate goes.
type Endpoint struct {
	Kind    EndpointKind
	User    string // EndpointUser: the SIP user (extension)
	Domain  string // EndpointUser: the tenant's SIP domain
	Gateway string // EndpointGateway
	Number  string // EndpointGateway
	Call    Key    // EndpointCall
}

// HangupCause is a Q.850-style cause name as the switches use them,
// e.g. "NORMAL_CLEARING", "USER_BUSY", "NO_ANSWER", "USER_NOT_REGISTERED".
type HangupCause string

// Common causes the controller sets or tests for.
const (
	CauseNormalClearing       HangupCause = "NORMAL_CLEARING"
	CauseUserBusy             HangupCause = "USER_BUSY"
	CauseNoAnswer             HangupCause = "NO_ANSWER"
	CauseNoUserResponse       HangupCause = "NO_USER_RESPONSE"
	CauseUserNotRegistered    HangupCause = "USER_NOT_REGISTERED"
	CauseCallRejected         HangupCause = "CALL_REJECTED"
	CauseUnallocatedNumber    HangupCause = "UNALLOCATED_NUMBER"
	CauseNormalCircuitCongest HangupCause = "NORMAL_CIRCUIT_CONGESTION"
	CauseOriginatorCancel     HangupCause = "ORIGINATOR_CANCEL"
	CauseLoseRace             HangupCause = "LOSE_RACE"
	// CauseInvalidGateway: the node has no gateway of that name (mod_sofia
	// logs "Invalid Gateway" and fails the leg at once).
	CauseInvalidGateway HangupCause = "INVALID_GATEWAY"
	// CauseOutgoingCallBarred is SIP 403 on FreeSWITCH (CALL_REJECTED is 603).
	CauseOutgoingCallBarred HangupCause = "OUTGOING_CALL_BARRED"
)

// Answerer answers calls.
type Answerer interface {
	Answer(ctx context.Context, call Key) error
	PreAnswer(ctx context.Context, call Key) error
}

// AnswerStarter is an Answerer that can send the answer without waiting for
// the switch to confirm it: StartAnswer returns once the switch has taken
// the command, and verbs sent on the call afterwards run after the answer.
// The channel reports the confirmation once (nil) or why it failed. A
// controller queues the caller, and rings an agent, in the meantime: on
// FreeSWITCH the confirmation is an event, delivered on the event socket's
// own cadence (about 20 ms).
type AnswerStarter interface {
	StartAnswer(ctx context.Context, call Key) (<-chan error, error)
}

// Tone is a sound the switch generates itself, named by what it tells the
// listener. The call path says which tone it means; each adapter renders it
// in its switch's own syntax (FreeSWITCH: a tone_stream:// URL), so no
// switch's syntax leaks into the switch-neutral packages.
type Tone int

const (
	ToneNone Tone = iota
	// ToneHoldFallback replaces hold music a node cannot play: a soft beep
	// every few seconds, so a waiting caller hears that the call is alive
	// rather than dead air. It repeats until stopped.
	ToneHoldFallback
	// ToneBusy: the called party is busy (a few cycles, then it ends).
	ToneBusy
	// ToneReorder: the call cannot be completed (fast busy; a few cycles).
	ToneReorder
	// ToneRecordBeep: a short beep before a recording starts.
	ToneRecordBeep
)

var toneNames = [...]string{ToneNone: "none", ToneHoldFallback: "hold_fallback", ToneBusy: "busy",
	ToneReorder: "reorder", ToneRecordBeep: "record_beep"}

func (t Tone) String() string {
	if t >= 0 && int(t) < len(toneNames) {
		return toneNames[t]
	}
	return "unknown"
}

// Playback is what to play. Exactly one of Files, Text or Tone is set.
type Playback struct {
	// Files are played in order: paths on the node, or URLs the switch
	// itself understands (an operator's flow may name one).
	Files []string
	// Text is spoken by the switch's TTS engine with Voice.
	Text  string
	Voice string
	// Tone is a tone the switch generates.
	Tone Tone
	// Loop repeats until StopPlay or the call ends (music on hold).
	Loop bool
}

// Player plays media into a call. Play blocks until the media finished, was
// stopped (StopPlay, ctx) or the call ended.
type Player interface {
	Play(ctx context.Context, call Key, p Playback) error
	StopPlay(ctx context.Context, call Key) error
}

// CollectSpec describes a DTMF collection (IVR-4).
type CollectSpec struct {
	Min, Max          int
	Terminators       string // e.g. "#"
	ResetKey          string // e.g. "*": clears digits entered so far
	FirstDigitTimeout time.Duration
	InterDigitTimeout time.Duration
	Tries             int      // attempts before giving up; 0 means 1
	Prompt            []string // played before each attempt; a digit stops it
	InvalidPrompt     []string // played after an attempt that failed
	Pattern           string   // regular expression a valid entry must match; empty: any
}

// CollectResult is what the caller entered.
type CollectResult struct {
	Digits     string
	Terminator string // the terminator pressed, if any
	TimedOut   bool   // the last attempt ended on a timeout
	Valid      bool   // Digits satisfy Min/Max/Pattern
}

// DigitCollector collects DTMF digits.
type DigitCollector interface {
	Collect(ctx context.Context, call Key, spec CollectSpec) (CollectResult, error)
}

// Recorder records a call into a file on its node.
type Recorder interface {
	RecordStart(ctx context.Context, call Key, path string) error
	RecordStop(ctx context.Context, call Key, path string) error
}

// BridgeResult is the outcome of a Bridge.
type BridgeResult struct {
	Answered bool
	Peer     Key         // the other leg, when Answered
	Cause    HangupCause // why it failed, when not Answered
}

// Bridger connects calls.
type Bridger interface {
	// Bridge dials the endpoint from the call and returns once the far end
	// answered (the legs are bridged) or the attempt failed. The caller stays up
	// on failure. Timeout 0 uses the switch's default ring time.
	Bridge(ctx context.Context, call Key, to Endpoint, timeout time.Duration) (BridgeResult, error)
	// BridgeCalls joins two existing calls.
	BridgeCalls(ctx context.Context, a, b Key) error
}

// OriginateSpec describes a new outbound leg.
type OriginateSpec struct {
	// ID is chosen by the controller (NewCallID); the call is addressed as
	// Key{Node, ID} and its events are subscribed before it is created.
	ID       string
	Node     string
	To       Endpoint
	CallerID struct{ Name, Number string }
	Timeout  time.Duration
	Vars     map[string]string
	// HoldMusic is what the other party hears while this leg is held (the
	// leg's own hold, Hold on it); zero: the switch's default. Files or a
	// Tone; what the switch cannot carry is left out, so the default plays
	// rather than the call failing over its music.
	HoldMusic Playback
	// JoinOnAnswer, when set, is a call of the same node that the switch
	// itself joins with the new leg the moment the leg answers, with no round
	// trip through the controller: what a caller waits between the agent's
	// answer and hearing the agent is the switch's own time. What the call
	// was playing stops. Originate then returns once the join is confirmed,
	// or with ErrJoinFailed when the call had ended or was already joined
	// with another leg (the switch hangs the new leg up itself). The call
	// stays up when the new leg leaves the join, as after BridgeCalls.
	JoinOnAnswer Key
}

// Originator creates outbound legs. Originate returns once the leg answered
// (and, with JoinOnAnswer, was joined) or failed; the new call's events are
// on the returned stream.
type Originator interface {
	Originate(ctx context.Context, spec OriginateSpec) (Key, <-chan Event, error)
}

// Transferrer moves calls.
type Transferrer interface {
	// BlindTransfer sends the call to a destination of the switch's dialplan.
	BlindTransfer(ctx context.Context, call Key, destination string) error
}

// HoldMuter holds and mutes.
type HoldMuter interface {
	Hold(ctx context.Context, call Key) error
	Unhold(ctx context.Context, call Key) error
	Mute(ctx context.Context, call Key) error
	Unmute(ctx context.Context, call Key) error
}

// Conferencer manages multi-party calls (IVR-7).
type Conferencer interface {
	ConferenceJoin(ctx context.Context, call Key, room string) error
	ConferenceKick(ctx context.Context, node, room, member string) error
	ConferenceMute(ctx context.Context, node, room, member string, mute bool) error
}

// EavesdropMode is how a supervisor joins a call (OPS-13).
type EavesdropMode int

const (
	Listen  EavesdropMode = iota + 1 // hear both sides, be heard by none
	Whisper                          // be heard by the agent only
	Barge                            // be heard by both
)

// Eavesdropper lets a supervisor's call monitor another call.
type Eavesdropper interface {
	Eavesdrop(ctx context.Context, supervisor Key, target Key, mode EavesdropMode) error
}

// CallData sets and reads per-call variables, and sends DTMF.
type CallData interface {
	SetVar(ctx context.Context, call Key, name, value string) error
	GetVar(ctx context.Context, call Key, name string) (string, error)
	SendDTMF(ctx context.Context, call Key, digits string) error
}

// Hanger hangs up calls.
type Hanger interface {
	Hangup(ctx context.Context, call Key, cause HangupCause) error
}

// Switch is everything a switch adapter offers. Most code should take one of
// the role interfaces instead.
type Switch interface {
	Answerer
	Player
	DigitCollector
	Recorder
	Bridger
	Originator
	Transferrer
	HoldMuter
	Conferencer
	Eavesdropper
	CallData
	Hanger
}

// InboundCall is a call the switch hands to the controller (FreeSWITCH's
// socket application, Asterisk's Stasis).
type InboundCall struct {
	Key    Key
	From   string            // caller number (ANI)
	To     string            // dialled number (DNIS)
	Vars   map[string]string // channel variables set by the dialplan, e.g. sb_tenant
	Events <-chan Event      // this call's events in order; closed after EventEnded
}

// CallHandler runs one call's session. It is called on a goroutine owned by the
// adapter; ctx is cancelled with cause ErrCallEnded when the call ends.
type CallHandler func(ctx context.Context, call InboundCall)

// InboundAcceptor delivers calls that the switch hands to the controller.
type InboundAcceptor interface {
	// ServeCalls runs h for every inbound call until ctx is done.
	ServeCalls(ctx context.Context, h CallHandler) error
}
