package flowrun

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"time"

	"github.com/switchboard-cc/switchboard/ivrflows"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// ErrNoDataSource is a sql node naming a data source the tenant lacks.
var ErrNoDataSource = errors.New("flowrun: sql: no such data source")

// Dialect says how a data source enforces read-only transactions.
type Dialect int

const (
	// DialectPostgres: BEGIN READ ONLY (pgx's stdlib honours TxOptions.ReadOnly).
	DialectPostgres Dialect = iota + 1
	// DialectSQLite: PRAGMA query_only on the connection, since the driver
	// accepts TxOptions.ReadOnly without enforcing it.
	DialectSQLite
)

// DataSource is one tenant database for sql nodes. Its credentials should
// be a least-privileged role: the checks here are not a substitute.
type DataSource struct {
	DB       *sql.DB
	Dialect  Dialect
	Writable bool // the tenant allows statements other than reads on it
}

// SQLSources is the database/sql SQLRunner: parameterised queries on the
// tenant's data sources, read-only unless the source is writable and the
// command allows it (statement check plus a read-only transaction), bounded
// by the command's timeout and row limit.
type SQLSources struct {
	// Source returns a tenant's data source by name.
	Source func(tenant tenancy.TenantID, name string) (DataSource, bool)
	// MaxRows caps every query whatever the flow asks. Default 1000.
	MaxRows int
	// DefaultTimeout applies to commands without one. Default 5 s.
	DefaultTimeout time.Duration
}

// Query runs q and returns at most its MaxRows rows as column → value
// (numbers as float64, text and bytes as string, times as RFC 3339 UTC).
func (s *SQLSources) Query(ctx context.Context, tenant tenancy.TenantID, q ivrflows.SQLQuery) ([]map[string]any, error) {
	ds, ok := s.Source(tenant, q.DataSource)
	if !ok || ds.DB == nil {
		return nil, fmt.Errorf("%w: %q", ErrNoDataSource, q.DataSource)
	}
	readOnly := q.ReadOnly || !ds.Writable
	if readOnly {
		if err := CheckReadOnly(q.Query); err != nil {
			return nil, err
		}
	}
	timeout := q.Timeout
	if timeout <= 0 {
		timeout = orDefault(s.DefaultTimeout, 5*time.Second)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	conn, err := ds.DB.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	if readOnly && ds.Dialect == DialectSQLite {
		if _, err := conn.ExecContext(ctx, "PRAGMA query_only = ON"); err != nil {
			return nil, err
		}
		defer resetQueryOnly(conn)
	}
	return s.inTx(ctx, conn, q, readOnly)
}

func (s *SQLSources) inTx(ctx context.Context, conn *sql.Conn, q ivrflows.SQLQuery, readOnly bool) ([]map[string]any, error) {
	tx, err := conn.BeginTx(ctx, &sql.TxOptions{ReadOnly: readOnly})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback() // a read-only transaction is never committed
	rows, err := tx.QueryContext(ctx, q.Query, q.Args...)
	if err != nil {
		return nil, err
	}
	limit := min(max(q.MaxRows, 1), orDefault(s.MaxRows, 1000))
	out, err := scanRows(rows, limit)
	if err != nil {
		return nil, err
	}
	if !readOnly {
		return out, tx.Commit()
	}
	return out, nil
}

// resetQueryOnly gives the connection back writable, or discards it.
func resetQueryOnly(conn *sql.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if _, err := conn.ExecContext(ctx, "PRAGMA query_only = OFF"); err != nil {
		_ = conn.Raw(func(any) error { return driver.ErrBadConn })
	}
}

// scanRows reads up to limit rows and stops there (the rest is not read).
func scanRows(rows *sql.Rows, limit int) ([]map[string]any, error) {
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var out []map[string]any
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for len(out) < limit && rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		row := make(map[string]any, len(cols))
		for i, c := range cols {
			row[c] = flowValue(vals[i])
		}
		out = append(out, row)
	}
	return out, rows.Err()
}

// flowValue converts a driver value to the flow's types.
func flowValue(v any) any {
	switch v := v.(type) {
	case []byte:
		return string(v)
	case int64:
		return float64(v)
	case int32:
		return float64(v)
	case int:
		return float64(v)
	case float32:
		return float64(v)
	case time.Time:
		return v.UTC().Format(time.RFC3339Nano)
	}
	return v
}

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}
