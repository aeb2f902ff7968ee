package flowrun

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/switchboard-cc/switchboard/internal/pgtest"
	"github.com/switchboard-cc/switchboard/ivrflows"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// postgresDB opens SWITCHBOARD_TEST_POSTGRES on a fresh schema or skips
// (fails when SWITCHBOARD_REQUIRE_POSTGRES=1).
func postgresDB(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", pgtest.SchemaURL(t, "sb_flowrun_test"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestSQLSourcesPostgres: the read-only transaction is the second wall; a
// statement that passes the keyword check but writes (nextval) is refused.
func TestSQLSourcesPostgres(t *testing.T) {
	db := postgresDB(t)
	for _, s := range []string{`CREATE TABLE orders (id serial PRIMARY KEY, account text, total numeric, at timestamptz)`,
		`INSERT INTO orders (account, total, at) SELECT '42', g, now() FROM generate_series(1, 10) g`, `CREATE SEQUENCE s`} {
		if _, err := db.Exec(s); err != nil {
			t.Fatal(err)
		}
	}
	src := &SQLSources{Source: func(tenancy.TenantID, string) (DataSource, bool) {
		return DataSource{DB: db, Dialect: DialectPostgres}, true
	}}
	ctx := context.Background()
	rows, err := src.Query(ctx, "acme", ivrflows.SQLQuery{DataSource: "crm", Query: "SELECT id, account, at FROM orders WHERE account = $1 ORDER BY id",
		Args: []any{"42"}, MaxRows: 4, ReadOnly: true, Timeout: time.Second})
	if err != nil || len(rows) != 4 || rows[0]["id"] != float64(1) || rows[0]["account"] != "42" {
		t.Fatalf("rows %v, %v", rows, err)
	}
	if _, ok := rows[0]["at"].(string); !ok {
		t.Errorf("time not a string: %T", rows[0]["at"])
	}
	_, err = src.Query(ctx, "acme", ivrflows.SQLQuery{DataSource: "crm", Query: "SELECT nextval('s')", MaxRows: 1, ReadOnly: true})
	if err == nil || !strings.Contains(err.Error(), "read-only") {
		t.Errorf("nextval in a read-only source: %v", err)
	}
	_, err = src.Query(ctx, "acme", ivrflows.SQLQuery{DataSource: "crm", Query: "SELECT pg_sleep(2)", MaxRows: 1, Timeout: 100 * time.Millisecond})
	if err == nil || errors.Is(err, ErrNotReadOnly) {
		t.Errorf("pg_sleep past the timeout: %v", err)
	}
}
