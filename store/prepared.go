package store

import (
	"context"
	"database/sql"
	"fmt"
	"sync"

	"github.com/jmoiron/sqlx"
)

// Prepared statements for the call path's writes on SQLite. The SQLite
// driver (modernc) parses every statement text it is given, and neither it
// nor database/sql caches the result: parsing a batch's multi-row INSERT
// (18 columns a CDR) was most of what a CDR batch cost the controller. A
// statement prepared once (per pooled connection, by database/sql) and
// executed once per row costs a bind and a step. PostgreSQL's driver (pgx)
// already caches prepared statements by their text, and a round trip per
// row would cost more than a multi-row statement, so there the store keeps
// sending multi-row text.
type stmtCache struct {
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

// txStmt returns query prepared, bound to tx. The statement is prepared on
// the pool the first time (outside tx, on another connection: SQLite's WAL
// lets it read the schema while tx writes) and kept until Close.
func (s *Store) txStmt(ctx context.Context, tx *sqlx.Tx, query string) (*sql.Stmt, error) {
	s.stmts.mu.Lock()
	st, ok := s.stmts.m[query]
	if !ok {
		var err error
		if st, err = s.db.PrepareContext(ctx, query); err != nil {
			s.stmts.mu.Unlock()
			return nil, fmt.Errorf("store: prepare: %w", err)
		}
		if s.stmts.m == nil {
			s.stmts.m = map[string]*sql.Stmt{}
		}
		s.stmts.m[query] = st
	}
	s.stmts.mu.Unlock()
	return tx.StmtContext(ctx, st), nil
}

// closeStmts closes the cached statements (Close).
func (s *Store) closeStmts() {
	s.stmts.mu.Lock()
	defer s.stmts.mu.Unlock()
	for _, st := range s.stmts.m {
		st.Close()
	}
	s.stmts.m = nil
}
