package calls

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/switchboard-cc/switchboard/orchestrator"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// liveOne returns tenant's only live call, or nil while there is none.
func (r *rig) liveOne(t *testing.T, tenant tenancy.TenantID) *CallView {
	t.Helper()
	l := r.svc.LiveCalls(tenant)
	if len(l) > 1 {
		t.Fatalf("more than one live call: %+v", l)
	}
	if len(l) == 0 {
		return nil
	}
	return &l[0]
}

func TestAgentPlacedCallsAreLiveWithTheirDirection(t *testing.T) {
	for _, tc := range []struct {
		name                      string
		to                        DialTarget
		dir                       Direction
		number, remote, remoteAgt string
		shown                     string // the caller-ID name the agent's phone shows while it rings
	}{
		{"outbound", DialTarget{Number: "95599"}, Outbound, "95599", "95599", "", "Dialing 95599"},
		{"internal", DialTarget{Agent: "bob"}, Internal, "1002", "1002", "bob", "Dialing Bob 1002"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRigWith(t, func(r *rig, cfg *Config) { // bob's ID, extension and name differ, as in the store
				cfg.Agents.(fakeAgents)["acme/bob"] = AgentEndpoint{AgentID: "bob", Extension: "1002", Name: "Bob", Registered: true, Node: "fs1",
					Endpoint: orchestrator.Endpoint{Kind: orchestrator.EndpointUser, User: "1002", Domain: "acme.example"}}
			})
			r.sw.bridgeAnswers[tc.to.Number+tc.to.Agent] = true
			r.sw.bridgeAnswers["1002"] = true
			r.sw.bridgeGate = make(chan struct{})
			id, err := r.svc.Dial(context.Background(), acme, "ann", tc.to)
			if err != nil {
				t.Fatal(err)
			}
			// Listed from the start, ringing until the far end answers.
			if c := r.liveOne(t, acme); c == nil || c.CallID != id || c.State != "ringing" || !c.Answered.IsZero() {
				t.Fatalf("before the far end answers: %+v", c)
			}
			if err := r.svc.Hold(context.Background(), acme, id, true); !errors.Is(err, ErrNotConnected) {
				t.Fatalf("hold while ringing: want ErrNotConnected, got %v", err)
			}
			close(r.sw.bridgeGate)
			waitFor(t, "talking", func() bool { c := r.liveOne(t, acme); return c != nil && c.State == "talking" })
			c := r.liveOne(t, acme)
			want := CallView{CallID: id, Node: "fs1", Caller: "ann", Number: tc.number, Agent: "ann", State: "talking",
				Direction: tc.dir, Remote: tc.remote, RemoteAgent: tc.remoteAgt, Arrived: c.Arrived, Answered: c.Answered}
			if *c != want || c.Arrived.IsZero() || c.Answered.Before(c.Arrived) {
				t.Fatalf("live call\n got %+v\nwant %+v", *c, want)
			}
			r.sw.agentHangsUp("ann")
			waitFor(t, "the call gone from the list", func() bool { return r.liveOne(t, acme) == nil })
			waitFor(t, "the answered outbound CDR", func() bool {
				got := r.cdrs.leg(t, "outbound")
				return len(got) == 1 && got[0].Disposition == Answered
			})
			// The agent's phone shows whom it is calling, never an internal
			// ID, and the CDR keeps the dialled number or extension.
			if cdr := r.cdrs.leg(t, "outbound")[0]; cdr.AccessNumber != tc.number {
				t.Errorf("CDR access number %q, want %q", cdr.AccessNumber, tc.number)
			}
			r.sw.mu.Lock()
			spec := r.sw.specs[0]
			r.sw.mu.Unlock()
			if spec.CallerID.Name != tc.shown || spec.CallerID.Number != tc.number {
				t.Errorf("the agent's phone shows %q <%s>, want %q <%s>", spec.CallerID.Name, spec.CallerID.Number, tc.shown, tc.number)
			}
		})
	}
}

