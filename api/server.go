package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/labstack/echo/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/switchboard-cc/switchboard/internal/ratelimit"
	"github.com/switchboard-cc/switchboard/store"
)

// Config is everything the REST edge needs; cmd/switchboard builds it.
type Config struct {
	Store     *store.Store // persistence (required)
	Logger    *slog.Logger // JSON logger (required)
	JWTSecret []byte       // HMAC key for access tokens, at least 32 bytes (required): serve derives it, secretkey.TokenSigning
	// Clock is the time source for tokens, lockouts and audit; nil means time.Now.
	Clock func() time.Time
	// AccessTTL is the access token lifetime; 0 means 15 minutes.
	AccessTTL time.Duration
	// MaxTokenLifetime refuses access tokens whose exp - iat is longer; 0
	// means 1 hour. It must not be shorter than AccessTTL.
	MaxTokenLifetime time.Duration
	// RefreshTTL is the refresh token lifetime; 0 means 30 days.
	RefreshTTL time.Duration
	// Registry receives the HTTP metrics and is served at /metrics; nil makes a new one.
	Registry *prometheus.Registry
	// Password is the argon2id cost; zero means DefaultPasswordParams.
	Password PasswordParams
	// Lockout is the failed-login policy; zero means DefaultLockout.
	Lockout LockoutPolicy
	// HashConcurrency bounds the argon2id computations (password checks
	// and new passwords) running at once, each holding Password.MemoryKiB;
	// 0 means DefaultHashConcurrency().
	HashConcurrency int
	// HashWait is how long a password check waits for one of those slots
	// before the answer is 429 server_busy; 0 means DefaultHashWait.
	HashWait time.Duration
	// AuthRateLimit bounds the requests to /auth routes per client address
	// (429 rate_limited beyond it); nil means DefaultAuthRateLimit, a zero
	// Limit means none.
	AuthRateLimit *ratelimit.Limit
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names the
	// client (for audit, logs and lockout warnings) and whose
	// X-Forwarded-Proto https means the client used TLS (HSTS is then sent).
	// Empty: the TCP peer is the client and both headers are ignored, so
	// they cannot be forged.
	TrustedProxies []*net.IPNet
	// Prompts configures prompt file uploads (where files go, conversion).
	Prompts PromptOptions
	// App is the browser app's build (index.html at its root, with
	// CSPNoncePlaceholder; content-hashed files under assets/), served at
	// /; nil serves no app (/ is a JSON 404 like any unknown path).
	App fs.FS

	// checkHash checks a password against its hash; nil means
	// verifyPassword. Tests count the checks with it.
	checkHash func(encoded, password string) (bool, error)
}

// Server is the REST API as an http.Handler. It owns no goroutines. To shut
// down, call Close when the http.Server's Shutdown begins
// (hs.RegisterOnShutdown(srv.Close)): it cancels every request's context, so
// long-lived answers (SSE streams) end instead of holding Shutdown until its
// deadline.
type Server struct {
	e       *echo.Echo
	store   *store.Store
	log     *slog.Logger
	now     func() time.Time
	tokens  *tokenIssuer
	refresh time.Duration
	pw      PasswordParams
	lockout LockoutPolicy
	// throttle holds the growing per-account sign-in delays.
	throttle *throttle
	// hashes bounds the argon2id computations running at once.
	hashes *hashGate
	// authLimit is the per-address limit of /auth requests.
	authLimit *ratelimit.Limiter
	// checkHash is Config.checkHash: every password check goes through it.
	checkHash func(encoded, password string) (bool, error)
	// dummyHash is verified when the login names no user, so a missing user
	// costs as much time as a wrong password.
	dummyHash string
	metrics   *httpMetrics
	routes    []route
	openapi   []byte
	// life is cancelled by Close; every request's context ends with it.
	life    context.Context
	close   context.CancelFunc
	prompts PromptOptions
	// proxies are Config.TrustedProxies (client address, scheme).
	proxies []*net.IPNet
	// app is Config.App, nil without one.
	app *webApp
}

