package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/switchboard-cc/switchboard/tenancy"
)

// ActorKind says who made a change.
type ActorKind string

const (
	ActorUser   ActorKind = "user"
	ActorAPIKey ActorKind = "api_key"
	ActorSystem ActorKind = "system"
)

// ActorKinds lists who may appear as an audit entry's actor.
var ActorKinds = []ActorKind{ActorUser, ActorAPIKey, ActorSystem}

// Actor is who makes a change and from where. Every mutating method takes
// one and records it in the audit log inside the same transaction.
type Actor struct {
	Kind ActorKind
	ID   string // user or API key ID; empty for the system
	IP   string
}

// SystemActor is the controller acting on its own (migrations, recovery).
var SystemActor = Actor{Kind: ActorSystem}

func (a Actor) check() error {
	switch a.Kind {
	case ActorUser, ActorAPIKey:
		if a.ID == "" {
			return invalid("actor", "user or API key actor needs an ID")
		}
		return nil
	case ActorSystem:
		return nil
	}
	return invalid("actor", fmt.Sprintf("unknown actor kind %q", a.Kind))
}

// AuditEntry is one recorded change.
type AuditEntry struct {
	ID           string           `json:"id" db:"id"`
	TenantID     tenancy.TenantID `json:"tenant_id,omitempty" db:"tenant_id"`
	ActorKind    ActorKind        `json:"actor_kind" db:"actor_kind"`
	ActorID      string           `json:"actor_id" db:"actor_id"`
	Action       string           `json:"action" db:"action"`
	ResourceType string           `json:"resource_type" db:"resource_type"`
	ResourceID   string           `json:"resource_id" db:"resource_id"`
	Changes      json.RawMessage  `json:"changes" db:"changes"`
	IP           string           `json:"ip" db:"ip"`
	At           time.Time        `json:"at" db:"at"`
}

// auditRow is AuditEntry as stored (tenant nullable, changes as text).
type auditRow struct {
	ID           string    `db:"id"`
	TenantID     *string   `db:"tenant_id"`
	ActorKind    string    `db:"actor_kind"`
	ActorID      string    `db:"actor_id"`
	Action       string    `db:"action"`
	ResourceType string    `db:"resource_type"`
	ResourceID   string    `db:"resource_id"`
	Changes      string    `db:"changes"`
	IP           string    `db:"ip"`
	At           time.Time `db:"at"`
}

func (r auditRow) entry() AuditEntry {
	e := AuditEntry{ID: r.ID, ActorKind: ActorKind(r.ActorKind), ActorID: r.ActorID, Action: r.Action,
		ResourceType: r.ResourceType, ResourceID: r.ResourceID, Changes: json.RawMessage(r.Changes),
		IP: r.IP, At: r.At.UTC()}
	if r.TenantID != nil {
		e.TenantID = tenancy.TenantID(*r.TenantID)
	}
	return e
}

// AuditActions are the actions the audit log records, and the only ones
// it takes (audit refuses others, so the list cannot fall behind the code
// unnoticed): the store's changes, tenant transitions, flow publishing and
// list entries; sign-ins and the API's call control and phone modes
// (api/auth.go, api/callcontrol.go: "call." and the action).
var AuditActions = []string{
	"create", "update", "delete", "put", "revoke",
	"suspend", "resume", "archive",
	"publish", "set_alias", "add_entries", "delete_entry",
	"login", "agent.phone_mode", "agent.force_state",
	"call.hold", "call.unhold", "call.mute", "call.unmute", "call.hangup", "call.transfer",
	"call.consult", "call.consult_complete", "call.consult_cancel",
	"call.monitor_listen", "call.monitor_whisper", "call.monitor_barge", "call.dial",
}

// AuditResourceTypes are the kinds of resource an audit entry is about;
// audit refuses others.
var AuditResourceTypes = []string{
	"tenant", "platform_setting", "tenant_setting", "site", "node", "user", "api_key", "agent", "skill", "queue",
	"access_number", "flow", "flow_integrations", "list", "datasource", "prompt", "call",
}

// change describes one mutation for the audit log.
type change struct {
	tenant       tenancy.TenantID // zero for platform resources
	action       string           // create, update, delete, suspend...
	resourceType string
	resourceID   string
	changes      any // small JSON-able summary; never secrets
}

