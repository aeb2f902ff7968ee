package api

import (
	"fmt"
	"log/slog"
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

// apiHeaders marks API answers as not cacheable by shared caches and not to
// be content-sniffed by browsers (the web app shares the origin).
func apiHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) error {
		h := c.Response().Header()
		h.Set("X-Content-Type-Options", "nosniff")
		if strings.HasPrefix(c.Request().URL.Path, apiPrefix+"/") {
			h.Set("Cache-Control", "no-store")
		}
		return next(c)
	}
}
