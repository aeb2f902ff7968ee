package store

import (
	"testing"

	"github.com/jmoiron/sqlx"
)

// TestRowSecurityReportsRolesThatBypassIt: a superuser and a BYPASSRLS role
// are reported as bypassing row-level security, a plain role (even the
// owner of the tables: FORCE binds it) is not; SQLite reports nothing.
func TestRowSecurityReportsRolesThatBypassIt(t *testing.T) {
	if rs, err := openSQLite(t).RowSecurity(ctx); err != nil || rs != (RowSecurity{}) {
		t.Fatalf("sqlite: %+v %v", rs, err)
	}
	if rs, err := openPostgres(t).RowSecurity(ctx); err != nil || !rs.Bypassed || rs.Role == "" {
		t.Fatalf("superuser: %+v %v", rs, err)
	}
	if rs, err := openPostgresAppRole(t).RowSecurity(ctx); err != nil || rs.Bypassed {
		t.Fatalf("owner without superuser or BYPASSRLS: %+v %v", rs, err)
	}
	base := postgresURL(t)
	name := "sb_bypass_" + randHex(6)
	admin := sqlx.MustOpen("pgx", base)
	t.Cleanup(func() { admin.Close() })
	admin.MustExec(`CREATE ROLE ` + name + ` LOGIN NOSUPERUSER BYPASSRLS`)
	t.Cleanup(func() { admin.MustExec(`DROP ROLE ` + name) })
	s, err := Open(ctx, withParam(t, base, "user", name), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if rs, err := s.RowSecurity(ctx); err != nil || !rs.Bypassed || rs.Role != name {
		t.Fatalf("BYPASSRLS role: %+v %v", rs, err)
	}
}
