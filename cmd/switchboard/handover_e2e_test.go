package main

import (
	"context"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/acd"
	"github.com/switchboard-cc/switchboard/orchestrator/calls"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/fssim"
	"github.com/switchboard-cc/switchboard/store"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// TestBridgedCallSurvivesARestart is issue 13's restart on fssim: a caller
// talks to an agent when the controller stops as at SIGTERM and starts
// again. The call stays up on the node, nothing is recorded at the stop;
// after the restart the live list shows it with its agent, the agent is
// busy in the ACD; when the agent hangs up the caller is hung up with it
// (not sent into the fallback), each leg has exactly one record, ended when
// the call really ended, and the agent goes to after-call work.
func TestBridgedCallSurvivesARestart(t *testing.T) {
	w := newWorld(t, "", 5)
	acme := w.ten["acme"]
	agentID := acme.agents["1001"].ID
	w.agentReady("acme", "1001", fssim.PhoneScript{AnswerAfter: 50 * time.Millisecond})
	// 1002's phone is registered, its agent not ready: the fallback that
	// rings every phone of the tenant would ring it (issue 13)
	if err := w.node.RegisterPhone("1002", acme.SIPDomain, fssim.PhoneScript{AnswerAfter: 50 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	c := w.place("acme", "13800000001", 0)
	var agentLeg string
	waitUntil(t, "caller bridged to the agent", func() bool {
		if b := c.Info().Bridged; len(b) > 0 {
			agentLeg = b[0]
		}
		return agentLeg != "" && len(w.ctrl.call.LiveCalls(acme.ID)) == 1 && w.ctrl.call.LiveCalls(acme.ID)[0].State == calls.StateTalking
	})
	answeredBefore := time.Now()

	w.stopAsServe()
	select {
	case <-c.Done():
		t.Fatalf("the caller was hung up at the stop: %+v", c.Info())
	default:
	}
	if v, _ := w.node.Var(c.UUID(), calls.HandoverVar); v == "" {
		t.Fatalf("no %s on the caller after the stop", calls.HandoverVar)
	}
	w.startController()
	if n := len(w.cdrs("acme")); n != 0 {
		t.Fatalf("%d records written for a call still up: %+v", n, w.cdrs("acme"))
	}
	waitUntil(t, "the call live again after the restart", func() bool {
		l := w.ctrl.call.LiveCalls(acme.ID)
		return len(l) == 1 && l[0].CallID == c.UUID() && l[0].Agent == agentID && l[0].State == calls.StateTalking
	})
	o, _ := w.ctrl.acds.Owner(string(acme.ID))
	if v, err := o.Agent(context.Background(), agentID); err != nil || v.State != acd.Busy {
		t.Fatalf("agent after the restart: %v %v, want busy", v.State, err)
	}

	ended, channels, played := time.Now(), len(w.node.Calls()), len(c.Info().Played)
	if err := w.node.Kill(agentLeg, ""); err != nil {
		t.Fatal(err)
	}
	waitCall(t, c)
	if info := c.Info(); len(info.Played) != played || info.HangupCause != "NORMAL_CLEARING" || len(w.node.Calls()) != channels {
		t.Errorf("caller after the agent hung up: played %v, cause %q, %d channels (%d before): want hung up with the agent, no fallback",
			info.Played, info.HangupCause, len(w.node.Calls()), channels)
	}
	var recs []store.CDR
	waitUntil(t, "both legs recorded", func() bool { recs = w.cdrs("acme"); return len(recs) >= 2 })
	waitUntil(t, "agent in after-call work or ready", func() bool {
		v, err := o.Agent(context.Background(), agentID)
		return err == nil && (v.State == acd.AfterCallWork || v.State == acd.Ready)
	})
	if recs = w.cdrs("acme"); len(recs) != 2 {
		t.Fatalf("records: %+v, want one per leg", recs)
	}
	for _, r := range recs {
		if r.Disposition != "answered" || r.AgentID != agentID || r.EndedAt == nil || r.EndedAt.Before(ended.Add(-time.Second)) ||
			r.AnsweredAt == nil || r.AnsweredAt.After(answeredBefore) {
			t.Errorf("%s leg: %+v (want answered before the stop %v, ended after the restart %v)", r.Leg, r, answeredBefore, ended)
		}
	}
	if got := w.ctrl.adm.InUse(acme.ID, tenancy.ResourcePSTNCalls); got != 0 {
		t.Errorf("admission after the call: %d", got)
	}
}

// stopAsServe stops the controller as `serve` does at SIGTERM: the signal
// first (the call path hands its calls over and stops), Close once the
// sessions are gone (serve closes after the HTTP grace period).
func (w *world) stopAsServe() {
	w.t.Helper()
	w.stop()
	waitUntil(w.t, "sessions ended after the signal", func() bool { return w.ctrl.call.Stats().Active == 0 })
	w.ctrl.Close()
	w.ctrl = nil
}

// TestCallHandedOverEndsWhileControllerDown: the agent hangs up while no
// controller runs: the caller is hung up with the agent (hangup_after_bridge
// left by the handover), never sent into the fallback that rings the
// tenant's phones, not-ready agents included.
func TestCallHandedOverEndsWhileControllerDown(t *testing.T) {
	w := newWorld(t, "", 5)
	acme := w.ten["acme"]
	w.agentReady("acme", "1001", fssim.PhoneScript{AnswerAfter: 50 * time.Millisecond})
	if err := w.node.RegisterPhone("1002", acme.SIPDomain, fssim.PhoneScript{AnswerAfter: 50 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	c := w.place("acme", "13800000001", 0)
	var agentLeg string
	waitUntil(t, "caller bridged to the agent", func() bool {
		if b := c.Info().Bridged; len(b) > 0 {
			agentLeg = b[0]
		}
		return agentLeg != "" && len(w.ctrl.call.LiveCalls(acme.ID)) == 1 && w.ctrl.call.LiveCalls(acme.ID)[0].State == calls.StateTalking
	})
	w.stopAsServe()
	channels, played := len(w.node.Calls()), len(c.Info().Played)
	if err := w.node.Kill(agentLeg, ""); err != nil {
		t.Fatal(err)
	}
	waitCall(t, c)
	if info := c.Info(); len(info.Played) != played || info.HangupCause != "NORMAL_CLEARING" || len(w.node.Calls()) != channels {
		t.Errorf("caller after the agent hung up: played %v, cause %q, %d channels (%d before): want hung up with the agent, no fallback",
			info.Played, info.HangupCause, len(w.node.Calls()), channels)
	}
	// The next start finds the agent restored busy with a call that is
	// gone: its work is finished, it does not stay busy.
	w.startController()
	o, _ := w.ctrl.acds.Owner(string(acme.ID))
	waitUntil(t, "agent out of the vanished call", func() bool {
		v, err := o.Agent(context.Background(), acme.agents["1001"].ID)
		return err == nil && (v.State == acd.AfterCallWork || v.State == acd.Ready)
	})
}

// TestWaitingCallSurvivesARestart: a caller waiting in a queue (no agent
// ready) when the controller stops is left up on the node, parked, with no
// record; the restarted controller takes it back, shows it waiting again
// and queues it; an agent who gets ready is offered it and talks to it;
// its records are written once, with its first arrival and queue times.
func TestWaitingCallSurvivesARestart(t *testing.T) {
	w := newWorld(t, "", 5)
	acme := w.ten["acme"]
	c := w.place("acme", "13800000001", 0)
	waitUntil(t, "caller waiting", func() bool {
		l := w.ctrl.call.LiveCalls(acme.ID)
		return len(l) == 1 && l[0].State == calls.StateQueued
	})
	arrived := w.ctrl.call.LiveCalls(acme.ID)[0].Arrived
	w.stopAsServe()
	select {
	case <-c.Done():
		t.Fatalf("the waiting caller was hung up at the stop: %+v", c.Info())
	default:
	}
	w.startController()
	waitUntil(t, "the caller waiting again after the restart", func() bool {
		l := w.ctrl.call.LiveCalls(acme.ID)
		return len(l) == 1 && l[0].CallID == c.UUID() && l[0].State == calls.StateQueued
	})
	if n := len(w.cdrs("acme")); n != 0 {
		t.Fatalf("%d records written for a call still up", n)
	}
	w.agentReady("acme", "1001", fssim.PhoneScript{AnswerAfter: 50 * time.Millisecond})
	var agentLeg string
	waitUntil(t, "the taken-back caller talking to the agent", func() bool {
		l := w.ctrl.call.LiveCalls(acme.ID)
		if b := c.Info().Bridged; len(b) > 0 {
			agentLeg = b[len(b)-1]
		}
		return agentLeg != "" && len(l) == 1 && l[0].State == calls.StateTalking
	})
	if err := w.node.Kill(agentLeg, ""); err != nil {
		t.Fatal(err)
	}
	waitCall(t, c)
	var recs []store.CDR
	waitUntil(t, "both legs recorded", func() bool { recs = w.cdrs("acme"); return len(recs) >= 2 })
	caller := callerLeg(recs)
	if len(recs) != 2 || caller == nil || caller.Disposition != "answered" || caller.QueuedAt == nil ||
		caller.QueuedAt.After(arrived.Add(time.Second)) || caller.ArrivedAt.Sub(arrived).Abs() > time.Millisecond {
		t.Fatalf("records %+v: want one per leg, the caller answered with its first arrival %v", recs, arrived)
	}
}
