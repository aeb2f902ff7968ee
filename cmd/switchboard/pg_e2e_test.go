package main

import (
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/fssim"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// postgresSchemaURL gives a test its own schema on the PostgreSQL of
// SWITCHBOARD_TEST_POSTGRES, dropped afterwards; it skips (or fails, with
// SWITCHBOARD_REQUIRE_POSTGRES=1) when none is configured.
func postgresSchemaURL(t *testing.T) string {
	t.Helper()
	base := os.Getenv("SWITCHBOARD_TEST_POSTGRES")
	if base == "" {
		if os.Getenv("SWITCHBOARD_REQUIRE_POSTGRES") == "1" {
			t.Fatal("SWITCHBOARD_REQUIRE_POSTGRES=1 but SWITCHBOARD_TEST_POSTGRES is unset")
		}
		t.Skip("PostgreSQL half skipped: set SWITCHBOARD_TEST_POSTGRES")
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "sb_e2e_" + hex.EncodeToString(b)
	admin, err := sqlx.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		admin.MustExec(`DROP SCHEMA ` + schema + ` CASCADE`)
		admin.Close()
	})
	admin.MustExec(`CREATE SCHEMA ` + schema)
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// The inbound call path on PostgreSQL: routing, ACD, CDRs and isolation.
func TestCallPathOnPostgreSQL(t *testing.T) {
	w := newWorld(t, postgresSchemaURL(t), 5)
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
