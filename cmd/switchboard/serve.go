package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/switchboard-cc/switchboard/api"
	"github.com/switchboard-cc/switchboard/callconfig"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/xmlcurl"
	"github.com/switchboard-cc/switchboard/store"
)

func newLogger(cfg serveConfig, w io.Writer) *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: lvl}
	if cfg.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// openStore opens and migrates the configured database.
func openStore(ctx context.Context, cfg serveConfig, key []byte) (*store.Store, error) {
	st, err := store.Open(ctx, cfg.Database, store.Options{SecretKey: key})
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	if err := st.Migrate(ctx); err != nil {
		st.Close()
		return nil, fmt.Errorf("migrate database: %w", err)
	}
	return st, nil
}

func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := parseServeConfig(args, getenv, stderr)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("create data dir: %w", err)
	}
	key, err := loadSecretKey(cfg.SecretKey, cfg.DataDir)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg, key)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := bootstrapAdmin(ctx, st, cfg, stdout); err != nil {
		return err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	srv, err := api.New(api.Config{Store: st, Logger: log, JWTSecret: key, Registry: reg})
	if err != nil {
		return err
	}
	fsLive := &xmlcurl.Live{}
	conf, err := callconfig.New(ctx, st, log, nil)
	if err != nil {
		return fmt.Errorf("load call configuration: %w", err)
	}
	conf.OnReload = func(s *callconfig.Snapshot) { _ = refreshXMLCurl(fsLive, s, cfg.ESLListen, log) }
	if err := refreshXMLCurl(fsLive, conf.Snapshot(), cfg.ESLListen, log); err != nil {
		return err
	}
	fsHandler, err := xmlcurl.NewHandler(xmlcurl.Config{Nodes: fsLive, Directory: fsLive, Plan: fsLive, Logger: log})
	if err != nil {
		return err
	}
	var bg sync.WaitGroup
	bgCtx, stopBG := context.WithCancel(ctx)
	defer func() { stopBG(); bg.Wait() }()
	bg.Add(1)
	go func() { defer bg.Done(); conf.Run(bgCtx, cfg.ReloadEvery) }()

	mux := http.NewServeMux()
	mux.Handle("/fsapi", fsHandler)
	mux.Handle("/", srv)
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Listen, err)
	}
	fmt.Fprintf(stdout, "switchboard %s listening on http://%s (database %s)\n", version, ln.Addr(), redactURL(cfg.Database))
	log.Info("listening", "addr", ln.Addr().String(), "version", version, "xml_curl", "/fsapi")
	return serveHTTP(ctx, ln, mux, cfg.ShutdownTimeout, log)
}

// serveHTTP serves h on ln until ctx is done, then shuts down gracefully.
func serveHTTP(ctx context.Context, ln net.Listener, h http.Handler, grace time.Duration, log *slog.Logger) error {
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down", "grace", grace.String())
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	err := hs.Shutdown(sctx)
	if serr := <-errc; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		return serr
	}
	return err
}

// bootstrapAdmin creates the platform administrator on first start and prints
// how to sign in; a generated password is printed once and never stored.
func bootstrapAdmin(ctx context.Context, st *store.Store, cfg serveConfig, stdout io.Writer) error {
	password, generated := cfg.AdminPassword, false
	if password == "" {
		password, generated = generatePassword(), true
	}
	created, err := api.EnsurePlatformAdmin(ctx, st, cfg.AdminEmail, password)
	if err != nil {
		return err
	}
	switch {
	case created && generated:
		fmt.Fprintf(stdout, "Platform administrator created. Sign in with login %q and password %q\n(shown once; only its hash is stored):\n  curl -s -X POST localhost%s/api/v1/auth/login -H 'Content-Type: application/json' -d '{\"login\":%q,\"password\":\"...\"}'\n",
			cfg.AdminEmail, password, portOf(cfg.Listen), cfg.AdminEmail)
	case created:
		fmt.Fprintf(stdout, "Platform administrator %q created with the password from SWITCHBOARD_ADMIN_PASSWORD.\n", cfg.AdminEmail)
	default:
		fmt.Fprintf(stdout, "Platform administrator %q exists; sign in at POST /api/v1/auth/login.\n", cfg.AdminEmail)
	}
	return nil
}

func portOf(listen string) string {
	if _, port, err := net.SplitHostPort(listen); err == nil {
		return ":" + port
	}
	return ""
}

func runMigrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := parseServeConfig(args, getenv, stderr)
	if err != nil {
		return err
	}
	key, err := loadSecretKey(cfg.SecretKey, cfg.DataDir)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg, key)
	if err != nil {
		return err
	}
	defer st.Close()
	fmt.Fprintf(stdout, "database %s is migrated\n", redactURL(cfg.Database))
	return nil
}
