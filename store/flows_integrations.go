package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/url"
	"slices"
	"strings"

	"github.com/jmoiron/sqlx"

	"github.com/switchboard-cc/switchboard/ivrflows"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// FlowIntegrations is what a tenant's flows may name besides queues,
// prompts and other flows: HTTP endpoints and data sources (IVR-12..15),
// voicemail mailboxes, lists (blacklist, VIP: OPS-3, OPS-4) and business
// calendars. It is one document per tenant, merged into FlowCatalog.
// Endpoint headers are credentials: api never shows their values.
type FlowIntegrations struct {
	Endpoints   map[string]ivrflows.Endpoint   `json:"endpoints"`
	DataSources map[string]ivrflows.DataSource `json:"datasources"`
	Mailboxes   []string                       `json:"mailboxes"`
	Lists       []string                       `json:"lists"`
	Calendars   map[string]*ivrflows.Calendar  `json:"calendars"`
}

func (in *FlowIntegrations) normalize() {
	if in.Endpoints == nil {
		in.Endpoints = map[string]ivrflows.Endpoint{}
	}
	if in.DataSources == nil {
		in.DataSources = map[string]ivrflows.DataSource{}
	}
	if in.Calendars == nil {
		in.Calendars = map[string]*ivrflows.Calendar{}
	}
	in.Mailboxes, in.Lists = orEmpty(in.Mailboxes), orEmpty(in.Lists)
}

// names summarises the document for the audit log (never header values).
func (in FlowIntegrations) names() map[string][]string {
	return map[string][]string{"endpoints": slices.Sorted(maps.Keys(in.Endpoints)),
		"datasources": slices.Sorted(maps.Keys(in.DataSources)), "mailboxes": in.Mailboxes, "lists": in.Lists,
		"calendars": slices.Sorted(maps.Keys(in.Calendars))}
}

// GetFlowIntegrations returns tenant's document (empty sections when never set).
func (s *Store) GetFlowIntegrations(ctx context.Context, tenant tenancy.TenantID) (FlowIntegrations, error) {
	var out FlowIntegrations
	err := s.tenantRead(ctx, tenant, func(db q) error {
		var err error
		out, err = getIntegrations(ctx, db, tenant, s.secrets)
		return err
	})
	return out, err
}

func getIntegrations(ctx context.Context, db q, tenant tenancy.TenantID, sl *sealer) (FlowIntegrations, error) {
	stored, err := readIntegrations(ctx, db, tenant)
	if err != nil {
		return FlowIntegrations{}, err
	}
	return stored.open(tenant, sl)
}

// readIntegrations reads the stored document, headers still sealed.
func readIntegrations(ctx context.Context, db q, tenant tenancy.TenantID) (integrationsDoc, error) {
	var doc string
	var stored integrationsDoc
	err := db.GetContext(ctx, &doc, `SELECT doc FROM flow_integrations WHERE tenant_id = $1`, string(tenant))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return stored, nil
	case err != nil:
		return stored, fmt.Errorf("store: flow integrations: %w", err)
	}
	if err := json.Unmarshal([]byte(doc), &stored); err != nil {
		return stored, fmt.Errorf("store: flow integrations: %w", err)
	}
	return stored, nil
}

