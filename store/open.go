package store

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers driver "pgx"
	"github.com/jmoiron/sqlx"
	_ "modernc.org/sqlite" // registers driver "sqlite"
)

func init() {
	// modernc's "sqlite" understands $N; tell sqlx so Rebind and named
	// queries produce it (sqlx does not know this driver name).
	sqlx.BindDriver("sqlite", sqlx.DOLLAR)
}

// Options configure Open.
type Options struct {
	// SecretKey is the controller's one secret key (32 bytes). Secrets at
	// rest are sealed under a key derived from it (secretkey.SecretEncryption);
	// the key itself only opens values written before that (see secrets.go).
	// When nil, secrets cannot be stored or read (ErrNoSecretKey).
	SecretKey []byte
	// Now is the clock; time.Now when nil. Times are stored in UTC.
	Now func() time.Time
	// MaxOpenConns caps the pool (PostgreSQL); 0 keeps the default of 10.
	MaxOpenConns int
}

// Store is the persistence layer. It is safe for concurrent use.
type Store struct {
	db       *sqlx.DB
	url      string // for the migrations' own connection
	postgres bool
	secrets  *sealer // nil without Options.SecretKey
	now      func() time.Time
	stmts    *stmtCache // SQLite's prepared call-path statements (prepared.go)
}

// Open connects to url: "sqlite:PATH" (parent directory created; WAL,
// busy_timeout and foreign keys on) or "postgres://..." / "postgresql://...".
// It does not migrate; call Migrate.
func Open(ctx context.Context, rawURL string, opts Options) (*Store, error) {
	s := &Store{now: opts.Now, url: rawURL, stmts: &stmtCache{}}
	if s.now == nil {
		s.now = time.Now
	}
	if opts.SecretKey != nil {
		sl, err := newSealer(opts.SecretKey)
		if err != nil {
			return nil, err
		}
		s.secrets = sl
	}
	db, err := openDB(rawURL, opts)
	if err != nil {
		return nil, err
	}
	s.db = db
	s.postgres = db.DriverName() == "pgx"
	if err := s.Ping(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

func openDB(rawURL string, opts Options) (*sqlx.DB, error) {
	switch {
	case strings.HasPrefix(rawURL, "sqlite:"):
		dsn, err := sqliteDSN(strings.TrimPrefix(rawURL, "sqlite:"))
		if err != nil {
			return nil, err
		}
		return sqlx.Open("sqlite", dsn)
	case strings.HasPrefix(rawURL, "postgres://"), strings.HasPrefix(rawURL, "postgresql://"):
		db, err := sqlx.Open("pgx", rawURL)
		if err != nil {
			return nil, fmt.Errorf("store: open postgres: %w", err)
		}
		n := opts.MaxOpenConns
		if n == 0 {
			n = 10
		}
		db.SetMaxOpenConns(n)
		db.SetMaxIdleConns(n)
		return db, nil
	}
	return nil, fmt.Errorf("store: database URL must start with sqlite: or postgres:// (got %q)", redact(rawURL))
}

// sqliteDSN builds the modernc DSN. Write transactions begin IMMEDIATE so a
// read-then-write transaction (quota check, then insert) cannot be
// overtaken: SQLite serialises writers, busy_timeout makes them queue.
func sqliteDSN(path string) (string, error) {
	if path == "" || strings.Contains(path, "?") || strings.HasPrefix(path, ":memory:") || strings.HasPrefix(path, "file:") {
		// :memory: would give each pooled connection its own empty database.
		return "", fmt.Errorf("store: sqlite URL needs a plain file path, as in sqlite:/var/lib/switchboard/db.sqlite (got %q)", path)
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return "", fmt.Errorf("store: create database directory: %w", err)
		}
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_txlock", "immediate")
	return "file:" + path + "?" + q.Encode(), nil
}

// redact hides a password in a URL for error messages.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparseable URL)"
	}
	return u.Redacted()
}

// Ping checks the database answers (for /readyz).
func (s *Store) Ping(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return fmt.Errorf("store: ping: %w", err)
	}
	return nil
}

// RowSecurity says whether row-level security binds the database role the
// store signs in as.
type RowSecurity struct {
	Role     string // the PostgreSQL role (current_user); empty on SQLite
	Bypassed bool   // superuser or BYPASSRLS: the policies do not apply to it
}

// RowSecurity reports on the store's database role. A role that bypasses
// row-level security leaves the tenant_id filter of every query as the only
// wall between tenants. SQLite has no row-level security at all: the zero
// value (its single wall is the filter, by design).
func (s *Store) RowSecurity(ctx context.Context) (RowSecurity, error) {
	if !s.postgres {
		return RowSecurity{}, nil
	}
	var r RowSecurity
	err := s.db.QueryRowContext(ctx, `SELECT current_user, rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user`).
		Scan(&r.Role, &r.Bypassed)
	if err != nil {
		return r, fmt.Errorf("store: read the database role's attributes: %w", err)
	}
	return r, nil
}

// Close closes the pool.
func (s *Store) Close() error {
	s.closeStmts()
	return s.db.Close()
}

// nowUTC returns the store clock's time in UTC, truncated to microseconds
// (PostgreSQL's precision) so values read back equal values written.
func (s *Store) nowUTC() time.Time { return s.now().UTC().Truncate(time.Microsecond) }
