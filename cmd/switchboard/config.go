package main

import (
	"flag"
	"fmt"
	"io"
	"net/netip"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard-cc/switchboard/api"
	"github.com/switchboard-cc/switchboard/internal/ratelimit"
	"github.com/switchboard-cc/switchboard/orchestrator/flowrun"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/xmlcurl"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// setting is one configuration value. Its value comes from the command-line
// flag if given, else from the environment variable SWITCHBOARD_<NAME>, else
// from the default. `switchboard serve -h` prints the whole table.
type setting struct {
	name   string // flag name, e.g. "listen"; env is SWITCHBOARD_LISTEN
	def    string
	usage  string
	secret bool // never printed
	value  string
	source string // "flag", "env" or "default"
}

func (s *setting) env() string {
	return "SWITCHBOARD_" + strings.ToUpper(strings.ReplaceAll(s.name, "-", "_"))
}

// settings is an ordered set of settings bound to a FlagSet.
type settings struct {
	fs    *flag.FlagSet
	list  []*setting
	byKey map[string]*setting
	set   map[string]bool
}

func newSettings(fs *flag.FlagSet) *settings {
	return &settings{fs: fs, byKey: map[string]*setting{}, set: map[string]bool{}}
}

func (ss *settings) add(name, def, usage string, secret bool) {
	s := &setting{name: name, def: def, usage: usage, secret: secret}
	ss.list = append(ss.list, s)
	ss.byKey[name] = s
	ss.fs.Func(name, usage+" (env "+s.env()+")", func(v string) error {
		s.value, s.source = v, "flag"
		ss.set[name] = true
		return nil
	})
}

// resolve applies env and defaults to settings not given as flags.
func (ss *settings) resolve(getenv func(string) string) {
	for _, s := range ss.list {
		if ss.set[s.name] {
			continue
		}
		if v := getenv(s.env()); v != "" {
			s.value, s.source = v, "env"
			continue
		}
		s.value, s.source = s.def, "default"
	}
}

func (ss *settings) str(name string) string { return ss.byKey[name].value }

func (ss *settings) duration(name string) (time.Duration, error) {
	d, err := time.ParseDuration(ss.str(name))
	if err != nil {
		return 0, fmt.Errorf("setting %s (%s): %q is not a duration like 10s", name, ss.byKey[name].env(), ss.str(name))
	}
	return d, nil
}

// usage writes the settings table: flag, environment variable, default.
func (ss *settings) usage(w io.Writer, cmd, summary string) {
	fmt.Fprintf(w, "Usage: switchboard %s [flags]\n\n%s\n\nEvery setting is taken from its flag, else its environment variable, else the default.\n\n", cmd, summary)
	for _, s := range ss.list {
		def := s.def
		if def == "" {
			def = `""`
		}
		fmt.Fprintf(w, "  -%s\n      %s\n      env %s, default %s\n", s.name, s.usage, s.env(), def)
	}
}

// serveConfig is the resolved configuration of `switchboard serve`.
type serveConfig struct {
	Listen          string
	DataDir         string
	Database        string
	AdminEmail      string
	AdminPassword   string
	SecretKey       string
	LogLevel        string
	LogFormat       string
	ShutdownTimeout time.Duration
	ESLListen       string
	ReloadEvery     time.Duration
	FlowHTTPAllow   []netip.Prefix // private prefixes flow HTTP nodes may reach
	// TokenMaxLifetime refuses access tokens whose exp - iat is longer.
	TokenMaxLifetime time.Duration
	// AuthRateLimit bounds /auth requests per client address.
	AuthRateLimit ratelimit.Limit
	// HashConcurrency bounds argon2id computations at once (0: the
	// api's default); HashWait is how long one waits for a slot.
	HashConcurrency int
	HashWait        time.Duration
	// XMLCurlFailureLimit bounds failed node credentials per client address.
	XMLCurlFailureLimit ratelimit.Limit

	// TenantDefaults are the initial tenant default quotas;
	// TenantDefaultsExplicit tells they came from a flag or the environment.
	TenantDefaults         tenancy.Quotas
	TenantDefaultsExplicit bool
}

func serveSettings(fs *flag.FlagSet) *settings {
	ss := newSettings(fs)
	ss.add("listen", ":8080", "HTTP listen address for the browser app, the REST API, metrics, health and xml_curl", false)
	ss.add("data-dir", "switchboard-data", "directory for the embedded database, generated keys and recordings metadata", false)
	ss.add("database", "", "database URL: sqlite:PATH or postgres://user@host:5432/db; empty means sqlite:<data-dir>/switchboard.db", false)
	ss.add("admin-email", "admin@switchboard.local", "sign-in email of the platform administrator created on first start", false)
	ss.add("admin-password", "", "password of the platform administrator on first start; empty: one is generated and printed once", true)
	ss.add("tenant-default-quotas", defaultTenantQuotas, "JSON quotas a tenant created without quotas gets (every key required); stored on first start, then changed by the platform admin through PUT /api/v1/platform/tenant-defaults", false)
	ss.add("secret-key", "", "base64 32-byte key from which the token-signing and secret-encryption keys are derived; empty: generated once into <data-dir>/secret.key", true)
	ss.add("log-level", "info", "log level: debug, info, warn or error", false)
	ss.add("log-format", "json", "log format: json or text", false)
	ss.add("shutdown-timeout", "15s", "how long to wait for requests and calls to finish on SIGTERM", false)
	ss.add("esl-listen", "127.0.0.1:8084", "address where FreeSWITCH's socket application connects for each call (outbound ESL)", false)
	ss.add("reload-every", "2s", "how often the database is checked for changes to call configuration (numbers, agents, domains); what changed is reloaded", false)
	ss.add("flow-http-allow", "", "comma-separated CIDR prefixes that flow HTTP nodes may reach although private, e.g. 10.20.0.0/16,192.168.5.0/24; loopback and link-local only if listed", false)
	ss.add("token-max-lifetime", "1h", "access tokens whose lifetime (exp - iat) is longer are refused, even when correctly signed", false)
	ss.add("auth-rate-limit", api.DefaultAuthRateLimit.String(), "requests to /api/v1/auth/* (sign-in, refresh, sign-out) allowed per client address: BURST/PERIOD, that many at once and refilled at that many per period (60/1m: 60 at once, then one a second), or off; beyond it the answer is 429 rate_limited with Retry-After", false)
	ss.add("auth-hash-concurrency", "0", "most argon2id password checks and hashes (64 MiB of memory each) computed at once; 0 means max(2, GOMAXPROCS)", false)
	ss.add("auth-hash-wait", api.DefaultHashWait.String(), "how long a sign-in waits for a free password-check slot before the answer is 429 server_busy with Retry-After", false)
	ss.add("xmlcurl-failure-limit", xmlcurl.DefaultFailureLimit.String(), "failed node credentials (unknown node, wrong password) allowed per client address on xml_curl: BURST/PERIOD (10/1m: 10 at once, then one every 6 s) or off; beyond it every request from that address gets 429 with Retry-After, before its credentials are checked", false)
	return ss
}

func parseServeConfig(args []string, getenv func(string) string, stderr io.Writer) (serveConfig, error) {
	return parseConfig("serve", "Runs the Switchboard controller: REST API, FreeSWITCH xml_curl and ESL.", args, getenv, stderr)
}

// parseConfig reads the serve settings for cmd (serve or migrate); -h prints
// the settings table under cmd's name and summary.
func parseConfig(cmd, summary string, args []string, getenv func(string) string, stderr io.Writer) (serveConfig, error) {
	cfg, _, err := parseConfigWith(cmd, summary, args, getenv, stderr, nil)
	return cfg, err
}

// parseConfigWith is parseConfig for a command with settings of its own,
// which extra adds to the table (they are read from the returned settings).
func parseConfigWith(cmd, summary string, args []string, getenv func(string) string, stderr io.Writer, extra func(*settings)) (serveConfig, *settings, error) {
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	ss := serveSettings(fs)
	if extra != nil {
		extra(ss)
	}
	cfg, err := ss.parse(cmd, summary, args, getenv, stderr)
	return cfg, ss, err
}

func (ss *settings) parse(cmd, summary string, args []string, getenv func(string) string, stderr io.Writer) (serveConfig, error) {
	fs := ss.fs
	fs.Usage = func() { ss.usage(stderr, cmd, summary) }
	if err := fs.Parse(args); err != nil {
		return serveConfig{}, err
	}
	if fs.NArg() > 0 {
		return serveConfig{}, fmt.Errorf("%s: unexpected argument %q", cmd, fs.Arg(0))
	}
	ss.resolve(getenv)
	cfg := serveConfig{
		Listen:        ss.str("listen"),
		DataDir:       ss.str("data-dir"),
		Database:      ss.str("database"),
		AdminEmail:    ss.str("admin-email"),
		AdminPassword: ss.str("admin-password"),
		SecretKey:     ss.str("secret-key"),
		LogLevel:      ss.str("log-level"),
		LogFormat:     ss.str("log-format"),
		ESLListen:     ss.str("esl-listen"),
	}
	var err error
	if cfg.ShutdownTimeout, err = ss.duration("shutdown-timeout"); err != nil {
		return cfg, err
	}
	if cfg.ReloadEvery, err = ss.duration("reload-every"); err != nil {
		return cfg, err
	}
	if cfg.ReloadEvery <= 0 {
		return cfg, fmt.Errorf("setting reload-every (SWITCHBOARD_RELOAD_EVERY): must be positive")
	}
	if cfg.TokenMaxLifetime, err = ss.duration("token-max-lifetime"); err != nil {
		return cfg, err
	}
	if cfg.TokenMaxLifetime < 15*time.Minute {
		return cfg, fmt.Errorf("setting token-max-lifetime (SWITCHBOARD_TOKEN_MAX_LIFETIME): %s is shorter than the 15m access tokens live", cfg.TokenMaxLifetime)
	}
	if err := parseAuthSettings(ss, &cfg); err != nil {
		return cfg, err
	}
	if cfg.FlowHTTPAllow, err = flowrun.ParseAllowList(ss.str("flow-http-allow")); err != nil {
		return cfg, fmt.Errorf("setting flow-http-allow (SWITCHBOARD_FLOW_HTTP_ALLOW): %w", err)
	}
	if cfg.TenantDefaults, err = parseQuotas(ss.str("tenant-default-quotas")); err != nil {
		return cfg, fmt.Errorf("setting tenant-default-quotas (SWITCHBOARD_TENANT_DEFAULT_QUOTAS): %w", err)
	}
	cfg.TenantDefaultsExplicit = ss.byKey["tenant-default-quotas"].source != "default"
	if cfg.Database == "" {
		cfg.Database = "sqlite:" + filepath.Join(cfg.DataDir, "switchboard.db")
	}
	switch cfg.LogFormat {
	case "json", "text":
	default:
		return cfg, fmt.Errorf("setting log-format (SWITCHBOARD_LOG_FORMAT): %q is not json or text", cfg.LogFormat)
	}
	switch cfg.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return cfg, fmt.Errorf("setting log-level (SWITCHBOARD_LOG_LEVEL): %q is not debug, info, warn or error", cfg.LogLevel)
	}
	if !strings.HasPrefix(cfg.Database, "sqlite:") && !strings.HasPrefix(cfg.Database, "postgres://") && !strings.HasPrefix(cfg.Database, "postgresql://") {
		return cfg, fmt.Errorf("setting database (SWITCHBOARD_DATABASE): %q must start with sqlite: or postgres://", cfg.Database)
	}
	return cfg, nil
}

