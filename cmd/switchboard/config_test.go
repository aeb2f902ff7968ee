package main

import (
	"bytes"
	"flag"
	"net/netip"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/api"
	"github.com/switchboard-cc/switchboard/internal/ratelimit"
	"github.com/switchboard-cc/switchboard/orchestrator/flowrun"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/xmlcurl"
)

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestServeConfigPrecedenceFlagEnvDefault(t *testing.T) {
	env := envOf(map[string]string{
		"SWITCHBOARD_LISTEN":           ":9000",
		"SWITCHBOARD_DATA_DIR":         "/var/lib/sb",
		"SWITCHBOARD_SHUTDOWN_TIMEOUT": "3s",
	})
	cfg, err := parseServeConfig([]string{"-listen", "127.0.0.1:7000"}, env, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Listen != "127.0.0.1:7000" {
		t.Errorf("flag must win over env: listen = %q", cfg.Listen)
	}
	if cfg.DataDir != "/var/lib/sb" || cfg.ShutdownTimeout != 3*time.Second {
		t.Errorf("env must win over default: data-dir %q, shutdown %v", cfg.DataDir, cfg.ShutdownTimeout)
	}
	if cfg.Database != "sqlite:/var/lib/sb/switchboard.db" {
		t.Errorf("default database follows the data dir, got %q", cfg.Database)
	}
	if cfg.LogFormat != "json" || cfg.AdminEmail != "admin@switchboard.local" {
		t.Errorf("defaults not applied: %+v", cfg)
	}
}

func TestServeConfigRejectsBadValuesNamingTheSetting(t *testing.T) {
	cases := map[string][]string{
		"shutdown-timeout":      {"-shutdown-timeout", "soon"},
		"log-format":            {"-log-format", "xml"},
		"log-level":             {"-log-level", "loud"},
		"database":              {"-database", "mysql://x"},
		"token-max-lifetime":    {"-token-max-lifetime", "5m"},
		"auth-rate-limit":       {"-auth-rate-limit", "lots"},
		"auth-hash-concurrency": {"-auth-hash-concurrency", "-1"},
		"auth-hash-wait":        {"-auth-hash-wait", "0s"},
		"xmlcurl-failure-limit": {"-xmlcurl-failure-limit", "10"},
	}
	for name, args := range cases {
		_, err := parseServeConfig(args, envOf(nil), &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%v: want an error naming %s, got %v", args, name, err)
		}
	}
}

func TestServeHelpDocumentsEverySetting(t *testing.T) {
	var out bytes.Buffer
	_, err := parseServeConfig([]string{"-h"}, envOf(nil), &out)
	if err == nil {
		t.Fatal("-h must stop parsing")
	}
	fs := serveSettings(flag.NewFlagSet("x", flag.ContinueOnError))
	for _, s := range fs.list {
		if !strings.Contains(out.String(), "-"+s.name) || !strings.Contains(out.String(), s.env()) {
			t.Errorf("help does not document %s / %s", s.name, s.env())
		}
	}
}

// TestREADMEListsEverySetting keeps the README's configuration table, the
// first thing an operator reads, in step with the settings themselves.
func TestREADMEListsEverySetting(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	fs := serveSettings(flag.NewFlagSet("x", flag.ContinueOnError))
	names := map[string]bool{}
	for _, s := range fs.list {
		names[s.name] = true
		row := "| `-" + s.name + "` | `" + s.env() + "` |"
		if !strings.Contains(string(readme), row) {
			t.Errorf("README.md has no row starting %q", row)
		}
	}
	for _, line := range strings.Split(string(readme), "\n") {
		if rest, ok := strings.CutPrefix(line, "| `-"); ok {
			if name, _, ok := strings.Cut(rest, "`"); ok && !names[name] {
				t.Errorf("README.md documents -%s, which is not a setting", name)
			}
		}
	}
}

func TestServeConfigFlowHTTPAllow(t *testing.T) {
	cfg, err := parseServeConfig(nil, envOf(nil), &bytes.Buffer{})
	if err != nil || len(cfg.FlowHTTPAllow) != 0 {
		t.Fatalf("default must be empty (private addresses refused): %v, %v", cfg.FlowHTTPAllow, err)
	}
	env := envOf(map[string]string{"SWITCHBOARD_FLOW_HTTP_ALLOW": "10.20.0.0/16, 192.168.5.0/24"})
	cfg, err = parseServeConfig(nil, env, &bytes.Buffer{})
	want := []netip.Prefix{netip.MustParsePrefix("10.20.0.0/16"), netip.MustParsePrefix("192.168.5.0/24")}
	if err != nil || !slices.Equal(cfg.FlowHTTPAllow, want) {
		t.Errorf("from env: %v, %v", cfg.FlowHTTPAllow, err)
	}
	cfg, err = parseServeConfig([]string{"--flow-http-allow", "172.16.0.0/12"}, env, &bytes.Buffer{})
	if err != nil || !slices.Equal(cfg.FlowHTTPAllow, []netip.Prefix{netip.MustParsePrefix("172.16.0.0/12")}) {
		t.Errorf("flag must win: %v, %v", cfg.FlowHTTPAllow, err)
	}
	for _, bad := range []string{"10.20.0.0/33", "10.20.0.0/16,crm.lan", "10.20.1.0/16"} {
		_, err := parseServeConfig([]string{"-flow-http-allow", bad}, envOf(nil), &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), "flow-http-allow") || !strings.Contains(err.Error(), "SWITCHBOARD_FLOW_HTTP_ALLOW") {
			t.Errorf("%q: want an error naming the setting, got %v", bad, err)
		}
	}
	// The flow runner's refusals tell the operator which setting to change.
	s := serveSettings(flag.NewFlagSet("x", flag.ContinueOnError)).byKey[flowrun.AllowSetting]
	if s == nil || s.env() != flowrun.AllowSettingEnv {
		t.Errorf("flowrun names %s / %s, not a serve setting", flowrun.AllowSetting, flowrun.AllowSettingEnv)
	}
}

// TestServeConfigAuthLimits: the sign-in and xml_curl limits default to the
// packages' defaults, and each can be set or switched off.
func TestServeConfigAuthLimits(t *testing.T) {
	cfg, err := parseServeConfig(nil, envOf(nil), &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.AuthRateLimit != api.DefaultAuthRateLimit || cfg.XMLCurlFailureLimit != xmlcurl.DefaultFailureLimit ||
		cfg.HashConcurrency != 0 || cfg.HashWait != api.DefaultHashWait {
		t.Fatalf("defaults: %v %v %d %v", cfg.AuthRateLimit, cfg.XMLCurlFailureLimit, cfg.HashConcurrency, cfg.HashWait)
	}
	env := envOf(map[string]string{"SWITCHBOARD_AUTH_RATE_LIMIT": "off", "SWITCHBOARD_XMLCURL_FAILURE_LIMIT": "3/10m"})
	cfg, err = parseServeConfig([]string{"-auth-hash-concurrency", "4", "-auth-hash-wait", "500ms"}, env, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.AuthRateLimit.Unlimited() || cfg.XMLCurlFailureLimit != (ratelimit.Limit{Burst: 3, Per: 10 * time.Minute}) ||
		cfg.HashConcurrency != 4 || cfg.HashWait != 500*time.Millisecond {
		t.Fatalf("set: %v %v %d %v", cfg.AuthRateLimit, cfg.XMLCurlFailureLimit, cfg.HashConcurrency, cfg.HashWait)
	}
}
