package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/switchboard-cc/switchboard/ivrflows"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// EntryKind says what an access number leads to.
type EntryKind string

const (
	EntryQueue EntryKind = "queue" // EntryAlias names a queue
	EntryFlow  EntryKind = "flow"  // EntryAlias names a published IVR flow
)

// EntryKinds lists what an access number may lead to.
var EntryKinds = []EntryKind{EntryQueue, EntryFlow}

// AccessNumber maps a dialled number (unique across the platform) to a
// tenant and its entry point.
type AccessNumber struct {
	ID          string           `json:"id" db:"id"`
	TenantID    tenancy.TenantID `json:"tenant_id" db:"tenant_id"`
	Number      string           `json:"number" db:"number"`
	EntryKind   EntryKind        `json:"entry_kind" db:"entry_kind"`
	EntryAlias  string           `json:"entry_alias" db:"entry_alias"`
	Description string           `json:"description" db:"description"`
	CreatedAt   time.Time        `json:"created_at" db:"created_at"`
	UpdatedAt   time.Time        `json:"updated_at" db:"updated_at"`
}

func (n AccessNumber) utc() AccessNumber {
	n.CreatedAt, n.UpdatedAt = n.CreatedAt.UTC(), n.UpdatedAt.UTC()
	return n
}

// AccessNumberInput creates or replaces an access number's fields.
type AccessNumberInput struct {
	Number      string    `json:"number" doc:"E.164: an optional + then 2 to 15 digits; unique across the platform, with or without +"`
	EntryKind   EntryKind `json:"entry_kind"`
	EntryAlias  string    `json:"entry_alias" doc:"entry_kind queue: the queue's name (or ID); flow: the flow's name, whose live version answers"`
	Description string    `json:"description" required:"false"`
}

// validate holds the input to tenancy's rules: the number (E.164: an
// optional '+' then 2 to 15 digits) and the entry alias (a queue's name or
// a flow's name, a name in any script).
func (in AccessNumberInput) validate() error {
	if err := tenancy.CheckNumber("number", in.Number); err != nil {
		return err
	}
	if !slices.Contains(EntryKinds, in.EntryKind) {
		return invalid("entry_kind", fmt.Sprintf("%q is not one of queue, flow", in.EntryKind))
	}
	return tenancy.CheckName("entry_alias", in.EntryAlias)
}

// checkEntry refuses an entry that names nothing of the tenant's: every call
// to the number would be refused as unallocated. A queue entry is the
// queue's name (the call path also takes its ID); a flow entry is the flow's
// name (its "id" in the document). The error lists the names the tenant
// has, so the caller can pick one. Run in the write's transaction; a queue
// or flow deleted by a concurrent transaction is caught by the call
// configuration builder, which lists the number as a configuration problem.
func checkEntry(ctx context.Context, tx *sqlx.Tx, tenant tenancy.TenantID, in AccessNumberInput) error {
	table, what := "queues", "queue"
	match := `(name = $2 OR id = $2)`
	if in.EntryKind == EntryFlow {
		table, what, match = "flows", "flow", `name = $2`
	}
	var n int
	if err := tx.GetContext(ctx, &n, `SELECT count(*) FROM `+table+` WHERE tenant_id = $1 AND `+match,
		string(tenant), in.EntryAlias); err != nil {
		return fmt.Errorf("store: access number entry: %w", err)
	}
	if n > 0 {
		return nil
	}
	var names []string
	if err := tx.SelectContext(ctx, &names, `SELECT name FROM `+table+` WHERE tenant_id = $1 ORDER BY name LIMIT $2`,
		string(tenant), maxNamesListed+1); err != nil {
		return fmt.Errorf("store: access number entry: %w", err)
	}
	return invalid("entry_alias", fmt.Sprintf("the tenant has no %s %q (%s)", what, in.EntryAlias, namesHint(what, names)))
}

// maxNamesListed bounds the names an error message lists.
const maxNamesListed = 20

// namesHint is "it has a, b, c" (at most maxNamesListed, then "..."), or
// says there are none yet.
func namesHint(what string, names []string) string {
	if len(names) == 0 {
		return "it has no " + what + "s yet: create the " + what + " first"
	}
	if len(names) > maxNamesListed {
		names = append(names[:maxNamesListed:maxNamesListed], "...")
	}
	return "it has " + strings.Join(names, ", ")
}

