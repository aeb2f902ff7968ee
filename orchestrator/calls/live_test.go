package calls

import (
	"context"
	"errors"
	"testing"

	"github.com/switchboard-cc/switchboard/acd"
	"github.com/switchboard-cc/switchboard/ivrflows"
	"github.com/switchboard-cc/switchboard/orchestrator"
	"github.com/switchboard-cc/switchboard/orchestrator/flowrun"
	"github.com/switchboard-cc/switchboard/tenancy"
)

const bolt = tenancy.TenantID("bolt")

// The flows of the live-list tests: main plays a long prompt, then queues
// the caller in sales; vm takes a message; out transfers to 95511 and, if
// that fails, plays the long prompt again.
var liveFlows = map[string]string{
	"main": `{"id": "main", "name": "Main", "start": "welcome", "nodes": [
	  {"id": "welcome", "type": "play", "params": {"prompts": [{"prompt": "long"}]}, "exits": {"next": "queue"}},
	  {"id": "queue", "type": "queue", "params": {"queue": "sales"}, "exits": {"done": "bye", "failed": "bye"}},
	  {"id": "bye", "type": "hangup", "params": {"prompts": [{"prompt": "bye"}]}}]}`,
	"vm": `{"id": "vm", "name": "VM", "start": "vm", "nodes": [
	  {"id": "vm", "type": "voicemail", "params": {"mailbox": "general", "greeting": [{"prompt": "bye"}], "max_seconds": 60}}]}`,
	"out": `{"id": "out", "name": "Out", "start": "out", "nodes": [
	  {"id": "out", "type": "transfer", "params": {"to": "number", "target": "95511"}, "exits": {"failed": "back"}},
	  {"id": "back", "type": "play", "params": {"prompts": [{"prompt": "long"}]}, "exits": {"next": "bye"}},
	  {"id": "bye", "type": "hangup", "params": {"prompts": [{"prompt": "bye"}]}}]}`,
}

const liveCatalog = `{"tenant": "acme", "default_language": "en", "languages": {"en": {"voice": "en"}},
 "prompts": {"long": {"en": "long.wav"}, "bye": {"en": "bye.wav"}}, "queues": ["sales"], "mailboxes": ["general"]}`

// flowPrograms resolves the live-list flows; a flow's ID is "id-" + its name.
type flowPrograms map[string]*ivrflows.Program

func (f flowPrograms) ResolveFlow(ctx context.Context, tenant tenancy.TenantID, flow string) (FlowProgram, error) {
	p, ok := f[flow]
	if !ok || tenant != acme {
		return FlowProgram{}, errors.New("no such flow")
	}
	return FlowProgram{Program: p, FlowID: "id-" + flow, Version: 1}, nil
}

// acmeNames knows Acme's queue sales only.
type acmeNames struct{}

func (acmeNames) QueueID(t tenancy.TenantID, name string) (string, bool) {
	return name, t == acme && name == "sales"
}
func (acmeNames) SkillID(tenancy.TenantID, string) (string, bool) { return "", false }
func (acmeNames) AgentQueue(tenancy.TenantID, string) (string, string, bool) {
	return "", "", false
}

// newFlowRig is newRig with a flow runner: numbers 4100 (main), 4101 (vm)
// and 4102 (out) enter Acme's flows. long.wav plays until the test closes
// sw.longGate.
func newFlowRig(t *testing.T, agents ...string) *rig {
	t.Helper()
	cat, err := ivrflows.ParseCatalog([]byte(liveCatalog))
	if err != nil {
		t.Fatal(err)
	}
	progs := flowPrograms{}
	for name, doc := range liveFlows {
		if progs[name], err = ivrflows.ParseAndCompile([]byte(doc), cat); err != nil {
			t.Fatalf("flow %s: %v", name, err)
		}
	}
	r := newRigWith(t, func(r *rig, cfg *Config) {
		runner, err := flowrun.New(flowrun.Config{Switch: r.sw, RecordDir: "/rec"})
		if err != nil {
			t.Fatal(err)
		}
		router := fakeRouter{"4001": r.route}
		for number, flow := range map[string]string{"4100": "main", "4101": "vm", "4102": "out"} {
			rt := r.route
			rt.Queue, rt.Flow, rt.Greeting = "", flow, orchestrator.Playback{}
			router[number] = rt
		}
		cfg.Router, cfg.Flows, cfg.FlowResolver, cfg.Names = router, runner, progs, acmeNames{}
	}, agents...)
	r.sw.longFile, r.sw.longGate = "long.wav", make(chan struct{})
	return r
}

