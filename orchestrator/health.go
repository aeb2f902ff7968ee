package orchestrator

import "time"

// Node health: what a switch adapter learned of each node's optional
// resources (its hold music, its SIP gateways) by asking the node when it
// connected, again on every reconnect and on a schedule while it stays up.
// The call path reads it to skip a step that is known to fail — play the
// fallback tone at once on a node without music, refuse a dial-out through a
// gateway the node lacks before any phone rings — instead of trying it on a
// caller first. What is not known (a node never reached, a source the
// adapter cannot check) is Unknown, and the call path then tries as before.

// Availability is what is known of one resource of a node.
type Availability int

const (
	// Unknown: not checked yet (the node was never up, or its answer could
	// not be read), or not checkable on this switch.
	Unknown Availability = iota
	// Available: the node has it.
	Available
	// Missing: the node answered that it does not have it.
	Missing
)

var availabilityNames = [...]string{Unknown: "unknown", Available: "available", Missing: "missing"}

func (a Availability) String() string {
	if a >= 0 && int(a) < len(availabilityNames) {
		return availabilityNames[a]
	}
	return "unknown"
}

// NodeHealth is a snapshot of one node as its adapter knows it. Its maps
// may be shared with the adapter and other snapshots: read them, never
// change them.
type NodeHealth struct {
	Node string
	// Up: the adapter holds its control connection.
	Up bool
	// Since is when Up last changed; for a node never reached, when the
	// adapter began trying it. Zero: the adapter does not track it.
	Since time.Time
	// Calls are the node's calls the adapter tracks now (callers, agents'
	// legs, phones' calls).
	Calls int
	// LastEvent is when the adapter last read an event from the node's
	// control connection (FreeSWITCH sends a HEARTBEAT every 20 s, so an up
	// node with an old LastEvent is stuck). Zero: none yet.
	LastEvent time.Time
	// Media is each media source the adapter was asked to check (e.g.
	// "local_stream://moh") and whether the node can play it. A source not
	// listed is Unknown.
	Media map[string]Availability
	// MediaDetail says, per checked source, what the node answered (e.g.
	// which stream it resolves to, or the switch's error), for operators.
	MediaDetail map[string]string
	// Gateways are the node's SIP gateways by the name a dial uses, each
	// with its registration state as the switch reports it (e.g. "REGED",
	// "NOREG", "FAIL_WAIT"). Nil while not known: Gateway answers Unknown.
	Gateways map[string]string
	// Checked is when the node last answered the checks (zero: never).
	Checked time.Time
}

// MediaState is what is known of source on the node.
func (h NodeHealth) MediaState(source string) Availability {
	return h.Media[source]
}

// Gateway is what is known of the gateway called name on the node.
func (h NodeHealth) Gateway(name string) Availability {
	switch _, ok := h.Gateways[name]; {
	case h.Gateways == nil:
		return Unknown
	case ok:
		return Available
	}
	return Missing
}

// HealthReporter tells what an adapter knows of its nodes. It answers from
// what the adapter already learned, never by asking the node, so it is
// cheap enough for the call path.
type HealthReporter interface {
	// NodeHealth reports one node; an unknown node answers a NodeHealth
	// with only Node set (nothing known).
	NodeHealth(node string) NodeHealth
}