// numbersRouting lists the numbers of tenant whose entry of kind names one
// of aliases: what deleting or renaming that queue or flow would strand.
func numbersRouting(ctx context.Context, tx *sqlx.Tx, tenant tenancy.TenantID, kind EntryKind, aliases ...string) ([]string, error) {
	in, args := inList(3, aliases)
	var numbers []string
	err := tx.SelectContext(ctx, &numbers, `SELECT number FROM access_numbers WHERE tenant_id = $1 AND entry_kind = $2
		AND entry_alias IN (`+in+`) ORDER BY number`, append([]any{string(tenant), string(kind)}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("store: numbers routing to a %s: %w", kind, err)
	}
	return numbers, nil
}

// InUseError: access numbers still route calls to the queue or flow that
// was to be deleted or renamed; calls to them would find nothing. It
// matches ErrInUse, and ErrFlowInUse for a flow.
type InUseError struct {
	Resource string // "queue" or "flow"
	Name     string
	Numbers  []string
}

func (e *InUseError) Error() string {
	if len(e.Numbers) == 1 {
		return fmt.Sprintf("access number %s routes calls to %s %q; point it elsewhere first", e.Numbers[0], e.Resource, e.Name)
	}
	return fmt.Sprintf("access numbers %s route calls to %s %q; point them elsewhere first",
		strings.Join(e.Numbers, ", "), e.Resource, e.Name)
}

// Is makes errors.Is(err, ErrInUse) true, and ErrFlowInUse for a flow.
func (e *InUseError) Is(target error) bool {
	return target == ErrInUse || e.Resource == "flow" && target == ErrFlowInUse
}

// refuseInUse returns an *InUseError if numbers route to the resource.
func refuseInUse(resource, name string, numbers []string) error {
	if len(numbers) == 0 {
		return nil
	}
	return &InUseError{Resource: resource, Name: name, Numbers: numbers}
}

// checkTwin refuses a number that another access number (of any tenant)
// already is, written with or without '+' (tenancy.NumberKey): callers
// dialling either reach the same plan entry, so only one may exist. The
// *ConflictError names the number already there. Checked before the insert,
// so two concurrent writes of twins can both pass; the call configuration
// builder then keeps the older one and reports the other.
func (s *Store) checkTwin(ctx context.Context, number, exceptID string) error {
	key := tenancy.NumberKey(number)
	var found []string
	err := s.platformRead(ctx, func(db q) error {
		return db.SelectContext(ctx, &found, `SELECT number FROM access_numbers WHERE number IN ($1, $2) AND id <> $3
			ORDER BY number`, key, "+"+key, exceptID)
	})
	if err != nil {
		return err
	}
	if len(found) > 0 {
		return &ConflictError{Resource: "access number", Field: "number", Value: found[0]}
	}
	return nil
}

// CreateAccessNumber creates a number of tenant. A number already used by
// any tenant gives a *ConflictError for field number; an entry naming no
// queue or flow of the tenant's is invalid (field entry_alias).
func (s *Store) CreateAccessNumber(ctx context.Context, a Actor, tenant tenancy.TenantID, in AccessNumberInput) (AccessNumber, error) {
	if err := in.validate(); err != nil {
		return AccessNumber{}, err
	}
	if err := s.checkTwin(ctx, in.Number, ""); err != nil {
		return AccessNumber{}, err
	}
	now := s.nowUTC()
	n := AccessNumber{ID: newID(), TenantID: tenant, Number: in.Number, EntryKind: in.EntryKind,
		EntryAlias: in.EntryAlias, Description: in.Description, CreatedAt: now, UpdatedAt: now}
	err := s.tenantWrite(ctx, tenant, func(tx *sqlx.Tx) error {
		if err := checkEntry(ctx, tx, tenant, in); err != nil {
			return err
		}
		_, err := tx.NamedExecContext(ctx, `INSERT INTO access_numbers (id, tenant_id, number, entry_kind, entry_alias,
			description, created_at, updated_at) VALUES (:id, :tenant_id, :number, :entry_kind, :entry_alias,
			:description, :created_at, :updated_at)`, n)
		if err != nil {
			return mapUnique(err, "access number", map[string]string{"number": n.Number})
		}
		return s.audit(ctx, tx, a, change{tenant, "create", "access_number", n.ID, in})
	})
	return n, err
}

// UpdateAccessNumber replaces the fields of a number of tenant.
func (s *Store) UpdateAccessNumber(ctx context.Context, a Actor, tenant tenancy.TenantID, id string, in AccessNumberInput) (AccessNumber, error) {
	if err := in.validate(); err != nil {
		return AccessNumber{}, err
	}
	if err := s.checkTwin(ctx, in.Number, id); err != nil {
		return AccessNumber{}, err
	}
	err := s.tenantWrite(ctx, tenant, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE access_numbers SET number = $1, entry_kind = $2, entry_alias = $3,
			description = $4, updated_at = $5 WHERE id = $6 AND tenant_id = $7`,
			in.Number, string(in.EntryKind), in.EntryAlias, in.Description, s.nowUTC(), id, string(tenant))
		if err != nil {
			return mapUnique(err, "access number", map[string]string{"number": in.Number})
		}
		if err := mustAffect(res, nil, "access number", id); err != nil {
			return err // another tenant's number is not found, whatever the entry
		}
		if err := checkEntry(ctx, tx, tenant, in); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, change{tenant, "update", "access_number", id, in})
	})
	if err != nil {
		return AccessNumber{}, err
	}
	return s.GetAccessNumber(ctx, tenant, id)
}

// GetAccessNumber returns a number of tenant.
func (s *Store) GetAccessNumber(ctx context.Context, tenant tenancy.TenantID, id string) (AccessNumber, error) {
	var n AccessNumber
	err := s.tenantRead(ctx, tenant, func(db q) error {
		return db.GetContext(ctx, &n, `SELECT * FROM access_numbers WHERE id = $1 AND tenant_id = $2`, id, string(tenant))
	})
	if errors.Is(err, sql.ErrNoRows) {
		return AccessNumber{}, notFound("access number", id)
	}
	return n.utc(), err
}

// ListAccessNumbers lists tenant's numbers.
func (s *Store) ListAccessNumbers(ctx context.Context, tenant tenancy.TenantID, p Page) (List[AccessNumber], error) {
	return listTenant(ctx, s, tenant, p, "access_numbers", func(n AccessNumber) string { return n.ID }, AccessNumber.utc)
}

// DeleteAccessNumber deletes a number of tenant.
func (s *Store) DeleteAccessNumber(ctx context.Context, a Actor, tenant tenancy.TenantID, id string) error {
	return s.deleteTenantRow(ctx, a, tenant, "access_numbers", "access_number", id)
}

// ResolveAccessNumber finds which tenant and entry a dialled number reaches
// (platform scope: the call path does not know the tenant yet).
func (s *Store) ResolveAccessNumber(ctx context.Context, number string) (AccessNumber, error) {
	var n AccessNumber
	err := s.platformRead(ctx, func(db q) error {
		return db.GetContext(ctx, &n, `SELECT * FROM access_numbers WHERE number = $1`, number)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return AccessNumber{}, notFound("access number", number)
	}
	return n.utc(), err
}

// deleteTenantRow deletes one row of a tenant table and audits it.
func (s *Store) deleteTenantRow(ctx context.Context, a Actor, tenant tenancy.TenantID, table, resource, id string) error {
	return s.tenantWrite(ctx, tenant, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE id = $1 AND tenant_id = $2`, id, string(tenant))
		if err := mustAffect(res, err, resource, id); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, change{tenant, "delete", resource, id, nil})
	})
}

// FlowEntries maps each flow of tenant, by name (what an access number's
// flow entry names), to whether it has a live version (ivrflows.AliasLive):
// a call to a number routed to a flow without one is refused.
func (s *Store) FlowEntries(ctx context.Context, tenant tenancy.TenantID) (map[string]bool, error) {
	var rows []struct {
		Name string `db:"name"`
		Live bool   `db:"live"`
	}
	err := s.tenantRead(ctx, tenant, func(db q) error {
		return db.SelectContext(ctx, &rows, `SELECT f.name AS name, EXISTS (SELECT 1 FROM flow_aliases a
			WHERE a.flow_id = f.id AND a.tenant_id = f.tenant_id AND a.alias = $2) AS live
			FROM flows f WHERE f.tenant_id = $1`, string(tenant), ivrflows.AliasLive)
	})
	if err != nil {
		return nil, fmt.Errorf("store: flow entries: %w", err)
	}
	out := make(map[string]bool, len(rows))
	for _, r := range rows {
		out[r.Name] = r.Live
	}
	return out, nil
}
