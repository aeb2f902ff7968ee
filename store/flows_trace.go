package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/switchboard-cc/switchboard/ivrflows"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// Live flow traces (IVR-17): every node a call passes, when, its exit and the
// variables it set. The call session appends them in batches; like CDRs they
// have no actor or audit and are accepted for suspended tenants' calls.

// FlowTraceBatch is a run of trace entries of one call in one flow version.
type FlowTraceBatch struct {
	CallID  string
	FlowID  string
	Version int
	Entries []ivrflows.TraceEntry
}

// TraceStep is one stored trace entry.
type TraceStep struct {
	ID        string               `json:"id"`
	CallID    string               `json:"call_id"`
	FlowID    string               `json:"flow_id"`
	Version   int                  `json:"version"`
	Node      string               `json:"node"`
	NodeType  string               `json:"node_type"`
	Exit      string               `json:"exit,omitempty"`
	Set       []ivrflows.VarChange `json:"set,omitempty"`
	Error     string               `json:"error,omitempty"`
	EnteredAt time.Time            `json:"entered_at"`
	LeftAt    time.Time            `json:"left_at"`
}

type traceRow struct {
	ID        string    `db:"id"`
	TenantID  string    `db:"tenant_id"`
	CallID    string    `db:"call_id"`
	FlowID    string    `db:"flow_id"`
	Version   int       `db:"version"`
	Node      string    `db:"node"`
	NodeType  string    `db:"node_type"`
	Exit      string    `db:"exit_name"`
	Changes   string    `db:"changes"`
	Error     string    `db:"error"`
	EnteredAt time.Time `db:"entered_at"`
	LeftAt    time.Time `db:"left_at"`
}

func (r traceRow) step() TraceStep {
	st := TraceStep{ID: r.ID, CallID: r.CallID, FlowID: r.FlowID, Version: r.Version, Node: r.Node, NodeType: r.NodeType,
		Exit: r.Exit, Error: r.Error, EnteredAt: r.EnteredAt.UTC(), LeftAt: r.LeftAt.UTC()}
	_ = json.Unmarshal([]byte(r.Changes), &st.Set) // written by insertTrace; never malformed
	return st
}

func (b FlowTraceBatch) validate() error {
	if b.CallID == "" || len(b.CallID) > 128 || b.FlowID == "" || b.Version < 0 {
		return invalid("trace", "a batch needs call_id (at most 128 characters), flow_id and a version >= 0")
	}
	for i, e := range b.Entries {
		if e.Node == "" || e.Entered.IsZero() {
			return invalid("trace", fmt.Sprintf("entry %d needs node and entered", i))
		}
	}
	return nil
}

// AppendFlowTrace stores a batch of trace entries in one transaction (all
// or none), in order. Version 0 is a draft test run.
func (s *Store) AppendFlowTrace(ctx context.Context, tenant tenancy.TenantID, b FlowTraceBatch) error {
	if err := b.validate(); err != nil {
		return err
	}
	return s.systemWrite(ctx, tenant, func(tx *sqlx.Tx) error {
		for start := 0; start < len(b.Entries); start += historyBatch {
			if err := insertTrace(ctx, tx, tenant, b, b.Entries[start:min(start+historyBatch, len(b.Entries))]); err != nil {
				return err
			}
		}
		return nil
	})
}

const traceCols = 12

func insertTrace(ctx context.Context, tx *sqlx.Tx, tenant tenancy.TenantID, b FlowTraceBatch, entries []ivrflows.TraceEntry) error {
	var sb strings.Builder
	sb.WriteString(`INSERT INTO flow_traces (id, tenant_id, call_id, flow_id, version, node, node_type, exit_name,
		changes, error, entered_at, left_at) VALUES `)
	args := make([]any, 0, len(entries)*traceCols)
	for i, e := range entries {
		if i > 0 {
			sb.WriteString(", ")
		}
		writeTuple(&sb, len(args)+1, traceCols)
		changes, err := json.Marshal(orEmpty(e.Set))
		if err != nil {
			return invalid("trace", fmt.Sprintf("entry %d: variables are not JSON: %v", i, err))
		}
		left := e.Left
		if left.IsZero() {
			left = e.Entered
		}
		args = append(args, newID(), string(tenant), b.CallID, b.FlowID, b.Version, e.Node, string(e.Type), e.Exit,
			string(changes), e.Error, e.Entered.UTC().Truncate(time.Microsecond), left.UTC().Truncate(time.Microsecond))
	}
	if _, err := tx.ExecContext(ctx, sb.String(), args...); err != nil {
		return fmt.Errorf("store: append flow trace: %w", err)
	}
	return nil
}

