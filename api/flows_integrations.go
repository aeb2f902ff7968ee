package api

import (
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"

	"github.com/labstack/echo/v5"
	"github.com/switchboard-cc/switchboard/ivrflows"
	"github.com/switchboard-cc/switchboard/store"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// Flow integrations: the HTTP endpoints, data sources, mailboxes, lists and
// calendars a tenant's flows may name. Endpoint header values are
// credentials: they are write-only (sealed at rest by the store), shown as
// "(redacted)", and sending "(redacted)" back keeps the stored value, as long
// as the endpoint still points at the same origin (scheme, host and port).
// Otherwise a tenant admin, who never sees the value, could send it to a
// host of their own: a new origin needs the value typed again.

const redacted = "(redacted)"

// FlowIntegrationsRequest replaces the whole document. Every section is
// required (send {} or [] for none), so a misspelt or forgotten section
// cannot silently remove what flows rely on.
type FlowIntegrationsRequest struct {
	Endpoints   *map[string]ivrflows.Endpoint   `json:"endpoints" required:"true"`
	DataSources *map[string]ivrflows.DataSource `json:"datasources" required:"true"`
	Mailboxes   *[]string                       `json:"mailboxes" required:"true"`
	Lists       *[]string                       `json:"lists" required:"true"`
	Calendars   *map[string]*ivrflows.Calendar  `json:"calendars" required:"true"`
}

var integrationNameRe = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$`)

func (s *Server) flowIntegrationRoutes(r, w tenancy.Permission) []route {
	p := "/tenants/:tenant_id/flow-integrations"
	return []route{
		{method: http.MethodGet, path: p, name: "getFlowIntegrations", summary: "Endpoints, data sources, mailboxes, lists and calendars flows may name (header values redacted)",
			scope: scopeTenant, perm: r, resp: store.FlowIntegrations{}, status: http.StatusOK, h: s.getFlowIntegrations},
		{method: http.MethodGet, path: "/tenants/:tenant_id/flow-catalog", name: "getFlowCatalog",
			summary: "Everything a flow may name, as validation sees it (for editors' pick lists; header values redacted)",
			scope:   scopeTenant, perm: r, resp: ivrflows.Catalog{}, status: http.StatusOK, h: s.getFlowCatalog},
		{method: http.MethodPut, path: p, name: "putFlowIntegrations", summary: "Replace the flow integrations (\"(redacted)\" keeps a stored header value)",
			scope: scopeTenant, perm: w, body: FlowIntegrationsRequest{}, resp: store.FlowIntegrations{}, status: http.StatusOK, h: s.putFlowIntegrations},
	}
}

func (s *Server) getFlowIntegrations(c *echo.Context) error {
	in, err := s.store.GetFlowIntegrations(c.Request().Context(), tenantOf(c).ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, redactIntegrations(in))
}

func (s *Server) getFlowCatalog(c *echo.Context) error {
	cat, err := s.store.FlowCatalog(c.Request().Context(), tenantOf(c).ID)
	if err != nil {
		return err
	}
	cat.Endpoints = redactIntegrations(store.FlowIntegrations{Endpoints: cat.Endpoints}).Endpoints
	return c.JSON(http.StatusOK, cat)
}

func (s *Server) putFlowIntegrations(c *echo.Context) error {
	var req FlowIntegrationsRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	ctx, tenant := c.Request().Context(), tenantOf(c).ID
	cur, err := s.store.GetFlowIntegrations(ctx, tenant)
	if err != nil {
		return err
	}
	in, err := checkIntegrations(req, cur)
	if err != nil {
		return err
	}
	out, err := s.store.PutFlowIntegrations(ctx, actor(c), tenant, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, redactIntegrations(out))
}

// checkIntegrations validates the request and restores redacted header
// values from cur.
func checkIntegrations(req FlowIntegrationsRequest, cur store.FlowIntegrations) (store.FlowIntegrations, error) {
	var v checker
	for field, missing := range map[string]bool{"endpoints": req.Endpoints == nil, "datasources": req.DataSources == nil,
		"mailboxes": req.Mailboxes == nil, "lists": req.Lists == nil, "calendars": req.Calendars == nil} {
		if missing {
			v.add(field, "is required (send an empty one for none)")
		}
	}
	if err := v.err(); err != nil {
		return store.FlowIntegrations{}, err
	}
	in := store.FlowIntegrations{Endpoints: *req.Endpoints, DataSources: *req.DataSources, Mailboxes: *req.Mailboxes,
		Lists: *req.Lists, Calendars: *req.Calendars}
	for name, ep := range in.Endpoints {
		checkEndpoint(&v, name, ep, cur.Endpoints[name])
	}
	checkNames(&v, "datasources", slices.Collect(maps.Keys(in.DataSources)))
	checkNames(&v, "mailboxes", in.Mailboxes)
	checkNames(&v, "lists", in.Lists)
	for name, cal := range in.Calendars {
		checkNames(&v, "calendars", []string{name})
		if cal == nil {
			v.add("calendars."+name, "must be a calendar object")
		}
	}
	return in, v.err()
}

func checkEndpoint(v *checker, name string, ep, stored ivrflows.Endpoint) {
	field := "endpoints." + name
	checkNames(v, "endpoints", []string{name})
	origin, err := store.EndpointOrigin(ep.BaseURL)
	if u, perr := url.Parse(ep.BaseURL); err != nil || perr != nil {
		v.add(field+".base_url", "must be an http or https URL (got %q)", ep.BaseURL)
	} else if u.User != nil {
		v.add(field+".base_url", "must not carry a user name or password: it is shown in clear; send credentials as headers, which are kept secret")
	}
	for h, val := range ep.Headers {
		if val != redacted {
			continue
		}
		old, ok := stored.Headers[h]
		if !ok {
			v.add(field+".headers."+h, "%q keeps a stored value, but none is stored", redacted)
			continue
		}
		if was, _ := store.EndpointOrigin(stored.BaseURL); origin != was {
			v.add(field+".headers."+h, "the endpoint now points at %s instead of %s: type the value again (%q keeps a stored value only for the same scheme, host and port)",
				originOrURL(origin, ep.BaseURL), was, redacted)
			continue
		}
		ep.Headers[h] = old // ep.Headers is the request's map: this updates it
	}
}

func originOrURL(origin, raw string) string {
	if origin == "" {
		return fmt.Sprintf("%q", raw)
	}
	return origin
}

func checkNames(v *checker, field string, names []string) {
	seen := map[string]bool{}
	for _, n := range names {
		switch {
		case !integrationNameRe.MatchString(n):
			v.add(field, "%q must be 1 to 64 letters, digits, _, . or -", n)
		case seen[n]:
			v.add(field, "%q is listed twice", n)
		}
		seen[n] = true
	}
}

// redactIntegrations hides header values (a copy: the store's maps are left alone).
func redactIntegrations(in store.FlowIntegrations) store.FlowIntegrations {
	eps := make(map[string]ivrflows.Endpoint, len(in.Endpoints))
	for name, ep := range in.Endpoints {
		hs := make(map[string]string, len(ep.Headers))
		for h := range ep.Headers {
			hs[h] = redacted
		}
		ep.Headers = hs
		eps[name] = ep
	}
	in.Endpoints = eps
	return in
}