// parseAuthSettings reads the sign-in and xml_curl limits.
func parseAuthSettings(ss *settings, cfg *serveConfig) error {
	var err error
	if cfg.AuthRateLimit, err = ratelimit.ParseLimit(ss.str("auth-rate-limit")); err != nil {
		return fmt.Errorf("setting auth-rate-limit (SWITCHBOARD_AUTH_RATE_LIMIT): %w", err)
	}
	if cfg.XMLCurlFailureLimit, err = ratelimit.ParseLimit(ss.str("xmlcurl-failure-limit")); err != nil {
		return fmt.Errorf("setting xmlcurl-failure-limit (SWITCHBOARD_XMLCURL_FAILURE_LIMIT): %w", err)
	}
	n, err := strconv.Atoi(ss.str("auth-hash-concurrency"))
	if err != nil || n < 0 {
		return fmt.Errorf("setting auth-hash-concurrency (SWITCHBOARD_AUTH_HASH_CONCURRENCY): %q is not a count (0 for the default)", ss.str("auth-hash-concurrency"))
	}
	cfg.HashConcurrency = n
	if cfg.HashWait, err = ss.duration("auth-hash-wait"); err != nil {
		return err
	}
	if cfg.HashWait <= 0 {
		return fmt.Errorf("setting auth-hash-wait (SWITCHBOARD_AUTH_HASH_WAIT): must be positive")
	}
	return nil
}