// waitState waits until Acme's only live call is in state st and returns it.
func (r *rig) waitState(t *testing.T, st CallState, also func(CallView) bool) CallView {
	t.Helper()
	var got CallView
	waitFor(t, "live call "+st.String(), func() bool {
		c := r.liveOne(t, acme)
		if c == nil || c.State != st || (also != nil && !also(*c)) {
			return false
		}
		got = *c
		return true
	})
	return got
}

// hangUp ends the caller's leg as the adapter does and waits for the session.
func hangUp(t *testing.T, cancel context.CancelCauseFunc, done chan struct{}) {
	t.Helper()
	cancel(orchestrator.ErrCallEnded)
	waitDone(t, done)
}

func TestLiveListShowsACallFromItsIVRFlowToItsQueueUntilItEnds(t *testing.T) {
	r := newFlowRig(t)
	cancel, _, done := r.call("4100")
	c := r.waitState(t, StateIVR, func(c CallView) bool { return c.FlowNode == "welcome" })
	want := CallView{CallID: "c1", Node: "fs1", Caller: "13800000001", Number: "4001", State: StateIVR, Arrived: c.Arrived,
		Flow: "id-main", FlowNode: "welcome", Direction: Inbound, Remote: "13800000001"}
	if c != want || c.Arrived.IsZero() {
		t.Fatalf("in the IVR:\n got %+v\nwant %+v", c, want)
	}
	if l := r.svc.LiveCalls(bolt); len(l) != 0 {
		t.Fatalf("another tenant sees the call: %+v", l)
	}
	close(r.sw.longGate) // the prompt ends: the flow queues the caller
	c = r.waitState(t, StateQueued, nil)
	if c.Queue != "sales" || c.Flow != "" || c.FlowNode != "" || c.Agent != "" {
		t.Fatalf("queued by the flow: %+v", c)
	}
	hangUp(t, cancel, done)
	if l := r.svc.LiveCalls(acme); len(l) != 0 {
		t.Fatalf("the call is still listed after it ended: %+v", l)
	}
}

// Call control on a call in the IVR: hang-up ends the caller's leg; what
// needs an agent answers ErrNotConnected; another tenant finds no call.
func TestCallControlOnACallInTheIVR(t *testing.T) {
	r := newFlowRig(t)
	ctx := context.Background()
	cancel, _, done := r.call("4100")
	defer func() { cancel(orchestrator.ErrCallEnded); waitDone(t, done) }()
	r.waitState(t, StateIVR, func(c CallView) bool { return c.FlowNode == "welcome" })
	for name, op := range map[string]func(tenancy.TenantID) error{
		"hold": func(t tenancy.TenantID) error { return r.svc.Hold(ctx, t, "c1", true) },
		"mute": func(t tenancy.TenantID) error { return r.svc.Mute(ctx, t, "c1", true) },
		"transfer": func(t tenancy.TenantID) error {
			return r.svc.Transfer(ctx, t, "c1", TransferTo{Kind: "number", Target: "95511"})
		},
		"consult": func(t tenancy.TenantID) error {
			return r.svc.Consult(ctx, t, "c1", TransferTo{Kind: "number", Target: "95511"})
		},
		"complete": func(t tenancy.TenantID) error { return r.svc.CompleteConsult(ctx, t, "c1") },
		"monitor": func(t tenancy.TenantID) error {
			_, err := r.svc.Monitor(ctx, t, "c1", "bob", orchestrator.Listen)
			return err
		},
		"release": func(t tenancy.TenantID) error { return r.svc.Release(ctx, t, "c1") },
	} {
		if err := op(bolt); !errors.Is(err, ErrNoCall) {
			t.Errorf("%s by another tenant: %v, want ErrNoCall", name, err)
		}
		if name == "release" {
			continue
		}
		if err := op(acme); !errors.Is(err, ErrNotConnected) {
			t.Errorf("%s on a call in the IVR: %v, want ErrNotConnected", name, err)
		}
	}
	if r.svc.Offer(acme, "c1", "ann", 1) {
		t.Error("an ACD plan reached a call that is in no queue")
	}
	if a, err := r.svc.AgentOf(acme, "c1"); a != "" || err != nil {
		t.Errorf("AgentOf = %q, %v", a, err)
	}
	if r.sw.has("hangup c1") {
		t.Fatalf("the caller was hung up by a refused operation: %v", r.sw.entries())
	}
	if err := r.svc.Release(ctx, acme, "c1"); err != nil {
		t.Fatal(err)
	}
	if !r.sw.has("hangup c1 NORMAL_CLEARING") {
		t.Fatalf("force release did not hang up the caller: %v", r.sw.entries())
	}
	hangUp(t, cancel, done) // the switch ends the call
	if l := r.svc.LiveCalls(acme); len(l) != 0 {
		t.Fatalf("released call still listed: %+v", l)
	}
	waitFor(t, "the caller's CDR", func() bool { return len(r.cdrs.leg(t, "caller")) == 1 })
	if d := r.cdrs.leg(t, "caller")[0].Disposition; d != Released {
		t.Errorf("a force-released caller's CDR says %q, want %q", d, Released)
	}
	if st := r.svc.Stats(); st.Released != 1 || st.Abandoned != 0 {
		t.Errorf("stats %+v: want 1 released, 0 abandoned", st)
	}
}

