package switchtest

import (
	"context"
	"errors"
	"time"

	"github.com/switchboard-cc/switchboard/orchestrator"
)

// Harness abstracts one switch under test and the world around it: how a
// caller arrives, how an agent's phone registers, how the node is lost.
// fssim implements it in CI; a real-FreeSWITCH harness drives sipp.
type Harness interface {
	// Switch is the implementation under test.
	Switch() orchestrator.Switch
	// Acceptor delivers the calls Call makes arrive.
	Acceptor() orchestrator.InboundAcceptor
	// Watcher reports node events.
	Watcher() orchestrator.NodeWatcher
	// Node is the node name the implementation uses in Keys.
	Node() string
	// Call makes a caller arrive; the switch hands it to the controller.
	Call(ctx context.Context, c CallerSpec) (Caller, error)
	// RegisterPhone registers an agent's phone that behaves as b and
	// returns the endpoint that reaches it.
	RegisterPhone(ctx context.Context, user string, b PhoneBehaviour) (orchestrator.Endpoint, error)
	// Unregistered is an endpoint of a known user with no registration.
	Unregistered() orchestrator.Endpoint
	// Media is something playable that lasts about d (e.g. a tone URL).
	Media(d time.Duration) string
	// TransferDestination is a dialplan destination for BlindTransfer that
	// answers, plays a little and hangs up (9199 in the capture setup).
	TransferDestination() string
	// DropNode makes the node unreachable (node loss).
	DropNode() error
}

// ErrNotSupported is what a harness returns for what it cannot play (a
// real switch cannot be dropped); the test needing it is skipped.
var ErrNotSupported = errors.New("switchtest: not supported by this harness")

// CallerSpec describes a simulated caller.
type CallerSpec struct {
	From, To string
	Vars     map[string]string
	// Digits are pressed one by one, DigitGap apart, the first DigitGap
	// after the answer ("" presses nothing).
	Digits   string
	DigitGap time.Duration
}

// Caller is the far end of an inbound call.
type Caller interface {
	// Hangup hangs up from the caller's side (BYE).
	Hangup() error
}

// PhoneBehaviour says how a registered phone answers.
type PhoneBehaviour struct {
	AnswerAfter time.Duration
	NoAnswer    bool
	Busy        bool
	HangupAfter time.Duration // > 0: the phone hangs up that long after answering
}