// New checks cfg and builds the server with every route registered.
func New(cfg Config) (*Server, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	cfg.defaults()
	if cfg.AccessTTL > cfg.MaxTokenLifetime {
		return nil, fmt.Errorf("api: AccessTTL %s is longer than MaxTokenLifetime %s: every token would be refused", cfg.AccessTTL, cfg.MaxTokenLifetime)
	}
	s := &Server{store: cfg.Store, log: cfg.Logger, now: cfg.Clock, refresh: cfg.RefreshTTL,
		pw: cfg.Password, lockout: cfg.Lockout, checkHash: cfg.checkHash, prompts: cfg.Prompts, proxies: cfg.TrustedProxies,
		tokens: &tokenIssuer{secret: cfg.JWTSecret, ttl: cfg.AccessTTL, maxLife: cfg.MaxTokenLifetime, now: cfg.Clock}}
	if cfg.App != nil {
		app, err := newWebApp(cfg.App)
		if err != nil {
			return nil, err
		}
		s.app = app
	}
	s.life, s.close = context.WithCancel(context.Background())
	s.throttle = newThrottle()
	dummy, err := hashPassword(cfg.Password, dummyPassword)
	if err != nil {
		return nil, err
	}
	s.dummyHash = dummy
	m, err := newHTTPMetrics(cfg.Registry)
	if err != nil {
		return nil, err
	}
	s.metrics = m
	s.hashes = newHashGate(cfg.HashConcurrency, cfg.HashWait, m.hashesBusy.Inc)
	s.authLimit = ratelimit.New(ratelimit.Config{Limit: *cfg.AuthRateLimit, Now: cfg.Clock})
	s.e = echo.NewWithConfig(echo.Config{Logger: cfg.Logger, HTTPErrorHandler: s.handleError,
		IPExtractor: ipExtractor(cfg.TrustedProxies)})
	s.e.Use(s.withLife, withRequestID, s.apiHeaders, s.observe, s.recoverPanics)
	s.routes = s.allRoutes()
	if s.openapi, err = json.Marshal(buildOpenAPI(s.routes)); err != nil {
		return nil, err
	}
	if err := s.register(cfg.Registry); err != nil {
		return nil, err
	}
	return s, nil
}

func (c Config) check() error {
	switch {
	case c.Store == nil:
		return errors.New("api: Config.Store is required")
	case c.Logger == nil:
		return errors.New("api: Config.Logger is required")
	case len(c.JWTSecret) < 32:
		return errors.New("api: Config.JWTSecret must be at least 32 bytes")
	}
	return nil
}

func (c *Config) defaults() {
	if c.Clock == nil {
		c.Clock = time.Now
	}
	if c.AccessTTL == 0 {
		c.AccessTTL = 15 * time.Minute
	}
	if c.MaxTokenLifetime == 0 {
		c.MaxTokenLifetime = max(time.Hour, c.AccessTTL)
	}
	if c.RefreshTTL == 0 {
		c.RefreshTTL = 30 * 24 * time.Hour
	}
	if c.Registry == nil {
		c.Registry = prometheus.NewRegistry()
	}
	if c.Password == (PasswordParams{}) {
		c.Password = DefaultPasswordParams
	}
	if c.Lockout == (LockoutPolicy{}) {
		c.Lockout = DefaultLockout
	}
	if c.HashConcurrency <= 0 {
		c.HashConcurrency = DefaultHashConcurrency()
	}
	if c.HashWait <= 0 {
		c.HashWait = DefaultHashWait
	}
	if c.checkHash == nil {
		c.checkHash = verifyPassword
	}
	if c.AuthRateLimit == nil {
		l := DefaultAuthRateLimit
		c.AuthRateLimit = &l
	}
}

