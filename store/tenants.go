package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/switchboard-cc/switchboard/tenancy"
)

// TenantInput creates a tenant. New tenants are active.
type TenantInput struct {
	Name      string           `json:"name"`
	SIPDomain string           `json:"sip_domain"`
	Language  tenancy.Language `json:"language"`
	TimeZone  string           `json:"time_zone"`
	Quotas    tenancy.Quotas   `json:"quotas"`
}

// TenantPatch edits a tenant; nil fields are left alone.
type TenantPatch struct {
	Name      *string           `json:"name,omitempty"`
	SIPDomain *string           `json:"sip_domain,omitempty"`
	Language  *tenancy.Language `json:"language,omitempty"`
	TimeZone  *string           `json:"time_zone,omitempty"`
	Quotas    *tenancy.Quotas   `json:"quotas,omitempty"`
}

type tenantRow struct {
	ID        string    `db:"id"`
	Name      string    `db:"name"`
	SIPDomain string    `db:"sip_domain"`
	Language  string    `db:"language"`
	TimeZone  string    `db:"time_zone"`
	Status    string    `db:"status"`
	MaxAgents int       `db:"max_agents"`
	MaxPSTN   int       `db:"max_pstn_calls"`
	MaxWeb    int       `db:"max_web_calls"`
	MaxChats  int       `db:"max_chats"`
	MaxFlows  int       `db:"max_published_flows"`
	CreatedAt time.Time `db:"created_at"`
	UpdatedAt time.Time `db:"updated_at"`
	// ConfigVersion is bumped by triggers (configversion.go); not part of
	// the tenant's API representation.
	ConfigVersion int64 `db:"config_version"`
}

func (r tenantRow) tenant() tenancy.Tenant {
	return tenancy.Tenant{
		ID: tenancy.TenantID(r.ID), Name: r.Name, SIPDomain: r.SIPDomain,
		Language: tenancy.Language(r.Language), TimeZone: r.TimeZone, Status: tenancy.Status(r.Status),
		Quotas: tenancy.Quotas{MaxAgents: r.MaxAgents, MaxPSTNCalls: r.MaxPSTN, MaxWebCalls: r.MaxWeb,
			MaxChats: r.MaxChats, MaxPublishedFlows: r.MaxFlows},
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
	}
}

// validateTenant runs the core rules plus the time zone lookup (I/O the
// core may not do).
func validateTenant(t tenancy.Tenant) error {
	if err := t.Validate(); err != nil {
		return err
	}
	if _, err := time.LoadLocation(t.TimeZone); err != nil || strings.EqualFold(t.TimeZone, "local") {
		return invalid("time_zone", fmt.Sprintf("%q is not a known IANA time zone", t.TimeZone))
	}
	return nil
}

// CreateTenant creates an active tenant. A SIP domain already in use gives a
// *ConflictError for field sip_domain.
func (s *Store) CreateTenant(ctx context.Context, a Actor, in TenantInput) (tenancy.Tenant, error) {
	now := s.nowUTC()
	t := tenancy.Tenant{ID: tenancy.TenantID(newID()), Name: strings.TrimSpace(in.Name), SIPDomain: in.SIPDomain,
		Language: in.Language, TimeZone: in.TimeZone, Status: tenancy.StatusActive, Quotas: in.Quotas,
		CreatedAt: now, UpdatedAt: now}
	if err := validateTenant(t); err != nil {
		return tenancy.Tenant{}, err
	}
	err := s.platformWrite(ctx, func(tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO tenants (id, name, sip_domain, language, time_zone, status,
			max_agents, max_pstn_calls, max_web_calls, max_chats, max_published_flows, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
			string(t.ID), t.Name, t.SIPDomain, string(t.Language), t.TimeZone, string(t.Status),
			t.Quotas.MaxAgents, t.Quotas.MaxPSTNCalls, t.Quotas.MaxWebCalls, t.Quotas.MaxChats,
			t.Quotas.MaxPublishedFlows, t.CreatedAt, t.UpdatedAt)
		if err != nil {
			return mapUnique(err, "tenant", map[string]string{"sip_domain": t.SIPDomain})
		}
		return s.audit(ctx, tx, a, change{t.ID, "create", "tenant", string(t.ID), in})
	})
	if err != nil {
		return tenancy.Tenant{}, err
	}
	return t, nil
}

