package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/switchboard-cc/switchboard/internal/pgtest"
	"github.com/switchboard-cc/switchboard/internal/syncbuf"
	"github.com/switchboard-cc/switchboard/store"
)

// TestServeLogsAnErrorWhenRowSecurityIsBypassed: started as a superuser,
// serve logs an ERROR naming the role; as a role the policies bind, nothing.
func TestServeLogsAnErrorWhenRowSecurityIsBypassed(t *testing.T) {
	ctx := context.Background()
	schema := pgtest.SchemaURL(t, "sb_cmd_rls")
	check := func(u string) []map[string]any {
		st, err := store.Open(ctx, u, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		if err := st.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		var logs syncbuf.Buffer
		warnRowSecurity(ctx, st, slog.New(slog.NewJSONHandler(&logs, nil)))
		var lines []map[string]any
		for _, l := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
			var m map[string]any
			if json.Unmarshal([]byte(l), &m) == nil {
				lines = append(lines, m)
			}
		}
		return lines
	}
	lines := check(schema)
	if len(lines) != 1 || lines[0]["level"] != "ERROR" || !strings.Contains(lines[0]["msg"].(string), "row-level security bypassed") || lines[0]["role"] == "" {
		t.Fatalf("as a superuser: want one ERROR naming the role, got %v", lines)
	}
	if lines := check(pgtest.AppRoleURL(t, schema)); len(lines) != 0 {
		t.Fatalf("as %s: want no log line, got %v", pgtest.AppRole, lines)
	}
}

// TestServeAsAppRoleWithPendingMigrationsSaysToMigrateFirst: the app role may
// not change the schema, so serve cannot migrate; its error says what to run.
func TestServeAsAppRoleWithPendingMigrationsSaysToMigrateFirst(t *testing.T) {
	app := pgtest.AppRoleURL(t, pgtest.SchemaURL(t, "sb_cmd_pending")) // an empty schema the role cannot create in
	_, err := openStore(context.Background(), serveConfig{Database: app}, nil)
	if err == nil || !strings.Contains(err.Error(), "run `switchboard migrate` as the schema's owner first") {
		t.Fatalf("want the advice to migrate as the owner, got %v", err)
	}
}