func TestCallControlOnAnAgentPlacedCallIsTenantScoped(t *testing.T) {
	r := newRig(t)
	r.sw.bridgeAnswers["95599"] = true
	ctx := context.Background()
	id, err := r.svc.Dial(ctx, acme, "ann", DialTarget{Number: "95599"})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "talking", func() bool { c := r.liveOne(t, acme); return c != nil && c.State == "talking" })

	// Another tenant sees nothing and can do nothing, as for a call that does not exist.
	const bolt = tenancy.TenantID("bolt")
	if l := r.svc.LiveCalls(bolt); len(l) != 0 {
		t.Fatalf("bolt sees acme's call: %+v", l)
	}
	for name, do := range map[string]func() error{
		"agent of": func() error { _, err := r.svc.AgentOf(bolt, id); return err },
		"hold":     func() error { return r.svc.Hold(ctx, bolt, id, true) },
		"mute":     func() error { return r.svc.Mute(ctx, bolt, id, true) },
		"release":  func() error { return r.svc.Release(ctx, bolt, id) },
	} {
		if err := do(); !errors.Is(err, ErrNoCall) {
			t.Errorf("bolt %s: want ErrNoCall, got %v", name, err)
		}
	}
	if r.sw.has("hangup "+id) || r.sw.has("hold") || r.sw.has("mute") {
		t.Fatalf("bolt's requests reached the switch: %v", r.sw.entries())
	}

	if agent, err := r.svc.AgentOf(acme, id); err != nil || agent != "ann" {
		t.Fatalf("agent of the call: %q, %v", agent, err)
	}
	// Hold holds the agent leg, so the far end (its partner) hears the
	// agent leg's hold_music; mute acts on the agent leg too.
	if err := r.svc.Hold(ctx, acme, id, true); err != nil {
		t.Fatal(err)
	}
	if err := r.svc.Mute(ctx, acme, id, true); err != nil {
		t.Fatal(err)
	}
	if c := r.liveOne(t, acme); c == nil || !c.Held || !c.Muted {
		t.Errorf("the live call does not show the hold and the mute: %+v", c)
	}
	for _, want := range []string{"hold " + id, "mute " + id} {
		if !r.sw.has(want) {
			t.Errorf("switch log lacks %q: %v", want, r.sw.entries())
		}
	}
	if r.sw.has("hold peer-") {
		t.Errorf("the far end's leg was held: %v", r.sw.entries())
	}
	if got := r.sw.lastSpec(t, "ann").HoldMusic; !slices.Equal(got.Files, []string{"moh.wav"}) {
		t.Errorf("agent leg hold music = %+v, want the configured music", got)
	}
	if err := r.svc.Transfer(ctx, acme, id, TransferTo{Kind: "number", Target: "1"}); !errors.Is(err, ErrNotInbound) {
		t.Fatalf("transfer of an agent-placed call: want ErrNotInbound, got %v", err)
	}
	// Force release hangs up the agent leg; the bridge takes the far end with it.
	if err := r.svc.Release(ctx, acme, id); err != nil {
		t.Fatal(err)
	}
	if !r.sw.has("hangup " + id + " " + string(orchestrator.CauseNormalClearing)) {
		t.Fatalf("release did not hang up the agent leg: %v", r.sw.entries())
	}
	r.sw.agentHangsUp("ann") // the switch reports the leg's end
	waitFor(t, "the call gone from the list", func() bool { return r.liveOne(t, acme) == nil })
	if err := r.svc.Release(ctx, acme, id); !errors.Is(err, ErrNoCall) {
		t.Fatalf("release of an ended call: want ErrNoCall, got %v", err)
	}
	waitFor(t, "the PSTN line released", func() bool { return r.adm.InUse(acme, tenancy.ResourcePSTNCalls) == 0 })
}

