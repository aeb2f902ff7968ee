package xmlcurl

import (
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/switchboard-cc/switchboard/dialplan"
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
}

// Handler is the mod_xml_curl endpoint (http.Handler). Mount it at the path
// used in each node's gateway-url, e.g. /fsapi.
type Handler struct {
	c Config
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
	return &Handler{c: c}, nil
}

// ServeHTTP authenticates the node, parses the form and answers XML. Errors
// that FreeSWITCH should not retry with bad data get a 4xx; FreeSWITCH then
// logs it and uses its static XML.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	log := h.c.Logger.With("remote", r.RemoteAddr)
	if r.Method != http.MethodPost && r.Method != http.MethodGet {
		w.Header().Set("Allow", "POST, GET")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	node, ok := h.authenticate(w, r, log)
	if !ok {
		return
	}
	log = log.With("node", node.ID)
	r.Body = http.MaxBytesReader(w, r.Body, h.c.MaxBody)
	if err := r.ParseForm(); err != nil {
		status := http.StatusBadRequest
		if _, big := errors.AsType[*http.MaxBytesError](err); big {
			status = http.StatusRequestEntityTooLarge
		}
		log.Warn("xml_curl: unreadable form", "err", err)
		http.Error(w, "bad form", status)
		return
	}
	req, err := ParseRequest(r.Form)
	if err != nil {
		log.Warn("xml_curl: bad request", "err", err)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if node.Hostname != "" && req.Hostname != node.Hostname {
		log.Warn("xml_curl: node credentials used by another switch", "hostname", req.Hostname, "want", node.Hostname)
		http.Error(w, ErrBadCredentials.Error(), http.StatusForbidden)
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	_, _ = w.Write(h.answer(node, req, log)) // a write error means FreeSWITCH hung up; it falls back itself
}

// authenticate answers 401 without credentials and 403 for an unknown node or
// a wrong password, and logs both.
func (h *Handler) authenticate(w http.ResponseWriter, r *http.Request, log *slog.Logger) (Node, bool) {
	user, pass, ok := r.BasicAuth()
	if !ok {
		log.Warn("xml_curl: request without credentials; set gateway-credentials on the node")
		w.Header().Set("WWW-Authenticate", `Basic realm="switchboard xml_curl"`)
		http.Error(w, ErrNoCredentials.Error(), http.StatusUnauthorized)
		return Node{}, false
	}
	node, err := h.c.Nodes.Authenticate(user, pass)
	if err != nil {
		log.Warn("xml_curl: node refused", "user", user, "err", err)
		http.Error(w, ErrBadCredentials.Error(), http.StatusForbidden)
		return Node{}, false
	}
	return node, true
}

// answer returns the XML document for an authenticated node's request.
func (h *Handler) answer(node Node, req Request, log *slog.Logger) []byte {
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

func (h *Handler) dialplan(node Node, req Request, log *slog.Logger) []byte {
	log = log.With("call", req.CallUUID, "dialled", req.Destination, "context", req.Context)
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
	return renderRoute(req.Context, req.Destination, node, route, domain)
}