// audit appends one entry inside tx, so a failed change leaves no entry.
func (s *Store) audit(ctx context.Context, tx *sqlx.Tx, a Actor, c change) error {
	if err := a.check(); err != nil {
		return err
	}
	if !slices.Contains(AuditActions, c.action) || !slices.Contains(AuditResourceTypes, c.resourceType) {
		// a programming error: a new action or resource joins the lists
		return fmt.Errorf("store: audit %q on %q: not in AuditActions and AuditResourceTypes", c.action, c.resourceType)
	}
	body, err := json.Marshal(c.changes)
	if err != nil {
		return fmt.Errorf("store: audit changes: %w", err)
	}
	var tenant *string
	if !c.tenant.IsZero() {
		t := string(c.tenant)
		tenant = &t
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO audit_log
		(id, tenant_id, actor_kind, actor_id, action, resource_type, resource_id, changes, ip, at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		newID(), tenant, string(a.Kind), a.ID, c.action, c.resourceType, c.resourceID, string(body), a.IP, s.nowUTC())
	if err != nil {
		return fmt.Errorf("store: append audit: %w", err)
	}
	return nil
}

// AppendAudit records an event that is not a store change (sign-in, sign-out,
// failed authorization) for tenant (zero for platform events).
func (s *Store) AppendAudit(ctx context.Context, a Actor, tenant tenancy.TenantID, action, resourceType, resourceID string, changes any) error {
	return s.platformWrite(ctx, func(tx *sqlx.Tx) error {
		return s.audit(ctx, tx, a, change{tenant: tenant, action: action, resourceType: resourceType, resourceID: resourceID, changes: changes})
	})
}

// AuditFilter narrows an audit list; zero fields match everything.
type AuditFilter struct {
	ResourceType string
	ResourceID   string
	ActorID      string
	Since, Until time.Time
	// NewestFirst lists from the latest entry backwards (cursors then page
	// towards older entries).
	NewestFirst bool
}

func (f AuditFilter) where(args []any) (string, []any) {
	clause := ""
	add := func(cond string, v any) {
		args = append(args, v)
		clause += fmt.Sprintf(" AND %s $%d", cond, len(args))
	}
	if f.ResourceType != "" {
		add("resource_type =", f.ResourceType)
	}
	if f.ResourceID != "" {
		add("resource_id =", f.ResourceID)
	}
	if f.ActorID != "" {
		add("actor_id =", f.ActorID)
	}
	if !f.Since.IsZero() {
		add("at >=", f.Since.UTC())
	}
	if !f.Until.IsZero() {
		add("at <", f.Until.UTC())
	}
	return clause, args
}

// ListAudit lists tenant's audit entries, oldest first (tenant admins).
func (s *Store) ListAudit(ctx context.Context, tenant tenancy.TenantID, f AuditFilter, p Page) (List[AuditEntry], error) {
	var out List[AuditEntry]
	err := s.tenantRead(ctx, tenant, func(db q) error {
		var err error
		out, err = listAudit(ctx, db, "tenant_id = $1", []any{string(tenant)}, f, p)
		return err
	})
	return out, err
}

// ListAllAudit lists every audit entry, platform and tenants (platform admins).
func (s *Store) ListAllAudit(ctx context.Context, f AuditFilter, p Page) (List[AuditEntry], error) {
	var out List[AuditEntry]
	err := s.platformRead(ctx, func(db q) error {
		var err error
		out, err = listAudit(ctx, db, "1 = 1", nil, f, p)
		return err
	})
	return out, err
}

func listAudit(ctx context.Context, db q, scope string, args []any, f AuditFilter, p Page) (List[AuditEntry], error) {
	after, limit, err := p.keyset()
	if err != nil {
		return List[AuditEntry]{}, err
	}
	extra, args := f.where(args)
	order := "id"
	if f.NewestFirst {
		order = "id DESC"
	}
	if after != "" {
		args = append(args, after)
		op := ">"
		if f.NewestFirst {
			op = "<"
		}
		extra += fmt.Sprintf(" AND id %s $%d", op, len(args))
	}
	args = append(args, limit+1)
	query := fmt.Sprintf(`SELECT * FROM audit_log WHERE %s%s ORDER BY %s LIMIT $%d`, scope, extra, order, len(args))
	var rows []auditRow
	if err := db.SelectContext(ctx, &rows, query, args...); err != nil {
		return List[AuditEntry]{}, fmt.Errorf("store: list audit: %w", err)
	}
	entries := make([]AuditEntry, len(rows))
	for i, r := range rows {
		entries[i] = r.entry()
	}
	return pageOf(entries, limit, func(e AuditEntry) string { return e.ID }), nil
}

// newID returns a fresh UUIDv7.
func newID() string { return uuid.Must(uuid.NewV7()).String() }
