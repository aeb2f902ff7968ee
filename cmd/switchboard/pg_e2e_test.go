package main

import (
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/pgtest"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/fssim"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// The inbound call path on PostgreSQL: routing, ACD, CDRs and isolation.
func TestCallPathOnPostgreSQL(t *testing.T) {
	w := newWorld(t, pgtest.SchemaURL(t, "sb_e2e"), 5)
	w.agentReady("acme", "1001", fssim.PhoneScript{AnswerAfter: 50 * time.Millisecond, HangupAfter: 4 * time.Second})
	w.agentReady("bolt", "1001", fssim.PhoneScript{AnswerAfter: 50 * time.Millisecond, HangupAfter: 4 * time.Second})
	ca, cb := w.place("acme", "13800000001", 0), w.place("bolt", "13900000002", 0)
	waitCall(t, ca)
	waitCall(t, cb)
	for tenant, call := range map[string]*fssim.Call{"acme": ca, "bolt": cb} {
		r := w.waitCallerCDR(tenant, call.UUID())
		if r.Disposition != "answered" || r.AgentID != w.ten[tenant].agents["1001"].ID {
			t.Fatalf("%s caller CDR on PostgreSQL: %+v", tenant, r)
		}
		for _, other := range w.cdrs(map[string]string{"acme": "bolt", "bolt": "acme"}[tenant]) {
			if other.CallID == call.UUID() {
				t.Fatalf("%s's call in the other tenant's CDRs", tenant)
			}
		}
	}
	if n := w.ctrl.adm.InUse(w.ten["acme"].ID, tenancy.ResourcePSTNCalls); n != 0 {
		t.Fatalf("admission leaked: %d", n)
	}
}
