package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jmoiron/sqlx"

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
// optional '+' then 2 to 15 digits) and the entry alias (a queue name or a
// flow alias, a name in any script).
func (in AccessNumberInput) validate() error {
	if err := tenancy.CheckNumber("number", in.Number); err != nil {
		return err
	}
	if !slices.Contains(EntryKinds, in.EntryKind) {
		return invalid("entry_kind", fmt.Sprintf("%q is not queue or flow", in.EntryKind))
	}
	return tenancy.CheckName("entry_alias", in.EntryAlias)
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
// any tenant gives a *ConflictError for field number.
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
