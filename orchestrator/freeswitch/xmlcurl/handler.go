package xmlcurl

import (
	"errors"
	"log/slog"
	"math"
	"net"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/switchboard-cc/switchboard/dialplan"
	"github.com/switchboard-cc/switchboard/internal/ratelimit"
)

// DefaultMaxBody bounds a request body. A dialplan request carries the whole
// channel (about 5 KB in the capture, more with long SDP or many variables).
const DefaultMaxBody = 256 << 10

// Config wires a Handler.
type Config struct {
	Nodes     Nodes
	Directory Directory
	Plan      NumberPlan
	Logger    *slog.Logger // nil: slog.Default()
	// Now is the clock for time conditions. Nil: time.Now.
	Now func() time.Time
	// SiteUp is the controller's view of site health for pre-routing. Nil: all up.
	SiteUp func(dialplan.SiteID) bool
	// Contexts are the dialplan contexts Switchboard answers for (where
	// calls from trunks land). The phones' PhoneContext is always answered
	// (phone.go); other contexts get "not found" and the node's static XML.
	// Empty: {"public"}.
	Contexts []string
	MaxBody  int64 // Zero: DefaultMaxBody.
	// FailureLimit bounds failed node credentials per client address:
	// beyond it every request from that address is answered 429 with
	// Retry-After, before its credentials are read, until the address has
	// slowed down. Nil: DefaultFailureLimit; a zero Limit: no bound.
	// Requests with the right credentials spend nothing.
	FailureLimit *ratelimit.Limit
	// Reachable, when set, says whether the fallback of a call routed now
	// may ring the phone of extension user of tenant (its agent is not
	// known to be not ready or on a break). The served
	// dialplan's fallback rings only those: a call whose controller
	// vanishes later (a crash, which hands nothing over) never rings an
	// agent who was not ready when it arrived. Nil: every phone of the
	// site. (The static copy, `fsconfig export`, knows no states.)
	Reachable func(tenant dialplan.TenantID, user string) bool
}

// DefaultFailureLimit: 10 failed credentials from one address at once,
// then one more every 6 s. A node sends the same credentials on every
// request, so a node with a wrong password fails either way; an address
// guessing passwords is slowed to 10 a minute.
var DefaultFailureLimit = ratelimit.Limit{Burst: 10, Per: time.Minute}

// Handler is the mod_xml_curl endpoint (http.Handler). Mount it at the path
// used in each node's gateway-url, e.g. /fsapi.
type Handler struct {
	c Config
	// failures spends a token per failed credential of a client address.
	failures *ratelimit.Limiter
	// refused counts refused requests by reason (Collector).
	refused *prometheus.CounterVec
}

// NewHandler checks c and fills in defaults.
func NewHandler(c Config) (*Handler, error) {
	if c.Nodes == nil || c.Directory == nil || c.Plan == nil {
		return nil, errors.New("xmlcurl: Nodes, Directory and Plan are required")
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if len(c.Contexts) == 0 {
		c.Contexts = []string{"public"}
	}
	if c.MaxBody == 0 {
		c.MaxBody = DefaultMaxBody
	}
	if c.FailureLimit == nil {
		l := DefaultFailureLimit
		c.FailureLimit = &l
	}
	refused := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "switchboard_xmlcurl_auth_refused_total",
		Help: "xml_curl requests refused before they were served: no_credentials, bad_credentials (unknown node, wrong password, or another switch's credentials) or throttled (the client address failed too often)."},
		[]string{"reason"})
	return &Handler{c: c, refused: refused,
		failures: ratelimit.New(ratelimit.Config{Limit: *c.FailureLimit, Now: c.Now})}, nil
}

// Collector is the handler's metric, for the caller's registry.
func (h *Handler) Collector() prometheus.Collector { return h.refused }

