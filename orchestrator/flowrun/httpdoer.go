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
	"strings"
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
// https and connections to loopback, private, link-local and other
// non-public addresses outside Allow (checked on the address actually
// dialled, so DNS cannot smuggle them in, redirects included).
type HTTPClient struct {
	// AllowPrivate lets flows reach every internal address (tests).
	AllowPrivate bool
	// Allow lists the non-public prefixes flows may reach anyway: the
	// operator's flow-http-allow setting, for tenants whose CRM sits on a
	// private network. Loopback and link-local (cloud metadata) addresses
	// are reachable only when a listed prefix contains them; unspecified
	// (0.0.0.0, ::) and multicast addresses never are.
	Allow []netip.Prefix
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
// address check must see the real destination); allow is HTTPClient.Allow.
func NewHTTPClient(allowPrivate bool, allow ...netip.Prefix) *HTTPClient {
	h := &HTTPClient{AllowPrivate: allowPrivate, Allow: allow, DefaultTimeout: 5 * time.Second, RetryBackoff: 200 * time.Millisecond}
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
		return ivrflows.HTTPResponse{Err: fmt.Sprintf("%v: %s is not one of tenant %s's endpoints", ErrBadURL, origin(req.URL), tenant)}
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
	if ue := (*url.Error)(nil); errors.As(err, &ue) {
		err = fmt.Errorf("%s %s: %w", ue.Op, origin(ue.URL), ue.Err)
	}
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

// origin is a URL without its path and query, which may carry a flow's
// secret variables (/verify/${pin}): errors end up in logs.
func origin(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Scheme + "://" + u.Host
}

func checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 3 {
		return ErrTooManyRedirec
	}
	return checkURL(req.URL.String())
}

// checkDial refuses non-public destinations outside h.Allow at connect
// time, on the address resolved and about to be dialled.
func (h *HTTPClient) checkDial(_ context.Context, network, address string, _ syscall.RawConn) error {
	if h.AllowPrivate {
		return nil
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: %q: %v", ErrForbiddenAddr, address, err)
	}
	a := ap.Addr().Unmap()
	switch {
	case publicAddr(a):
		return nil
	case a.IsUnspecified() || a.IsMulticast():
		return fmt.Errorf("%w: %s is never a flow's destination", ErrForbiddenAddr, a)
	case allowed(h.Allow, a):
		return nil
	}
	return fmt.Errorf("%w: %s is not a public address and not in %s (%s)", ErrForbiddenAddr, a, AllowSetting, AllowSettingEnv)
}

// The serve setting that fills HTTPClient.Allow, named in refusals so the
// operator reading the log knows what to change.
const (
	AllowSetting    = "flow-http-allow"
	AllowSettingEnv = "SWITCHBOARD_FLOW_HTTP_ALLOW"
)

func allowed(allow []netip.Prefix, a netip.Addr) bool {
	for _, p := range allow {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// ErrBadAllow is a flow-http-allow entry that is not a usable prefix.
var ErrBadAllow = errors.New("flowrun: http: bad allowed prefix")

// ParseAllowList parses a comma-separated list of CIDR prefixes
// ("10.20.0.0/16,192.168.5.0/24"; spaces and empty entries are ignored) for
// HTTPClient.Allow. A prefix with host bits set (10.20.1.0/16) is refused
// rather than guessed at, and so are IPv4-mapped IPv6 prefixes (write
// 10.0.0.0/8: dialled addresses are compared unmapped).
func ParseAllowList(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		p, err := netip.ParsePrefix(f)
		switch {
		case err != nil:
			return nil, fmt.Errorf("%w: %q is not a CIDR prefix like 10.20.0.0/16 (one host: 10.20.0.5/32)", ErrBadAllow, f)
		case p.Addr().Is4In6():
			return nil, fmt.Errorf("%w: %q: write IPv4 prefixes as a.b.c.d/n", ErrBadAllow, f)
		case p != p.Masked():
			return nil, fmt.Errorf("%w: %q has bits set past its length; did you mean %s?", ErrBadAllow, f, p.Masked())
		}
		out = append(out, p)
	}
	return out, nil
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
