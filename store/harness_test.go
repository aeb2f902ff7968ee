package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"github.com/switchboard-cc/switchboard/tenancy"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/jmoiron/sqlx"
)

// testKey is the node-secret key used by every test store.
var testKey = []byte("0123456789abcdef0123456789abcdef")

// backends runs fn once per database: SQLite in a temp dir and PostgreSQL
// (own schema, dropped afterwards) when SWITCHBOARD_TEST_POSTGRES is set.
func backends(t *testing.T, fn func(t *testing.T, s *Store)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, openSQLite(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, openPostgres(t)) })
}

// allBackends is backends plus PostgreSQL as a NON-superuser role that owns
// the schema, as in production: FORCE ROW LEVEL SECURITY then applies to
// every query the store makes, so a method that forgets to set its tenant
// or platform scope fails here.
//
// The three run in parallel (each has its own database): most of their time
// is spent waiting on PostgreSQL, not on the CPU.
func allBackends(t *testing.T, fn func(t *testing.T, s *Store)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { t.Parallel(); fn(t, openSQLite(t)) })
	t.Run("postgres", func(t *testing.T) { t.Parallel(); fn(t, openPostgres(t)) })
	t.Run("postgres_app_role", func(t *testing.T) { t.Parallel(); fn(t, openPostgresAppRole(t)) })
}

// openPostgresAppRole creates a login role without superuser rights and a
// schema it owns, then opens and migrates the store as that role.
func openPostgresAppRole(t testing.TB) *Store {
	t.Helper()
	base := postgresURL(t)
	name := "sb_app_" + randHex(6)
	admin := sqlx.MustOpen("pgx", base)
	t.Cleanup(func() { admin.Close() })
	admin.MustExec(`CREATE ROLE ` + name + ` LOGIN NOSUPERUSER NOBYPASSRLS`)
	admin.MustExec(`CREATE SCHEMA ` + name + ` AUTHORIZATION ` + name)
	t.Cleanup(func() {
		admin.MustExec(`DROP SCHEMA ` + name + ` CASCADE`)
		admin.MustExec(`DROP ROLE ` + name)
	})
	u := withParam(t, withParam(t, base, "search_path", name), "user", name)
	return openMigrated(t, u)
}

func openSQLite(t testing.TB) *Store {
	t.Helper()
	path := filepath.Join(t.TempDir(), "sub", "switchboard.db")
	return openMigrated(t, "sqlite:"+path)
}

func openMigrated(t testing.TB, u string) *Store {
	t.Helper()
	ctx := context.Background()
	s, err := Open(ctx, u, Options{SecretKey: testKey})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return s
}

// postgresURL returns the test server URL or skips (fails when
// SWITCHBOARD_REQUIRE_POSTGRES=1).
func postgresURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("SWITCHBOARD_TEST_POSTGRES")
	if u == "" {
		if os.Getenv("SWITCHBOARD_REQUIRE_POSTGRES") == "1" {
			t.Fatal("SWITCHBOARD_REQUIRE_POSTGRES=1 but SWITCHBOARD_TEST_POSTGRES is unset")
		}
		t.Skip("PostgreSQL half skipped: set SWITCHBOARD_TEST_POSTGRES")
	}
	return u
}

// openPostgres creates schema sb_test_<random>, opens a store whose
// connections use it (search_path in the URL) and drops it at cleanup.
func openPostgres(t testing.TB) *Store {
	t.Helper()
	base := postgresURL(t)
	schema := "sb_test_" + randHex(6)
	admin := sqlx.MustOpen("pgx", base)
	t.Cleanup(func() { admin.Close() })
	admin.MustExec(`CREATE SCHEMA ` + schema)
	t.Cleanup(func() { admin.MustExec(`DROP SCHEMA ` + schema + ` CASCADE`) })
	s := openMigrated(t, withParam(t, base, "search_path", schema))
	return s
}

func withParam(t testing.TB, raw, key, value string) string {
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	qs := u.Query()
	qs.Set(key, value)
	u.RawQuery = qs.Encode()
	return u.String()
}

func randHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

var (
	ctx    = context.Background()
	op     = Actor{Kind: ActorUser, ID: "operator-1", IP: "192.0.2.1"}
	admin1 = Actor{Kind: ActorUser, ID: "admin-1", IP: "192.0.2.2"}
)

func mkTenant(t testing.TB, s *Store, domain string, maxAgents int) tenancy.Tenant {
	t.Helper()
	tn, err := s.CreateTenant(ctx, op, TenantInput{Name: "T " + domain, SIPDomain: domain, Language: tenancy.LanguageEnglish,
		TimeZone: "Asia/Shanghai", Quotas: tenancy.Quotas{MaxAgents: maxAgents, MaxPSTNCalls: 10, MaxWebCalls: 10, MaxChats: 10, MaxPublishedFlows: 5}})
	if err != nil {
		t.Fatal(err)
	}
	return tn
}

func mkUser(t testing.TB, s *Store, tenant tenancy.TenantID, role tenancy.Role) User {
	t.Helper()
	u, err := s.CreateUser(ctx, admin1, tenant, UserInput{Email: randHex(4) + "@example.com", DisplayName: "U",
		Role: role, PasswordHash: "$argon2id$v=19$m=65536,t=1,p=2$c2FsdA$aGFzaA"})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func mkAgent(t testing.TB, s *Store, tenant tenancy.TenantID, ext string) Agent {
	t.Helper()
	u := mkUser(t, s, tenant, tenancy.RoleAgent)
	a, err := s.CreateAgent(ctx, admin1, tenant, AgentInput{UserID: u.ID, Extension: ext, DisplayName: "Agent " + ext, SIPPassword: "s3cret-pass"})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func countAudit(t testing.TB, s *Store) int {
	t.Helper()
	var n int
	if err := s.db.Get(&n, `SELECT count(*) FROM audit_log`); err != nil {
		t.Fatal(err)
	}
	return n
}
