package main

import (
	"context"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/pgtest"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/fssim"
	"github.com/switchboard-cc/switchboard/store"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// The inbound call path on PostgreSQL: routing, ACD, CDRs and isolation.
// The controller runs as a role that is neither superuser nor BYPASSRLS nor
// owner (the schema is migrated first by the server's superuser), as in
// production: every query of the call path must carry its tenant scope.
func TestCallPathOnPostgreSQL(t *testing.T) {
	u := pgtest.SchemaURL(t, "sb_e2e")
	st, err := store.Open(context.Background(), u, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	st.Close()
	w := newWorld(t, pgtest.AppRoleURL(t, u), 5)
	w.agentReady("acme", "1001", fssim.PhoneScript{AnswerAfter: 50 * time.Millisecond, TalkFor: 4 * time.Second})
	w.agentReady("bolt", "1001", fssim.PhoneScript{AnswerAfter: 50 * time.Millisecond, TalkFor: 4 * time.Second})
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
