// Package fssimharness plays the switchtest harness with fssim: callers
// arrive through fssim.PlaceCall, phones register with RegisterPhone, node
// loss is Drop. Only tests import it (it keeps `testing`, through
// switchtest, out of the fssim package that `switchboard sim node` links).
package fssimharness

import (
	"context"
	"fmt"
	"time"

	"github.com/switchboard-cc/switchboard/orchestrator"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/fssim"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/socketauth"
	"github.com/switchboard-cc/switchboard/orchestrator/switchtest"
)

// Harness lets the switchtest contract suite drive a Switch implementation
// (the FreeSWITCH adapter) connected to this node: callers arrive through
// PlaceCall, phones register with RegisterPhone, node loss is Drop.
type Harness struct {
	Sim *fssim.Node
	// NodeName is the node name the implementation uses in Keys.
	NodeName string
	// SocketAddr is the implementation's outbound-socket listener.
	SocketAddr string
	// Domain is the SIP domain of simulated users; "" means 127.0.0.1.
	Domain string
	// TransferTo is the Config.Dialplan extension BlindTransfer tests use;
	// "" means 9199 (see TransferExtension).
	TransferTo string
	SW         orchestrator.Switch
	Acc        orchestrator.InboundAcceptor
	W          orchestrator.NodeWatcher
}

var _ switchtest.Harness = (*Harness)(nil)

func (h *Harness) Switch() orchestrator.Switch            { return h.SW }
func (h *Harness) Acceptor() orchestrator.InboundAcceptor { return h.Acc }
func (h *Harness) Watcher() orchestrator.NodeWatcher      { return h.W }
func (h *Harness) Node() string                           { return h.NodeName }

func (h *Harness) domain() string {
	if h.Domain == "" {
		return "127.0.0.1"
	}
	return h.Domain
}

// Call places a simulated caller; its digits are pressed after the answer.
func (h *Harness) Call(ctx context.Context, c switchtest.CallerSpec) (switchtest.Caller, error) {
	vars := DialplanVars(h.NodeName, h.Sim)
	for k, v := range c.Vars {
		vars[k] = v
	}
	in := fssim.IncomingCall{From: c.From, To: c.To, Vars: vars,
		DTMF: fssim.Presses(c.Digits, h.Sim.SimTime(c.DigitGap))}
	call, err := h.Sim.PlaceCall(ctx, h.SocketAddr, in)
	if err != nil {
		return nil, err
	}
	return harnessCaller{call}, nil
}

// DialplanVars are the channel variables the contract dialplan
// (docs/freeswitch-contract.md, public/01_switchboard_contract.xml) sets
// before `socket` on node name: the node's socket token, derived from its
// secret (the simulator's ESL password), which the adapter checks on connect.
func DialplanVars(name string, sim *fssim.Node) map[string]string {
	return map[string]string{socketauth.Var: socketauth.Token(name, sim.Password())}
}

// harnessCaller hangs up with NORMAL_CLEARING, as a caller's BYE does.
type harnessCaller struct{ c *fssim.Call }

func (c harnessCaller) Hangup() error { return c.c.Hangup("NORMAL_CLEARING") }

// RegisterPhone registers user with a script in simulated time.
func (h *Harness) RegisterPhone(_ context.Context, user string, b switchtest.PhoneBehaviour) (orchestrator.Endpoint, error) {
	s := fssim.PhoneScript{AnswerAfter: h.Sim.SimTime(b.AnswerAfter), NoAnswer: b.NoAnswer, Busy: b.Busy,
		HangupAfter: h.Sim.SimTime(b.HangupAfter)}
	if err := h.Sim.RegisterPhone(user, h.domain(), s); err != nil {
		return orchestrator.Endpoint{}, err
	}
	return orchestrator.Endpoint{Kind: orchestrator.EndpointUser, User: user, Domain: h.domain()}, nil
}

// Unregistered is user 1019, which never registers (capture 08c).
func (h *Harness) Unregistered() orchestrator.Endpoint {
	return orchestrator.Endpoint{Kind: orchestrator.EndpointUser, User: "1019", Domain: h.domain()}
}

// Media is a tone lasting d of real time at the node's speed.
func (h *Harness) Media(d time.Duration) string {
	return fmt.Sprintf("tone_stream://%%(%d,0,440)", h.Sim.SimTime(d).Milliseconds())
}

// TransferDestination is TransferTo, 9199 by default: give the node
// TransferExtension under that number.
func (h *Harness) TransferDestination() string {
	if h.TransferTo == "" {
		return "9199"
	}
	return h.TransferTo
}

// TransferExtension is the capture machine's 9199: answer, a short tone,
// hang up.
var TransferExtension = []fssim.DialplanApp{{App: "answer"}, {App: "playback", Arg: "tone_stream://%(200,0,440)"},
	{App: "hangup", Arg: "NORMAL_CLEARING"}}

// DropNode closes every ESL connection and refuses new ones.
func (h *Harness) DropNode() error { h.Sim.Drop(); return nil }
