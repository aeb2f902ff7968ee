package orchestrator

import "time"

// EventKind names a call event, the same for every switch.
type EventKind int

const (
	EventUnknown       EventKind = iota
	EventRinging                 // far end is ringing (180/183)
	EventAnswered                // the call was answered
	EventDTMF                    // Digit was pressed
	EventPlayStarted             // media started
	EventPlayStopped             // media finished or was stopped
	EventBridged                 // Peer is bridged with the call
	EventUnbridged               // the bridge with Peer ended
	EventHeld                    // the call was put on hold
	EventUnheld                  // the call was taken off hold
	EventRecordStarted           // recording to Path started
	EventRecordStopped           // recording to Path stopped
	EventHangup                  // the channel hung up with Cause
	EventEnded                   // control of the call ended; last event of the stream
)

var eventKindNames = [...]string{
	EventUnknown:       "unknown",
	EventRinging:       "ringing",
	EventAnswered:      "answered",
	EventDTMF:          "dtmf",
	EventPlayStarted:   "play_started",
	EventPlayStopped:   "play_stopped",
	EventBridged:       "bridged",
	EventUnbridged:     "unbridged",
	EventHeld:          "held",
	EventUnheld:        "unheld",
	EventRecordStarted: "record_started",
	EventRecordStopped: "record_stopped",
	EventHangup:        "hangup",
	EventEnded:         "ended",
}

func (k EventKind) String() string {
	if int(k) < len(eventKindNames) {
		return eventKindNames[k]
	}
	return "unknown"
}

// Event is one typed event of one call.
type Event struct {
	Kind  EventKind
	Call  Key
	At    time.Time   // the controller's clock when the adapter received it
	Seq   uint64      // the switch's sequence number (FreeSWITCH Event-Sequence)
	Digit string      // EventDTMF
	Peer  Key         // EventBridged, EventUnbridged
	Cause HangupCause // EventHangup, EventEnded
	// SIPCause is the SIP status that ended the leg, when SIP ended it
	// (EventHangup; e.g. "200" for a BYE, "486" for busy); empty when the
	// switch ended it itself.
	SIPCause string
	Path     string // EventRecordStarted, EventRecordStopped, EventPlay*
	Vars     map[string]string
}

// NodeEventKind names a node-level event.
type NodeEventKind int

const (
	NodeUp NodeEventKind = iota + 1
	NodeDown
	NodeRegistered   // a SIP user registered (User, Domain, Contact)
	NodeUnregistered // a SIP user unregistered or its registration expired
	NodeHeartbeat
	NodeGatewayState // a SIP gateway or profile changed state (Gateway: its name, State; Reason: "gateway" or "profile")
)

// NodeEvent is a node's health or registration change. Node up/down is
// first-class: on NodeDown every call of that node is to be treated as lost
// until the adapter resynchronises after NodeUp.
type NodeEvent struct {
	Kind    NodeEventKind
	Node    string
	At      time.Time
	User    string
	Domain  string
	Contact string
	Reason  string // NodeDown: why; NodeUnregistered: "unregister" or "expire"
	Calls   []Key  // NodeUp after a reconnect: the calls the node still has
	Gateway string // NodeGatewayState
	State   string // NodeGatewayState: e.g. REGED, FAIL_WAIT, NOREG
}

// NodeWatcher reports node events.
type NodeWatcher interface {
	NodeEvents() <-chan NodeEvent
}
