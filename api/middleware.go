package api

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v5"
)

const (
	headerRequestID = "X-Request-ID"
	ctxRequestID    = "sb.request_id"
)

// requestID returns the request's ID (set by withRequestID).
func requestID(c *echo.Context) string {
	s, _ := c.Get(ctxRequestID).(string)
	return s
}

// validRequestID accepts a client's X-Request-ID only if it is short printable ASCII,
// so it can go into logs and headers verbatim.
func validRequestID(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// withRequestID honours a sane X-Request-ID or generates one, and echoes it.
func withRequestID(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) error {
		id := c.Request().Header.Get(headerRequestID)
		if !validRequestID(id) {
			id = uuid.Must(uuid.NewV7()).String()
		}
		c.Set(ctxRequestID, id)
		c.Response().Header().Set(headerRequestID, id)
		return next(c)
	}
}

// recoverPanics turns a handler panic into a 500 with the usual body; the
// stack goes to the log only.
func (s *Server) recoverPanics(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) (err error) {
		defer func() {
			if r := recover(); r != nil {
				if r == http.ErrAbortHandler {
					panic(r)
				}
				s.log.Error("handler panic", "request_id", requestID(c), "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
				err = &Error{Status: http.StatusInternalServerError, Code: "internal", Message: "internal error", Cause: fmt.Errorf("panic: %v", r)}
			}
		}()
		return next(c)
	}
}

// observe logs one JSON line per request and feeds the Prometheus metrics.
// Errors are rendered here (not later by echo) so the status is known.
func (s *Server) observe(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) error {
		start := time.Now()
		if err := next(c); err != nil {
			s.handleError(c, err)
		}
		status := 0
		if r, _ := echo.UnwrapResponse(c.Response()); r != nil {
			status = r.Status
		}
		route := c.Path()
		if route == "" || c.RouteInfo().Name == echo.NotFoundRouteName {
			route = "unmatched"
		}
		dur := time.Since(start)
		s.metrics.observe(c.Request().Method, route, status, dur)
		s.log.LogAttrs(c.Request().Context(), slog.LevelInfo, "http request",
			slog.String("request_id", requestID(c)), slog.String("method", c.Request().Method),
			slog.String("route", route), slog.String("path", c.Request().URL.Path),
			slog.Int("status", status), slog.Duration("duration", dur), slog.String("ip", c.RealIP()),
			slog.String("user", principalName(c)))
		return nil
	}
}

func statusLabel(status int) string { return strconv.Itoa(status) }

// securityHeaders go on every answer: API, errors, 404s, health, metrics.
// This server sends JSON, CSV, WAV and Prometheus text, never HTML, so the
// content security policy allows nothing at all: an answer that a browser
// renders as a page anyway (a JSON error echoing what the client sent) loads
// nothing, runs nothing, posts no form and is framed by no one
// (frame-ancestors, and X-Frame-Options for browsers without CSP 2).
var securityHeaders = [][2]string{
	{"Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"},
	{"X-Frame-Options", "DENY"},
	{"Referrer-Policy", "no-referrer"},
	{"X-Content-Type-Options", "nosniff"},
}

// hsts is sent only on answers that went over TLS: a browser ignores it over
// plain HTTP, and on a plain-HTTP deployment it would promise HTTPS that
// does not exist. One year, this host only (the operator's other hosts under
// the same domain are none of our business).
const hsts = "max-age=31536000"

// apiHeaders sets the security headers, Strict-Transport-Security when the
// request came over TLS, and marks API answers as not cacheable by shared
// caches.
func (s *Server) apiHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) error {
		h := c.Response().Header()
		for _, kv := range securityHeaders {
			h.Set(kv[0], kv[1])
		}
		if s.overTLS(c.Request()) {
			h.Set("Strict-Transport-Security", hsts)
		}
		if strings.HasPrefix(c.Request().URL.Path, apiPrefix+"/") {
			h.Set("Cache-Control", "no-store")
		}
		return next(c)
	}
}

// overTLS reports whether the client's request came over TLS: this server
// terminated it (r.TLS), or the TCP peer is one of Config.TrustedProxies and
// its X-Forwarded-Proto (the last value, the one that proxy set) says https.
// From any other peer X-Forwarded-Proto is ignored: a client cannot ask for
// HSTS on plain HTTP.
func (s *Server) overTLS(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	if len(s.proxies) == 0 {
		return false
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	trusted := false
	for _, p := range s.proxies {
		trusted = trusted || (ip != nil && p.Contains(ip))
	}
	if !trusted {
		return false
	}
	protos := strings.Split(strings.Join(r.Header.Values("X-Forwarded-Proto"), ","), ",")
	return strings.EqualFold(strings.TrimSpace(protos[len(protos)-1]), "https")
}
