// Package asimharness plays the switchtest harness with asim, the ARI
// simulator: callers arrive through asim.PlaceCall (Stasis with the
// variables as k=v arguments), phones register with asim.RegisterPhone,
// node loss is Drop. Only tests import it.
package asimharness

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/orchestrator"
	"github.com/switchboard-cc/switchboard/orchestrator/asterisk"
	"github.com/switchboard-cc/switchboard/orchestrator/asterisk/asim"
	"github.com/switchboard-cc/switchboard/orchestrator/switchtest"
)

// Node is the node name Start gives the simulated Asterisk in the adapter.
const Node = "ast1"

// Harness lets the contract suite drive the Asterisk adapter against asim.
type Harness struct {
	Sim *asim.Server
	A   *asterisk.Adapter
}

var _ switchtest.Harness = (*Harness)(nil)

// Start runs asim (at speed) and the adapter connected to it; both stop
// when the test ends.
func Start(t testing.TB, speed float64) *Harness {
	t.Helper()
	sim, err := asim.Start(asim.Config{Speed: speed})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	a, err := asterisk.New(asterisk.Options{Node: Node, URL: sim.URL(), User: sim.User(), Password: sim.Password(),
		TransferContext: "from-sipp", Redial: 20 * time.Millisecond, LostAfter: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	a.Start()
	t.Cleanup(func() { a.Close() })
	return &Harness{Sim: sim, A: a}
}

func (h *Harness) Switch() orchestrator.Switch            { return h.A }
func (h *Harness) Acceptor() orchestrator.InboundAcceptor { return h.A }
func (h *Harness) Watcher() orchestrator.NodeWatcher      { return h.A }
func (h *Harness) Node() string                           { return Node }

// Call places a caller into Stasis(switchboard,k=v,...).
func (h *Harness) Call(_ context.Context, c switchtest.CallerSpec) (switchtest.Caller, error) {
	var args []string
	for k, v := range c.Vars {
		args = append(args, k+"="+v)
	}
	call, err := h.Sim.PlaceCall(asim.CallerSpec{Number: c.From, Exten: c.To, Args: args, Digits: c.Digits, DigitGap: c.DigitGap})
	if err != nil {
		return nil, err
	}
	return call, nil
}

// RegisterPhone registers the PJSIP endpoint of user.
func (h *Harness) RegisterPhone(_ context.Context, user string, b switchtest.PhoneBehaviour) (orchestrator.Endpoint, error) {
	h.Sim.RegisterPhone(asterisk.EndpointName(user, ""), asim.PhoneScript{AnswerAfter: b.AnswerAfter,
		NoAnswer: b.NoAnswer, Busy: b.Busy, HangupAfter: b.HangupAfter})
	return orchestrator.Endpoint{Kind: orchestrator.EndpointUser, User: user}, nil
}

// Unregistered is user 1019, which has no contact: Allocation failed.
func (h *Harness) Unregistered() orchestrator.Endpoint {
	return orchestrator.Endpoint{Kind: orchestrator.EndpointUser, User: "1019"}
}

// Media is asim's sb-tone-<ms> sound, lasting d at the simulator's speed
// (a real Asterisk needs such prompts installed).
func (h *Harness) Media(d time.Duration) string {
	return fmt.Sprintf("sound:sb-tone-%d", d.Milliseconds())
}

// TransferDestination is the captures' 7200 (plays a prompt, hangs up).
func (h *Harness) TransferDestination() string { return "7200" }

// DropNode closes the events WebSocket and refuses ARI.
func (h *Harness) DropNode() error { h.Sim.Drop(); return nil }
