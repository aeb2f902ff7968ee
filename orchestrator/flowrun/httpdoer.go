package flowrun

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"syscall"
	"time"

	"github.com/switchboard-cc/switchboard/ivrflows"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// Errors of the HTTP client; they end up in HTTPResponse.Err (the flow's
// error exit) and the log.
var (
	ErrBadURL         = errors.New("flowrun: http: URL refused")
	ErrForbiddenAddr  = errors.New("flowrun: http: address refused")
	ErrTooManyRedirec = errors.New("flowrun: http: too many redirects")
)

// HTTPClient is the HTTPDoer for http nodes. The URL comes from the tenant's
// configured endpoint; the client still refuses schemes other than http and
// https and, unless AllowPrivate, connections to loopback, private,
// link-local and other non-public addresses (checked on the address
// actually dialled, so DNS cannot smuggle them in, redirects included).
type HTTPClient struct {
	// AllowPrivate lets flows reach internal addresses (tests, on-premises
	// tenants whose CRM sits on the LAN).
	AllowPrivate bool
	// DefaultTimeout applies to commands without one. Default 5 s.
	DefaultTimeout time.Duration
	// RetryBackoff is waited before attempt n > 1, times n-1. Default 200 ms.
	RetryBackoff time.Duration
	// Allowed, when set, is a second check that the URL is under one of the
	// tenant's configured endpoints (the flow was compiled against them; this
	// guards against a program compiled with another tenant's catalog).
	Allowed func(tenant tenancy.TenantID, url string) bool

	client *http.Client
}

// NewHTTPClient builds the client (no proxy from the environment: the
// address check must see the real destination).
func NewHTTPClient(allowPrivate bool) *HTTPClient {
	h := &HTTPClient{AllowPrivate: allowPrivate, DefaultTimeout: 5 * time.Second, RetryBackoff: 200 * time.Millisecond}
	d := &net.Dialer{Timeout: 5 * time.Second, ControlContext: h.checkDial}
	tr := &http.Transport{DialContext: d.DialContext, MaxIdleConnsPerHost: 4, IdleConnTimeout: 30 * time.Second,
		TLSHandshakeTimeout: 5 * time.Second, ResponseHeaderTimeout: 30 * time.Second}
	h.client = &http.Client{Transport: tr, CheckRedirect: checkRedirect}
	return h
}

// CloseIdle releases idle connections (at shutdown).
func (h *HTTPClient) CloseIdle() { h.client.CloseIdleConnections() }

// Do makes one attempt of req; the body read is capped just over
// ivrflows.MaxResponseBody (the interpreter rejects larger ones).
func (h *HTTPClient) Do(ctx context.Context, tenant tenancy.TenantID, req ivrflows.HTTPRequest) ivrflows.HTTPResponse {
	if err := checkURL(req.URL); err != nil {
		return ivrflows.HTTPResponse{Err: err.Error()}
	}
	if h.Allowed != nil && !h.Allowed(tenant, req.URL) {
		return ivrflows.HTTPResponse{Err: fmt.Sprintf("%v: %s is not one of tenant %s's endpoints", ErrBadURL, req.URL, tenant)}
	}
	if req.Attempt > 1 && !sleepCtx(ctx, time.Duration(req.Attempt-1)*h.RetryBackoff) {
		return ivrflows.HTTPResponse{Err: "call ended before the retry"}
	}
	timeout := req.Timeout
	if timeout <= 0 {
		timeout = h.DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	method := req.Method
	if method == "" {
		method = http.MethodGet
	}
	hr, err := http.NewRequestWithContext(ctx, method, req.URL, bytes.NewReader(req.Body))
	if err != nil {
		return ivrflows.HTTPResponse{Err: err.Error()}
	}
	for k, v := range req.Headers {
		hr.Header.Set(k, v)
	}
	if len(req.Body) > 0 && hr.Header.Get("Content-Type") == "" {
		hr.Header.Set("Content-Type", "application/json")
	}
	hr.Header.Set("X-Switchboard-Tenant", string(tenant))
	resp, err := h.client.Do(hr)
	if err != nil {
		return ivrflows.HTTPResponse{Err: err.Error()}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, ivrflows.MaxResponseBody+1))
	if err != nil {
		return ivrflows.HTTPResponse{Status: resp.StatusCode, Err: "reading the response: " + err.Error()}
	}
	return ivrflows.HTTPResponse{Status: resp.StatusCode, Body: body}
}

func checkURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBadURL, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("%w: scheme %q (only http and https)", ErrBadURL, u.Scheme)
	}
	if u.Host == "" {
		return fmt.Errorf("%w: no host in %q", ErrBadURL, raw)
	}
	return nil
}

func checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 3 {
		return ErrTooManyRedirec
	}
	return checkURL(req.URL.String())
}

// checkDial refuses non-public destinations at connect time.
func (h *HTTPClient) checkDial(_ context.Context, network, address string, _ syscall.RawConn) error {
	if h.AllowPrivate {
		return nil
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: %q: %v", ErrForbiddenAddr, address, err)
	}
	if !publicAddr(ap.Addr()) {
		return fmt.Errorf("%w: %s is not a public address", ErrForbiddenAddr, ap.Addr())
	}
	return nil
}

var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("100.64.0.0/10"), // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("64:ff9b::/96"), // NAT64 can reach IPv4 private space
}

// publicAddr reports whether a is a global unicast address outside the
// private, shared and special ranges.
func publicAddr(a netip.Addr) bool {
	a = a.Unmap()
	if !a.IsGlobalUnicast() || a.IsPrivate() || a.IsLoopback() || a.IsLinkLocalUnicast() {
		return false
	}
	for _, p := range nonPublic {
		if p.Contains(a) {
			return false
		}
	}
	return true
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
