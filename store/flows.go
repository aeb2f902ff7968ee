package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/switchboard-cc/switchboard/ivrflows"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// IVR flows (issue 6): a flow is a draft the tenant edits, plus immutable
// numbered versions frozen by publishing, plus aliases ("live") that access
// numbers and queue overflows follow. The store keeps documents and the
// verdict of the validation api ran; parsing and compiling are ivrflows'.

// Errors of the flow methods (api maps them to 409).
var (
	// ErrFlowUnchanged: the draft equals the latest published version.
	ErrFlowUnchanged = errors.New("draft is the same as the latest published version")
	// ErrFlowInUse: an access number still routes calls to the flow.
	ErrFlowInUse = errors.New("flow is in use")
)

// Flow is a tenant's IVR flow. Name is the flow document's "id": other flows
// and access numbers refer to the flow by it.
type Flow struct {
	ID          string                     `json:"id"`
	TenantID    tenancy.TenantID           `json:"tenant_id"`
	Name        string                     `json:"name"`
	Draft       json.RawMessage            `json:"draft"`
	DraftValid  bool                       `json:"draft_valid"`
	DraftErrors []ivrflows.ValidationError `json:"draft_errors"`
	// Latest is the number of the latest published version, 0 when none.
	Latest    int            `json:"latest_version"`
	Aliases   map[string]int `json:"aliases"`
	CreatedAt time.Time      `json:"created_at"`
	UpdatedAt time.Time      `json:"updated_at"`
}

// FlowDraft is a draft to save, with the verdict of validating it against
// the tenant's catalog (a draft may be saved invalid).
type FlowDraft struct {
	Name   string
	Doc    json.RawMessage
	Errors []ivrflows.ValidationError // empty: valid
}

type flowRow struct {
	ID          string    `db:"id"`
	TenantID    string    `db:"tenant_id"`
	Name        string    `db:"name"`
	Draft       string    `db:"draft"`
	DraftValid  bool      `db:"draft_valid"`
	DraftErrors string    `db:"draft_errors"`
	CreatedAt   time.Time `db:"created_at"`
	UpdatedAt   time.Time `db:"updated_at"`
}