// GetTenant returns one tenant (platform scope, or the tenant itself).
func (s *Store) GetTenant(ctx context.Context, id tenancy.TenantID) (tenancy.Tenant, error) {
	var t tenancy.Tenant
	err := s.tenantRead(ctx, id, func(db q) error {
		var err error
		t, err = getTenant(ctx, db, id)
		return err
	})
	return t, err
}

func getTenant(ctx context.Context, db q, id tenancy.TenantID) (tenancy.Tenant, error) {
	var r tenantRow
	err := db.GetContext(ctx, &r, `SELECT * FROM tenants WHERE id = $1`, string(id))
	if errors.Is(err, sql.ErrNoRows) {
		return tenancy.Tenant{}, notFound("tenant", string(id))
	}
	if err != nil {
		return tenancy.Tenant{}, fmt.Errorf("store: get tenant: %w", err)
	}
	return r.tenant(), nil
}

// ListTenants lists every tenant (platform scope).
func (s *Store) ListTenants(ctx context.Context, p Page) (List[tenancy.Tenant], error) {
	after, limit, err := p.keyset()
	if err != nil {
		return List[tenancy.Tenant]{}, err
	}
	var rows []tenantRow
	err = s.platformRead(ctx, func(db q) error {
		return db.SelectContext(ctx, &rows, `SELECT * FROM tenants WHERE id > $1 ORDER BY id LIMIT $2`, after, limit+1)
	})
	if err != nil {
		return List[tenancy.Tenant]{}, fmt.Errorf("store: list tenants: %w", err)
	}
	ts := make([]tenancy.Tenant, len(rows))
	for i, r := range rows {
		ts[i] = r.tenant()
	}
	return pageOf(ts, limit, func(t tenancy.Tenant) string { return string(t.ID) }), nil
}

// UpdateTenant applies patch. Lowering a quota below what is in use is
// refused with a *tenancy.QuotaBelowUsageError; the SIP domain cannot change
// while agents exist (their SIP digests are bound to it). Suspended tenants
// can still be edited by the operator; archived ones cannot.
func (s *Store) UpdateTenant(ctx context.Context, a Actor, id tenancy.TenantID, patch TenantPatch) (tenancy.Tenant, error) {
	if err := id.Check(); err != nil {
		return tenancy.Tenant{}, err
	}
	var out tenancy.Tenant
	err := s.platformWrite(ctx, func(tx *sqlx.Tx) error {
		t, err := s.lockedTenant(ctx, tx, id)
		if err != nil {
			return err
		}
		if t.Status == tenancy.StatusArchived {
			return tenancy.ErrTenantArchived
		}
		if out, err = s.applyTenantPatch(ctx, tx, t, patch); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, change{id, "update", "tenant", string(id), patch})
	})
	return out, err
}

func (s *Store) applyTenantPatch(ctx context.Context, tx *sqlx.Tx, t tenancy.Tenant, p TenantPatch) (tenancy.Tenant, error) {
	usage, err := storedUsage(ctx, tx, t.ID)
	if err != nil {
		return t, err
	}
	agents := usage[tenancy.ResourceAgents]
	if p.SIPDomain != nil && *p.SIPDomain != t.SIPDomain && agents > 0 {
		return t, invalid("sip_domain", fmt.Sprintf("cannot change while the tenant has %d agents (their SIP digests use the domain)", agents))
	}
	setIf(&t.Name, p.Name)
	setIf(&t.SIPDomain, p.SIPDomain)
	setIf(&t.Language, p.Language)
	setIf(&t.TimeZone, p.TimeZone)
	setIf(&t.Quotas, p.Quotas)
	t.Name = strings.TrimSpace(t.Name)
	if err := validateTenant(t); err != nil {
		return t, err
	}
	if err := tenancy.CheckQuotas(t.Quotas, usage); err != nil {
		return t, err
	}
	t.UpdatedAt = s.nowUTC()
	_, err = tx.ExecContext(ctx, `UPDATE tenants SET name = $1, sip_domain = $2, language = $3, time_zone = $4,
		max_agents = $5, max_pstn_calls = $6, max_web_calls = $7, max_chats = $8, max_published_flows = $9,
		updated_at = $10 WHERE id = $11`,
		t.Name, t.SIPDomain, string(t.Language), t.TimeZone, t.Quotas.MaxAgents, t.Quotas.MaxPSTNCalls,
		t.Quotas.MaxWebCalls, t.Quotas.MaxChats, t.Quotas.MaxPublishedFlows, t.UpdatedAt, string(t.ID))
	if err != nil {
		return t, mapUnique(err, "tenant", map[string]string{"sip_domain": t.SIPDomain})
	}
	return t, nil
}

