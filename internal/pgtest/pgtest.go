// Package pgtest gives tests a fresh PostgreSQL schema on the server named by
// SWITCHBOARD_TEST_POSTGRES, dropped afterwards, so packages can test in
// parallel. Without the variable a test skips with a clear message, or fails
// when SWITCHBOARD_REQUIRE_POSTGRES=1 (CI). Imported by tests only.
package pgtest

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver
)

// BaseURL returns SWITCHBOARD_TEST_POSTGRES or skips (fails when required).
func BaseURL(t testing.TB) string {
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

// SchemaURL creates a schema named prefix_<random> and returns a URL whose
// search_path is that schema; the schema is dropped when the test ends.
func SchemaURL(t testing.TB, prefix string) string {
	t.Helper()
	base := BaseURL(t)
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	schema := prefix + "_" + hex.EncodeToString(b)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		admin.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// AppRole is the login role AppRoleURL connects as: LOGIN, NOSUPERUSER,
// NOBYPASSRLS, owning nothing. It is shared by every test of the server
// (created once, kept) and only holds privileges on schemas that still exist:
// dropping a schema drops what was granted on it.
const AppRole = "switchboard_test_app"

// appRolePassword lets the role sign in where the server does not trust
// local connections (CI images often use scram); it guards nothing of value.
const appRolePassword = "switchboard-test-app"

// AppRoleURL grants AppRole what the application needs in schemaURL's schema
// (USAGE on the schema; SELECT, INSERT, UPDATE, DELETE on its tables and
// sequences, including those created later by the URL's own user, e.g. by
// migrations) and returns schemaURL signed in as AppRole. Row-level
// security applies to every query on that URL: the role is neither superuser
// nor BYPASSRLS nor table owner, as in production. It fails the test if the
// role turns out to bypass row-level security.
//
// Parallel test packages share the role: its creation and attribute reset
// run under a transaction-level advisory lock, so they never race.
func AppRoleURL(t testing.TB, schemaURL string) string {
	t.Helper()
	u, err := url.Parse(schemaURL)
	if err != nil {
		t.Fatal(err)
	}
	schema := u.Query().Get("search_path")
	if schema == "" {
		t.Fatal("pgtest.AppRoleURL: the URL names no schema (search_path): use SchemaURL")
	}
	admin, err := sql.Open("pgx", schemaURL)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	tx, err := admin.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	stmts := []string{
		`SELECT pg_advisory_xact_lock(hashtext('` + AppRole + `'))`,
		`DO $$ BEGIN
			IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '` + AppRole + `') THEN
				CREATE ROLE ` + AppRole + `;
			END IF;
		END $$`,
		`ALTER ROLE ` + AppRole + ` LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE PASSWORD '` + appRolePassword + `'`,
		`GRANT USAGE ON SCHEMA ` + schema + ` TO ` + AppRole,
		`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ` + schema + ` TO ` + AppRole,
		`GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA ` + schema + ` TO ` + AppRole,
		`ALTER DEFAULT PRIVILEGES IN SCHEMA ` + schema + ` GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ` + AppRole,
		`ALTER DEFAULT PRIVILEGES IN SCHEMA ` + schema + ` GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO ` + AppRole,
	}
	for _, st := range stmts {
		if _, err := tx.Exec(st); err != nil {
			t.Fatalf("pgtest: prepare role %s: %s: %v", AppRole, st, err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(AppRole, appRolePassword)
	app, err := sql.Open("pgx", u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	var super, bypass bool
	if err := app.QueryRow(`SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user`).Scan(&super, &bypass); err != nil {
		t.Fatalf("pgtest: sign in as %s: %v", AppRole, err)
	}
	if super || bypass {
		t.Fatalf("pgtest: %s bypasses row-level security (superuser %v, bypassrls %v)", AppRole, super, bypass)
	}
	return u.String()
}