// TestAFailedDialOutIsHeardByTheAgent: when the far end of a call the agent
// placed cannot be reached, the agent (who picked up and waits) hears a
// busy tone for a busy party and a reorder tone otherwise (a missing
// gateway failed within 0.1 s in silence), then the leg is hung up; the CDR
// keeps the cause.
func TestAFailedDialOutIsHeardByTheAgent(t *testing.T) {
	for cause, tone := range map[orchestrator.HangupCause]string{
		orchestrator.CauseInvalidGateway: "tone:reorder", orchestrator.CauseUserBusy: "tone:busy", orchestrator.CauseNoAnswer: "tone:reorder"} {
		t.Run(string(cause), func(t *testing.T) {
			r := newRig(t)
			r.sw.mu.Lock()
			r.sw.bridgeCauses["95599"] = cause
			r.sw.mu.Unlock()
			id, err := r.svc.Dial(context.Background(), acme, "ann", DialTarget{Number: "95599"})
			if err != nil {
				t.Fatal(err)
			}
			waitFor(t, "the agent leg hung up", func() bool { return r.sw.has("hangup " + id + " NORMAL_CLEARING") })
			r.sw.agentHangsUp("ann") // the switch ends the leg's stream
			waitFor(t, "the failed CDR", func() bool { return len(r.cdrs.leg(t, "outbound")) == 1 })
			if got := r.cdrs.leg(t, "outbound")[0]; got.Disposition != Failed || got.HangupCause != cause {
				t.Errorf("CDR %s %s, want failed %s", got.Disposition, got.HangupCause, cause)
			}
			if log := r.sw.entries(); !before(log, "play "+id+" "+tone, "hangup "+id+" NORMAL_CLEARING") {
				t.Errorf("want the tone %s played to the agent before the hang-up: %v", tone, log)
			}
		})
	}
}

// TestDialThroughAMissingGatewayIsRefusedBeforeRinging: when the agent's
// node is known to lack the gateway, a dial-out is refused with an error
// naming the gateway and the node before anything happens: no originate
// (the agent's phone does not ring), no PSTN line, no ACD work. A gateway
// the node has, or gateways not known yet, let the call go ahead (a failure
// then still plays the reorder tone).
func TestDialThroughAMissingGatewayIsRefusedBeforeRinging(t *testing.T) {
	for _, tc := range []struct {
		name     string
		gateways map[string]string
		refused  bool
	}{
		{"the node lacks it", map[string]string{"carrier2": "REGED"}, true},
		{"the node has none", map[string]string{}, true},
		{"the node has it", map[string]string{"pstn": "NOREG"}, false},
		{"not known yet", nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRigWith(t, func(r *rig, cfg *Config) {
				cfg.Health = fakeHealth{"fs1": {Node: "fs1", Up: true, Gateways: tc.gateways}}
			})
			_, err := r.svc.Dial(context.Background(), acme, "ann", DialTarget{Number: "95599"})
			if !tc.refused {
				if err != nil {
					t.Fatalf("dial: %v", err)
				}
				waitFor(t, "the agent's phone rung", func() bool { return r.sw.has("originate ann@") })
				r.sw.agentHangsUp("ann")
				waitFor(t, "the call ended", func() bool { return len(r.cdrs.leg(t, "outbound")) == 1 })
				return
			}
			var gm *GatewayMissingError
			if !errors.Is(err, ErrGatewayMissing) || !errors.As(err, &gm) || gm.Gateway != "pstn" || gm.Node != "fs1" ||
				!strings.Contains(err.Error(), `"pstn"`) || !strings.Contains(err.Error(), "fs1") {
				t.Fatalf("want a GatewayMissingError naming pstn and fs1, got %v", err)
			}
			if log := r.sw.entries(); len(log) != 0 {
				t.Errorf("the switch was asked to act: %v", log)
			}
			if q := r.q.entries(); len(q) != 0 {
				t.Errorf("the ACD was told: %v", q)
			}
			if n := r.adm.InUse(acme, tenancy.ResourcePSTNCalls); n != 0 {
				t.Errorf("%d PSTN lines held", n)
			}
			if c := r.liveOne(t, acme); c != nil {
				t.Errorf("a live call is listed: %+v", c)
			}
		})
	}
}