// ServeHTTP authenticates the node, parses the form and answers XML. Errors
// that FreeSWITCH should not retry with bad data get a 4xx; FreeSWITCH then
// logs it and uses its static XML.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	log := &reqLog{l: h.c.Logger}
	log.with(slog.String("remote", r.RemoteAddr))
	if r.Method != http.MethodPost && r.Method != http.MethodGet {
		w.Header().Set("Allow", "POST, GET")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	client := clientAddr(r)
	if h.throttled(w, client, log) {
		return
	}
	node, ok := h.authenticate(w, r, client, log)
	if !ok {
		return
	}
	log.with(slog.String("node", node.ID))
	r.Body = http.MaxBytesReader(w, r.Body, h.c.MaxBody)
	form, err := readForm(r)
	if err != nil {
		status := http.StatusBadRequest
		if _, big := errors.AsType[*http.MaxBytesError](err); big {
			status = http.StatusRequestEntityTooLarge
		}
		log.Warn("xml_curl: unreadable form", "err", err)
		http.Error(w, "bad form", status)
		return
	}
	req, err := ParseRequest(form)
	form.release()
	if err != nil {
		log.Warn("xml_curl: bad request", "err", err)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if node.Hostname != "" && req.Hostname != node.Hostname {
		log.Warn("xml_curl: node credentials used by another switch", "hostname", req.Hostname, "want", node.Hostname)
		h.failed(client, "bad_credentials")
		http.Error(w, ErrBadCredentials.Error(), http.StatusForbidden)
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	_, _ = w.Write(h.answer(node, req, log)) // a write error means FreeSWITCH hung up; it falls back itself
}

// authenticate answers 401 without credentials and 403 for an unknown node or
// a wrong password, and logs both. A wrong credential is a failure of the
// client address; a missing one guesses nothing and is not.
func (h *Handler) authenticate(w http.ResponseWriter, r *http.Request, client string, log *reqLog) (Node, bool) {
	user, pass, ok := r.BasicAuth()
	if !ok {
		log.Warn("xml_curl: request without credentials; set gateway-credentials on the node")
		h.refused.WithLabelValues("no_credentials").Inc()
		w.Header().Set("WWW-Authenticate", `Basic realm="switchboard xml_curl"`)
		http.Error(w, ErrNoCredentials.Error(), http.StatusUnauthorized)
		return Node{}, false
	}
	node, err := h.c.Nodes.Authenticate(user, pass)
	if err != nil {
		log.Warn("xml_curl: node refused", "user", user, "err", err)
		h.failed(client, "bad_credentials")
		http.Error(w, ErrBadCredentials.Error(), http.StatusForbidden)
		return Node{}, false
	}
	return node, true
}

// throttled answers 429 with Retry-After when client has failed too often
// lately (FreeSWITCH takes it as any failure and uses its static XML). The
// first refusal of an address is logged, every one is counted.
func (h *Handler) throttled(w http.ResponseWriter, client string, log *reqLog) bool {
	d := h.failures.Check(client)
	if d.Allowed {
		return false
	}
	h.refused.WithLabelValues("throttled").Inc()
	if d.First {
		log.Warn("xml_curl: too many failed node credentials from this address; its requests are refused until it slows down",
			"limit", h.failures.Limit().String(), "retry_after", d.RetryAfter)
	}
	w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(d.RetryAfter.Seconds()))))
	http.Error(w, "too many failed credentials from this address", http.StatusTooManyRequests)
	return true
}

// failed spends one of client's failures.
func (h *Handler) failed(client, reason string) {
	h.refused.WithLabelValues(reason).Inc()
	h.failures.Take(client)
}

// clientAddr is the TCP peer's address without its port: nodes reach
// xml_curl directly, so no forwarding header is trusted.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// answer returns the XML document for an authenticated node's request.
func (h *Handler) answer(node Node, req Request, log *reqLog) []byte {
	switch req.Section {
	case SectionDirectory:
		if doc, ok := directoryFor(h.c.Directory, req); ok {
			log.Debug("xml_curl: directory user served", "user", req.User, "domain", req.Domain, "action", req.Action)
			return doc
		}
		log.Debug("xml_curl: directory not found", "user", req.User, "domain", req.Domain, "action", req.Action)
	case SectionDialplan:
		if req.Context == PhoneContext {
			return h.phoneDialplan(node, req, log)
		}
		if slices.Contains(h.c.Contexts, req.Context) {
			return h.dialplan(node, req, log)
		}
		log.Debug("xml_curl: dialplan context not served", "context", req.Context)
	}
	return []byte(notFound)
}

func (h *Handler) dialplan(node Node, req Request, log *reqLog) []byte {
	log.with(slog.String("call", req.CallUUID), slog.String("dialled", req.Destination), slog.String("context", req.Context))
	route, err := h.c.Plan.Route(dialplan.Call{Dialled: req.Destination, Arrival: node.Site,
		Now: h.c.Now(), SiteUp: h.c.SiteUp})
	if rej, ok := errors.AsType[*dialplan.Rejection](err); ok {
		log.Info("xml_curl: call rejected", "cause", rej.Cause, "reason", rej.Reason)
		return renderReject(req.Context, rej)
	}
	if err != nil {
		log.Error("xml_curl: routing failed; the node falls back to its static dialplan", "err", err)
		return []byte(notFound)
	}
	domain, _ := h.c.Directory.TenantDomain(route.Tenant)
	log.Info("xml_curl: call routed", "tenant", route.Tenant, "entry", route.Entry.String(),
		"site", route.Site.Target, "mode", route.Site.Mode.String())
	if h.c.Reachable != nil && len(route.Fallback.Users) > 0 {
		users := make([]string, 0, len(route.Fallback.Users)) // the plan's slice is shared
		for _, u := range route.Fallback.Users {
			if h.c.Reachable(route.Tenant, u) {
				users = append(users, u)
			}
		}
		route.Fallback.Users = users
	}
	return renderRoute(req.Context, req.Destination, node, route, domain)
}