// PutFlowIntegrations replaces tenant's document, sealing endpoint headers.
func (s *Store) PutFlowIntegrations(ctx context.Context, a Actor, tenant tenancy.TenantID, in FlowIntegrations) (FlowIntegrations, error) {
	in.normalize()
	stored, err := sealIntegrations(tenant, in, s.secrets)
	if err != nil {
		return FlowIntegrations{}, err
	}
	doc, err := json.Marshal(stored)
	if err != nil {
		return FlowIntegrations{}, invalid("body", err.Error())
	}
	err = s.tenantWrite(ctx, tenant, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO flow_integrations (tenant_id, doc, updated_at) VALUES ($1, $2, $3)
			ON CONFLICT (tenant_id) DO UPDATE SET doc = excluded.doc, updated_at = excluded.updated_at`,
			string(tenant), string(doc), s.nowUTC()); err != nil {
			return fmt.Errorf("store: put flow integrations: %w", err)
		}
		return s.audit(ctx, tx, a, change{tenant, "update", "flow_integrations", string(tenant), in.names()})
	})
	return in, err
}

// integrationsDoc is FlowIntegrations as stored: the same JSON, except that
// each endpoint's header values (credentials) are sealed (secrets.go).
type integrationsDoc struct {
	FlowIntegrations
	Endpoints map[string]storedEndpoint `json:"endpoints"` // shadows FlowIntegrations.Endpoints
}

// storedEndpoint keeps an endpoint's headers sealed together, bound to the
// tenant, the endpoint's name and its base URL's origin: a document edited
// in the database to send them to another host no longer opens.
type storedEndpoint struct {
	BaseURL    string `json:"base_url"`
	HeadersEnc string `json:"headers_enc,omitempty"`
	// Headers in clear are only in documents written before headers were
	// sealed; Migrate reseals them (reseal.go) and they are read meanwhile.
	Headers map[string]string `json:"headers,omitempty"`
}

func endpointBinding(tenant tenancy.TenantID, name, baseURL string) string {
	origin, err := EndpointOrigin(baseURL)
	if err != nil {
		origin = baseURL // validated before it is stored; never fails on what the API accepted
	}
	return "endpoint:" + string(tenant) + "/" + name + "@" + origin
}

// EndpointOrigin is a base URL's scheme, host and port (the default port
// made explicit, the host in lower case): what decides where an endpoint's
// credentials go. The API keeps a stored credential for an edited endpoint
// only while its origin stays the same.
func EndpointOrigin(baseURL string) (string, error) {
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
		return "", fmt.Errorf("%q is not an http or https URL", baseURL)
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	return u.Scheme + "://" + net.JoinHostPort(strings.ToLower(u.Hostname()), port), nil
}

func sealIntegrations(tenant tenancy.TenantID, in FlowIntegrations, sl *sealer) (integrationsDoc, error) {
	out := integrationsDoc{FlowIntegrations: in, Endpoints: make(map[string]storedEndpoint, len(in.Endpoints))}
	for name, ep := range in.Endpoints {
		se, err := sealEndpoint(tenant, name, ep.BaseURL, ep.Headers, sl)
		if err != nil {
			return integrationsDoc{}, err
		}
		out.Endpoints[name] = se
	}
	out.FlowIntegrations.Endpoints = nil
	return out, nil
}

func sealEndpoint(tenant tenancy.TenantID, name, baseURL string, headers map[string]string, sl *sealer) (storedEndpoint, error) {
	se := storedEndpoint{BaseURL: baseURL}
	if len(headers) == 0 {
		return se, nil
	}
	plain, err := json.Marshal(headers)
	if err != nil {
		return se, err
	}
	se.HeadersEnc, err = sl.seal(endpointBinding(tenant, name, baseURL), string(plain))
	return se, err
}

// open returns the document with its headers in clear.
func (d integrationsDoc) open(tenant tenancy.TenantID, sl *sealer) (FlowIntegrations, error) {
	out := d.FlowIntegrations
	out.Endpoints = make(map[string]ivrflows.Endpoint, len(d.Endpoints))
	for name, se := range d.Endpoints {
		ep := ivrflows.Endpoint{BaseURL: se.BaseURL, Headers: se.Headers}
		if se.HeadersEnc != "" {
			plain, err := sl.open("endpoint "+name+" of tenant "+string(tenant), endpointBinding(tenant, name, se.BaseURL), se.HeadersEnc)
			if err != nil {
				return FlowIntegrations{}, err
			}
			if err := json.Unmarshal([]byte(plain), &ep.Headers); err != nil {
				return FlowIntegrations{}, fmt.Errorf("store: endpoint %s of tenant %s: sealed headers: %w", name, tenant, err)
			}
		}
		out.Endpoints[name] = ep
	}
	out.normalize()
	return out, nil
}

// merge adds the document's sections to cat.
func (in FlowIntegrations) merge(cat *ivrflows.Catalog) {
	cat.Endpoints, cat.DataSources, cat.Calendars = in.Endpoints, in.DataSources, in.Calendars
	cat.Mailboxes, cat.Lists = in.Mailboxes, in.Lists
}
