package api

import (
	"context"
	"testing"

	"github.com/switchboard-cc/switchboard/internal/pgtest"
	"github.com/switchboard-cc/switchboard/store"
)

// newEnvPostgres is newEnv on a fresh PostgreSQL schema, dropped afterwards,
// migrated by the server's superuser and served as a role that is neither
// superuser nor BYPASSRLS nor owner (pgtest.AppRoleURL), as in production:
// row-level security applies to every query the API makes.
func newEnvPostgres(t testing.TB, opts ...func(*Config)) *env {
	t.Helper()
	u := pgtest.SchemaURL(t, "sb_api_test")
	st, err := store.Open(context.Background(), u, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return newEnvURL(t, pgtest.AppRoleURL(t, u), opts...)
}

// TestPostgresIsolationAndSuspension runs the isolation walk and the status
// rules on PostgreSQL, as the application role (row-level security binds).
func TestPostgresIsolationAndSuspension(t *testing.T) {
	e := newEnvPostgres(t)
	w := newWalk(t, e)
	walkEveryRoute(t, w)
	e.must(e.do("POST", w.a.base+"/suspend", e.admin, nil), 200, nil)
	if r := e.do("POST", w.a.base+"/skills", w.a.admin, map[string]string{"name": "x"}); r.errCode() != "tenant_suspended" {
		t.Fatalf("write to suspended tenant: %s", r)
	}
}

// TestPostgres runs the behaviour that depends on the database (locks,
// uniqueness, transactions, quotas under concurrency) on PostgreSQL too.
func TestPostgres(t *testing.T) {
	pgtest.BaseURL(t)
	for name, run := range map[string]func(*testing.T, *env){
		"HappyPaths": testHappyPaths, "IdempotentCreateReplays": testIdempotentCreateReplays,
		"ConcurrentIdempotentRetries": testConcurrentIdempotentRetries, "FailedLogins": testFailedLoginsSlowDownThenLock,
		"Refresh": testRefreshRotatesAndDetectsReuse, "APIKeys": testAPIKeys,
		"ConcurrentAgentQuota": testConcurrentAgentCreatesRespectQuota, "AgentsQuota": testAgentsQuotaAndWriteOnlySIPPassword,
		"BadInput": testBadInputIsRefusedAndChangesNothing, "SuspendResumeArchive": testSuspendResumeArchive,
		"Audit": testAuditRecordsWhoWhatWhereWhen, "AccessNumbersRule": testAccessNumbersFollowThePlansRule,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel() // each has its own schema, clock and server
			run(t, newEnvPostgres(t))
		})
	}
}