func setIf[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// lockedTenant reads a tenant, locking its row on PostgreSQL.
func (s *Store) lockedTenant(ctx context.Context, tx *sqlx.Tx, id tenancy.TenantID) (tenancy.Tenant, error) {
	query := `SELECT * FROM tenants WHERE id = $1`
	if s.postgres {
		query += ` FOR NO KEY UPDATE`
	}
	var r tenantRow
	err := tx.GetContext(ctx, &r, query, string(id))
	if errors.Is(err, sql.ErrNoRows) {
		return tenancy.Tenant{}, notFound("tenant", string(id))
	}
	if err != nil {
		return tenancy.Tenant{}, fmt.Errorf("store: lock tenant: %w", err)
	}
	return r.tenant(), nil
}

// SuspendTenant blocks every write in the tenant (users may still sign in and
// read; API keys are refused). Nothing is deleted.
func (s *Store) SuspendTenant(ctx context.Context, a Actor, id tenancy.TenantID) (tenancy.Tenant, error) {
	return s.transitionTenant(ctx, a, id, "suspend")
}

// ResumeTenant restores a suspended tenant.
func (s *Store) ResumeTenant(ctx context.Context, a Actor, id tenancy.TenantID) (tenancy.Tenant, error) {
	return s.transitionTenant(ctx, a, id, "resume")
}

// ArchiveTenant blocks all access to the tenant for good; its data is kept.
func (s *Store) ArchiveTenant(ctx context.Context, a Actor, id tenancy.TenantID) (tenancy.Tenant, error) {
	return s.transitionTenant(ctx, a, id, "archive")
}

func (s *Store) transitionTenant(ctx context.Context, a Actor, id tenancy.TenantID, action string) (tenancy.Tenant, error) {
	if err := id.Check(); err != nil {
		return tenancy.Tenant{}, err
	}
	var out tenancy.Tenant
	err := s.platformWrite(ctx, func(tx *sqlx.Tx) error {
		t, err := s.lockedTenant(ctx, tx, id)
		if err != nil {
			return err
		}
		next, err := tenancy.Transition(t.Status, action)
		if err != nil {
			return err
		}
		t.Status, t.UpdatedAt = next, s.nowUTC()
		if _, err := tx.ExecContext(ctx, `UPDATE tenants SET status = $1, updated_at = $2 WHERE id = $3`,
			string(next), t.UpdatedAt, string(id)); err != nil {
			return fmt.Errorf("store: %s tenant: %w", action, err)
		}
		out = t
		return s.audit(ctx, tx, a, change{id, action, "tenant", string(id), map[string]string{"status": string(next)}})
	})
	return out, err
}

// TenantUsage counts the stored resources quotas limit: agents and
// published flows. Live calls and chats are counted by orchestrator/admission.
func (s *Store) TenantUsage(ctx context.Context, id tenancy.TenantID) (tenancy.Usage, error) {
	var u tenancy.Usage
	err := s.tenantRead(ctx, id, func(db q) error {
		var err error
		u, err = storedUsage(ctx, db, id)
		return err
	})
	return u, err
}

func storedUsage(ctx context.Context, db q, tenant tenancy.TenantID) (tenancy.Usage, error) {
	agents, err := countAgents(ctx, db, tenant)
	if err != nil {
		return nil, err
	}
	flows, err := countPublishedFlows(ctx, db, tenant)
	if err != nil {
		return nil, err
	}
	return tenancy.Usage{tenancy.ResourceAgents: agents, tenancy.ResourcePublishedFlows: flows}, nil
}

func countAgents(ctx context.Context, db q, tenant tenancy.TenantID) (int, error) {
	var n int
	if err := db.GetContext(ctx, &n, `SELECT count(*) FROM agents WHERE tenant_id = $1`, string(tenant)); err != nil {
		return 0, fmt.Errorf("store: count agents: %w", err)
	}
	return n, nil
}
