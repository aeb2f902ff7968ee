package main

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/switchboard-cc/switchboard/internal/syncbuf"
	"github.com/switchboard-cc/switchboard/store"
	"github.com/switchboard-cc/switchboard/tenancy"
)

func TestTenantDefaultQuotasSetting(t *testing.T) {
	cfg, err := parseServeConfig(nil, envOf(nil), &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.TenantDefaults.MaxAgents < 1 || cfg.TenantDefaultsExplicit {
		t.Fatalf("the built-in default must let a new tenant create agents: %+v (explicit %v)", cfg.TenantDefaults, cfg.TenantDefaultsExplicit)
	}
	env := envOf(map[string]string{"SWITCHBOARD_TENANT_DEFAULT_QUOTAS": `{"max_agents":3,"max_pstn_calls":2,"max_web_calls":1,"max_chats":0,"max_published_flows":5}`})
	cfg, err = parseServeConfig(nil, env, &bytes.Buffer{})
	want := tenancy.Quotas{MaxAgents: 3, MaxPSTNCalls: 2, MaxWebCalls: 1, MaxChats: 0, MaxPublishedFlows: 5}
	if err != nil || cfg.TenantDefaults != want || !cfg.TenantDefaultsExplicit {
		t.Fatalf("from env: %+v %v %v", cfg.TenantDefaults, cfg.TenantDefaultsExplicit, err)
	}
	for bad, field := range map[string]string{
		`{"max_agents":3}`: "max_pstn_calls",
		`{"max_agents":3,"max_pstn_calls":2,"max_web_calls":1,"max_chats":0,"max_published_flows":5,"max_bots":1}`: "max_bots",
		`{"max_agents":-3,"max_pstn_calls":2,"max_web_calls":1,"max_chats":0,"max_published_flows":5}`:             "max_agents",
		`max_agents=3`: "JSON",
		`{"max_agents":3,"max_pstn_calls":2,"max_web_calls":1,"max_chats":0,"max_published_flows":5} {}`: "one JSON object",
	} {
		_, err := parseServeConfig([]string{"-tenant-default-quotas", bad}, envOf(nil), &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), "SWITCHBOARD_TENANT_DEFAULT_QUOTAS") || !strings.Contains(err.Error(), field) {
			t.Errorf("%s: want an error naming the setting and %s, got %v", bad, field, err)
		}
	}
}

// TestServeStoresTenantDefaultsOnFirstStartOnly: the setting seeds the
// database once; afterwards what the platform admin stored wins, and a
// differing explicit setting is reported, not applied.
func TestServeStoresTenantDefaultsOnFirstStartOnly(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "db.sqlite"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	logs := &syncbuf.Buffer{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	first := serveConfig{TenantDefaults: tenancy.Quotas{MaxAgents: 4, MaxPSTNCalls: 4}}
	if err := ensureTenantDefaults(ctx, st, first, log); err != nil {
		t.Fatal(err)
	}
	if q, ok, err := st.TenantDefaults(ctx); err != nil || !ok || q != first.TenantDefaults {
		t.Fatalf("first start: stored %+v %v %v", q, ok, err)
	}
	byAdmin := tenancy.Quotas{MaxAgents: 50, MaxPSTNCalls: 20}
	if _, err := st.SetTenantDefaults(ctx, store.SystemActor, byAdmin); err != nil {
		t.Fatal(err)
	}
	later := serveConfig{TenantDefaults: tenancy.Quotas{MaxAgents: 1}, TenantDefaultsExplicit: true}
	if err := ensureTenantDefaults(ctx, st, later, log); err != nil {
		t.Fatal(err)
	}
	if q, _, _ := st.TenantDefaults(ctx); q != byAdmin {
		t.Fatalf("a restart overwrote the admin's defaults: %+v", q)
	}
	if !strings.Contains(logs.String(), "tenant-default-quotas is ignored") {
		t.Fatalf("a differing explicit setting must be reported:\n%s", logs.String())
	}
}
