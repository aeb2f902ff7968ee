package api

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// httpMetrics are request counts and latency by route template and status;
// route templates (not raw paths) keep the label set bounded.
type httpMetrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	// signIns counts sign-in outcomes (ok, bad_credentials, throttled,
	// locked, lockout) so password guessing can be alerted on.
	signIns *prometheus.CounterVec
	// hashesBusy counts password checks and hashes refused because every
	// argon2id slot stayed taken (429 server_busy).
	hashesBusy prometheus.Counter
	// authRateLimited counts /auth requests refused by the per-address
	// limit (429 rate_limited).
	authRateLimited prometheus.Counter
}

func newHTTPMetrics(reg prometheus.Registerer) (*httpMetrics, error) {
	m := &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "switchboard_http_requests_total", Help: "HTTP requests by method, route template and status.",
		}, []string{"method", "route", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "switchboard_http_request_duration_seconds", Help: "HTTP request latency by method and route template.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
		}, []string{"method", "route"}),
	}
	m.signIns = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "switchboard_auth_sign_ins_total", Help: "Sign-in attempts by outcome; lockout counts accounts just locked.",
	}, []string{"outcome"})
	m.hashesBusy = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "switchboard_auth_hash_busy_total", Help: "Password checks and hashes refused (429 server_busy) because every argon2id slot stayed taken.",
	})
	m.authRateLimited = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "switchboard_auth_rate_limited_total", Help: "Requests to /auth routes refused (429 rate_limited) by the per-client-address limit.",
	})
	for _, c := range []prometheus.Collector{m.requests, m.latency, m.signIns, m.hashesBusy, m.authRateLimited} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (m *httpMetrics) observe(method, route string, status int, d time.Duration) {
	m.requests.WithLabelValues(method, route, statusLabel(status)).Inc()
	m.latency.WithLabelValues(method, route).Observe(d.Seconds())
}
