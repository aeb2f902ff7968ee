package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/fssim"
)

// TestServedFallbackRingsOnlyReachableAgents: the dialplan the controller
// serves for a call sets the fallback's dial string (sb_fallback_dial) to
// the tenant's phones at the site whose agents are not known to be not
// ready or on a break, as of the call's arrival: if the
// controller then vanishes without handing the call over (a crash), the
// node's fallback never rings an agent who was not ready.
func TestServedFallbackRingsOnlyReachableAgents(t *testing.T) {
	w := newWorld(t, "", 5)
	acme := w.ten["acme"]
	ctx := context.Background()
	w.agentReady("acme", "1001", fssim.PhoneScript{AnswerAfter: 50 * time.Millisecond})
	if err := w.node.RegisterPhone("1002", acme.SIPDomain, fssim.PhoneScript{AnswerAfter: 50 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	o, ok := w.ctrl.acds.Owner(string(acme.ID))
	if !ok {
		t.Fatal("no ACD for acme")
	}
	notReady := acme.agents["1002"].ID
	if err := o.Login(ctx, notReady); err != nil { // logged in: not ready
		t.Fatal(err)
	}
	c := w.place("acme", "13800000001", 300*time.Millisecond)
	waitCall(t, c)
	dial := c.Info().Vars["sb_fallback_dial"]
	if !strings.Contains(dial, "user/1001@"+acme.SIPDomain) {
		t.Errorf("sb_fallback_dial %q lacks the ready agent's phone 1001", dial)
	}
	if strings.Contains(dial, "user/1002@") {
		t.Errorf("sb_fallback_dial %q rings 1002, whose agent is not ready", dial)
	}
}
