package store

import (
	"context"
	"database/sql"
	"testing"

	"github.com/pressly/goose/v3"
)

// TestDataMigrationsSeeEveryTenantAsANonSuperuserOwner: migrations run as the
// schema's owner, which is not a superuser in production and which FORCE ROW
// LEVEL SECURITY binds. A data migration must still see every tenant's rows,
// or it would silently change none (e.g. re-encrypting stored secrets).
func TestDataMigrationsSeeEveryTenantAsANonSuperuserOwner(t *testing.T) {
	s := openPostgresAppRole(t)
	if rs, err := s.RowSecurity(ctx); err != nil || rs.Bypassed {
		t.Fatalf("the test role must be bound by row-level security: %+v %v", rs, err)
	}
	mkTenant(t, s, "a.example.com", 1)
	mkTenant(t, s, "b.example.com", 1)
	seen := -1
	count := func(ctx context.Context, tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `SELECT count(*) FROM tenants`).Scan(&seen)
	}
	none := func(context.Context, *sql.Tx) error { return nil }
	probe := goose.NewGoMigration(9_000_000_001, &goose.GoFunc{RunTx: count}, &goose.GoFunc{RunTx: none})
	if err := s.migrate(ctx, probe); err != nil {
		t.Fatal(err)
	}
	if seen != 2 {
		t.Fatalf("a data migration saw %d tenants, want both", seen)
	}
}
