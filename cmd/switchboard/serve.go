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
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/switchboard-cc/switchboard/api"
	"github.com/switchboard-cc/switchboard/store"
)

func newLogger(cfg serveConfig, w io.Writer) *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: lvl, ReplaceAttr: durationsAsText}
	if cfg.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// durationsAsText writes durations as people read them ("800ms", "1m30s"):
// slog's JSON handler writes them as integer nanoseconds.
func durationsAsText(_ []string, a slog.Attr) slog.Attr {
	if a.Value.Kind() == slog.KindDuration {
		a.Value = slog.StringValue(a.Value.Duration().String())
	}
	return a
}

// openStore opens and migrates the configured database.
func openStore(ctx context.Context, cfg serveConfig, key []byte) (*store.Store, error) {
	st, err := store.Open(ctx, cfg.Database, store.Options{SecretKey: key})
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	if err := st.Migrate(ctx); err != nil {
		st.Close()
		var pe *pgconn.PgError
		if errors.As(err, &pe) && pe.Code == "42501" { // insufficient_privilege
			return nil, fmt.Errorf("migrate database: %w (this role may not change the schema: "+
				"run `switchboard migrate` as the schema's owner first, as docker/compose.yaml does)", err)
		}
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
	c, err := newController(ctx, cfg, log, stdout)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.start(ctx); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Listen, err)
	}
	fmt.Fprintf(stdout, "switchboard %s listening on http://%s (database %s)\n", version, ln.Addr(), redactURL(cfg.Database))
	log.Info("listening", "addr", ln.Addr().String(), "version", version, "xml_curl", "/fsapi", "esl_listen", cfg.ESLListen)
	return c.serve(ctx, ln)
}

// httpTimeouts bound every HTTP request, so a slow or stalled client cannot
// hold a connection: headers within readHeader, the whole request (body
// included) within read, the answer within write, an idle keep-alive
// connection for idle. The API lifts them for answers that are long by
// nature, per request and after authentication (SSE streams, prompt
// uploads, CSV exports: api/longanswer.go).
type httpTimeouts struct {
	readHeader, read, write, idle time.Duration
}

// serveTimeouts: xml_curl answers FreeSWITCH within its 2 s curl timeout and
// JSON bodies are at most 1 MiB, so 30 s to send a request and 60 s to be
// answered are generous for everything but the long answers above.
var serveTimeouts = httpTimeouts{readHeader: 10 * time.Second, read: 30 * time.Second, write: 60 * time.Second, idle: 2 * time.Minute}

// serveHTTP serves h on ln until ctx is done, then shuts down gracefully.
// onShutdown run when shutdown starts (e.g. ending long-lived SSE streams).
func serveHTTP(ctx context.Context, ln net.Listener, h http.Handler, to httpTimeouts, grace time.Duration, log *slog.Logger, onShutdown ...func()) error {
	hs := &http.Server{Handler: h, ReadHeaderTimeout: to.readHeader, ReadTimeout: to.read, WriteTimeout: to.write,
		IdleTimeout: to.idle, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	for _, f := range onShutdown {
		hs.RegisterOnShutdown(f)
	}
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
		fmt.Fprintf(stdout, "Platform administrator %q created with the configured password (-admin-password or SWITCHBOARD_ADMIN_PASSWORD).\n", cfg.AdminEmail)
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
	cfg, err := parseConfig("migrate", "Applies the database migrations (with the same settings as serve; -database matters) and exits.", args, getenv, stderr)
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
