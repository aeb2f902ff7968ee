package api

import (
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	"github.com/jmoiron/sqlx"
)

// postgresURL returns SWITCHBOARD_TEST_POSTGRES or skips (fails when
// SWITCHBOARD_REQUIRE_POSTGRES=1).
func postgresURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("SWITCHBOARD_TEST_POSTGRES")
	if u == "" {
		if os.Getenv("SWITCHBOARD_REQUIRE_POSTGRES") == "1" {
			t.Fatal("SWITCHBOARD_REQUIRE_POSTGRES=1 but SWITCHBOARD_TEST_POSTGRES is unset")
		}
		t.Skip("PostgreSQL half skipped: set SWITCHBOARD_TEST_POSTGRES to a postgres:// URL")
	}
	return u
}

// newEnvPostgres is newEnv on a fresh PostgreSQL schema, dropped afterwards.
func newEnvPostgres(t testing.TB) *env {
	t.Helper()
	base := postgresURL(t)
	b := make([]byte, 6)
	rand.Read(b)
	schema := "sb_api_test_" + hex.EncodeToString(b)
	admin, err := sqlx.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`) })
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return newEnvURL(t, u.String())
}

// TestPostgresIsolationAndSuspension runs the isolation walk and the status
// rules on PostgreSQL (row-level security is on there).
func TestPostgresIsolationAndSuspension(t *testing.T) {
	e := newEnvPostgres(t)
	a := e.populate(e.newTenant("alpha", 10))
	b := e.populate(e.newTenant("beta", 10))
	plat := e.platformObjects()
	before := e.do("GET", a.base+"/audit?limit=500", a.admin, nil)
	for _, r := range e.api.routes {
		if r.scope == scopePublic || r.scope == scopeAuthed {
			continue
		}
		res := e.do(r.method, fill(r.path, plat, a.params), b.admin, validBodies[r.name])
		if r.scope == scopeTenant && res.status != 404 || r.scope == scopePlatform && res.status != 403 {
			t.Errorf("%s %s with A's IDs: %s", r.method, r.path, res)
		}
	}
	e.assertUnchanged(a, before)
	e.must(e.do("POST", a.base+"/suspend", e.admin, nil), 200, nil)
	if r := e.do("POST", a.base+"/skills", a.admin, map[string]string{"name": "x"}); r.errCode() != "tenant_suspended" {
		t.Fatalf("write to suspended tenant: %s", r)
	}
}

// TestPostgres runs the behaviour that depends on the database (locks,
// uniqueness, transactions, quotas under concurrency) on PostgreSQL too.
func TestPostgres(t *testing.T) {
	postgresURL(t)
	for name, run := range map[string]func(*testing.T, *env){
		"HappyPaths": testHappyPaths, "IdempotentCreateReplays": testIdempotentCreateReplays,
		"ConcurrentIdempotentRetries": testConcurrentIdempotentRetries, "FailedLogins": testFailedLoginsSlowDownThenLock,
		"Refresh": testRefreshRotatesAndDetectsReuse, "APIKeys": testAPIKeys,
		"ConcurrentAgentQuota": testConcurrentAgentCreatesRespectQuota, "AgentsQuota": testAgentsQuotaAndWriteOnlySIPPassword,
		"BadInput": testBadInputIsRefusedAndChangesNothing, "SuspendResumeArchive": testSuspendResumeArchive,
		"Audit": testAuditRecordsWhoWhatWhereWhen,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel() // each has its own schema, clock and server
			run(t, newEnvPostgres(t))
		})
	}
}
