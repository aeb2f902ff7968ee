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