// ListCallTrace lists the trace of one call of tenant, in the order recorded.
func (s *Store) ListCallTrace(ctx context.Context, tenant tenancy.TenantID, callID string, p Page) (List[TraceStep], error) {
	after, limit, err := p.keyset()
	if err != nil {
		return List[TraceStep]{}, err
	}
	var rows []traceRow
	err = s.tenantRead(ctx, tenant, func(db q) error {
		return db.SelectContext(ctx, &rows, `SELECT * FROM flow_traces WHERE tenant_id = $1 AND call_id = $2 AND id > $3
			ORDER BY id LIMIT $4`, string(tenant), callID, after, limit+1)
	})
	if err != nil {
		return List[TraceStep]{}, fmt.Errorf("store: list call trace: %w", err)
	}
	steps := make([]TraceStep, len(rows))
	for i, r := range rows {
		steps[i] = r.step()
	}
	return pageOf(steps, limit, func(st TraceStep) string { return st.ID }), nil
}

// TraceSummary is one call's passage through one flow version.
type TraceSummary struct {
	CallID    string    `json:"call_id" db:"call_id"`
	FlowID    string    `json:"flow_id" db:"flow_id"`
	Version   int       `json:"version" db:"version"`
	Steps     int       `json:"steps" db:"steps"`
	StartedAt time.Time `json:"started_at" db:"-"`
	EndedAt   time.Time `json:"ended_at" db:"-"`
	FirstID   string    `json:"-" db:"first_id"`
	Started   aggTime   `json:"-" db:"started_at"`
	Ended     aggTime   `json:"-" db:"ended_at"`
}

// aggTime scans min()/max() of a TIMESTAMP column: PostgreSQL returns a
// time, SQLite the stored text (an aggregate has no declared type).
type aggTime struct{ t time.Time }

var aggLayouts = []string{"2006-01-02 15:04:05.999999999-07:00", time.RFC3339Nano, "2006-01-02 15:04:05.999999999 -0700 MST"}

func (a *aggTime) Scan(v any) error {
	switch x := v.(type) {
	case time.Time:
		a.t = x
		return nil
	case []byte:
		return a.Scan(string(x))
	case string:
		for _, l := range aggLayouts {
			if t, err := time.Parse(l, x); err == nil {
				a.t = t
				return nil
			}
		}
	}
	return fmt.Errorf("store: cannot read %T %v as a time", v, v)
}

// TraceFilter narrows ListFlowTraces; zero fields match everything.
type TraceFilter struct {
	FlowID string
	CallID string
}

// ListFlowTraces lists tenant's traced calls (one row per call and flow
// version), oldest first.
func (s *Store) ListFlowTraces(ctx context.Context, tenant tenancy.TenantID, f TraceFilter, p Page) (List[TraceSummary], error) {
	after, limit, err := p.keyset()
	if err != nil {
		return List[TraceSummary]{}, err
	}
	args := []any{string(tenant)}
	where := ""
	for col, v := range map[string]string{"flow_id": f.FlowID, "call_id": f.CallID} {
		if v != "" {
			args = append(args, v)
			where += fmt.Sprintf(" AND %s = $%d", col, len(args))
		}
	}
	args = append(args, after, limit+1)
	query := fmt.Sprintf(`SELECT call_id, flow_id, version, count(*) AS steps, min(entered_at) AS started_at,
		max(left_at) AS ended_at, min(id) AS first_id FROM flow_traces WHERE tenant_id = $1%s
		GROUP BY call_id, flow_id, version HAVING min(id) > $%d ORDER BY min(id) LIMIT $%d`, where, len(args)-1, len(args))
	var rows []TraceSummary
	err = s.tenantRead(ctx, tenant, func(db q) error { return db.SelectContext(ctx, &rows, query, args...) })
	if err != nil {
		return List[TraceSummary]{}, fmt.Errorf("store: list flow traces: %w", err)
	}
	for i := range rows {
		rows[i].StartedAt, rows[i].EndedAt = rows[i].Started.t.UTC(), rows[i].Ended.t.UTC()
	}
	return pageOf(rows, limit, func(t TraceSummary) string { return t.FirstID }), nil
}

// PruneFlowTraces deletes every tenant's trace entries that ended before
// before (retention; run by a scheduled job). It returns how many went.
func (s *Store) PruneFlowTraces(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := s.platformWrite(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM flow_traces WHERE left_at < $1`, before.UTC().Truncate(time.Microsecond))
		if err != nil {
			return fmt.Errorf("store: prune flow traces: %w", err)
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}
