package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v5"
	"github.com/switchboard-cc/switchboard/internal/ratelimit"
)

// DefaultAuthRateLimit lets one client address make 60 requests to the
// /auth routes at once and 60 a minute after that: far above what people
// signing in and refreshing their sessions send from one office, far
// below what guessing passwords across accounts needs. Each request
// counts, whatever its outcome.
var DefaultAuthRateLimit = ratelimit.Limit{Burst: 60, Per: time.Minute}

// authLimited reports whether r is one of the /auth routes, which are
// limited per client address (login, refresh, logout).
func (r route) authLimited() bool { return strings.HasPrefix(r.path, "/auth/") }

// limitAuth refuses a request to an /auth route beyond the client
// address's limit with 429 rate_limited and Retry-After, before any
// credential is read. The first refusal of an address is logged (not
// every one: a flood would flood the log); every one is counted.
func (s *Server) limitAuth(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) error {
		ip := c.RealIP()
		d := s.authLimit.Allow(ip)
		if d.Allowed {
			return next(c)
		}
		s.metrics.authRateLimited.Inc()
		if d.First {
			s.log.Warn("client address over the sign-in rate limit: its /auth requests are refused until it slows down",
				"ip", ip, "limit", s.authLimit.Limit().String(), "retry_after", d.RetryAfter, "request_id", requestID(c))
		}
		return retryAfter(&Error{Status: http.StatusTooManyRequests, Code: "rate_limited",
			Message: "too many sign-in requests from this address: wait before trying again"}, d.RetryAfter)
	}
}