func TestLiveListShowsACallerLeavingAVoicemail(t *testing.T) {
	r := newFlowRig(t)
	cancel, _, done := r.call("4101")
	c := r.waitState(t, StateVoicemail, nil)
	if c.Flow != "id-vm" || c.FlowNode != "vm" {
		t.Fatalf("leaving a message: %+v", c)
	}
	waitFor(t, "recording", func() bool { return r.sw.has("record_start c1") })
	hangUp(t, cancel, done)
	if l := r.svc.LiveCalls(acme); len(l) != 0 {
		t.Fatalf("still listed: %+v", l)
	}
}

// A flow's transfer to a number shows the caller external while the number
// rings; a failed transfer takes the call back to the flow.
func TestLiveListShowsAFlowTransferToANumber(t *testing.T) {
	r := newFlowRig(t)
	r.sw.bridgeGate = make(chan struct{})
	cancel, _, done := r.call("4102")
	c := r.waitState(t, StateExternal, nil)
	if c.External != "95511" || c.Flow != "" || c.Agent != "" {
		t.Fatalf("transferring: %+v", c)
	}
	close(r.sw.bridgeGate) // nobody answers 95511
	c = r.waitState(t, StateIVR, func(c CallView) bool { return c.FlowNode == "back" })
	if c.Flow != "id-out" || c.External != "" {
		t.Fatalf("back in the flow: %+v", c)
	}
	hangUp(t, cancel, done)
}

// The ACD's overflow to a number, and an agent's blind transfer to one,
// show the caller external, bridged to the number.
func TestLiveListShowsCallersBridgedToANumber(t *testing.T) {
	t.Run("overflow", func(t *testing.T) {
		r := newRig(t)
		r.sw.bridgeAnswers["95511"] = true
		cancel, _, done := r.call("4001")
		r.waitState(t, StateQueued, nil)
		if !r.svc.Overflow(acme, "c1", acd.OverflowTarget{Kind: acd.OverflowNumber, Target: "95511"}) {
			t.Fatal("overflow not delivered")
		}
		c := r.waitState(t, StateExternal, nil)
		if c.External != "95511" || c.Queue != "sales" || c.Agent != "" {
			t.Fatalf("overflowed: %+v", c)
		}
		waitFor(t, "bridge", func() bool { return r.sw.has("bridge c1 95511") })
		hangUp(t, cancel, done)
	})
	t.Run("blind transfer", func(t *testing.T) {
		r := newRig(t, "ann")
		r.sw.bridgeAnswers["95511"] = true
		r.talking(t)
		if err := r.svc.Transfer(context.Background(), acme, "c1", TransferTo{Kind: "number", Target: "95511"}); err != nil {
			t.Fatal(err)
		}
		c := r.waitState(t, StateExternal, nil)
		if c.External != "95511" || c.Agent != "" || !c.Answered.IsZero() {
			t.Fatalf("transferred: %+v", c)
		}
		if err := r.svc.Hold(context.Background(), acme, "c1", true); !errors.Is(err, ErrNotConnected) {
			t.Fatalf("hold after the agent left: %v", err)
		}
	})
}

// While an offered agent's phone rings the call is ringing, with no agent
// yet: what needs an agent is refused until the agent answers.
func TestLiveListShowsAnInboundCallRinging(t *testing.T) {
	r := newRig(t, "ann")
	r.sw.ringGate = make(chan struct{})
	cancel, _, done := r.call("4001")
	defer func() { cancel(orchestrator.ErrCallEnded); waitDone(t, done) }()
	c := r.waitState(t, StateRinging, nil)
	if c.Agent != "" || c.Queue != "sales" {
		t.Fatalf("ringing: %+v", c)
	}
	if err := r.svc.Hold(context.Background(), acme, "c1", true); !errors.Is(err, ErrNotConnected) {
		t.Fatalf("hold while ringing: %v", err)
	}
	close(r.sw.ringGate)
	c = r.waitState(t, StateTalking, nil)
	if c.Agent != "ann" || c.Answered.IsZero() {
		t.Fatalf("talking: %+v", c)
	}
}