func (r flowRow) flow() Flow {
	f := Flow{ID: r.ID, TenantID: tenancy.TenantID(r.TenantID), Name: r.Name, Draft: json.RawMessage(r.Draft),
		DraftValid: r.DraftValid, DraftErrors: []ivrflows.ValidationError{}, Aliases: map[string]int{},
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	_ = json.Unmarshal([]byte(r.DraftErrors), &f.DraftErrors) // written by this file; never malformed
	return f
}

func (d FlowDraft) validate() error {
	if n := len(d.Name); n == 0 || n > 100 {
		return invalid("id", "the flow document needs an id of 1 to 100 characters")
	}
	if len(d.Doc) == 0 || len(d.Doc) > ivrflows.MaxFlowBytes {
		return invalid("draft", fmt.Sprintf("must be 1 to %d bytes", ivrflows.MaxFlowBytes))
	}
	return nil
}

func (d FlowDraft) errorsText() string {
	if len(d.Errors) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(d.Errors) // plain strings: cannot fail
	return string(b)
}

// CreateFlow saves a new flow with its first draft; names are unique per tenant.
func (s *Store) CreateFlow(ctx context.Context, a Actor, tenant tenancy.TenantID, d FlowDraft) (Flow, error) {
	if err := d.validate(); err != nil {
		return Flow{}, err
	}
	now := s.nowUTC()
	r := flowRow{ID: newID(), TenantID: string(tenant), Name: d.Name, Draft: string(d.Doc), DraftValid: len(d.Errors) == 0,
		DraftErrors: d.errorsText(), CreatedAt: now, UpdatedAt: now}
	err := s.tenantWrite(ctx, tenant, func(tx *sqlx.Tx) error {
		_, err := tx.NamedExecContext(ctx, `INSERT INTO flows (id, tenant_id, name, draft, draft_valid, draft_errors,
			created_at, updated_at) VALUES (:id, :tenant_id, :name, :draft, :draft_valid, :draft_errors, :created_at, :updated_at)`, r)
		if err != nil {
			return mapUnique(err, "flow", map[string]string{"name": d.Name})
		}
		return s.audit(ctx, tx, a, change{tenant, "create", "flow", r.ID, map[string]any{"name": d.Name, "valid": r.DraftValid}})
	})
	if err != nil {
		return Flow{}, err
	}
	return r.flow(), nil
}

// SaveFlowDraft replaces a flow's draft. The name cannot change: d.Name must
// be the flow's (a renamed document is another flow).
func (s *Store) SaveFlowDraft(ctx context.Context, a Actor, tenant tenancy.TenantID, id string, d FlowDraft) (Flow, error) {
	if err := d.validate(); err != nil {
		return Flow{}, err
	}
	err := s.tenantWrite(ctx, tenant, func(tx *sqlx.Tx) error {
		cur, err := getFlowRow(ctx, tx, tenant, id)
		if err != nil {
			return err
		}
		if cur.Name != d.Name {
			return invalid("id", fmt.Sprintf("the document's id %q is not this flow's id %q", d.Name, cur.Name))
		}
		_, err = tx.ExecContext(ctx, `UPDATE flows SET draft = $1, draft_valid = $2, draft_errors = $3, updated_at = $4
			WHERE id = $5 AND tenant_id = $6`, string(d.Doc), len(d.Errors) == 0, d.errorsText(), s.nowUTC(), id, string(tenant))
		if err != nil {
			return fmt.Errorf("store: save flow draft: %w", err)
		}
		return s.audit(ctx, tx, a, change{tenant, "update", "flow", id, map[string]any{"valid": len(d.Errors) == 0}})
	})
	if err != nil {
		return Flow{}, err
	}
	return s.GetFlow(ctx, tenant, id)
}

// GetFlow returns a flow of tenant with its latest version and aliases.
func (s *Store) GetFlow(ctx context.Context, tenant tenancy.TenantID, id string) (Flow, error) {
	var f Flow
	err := s.tenantRead(ctx, tenant, func(db q) error {
		r, err := getFlowRow(ctx, db, tenant, id)
		if err != nil {
			return err
		}
		f = r.flow()
		return fillFlows(ctx, db, tenant, []*Flow{&f})
	})
	return f, err
}

func getFlowRow(ctx context.Context, db q, tenant tenancy.TenantID, id string) (flowRow, error) {
	var r flowRow
	err := db.GetContext(ctx, &r, `SELECT * FROM flows WHERE id = $1 AND tenant_id = $2`, id, string(tenant))
	if errors.Is(err, sql.ErrNoRows) {
		return flowRow{}, notFound("flow", id)
	}
	if err != nil {
		return flowRow{}, fmt.Errorf("store: get flow: %w", err)
	}
	return r, nil
}

// fillFlows sets Latest and Aliases of fs (one query each for the page).
func fillFlows(ctx context.Context, db q, tenant tenancy.TenantID, fs []*Flow) error {
	if len(fs) == 0 {
		return nil
	}
	byID := map[string]*Flow{}
	ids := make([]string, len(fs))
	for i, f := range fs {
		byID[f.ID], ids[i] = f, f.ID
	}
	in, args := inList(2, ids)
	args = append([]any{string(tenant)}, args...)
	var latest []struct {
		FlowID string `db:"flow_id"`
		N      int    `db:"n"`
	}
	if err := db.SelectContext(ctx, &latest, `SELECT flow_id, max(number) AS n FROM flow_versions
		WHERE tenant_id = $1 AND flow_id IN (`+in+`) GROUP BY flow_id`, args...); err != nil {
		return fmt.Errorf("store: flow versions: %w", err)
	}
	for _, l := range latest {
		byID[l.FlowID].Latest = l.N
	}
	var aliases []struct {
		FlowID  string `db:"flow_id"`
		Alias   string `db:"alias"`
		Version int    `db:"version"`
	}
	if err := db.SelectContext(ctx, &aliases, `SELECT flow_id, alias, version FROM flow_aliases
		WHERE tenant_id = $1 AND flow_id IN (`+in+`)`, args...); err != nil {
		return fmt.Errorf("store: flow aliases: %w", err)
	}
	for _, al := range aliases {
		byID[al.FlowID].Aliases[al.Alias] = al.Version
	}
	return nil
}

// inList renders "$first, $first+1, ..." for values.
func inList(first int, values []string) (string, []any) {
	ph := make([]string, len(values))
	args := make([]any, len(values))
	for i, v := range values {
		ph[i] = fmt.Sprintf("$%d", first+i)
		args[i] = v
	}
	return strings.Join(ph, ", "), args
}

// ListFlows lists tenant's flows.
func (s *Store) ListFlows(ctx context.Context, tenant tenancy.TenantID, p Page) (List[Flow], error) {
	after, limit, err := p.keyset()
	if err != nil {
		return List[Flow]{}, err
	}
	var out []Flow
	err = s.tenantRead(ctx, tenant, func(db q) error {
		var rows []flowRow
		if err := db.SelectContext(ctx, &rows, `SELECT * FROM flows WHERE tenant_id = $1 AND id > $2 ORDER BY id LIMIT $3`,
			string(tenant), after, limit+1); err != nil {
			return fmt.Errorf("store: list flows: %w", err)
		}
		out = make([]Flow, len(rows))
		ptrs := make([]*Flow, len(rows))
		for i, r := range rows {
			out[i] = r.flow()
			ptrs[i] = &out[i]
		}
		return fillFlows(ctx, db, tenant, ptrs)
	})
	if err != nil {
		return List[Flow]{}, err
	}
	return pageOf(out, limit, func(f Flow) string { return f.ID }), nil
}

// DeleteFlow deletes a flow with its versions and aliases. A flow access
// numbers route to is refused (*InUseError, matching ErrFlowInUse, naming
// them): calls would find nothing.
func (s *Store) DeleteFlow(ctx context.Context, a Actor, tenant tenancy.TenantID, id string) error {
	return s.tenantWrite(ctx, tenant, func(tx *sqlx.Tx) error {
		r, err := getFlowRow(ctx, tx, tenant, id)
		if err != nil {
			return err
		}
		numbers, err := numbersRouting(ctx, tx, tenant, EntryFlow, r.Name)
		if err != nil {
			return err
		}
		if err := refuseInUse("flow", r.Name, numbers); err != nil {
			return err
		}
		for _, table := range []string{"flow_aliases", "flow_versions", "flows"} {
			col := "flow_id"
			if table == "flows" {
				col = "id"
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE tenant_id = $1 AND `+col+` = $2`,
				string(tenant), id); err != nil {
				return fmt.Errorf("store: delete flow: %w", err)
			}
		}
		return s.audit(ctx, tx, a, change{tenant, "delete", "flow", id, map[string]string{"name": r.Name}})
	})
}
