package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/switchboard-cc/switchboard/ivrflows"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// FlowVersion is a published, immutable version of a flow. Nothing updates
// a version row; publishing again makes the next number.
type FlowVersion struct {
	ID          string          `json:"id" db:"id"`
	FlowID      string          `json:"flow_id" db:"flow_id"`
	Number      int             `json:"number" db:"number"`
	Doc         json.RawMessage `json:"doc" db:"-"`
	DocText     string          `json:"-" db:"doc"`
	Valid       bool            `json:"valid" db:"valid"`
	PublishedBy string          `json:"published_by" db:"published_by"`
	PublishedAt time.Time       `json:"published_at" db:"published_at"`
	TenantID    string          `json:"-" db:"tenant_id"`
}

func (v FlowVersion) fix() FlowVersion {
	v.Doc = json.RawMessage(v.DocText)
	v.PublishedAt = v.PublishedAt.UTC()
	return v
}

// PublishInput is a draft that passed validation, as canonical JSON, and
// optionally an alias to point at the new version in the same transaction.
type PublishInput struct {
	Doc   json.RawMessage
	Alias string
}

var aliasRe = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,31}$`)

func checkAlias(alias string) error {
	if !aliasRe.MatchString(alias) {
		return invalid("alias", fmt.Sprintf("%q must be 1 to 32 lower-case letters, digits, - or _, starting with a letter", alias))
	}
	return nil
}

// PublishFlow freezes in.Doc as the flow's next version. A flow's first
// version counts against the tenant's max_published_flows quota (MT-2),
// checked inside the transaction with the tenant row locked (PostgreSQL) or
// writers serialised (SQLite): the one over gets *tenancy.OverQuotaError. A
// doc equal to the latest version gives ErrFlowUnchanged. The caller (api)
// has validated the doc; only valid documents are published.
func (s *Store) PublishFlow(ctx context.Context, a Actor, tenant tenancy.TenantID, flowID string, in PublishInput) (FlowVersion, error) {
	if len(in.Doc) == 0 || len(in.Doc) > ivrflows.MaxFlowBytes {
		return FlowVersion{}, invalid("doc", fmt.Sprintf("must be 1 to %d bytes", ivrflows.MaxFlowBytes))
	}
	if in.Alias != "" {
		if err := checkAlias(in.Alias); err != nil {
			return FlowVersion{}, err
		}
	}
	var v FlowVersion
	err := s.tenantWrite(ctx, tenant, func(tx *sqlx.Tx) error {
		if _, err := getFlowRow(ctx, tx, tenant, flowID); err != nil {
			return err
		}
		latest, err := latestVersion(ctx, tx, tenant, flowID)
		if err != nil {
			return err
		}
		if err := s.admitPublish(ctx, tx, tenant, latest, in.Doc); err != nil {
			return err
		}
		v = FlowVersion{ID: newID(), TenantID: string(tenant), FlowID: flowID, Number: latest.Number + 1,
			DocText: string(in.Doc), Valid: true, PublishedBy: a.ID, PublishedAt: s.nowUTC()}
		if _, err := tx.NamedExecContext(ctx, `INSERT INTO flow_versions (id, tenant_id, flow_id, number, doc, valid,
			published_by, published_at) VALUES (:id, :tenant_id, :flow_id, :number, :doc, :valid, :published_by, :published_at)`, v); err != nil {
			return mapUnique(err, "flow version", map[string]string{"number": strconv.Itoa(v.Number)})
		}
		if in.Alias != "" {
			if err := s.putAlias(ctx, tx, tenant, flowID, in.Alias, v.Number); err != nil {
				return err
			}
		}
		return s.audit(ctx, tx, a, change{tenant, "publish", "flow", flowID, map[string]any{"version": v.Number, "alias": in.Alias}})
	})
	if err != nil {
		return FlowVersion{}, err
	}
	return v.fix(), nil
}

// admitPublish refuses an unchanged doc, and a first version over quota.
func (s *Store) admitPublish(ctx context.Context, tx *sqlx.Tx, tenant tenancy.TenantID, latest FlowVersion, doc []byte) error {
	if latest.Number > 0 {
		if latest.DocText == string(doc) {
			return fmt.Errorf("%w (version %d)", ErrFlowUnchanged, latest.Number)
		}
		return nil
	}
	t, err := getTenant(ctx, tx, tenant)
	if err != nil {
		return err
	}
	n, err := countPublishedFlows(ctx, tx, tenant)
	if err != nil {
		return err
	}
	return tenancy.Admit(tenancy.ResourcePublishedFlows, n, t.Quotas.MaxPublishedFlows)
}

// latestVersion returns the flow's latest version, Number 0 when none.
func latestVersion(ctx context.Context, db q, tenant tenancy.TenantID, flowID string) (FlowVersion, error) {
	var v FlowVersion
	err := db.GetContext(ctx, &v, `SELECT * FROM flow_versions WHERE tenant_id = $1 AND flow_id = $2
		ORDER BY number DESC LIMIT 1`, string(tenant), flowID)
	if errors.Is(err, sql.ErrNoRows) {
		return FlowVersion{}, nil
	}
	if err != nil {
		return FlowVersion{}, fmt.Errorf("store: latest flow version: %w", err)
	}
	return v, nil
}

func countPublishedFlows(ctx context.Context, db q, tenant tenancy.TenantID) (int, error) {
	var n int
	if err := db.GetContext(ctx, &n, `SELECT count(DISTINCT flow_id) FROM flow_versions WHERE tenant_id = $1`,
		string(tenant)); err != nil {
		return 0, fmt.Errorf("store: count published flows: %w", err)
	}
	return n, nil
}

// PublishedFlows counts tenant's flows with at least one published version
// (the usage max_published_flows limits).
func (s *Store) PublishedFlows(ctx context.Context, tenant tenancy.TenantID) (int, error) {
	var n int
	err := s.tenantRead(ctx, tenant, func(db q) error {
		var err error
		n, err = countPublishedFlows(ctx, db, tenant)
		return err
	})
	return n, err
}

// GetFlowVersion returns version number of a flow of tenant.
func (s *Store) GetFlowVersion(ctx context.Context, tenant tenancy.TenantID, flowID string, number int) (FlowVersion, error) {
	var v FlowVersion
	err := s.tenantRead(ctx, tenant, func(db q) error {
		return db.GetContext(ctx, &v, `SELECT * FROM flow_versions WHERE tenant_id = $1 AND flow_id = $2 AND number = $3`,
			string(tenant), flowID, number)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return FlowVersion{}, notFound("flow version", fmt.Sprintf("%s/%d", flowID, number))
	}
	if err != nil {
		return FlowVersion{}, err
	}
	return v.fix(), nil
}

// ListFlowVersions lists a flow's versions, oldest first. An unknown flow
// (or another tenant's) is not found.
func (s *Store) ListFlowVersions(ctx context.Context, tenant tenancy.TenantID, flowID string, p Page) (List[FlowVersion], error) {
	after, limit, err := p.keyset()
	if err != nil {
		return List[FlowVersion]{}, err
	}
	var rows []FlowVersion
	err = s.tenantRead(ctx, tenant, func(db q) error {
		if _, err := getFlowRow(ctx, db, tenant, flowID); err != nil {
			return err
		}
		return db.SelectContext(ctx, &rows, `SELECT * FROM flow_versions WHERE tenant_id = $1 AND flow_id = $2
			AND id > $3 ORDER BY id LIMIT $4`, string(tenant), flowID, after, limit+1)
	})
	if err != nil {
		return List[FlowVersion]{}, err
	}
	for i := range rows {
		rows[i] = rows[i].fix()
	}
	return pageOf(rows, limit, func(v FlowVersion) string { return v.ID }), nil
}

// SetFlowAlias points alias at a published version: going live, or rolling
// back by pointing it at an earlier one. Returns the flow as it now is.
func (s *Store) SetFlowAlias(ctx context.Context, a Actor, tenant tenancy.TenantID, flowID, alias string, number int) (Flow, error) {
	if err := checkAlias(alias); err != nil {
		return Flow{}, err
	}
	err := s.tenantWrite(ctx, tenant, func(tx *sqlx.Tx) error {
		if _, err := getFlowRow(ctx, tx, tenant, flowID); err != nil {
			return err
		}
		if err := s.putAlias(ctx, tx, tenant, flowID, alias, number); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, change{tenant, "set_alias", "flow", flowID, map[string]any{"alias": alias, "version": number}})
	})
	if err != nil {
		return Flow{}, err
	}
	return s.GetFlow(ctx, tenant, flowID)
}

func (s *Store) putAlias(ctx context.Context, tx *sqlx.Tx, tenant tenancy.TenantID, flowID, alias string, number int) error {
	var n int
	if err := tx.GetContext(ctx, &n, `SELECT count(*) FROM flow_versions WHERE tenant_id = $1 AND flow_id = $2 AND number = $3`,
		string(tenant), flowID, number); err != nil {
		return fmt.Errorf("store: flow alias: %w", err)
	}
	if n == 0 {
		return invalid("version", fmt.Sprintf("flow has no published version %d", number))
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO flow_aliases (tenant_id, flow_id, alias, version, updated_at)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (flow_id, alias) DO UPDATE SET version = excluded.version,
		updated_at = excluded.updated_at`, string(tenant), flowID, alias, number, s.nowUTC())
	if err != nil {
		return fmt.Errorf("store: flow alias: %w", err)
	}
	return nil
}

// ResolveFlow returns the version alias of the flow named name points at:
// what a call to an access number routed to that flow runs.
func (s *Store) ResolveFlow(ctx context.Context, tenant tenancy.TenantID, name, alias string) (FlowVersion, error) {
	var v FlowVersion
	err := s.tenantRead(ctx, tenant, func(db q) error {
		return db.GetContext(ctx, &v, `SELECT v.* FROM flow_versions v
			JOIN flows f ON f.id = v.flow_id AND f.tenant_id = v.tenant_id
			JOIN flow_aliases a ON a.flow_id = v.flow_id AND a.version = v.number AND a.tenant_id = v.tenant_id
			WHERE v.tenant_id = $1 AND f.name = $2 AND a.alias = $3`, string(tenant), name, alias)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return FlowVersion{}, notFound("flow alias", name+"@"+alias)
	}
	if err != nil {
		return FlowVersion{}, err
	}
	return v.fix(), nil
}
