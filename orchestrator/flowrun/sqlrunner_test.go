package flowrun

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/ivrflows"
	"github.com/switchboard-cc/switchboard/tenancy"

	_ "modernc.org/sqlite"
)

func sqliteSources(t *testing.T) (*SQLSources, *sql.DB) {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "crm.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	db.SetMaxOpenConns(1) // every query reuses the connection a read-only one used
	if _, err := db.Exec(`CREATE TABLE orders (id INTEGER PRIMARY KEY, account TEXT, total REAL, note BLOB)`); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 10; i++ {
		if _, err := db.Exec(`INSERT INTO orders (account, total, note) VALUES (?, ?, ?)`, "42", float64(i)*1.5, []byte("n")); err != nil {
			t.Fatal(err)
		}
	}
	src := &SQLSources{Source: func(tenant tenancy.TenantID, name string) (DataSource, bool) {
		if tenant != "acme" {
			return DataSource{}, false
		}
		switch name {
		case "crm":
			return DataSource{DB: db, Dialect: DialectSQLite}, true
		case "orders":
			return DataSource{DB: db, Dialect: DialectSQLite, Writable: true}, true
		}
		return DataSource{}, false
	}}
	return src, db
}

func TestSQLSources(t *testing.T) {
	src, db := sqliteSources(t)
	ctx := context.Background()
	q := ivrflows.SQLQuery{DataSource: "crm", Query: "SELECT id, account, total, note FROM orders WHERE account = $1 ORDER BY id",
		Args: []any{"42"}, MaxRows: 3, ReadOnly: true, Timeout: time.Second}
	rows, err := src.Query(ctx, "acme", q)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || rows[0]["id"] != float64(1) || rows[0]["account"] != "42" || rows[2]["total"] != 4.5 || rows[0]["note"] != "n" {
		t.Errorf("rows %v", rows)
	}
	for _, tc := range []struct {
		tenant tenancy.TenantID
		q      ivrflows.SQLQuery
		want   error
	}{
		{"acme", ivrflows.SQLQuery{DataSource: "crm", Query: "UPDATE orders SET total = 0"}, ErrNotReadOnly},
		{"acme", ivrflows.SQLQuery{DataSource: "orders", Query: "DELETE FROM orders", ReadOnly: true}, ErrNotReadOnly},
		{"acme", ivrflows.SQLQuery{DataSource: "nope", Query: "SELECT 1"}, ErrNoDataSource},
		{"globex", ivrflows.SQLQuery{DataSource: "crm", Query: "SELECT 1"}, ErrNoDataSource},
	} {
		if _, err := src.Query(ctx, tc.tenant, tc.q); !errors.Is(err, tc.want) {
			t.Errorf("%s %q: %v, want %v", tc.tenant, tc.q.Query, err, tc.want)
		}
	}
	// The second wall: a write that slips past the statement check is
	// refused by the read-only connection.
	conn, _ := db.Conn(ctx)
	conn.ExecContext(ctx, "PRAGMA query_only = ON")
	if _, err := conn.ExecContext(ctx, "INSERT INTO orders (account) VALUES ('x')"); err == nil {
		t.Error("query_only did not refuse a write")
	}
	resetQueryOnly(conn)
	conn.Close()
	// A writable source commits, on the same (reset) connection.
	if _, err := src.Query(ctx, "acme", ivrflows.SQLQuery{DataSource: "orders", Query: "UPDATE orders SET total = 0 WHERE id = $1", Args: []any{int64(1)}, MaxRows: 1}); err != nil {
		t.Fatalf("writable update: %v", err)
	}
	var total float64
	db.QueryRow("SELECT total FROM orders WHERE id = 1").Scan(&total)
	if total != 0 {
		t.Errorf("update not committed: total %v", total)
	}
	slow := ivrflows.SQLQuery{DataSource: "crm", MaxRows: 1, Timeout: 100 * time.Millisecond,
		Query: "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"}
	start := time.Now()
	if _, err := src.Query(ctx, "acme", slow); err == nil || time.Since(start) > 2*time.Second {
		t.Errorf("endless query: %v after %v", err, time.Since(start))
	}
}

func TestCheckReadOnly(t *testing.T) {
	ok := []string{
		"SELECT 1", "  select * from t where a = $1;", "WITH x AS (SELECT 1) SELECT * FROM x", "VALUES (1)",
		"SELECT 'update; delete' AS s", `SELECT "insert" FROM t`, "SELECT 1 -- drop table\n", "/* delete */ SELECT 1",
		"SELECT $$ drop $$", "SELECT $tag$ ; insert $tag$", "SELECT replace(name, 'a', 'b') FROM t", "SELECT 1;;  ",
		"SELECT updated_at, deleted FROM t",
	}
	for _, q := range ok {
		if err := CheckReadOnly(q); err != nil {
			t.Errorf("%q refused: %v", q, err)
		}
	}
	bad := map[string]string{
		"UPDATE t SET a = 1": "starts with",
		"WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d": `"DELETE"`,
		"SELECT * INTO copy FROM t":                             `"INTO"`,
		"SELECT 1; DROP TABLE t":                                "more than one",
		"SELECT 'unterminated":                                  "unterminated",
		"SELECT 1 /* open":                                      "unterminated",
		"SELECT $x$ open":                                       "unterminated",
		"":                                                      "empty",
		"-- only a comment":                                     "empty",
		"PRAGMA query_only = OFF":                               "starts with",
		"CALL proc()":                                           "starts with",
		"select pg_sleep(1); select 1":                          "more than one",
	}
	for q, want := range bad {
		err := CheckReadOnly(q)
		if !errors.Is(err, ErrNotReadOnly) || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want an error containing %s", q, err, want)
		}
	}
}

// FuzzCheckReadOnly: a flow's query is outside input. Whatever it is, the
// check must not panic, and what it accepts is one statement whose first
// bare word reads and which has no writing keyword.
func FuzzCheckReadOnly(f *testing.F) {
	for _, s := range []string{"SELECT 1", "WITH a AS (DELETE FROM t) SELECT 1", "SELECT $a$x$a$", "SELECT '", "/*", "SELECT 1; --x", "select \"a\"\"b\""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		err := CheckReadOnly(q)
		if err != nil {
			if !errors.Is(err, ErrNotReadOnly) {
				t.Fatalf("error not wrapping ErrNotReadOnly: %v", err)
			}
			return
		}
		words, werr := sqlWords(q)
		if werr != nil || len(words) == 0 || !readOnlyFirst[words[0]] {
			t.Fatalf("accepted %q with words %v (%v)", q, words, werr)
		}
		for _, w := range words {
			if writeWords[w] {
				t.Fatalf("accepted %q containing %s", q, w)
			}
		}
	})
}