// register adds the REST routes (each behind its guard) and the operational ones.
func (s *Server) register(reg *prometheus.Registry) error {
	api := s.e.Group(apiPrefix)
	for _, r := range s.routes {
		var mw []echo.MiddlewareFunc
		if r.authLimited() {
			mw = append(mw, s.limitAuth)
		}
		mw = append(mw, s.guard(r))
		if r.idempotent {
			mw = append(mw, s.withIdempotency)
		}
		if _, err := api.AddRoute(echo.Route{Method: r.method, Path: r.path, Name: r.name,
			Handler: r.h, Middlewares: mw}); err != nil {
			return err
		}
	}
	s.e.GET("/healthz", func(c *echo.Context) error { return c.JSON(http.StatusOK, map[string]string{"status": "ok"}) })
	s.e.GET("/readyz", s.readyz)
	s.e.GET("/metrics", echo.WrapHandler(promhttp.HandlerFor(reg, promhttp.HandlerOpts{})))
	s.registerApp()
	return nil
}

func ipExtractor(proxies []*net.IPNet) echo.IPExtractor {
	if len(proxies) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, p := range proxies {
		opts = append(opts, echo.TrustIPRange(p))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}

// Close ends every request in flight (their contexts are cancelled) and
// every later one. It is safe to call more than once.
func (s *Server) Close() { s.close() }

// withLife ties the request's context to the server's life (see Close).
func (s *Server) withLife(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) error {
		ctx, cancel := context.WithCancel(c.Request().Context())
		stop := context.AfterFunc(s.life, cancel)
		defer func() { stop(); cancel() }()
		c.SetRequest(c.Request().WithContext(ctx))
		return next(c)
	}
}

// ServeHTTP makes Server an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.e.ServeHTTP(w, r) }

// Readiness is the body of /readyz.
type Readiness struct {
	Status string `json:"status"`
	// Nodes are the enabled media nodes and whether each is up; NodesUp
	// counts those up (both absent until the switches are wired).
	Nodes   []NodeState `json:"nodes,omitempty"`
	NodesUp *int        `json:"nodes_up,omitempty"`
	// Warnings are configuration defects that do not stop the service.
	Warnings []string `json:"warnings,omitempty"`
}

// readyz answers 200 while the database answers, and lists the media nodes
// with their state; each node down is also a warning (see addNodes for why
// it is not a failure). A database role that
// bypasses row-level security is a warning in the body, not a failure:
// readiness decides whether traffic is sent here, and refusing it would
// take every tenant's calls down (and make an orchestrator restart a
// working process in a loop) over a defect that a restart cannot fix; the
// tenant filter of every query still holds. serve logs it at ERROR on start.
func (s *Server) readyz(c *echo.Context) error {
	ctx := c.Request().Context()
	if err := s.store.Ping(ctx); err != nil {
		s.log.Warn("readiness: database ping failed", "request_id", requestID(c), "err", err)
		return &Error{Status: http.StatusServiceUnavailable, Code: "not_ready", Message: "database unreachable", Cause: err}
	}
	out := Readiness{Status: "ready"}
	rs, err := s.store.RowSecurity(ctx)
	switch {
	case err != nil:
		out.Warnings = append(out.Warnings, "row-level security not checked: "+err.Error())
	case rs.Bypassed:
		out.Warnings = append(out.Warnings, RowSecurityBypassedWarning(rs.Role))
	}
	s.addNodes(&out)
	return c.JSON(http.StatusOK, out)
}

// RowSecurityBypassedWarning says what a database role that bypasses
// row-level security means (readyz body, serve's start-up ERROR).
func RowSecurityBypassedWarning(role string) string {
	return fmt.Sprintf("row-level security bypassed: database role %q is a superuser or has BYPASSRLS, "+
		"so tenant isolation rests on the application's tenant filters alone; run the application as a role "+
		"with NOSUPERUSER NOBYPASSRLS (docker/compose.yaml shows how)", role)
}
