package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"

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
		out, err = getIntegrations(ctx, db, tenant)
		return err
	})
	return out, err
}

func getIntegrations(ctx context.Context, db q, tenant tenancy.TenantID) (FlowIntegrations, error) {
	var out FlowIntegrations
	var doc string
	err := db.GetContext(ctx, &doc, `SELECT doc FROM flow_integrations WHERE tenant_id = $1`, string(tenant))
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return out, fmt.Errorf("store: flow integrations: %w", err)
	default:
		if err := json.Unmarshal([]byte(doc), &out); err != nil {
			return out, fmt.Errorf("store: flow integrations: %w", err)
		}
	}
	out.normalize()
	return out, nil
}

// PutFlowIntegrations replaces tenant's document.
func (s *Store) PutFlowIntegrations(ctx context.Context, a Actor, tenant tenancy.TenantID, in FlowIntegrations) (FlowIntegrations, error) {
	in.normalize()
	doc, err := json.Marshal(in)
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

// merge adds the document's sections to cat.
func (in FlowIntegrations) merge(cat *ivrflows.Catalog) {
	cat.Endpoints, cat.DataSources, cat.Calendars = in.Endpoints, in.DataSources, in.Calendars
	cat.Mailboxes, cat.Lists = in.Mailboxes, in.Lists
}
