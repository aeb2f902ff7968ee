package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/switchboard-cc/switchboard/tenancy"
)

// Call-path records: agent state history, CDRs and recordings. They are
// written by the controller (no actor, no audit, allowed for suspended
// tenants whose calls are finishing) and read by reports.

// AgentStateChange is one transition "from -[event]-> to" of an agent.
type AgentStateChange struct {
	ID        string    `json:"id" db:"id"`
	AgentID   string    `json:"agent_id" db:"agent_id"`
	FromState string    `json:"from_state" db:"from_state"`
	ToState   string    `json:"to_state" db:"to_state"`
	Event     string    `json:"event" db:"event"`
	Reason    string    `json:"reason" db:"reason"`
	At        time.Time `json:"at" db:"at"`
}

// historyBatch bounds the rows of one INSERT (SQLite allows 32766
// variables). A variable so tests can cross batch boundaries cheaply.
var historyBatch = 500

// AppendAgentStates inserts a batch of transitions of tenant's agents in one
// transaction (all or none). IDs are generated when empty.
func (s *Store) AppendAgentStates(ctx context.Context, tenant tenancy.TenantID, changes []AgentStateChange) error {
	for i, c := range changes {
		if c.AgentID == "" || c.ToState == "" || c.At.IsZero() {
			return invalid("changes", fmt.Sprintf("row %d needs agent_id, to_state and at", i))
		}
	}
	return s.systemWrite(ctx, tenant, func(tx *sqlx.Tx) error {
		if err := s.insertRows(ctx, tx, stateInsert, len(changes), historyBatch, func(i int, args []any) []any {
			c := changes[i]
			id := c.ID
			if id == "" {
				id = newID()
			}
			return append(args, id, string(tenant), c.AgentID, c.FromState, c.ToState, c.Event, c.Reason,
				c.At.UTC().Truncate(time.Microsecond))
		}); err != nil {
			return fmt.Errorf("store: append agent states: %w", err)
		}
		return nil
	})
}

// insert is an INSERT of cols columns a row: head is the statement up to VALUES.
type insert struct {
	head string
	cols int
}

var stateInsert = insert{`INSERT INTO agent_state_history (id, tenant_id, agent_id, from_state, to_state, event, reason, at) VALUES `, 8}

// text is the statement for rows rows.
func (in insert) text(rows int) string {
	var b strings.Builder
	b.WriteString(in.head)
	for i := range rows {
		if i > 0 {
			b.WriteString(", ")
		}
		writeTuple(&b, i*in.cols+1, in.cols)
	}
	return b.String()
}

// insertRows inserts n rows in tx; rowArgs appends row i's values to args.
// On PostgreSQL a statement carries up to batch rows; on SQLite one
// prepared single-row statement runs per row (prepared.go says why). An
// error names no row; see insertRowsEach for one that does.
func (s *Store) insertRows(ctx context.Context, tx *sqlx.Tx, in insert, n, batch int, rowArgs func(i int, args []any) []any) error {
	return s.insertRowsEach(ctx, tx, in, n, batch, rowArgs, func(_, _ int, err error) error { return err })
}

// insertRowsEach is insertRows with fail mapping a failed statement's error:
// rows [from, to) were in it (one row on SQLite).
func (s *Store) insertRowsEach(ctx context.Context, tx *sqlx.Tx, in insert, n, batch int, rowArgs func(i int, args []any) []any,
	fail func(from, to int, err error) error) error {
	if !s.postgres {
		st, err := s.txStmt(ctx, tx, in.text(1))
		if err != nil {
			return err
		}
		args := make([]any, 0, in.cols)
		for i := range n {
			if _, err := st.ExecContext(ctx, rowArgs(i, args[:0])...); err != nil {
				return fail(i, i+1, err)
			}
		}
		return nil
	}
	for from := 0; from < n; from += batch {
		to := min(from+batch, n)
		args := make([]any, 0, (to-from)*in.cols)
		for i := from; i < to; i++ {
			args = rowArgs(i, args)
		}
		if _, err := tx.ExecContext(ctx, in.text(to-from), args...); err != nil {
			return fail(from, to, err)
		}
	}
	return nil
}

// HistoryFilter narrows history, CDR and recording lists; zero fields match all.
type HistoryFilter struct {
	AgentID      string
	QueueID      string // CDRs only
	CallID       string // CDRs and recordings
	Since, Until time.Time
	// OldestFirst lists CDRs in the order they were recorded; by default
	// they come newest first (what a person looking at calls wants).
	// Other lists are always oldest first.
	OldestFirst bool
}

// where builds " AND ..." for the given time column and the fields the table has.
func (f HistoryFilter) where(timeCol string, cols map[string]bool, args []any) (string, []any) {
	clause := ""
	add := func(cond string, v any) {
		args = append(args, v)
		clause += fmt.Sprintf(" AND %s $%d", cond, len(args))
	}
	if f.AgentID != "" && cols["agent_id"] {
		add("agent_id =", f.AgentID)
	}
	if f.QueueID != "" && cols["queue_id"] {
		add("queue_id =", f.QueueID)
	}
	if f.CallID != "" && cols["call_id"] {
		add("call_id =", f.CallID)
	}
	if !f.Since.IsZero() {
		add(timeCol+" >=", f.Since.UTC())
	}
	if !f.Until.IsZero() {
		add(timeCol+" <", f.Until.UTC())
	}
	return clause, args
}

// listFiltered pages a call-path table of tenant with a filter.
// Rows are in id (UUIDv7: recording) order, or its reverse with newestFirst;
// the cursor is the last id of a page either way.
func listFiltered[T any](ctx context.Context, s *Store, tenant tenancy.TenantID, table, timeCol string,
	cols map[string]bool, f HistoryFilter, p Page, newestFirst bool, id func(T) string, fix func(T) T) (List[T], error) {
	after, limit, err := p.keyset()
	if err != nil {
		return List[T]{}, err
	}
	extra, args := f.where(timeCol, cols, []any{string(tenant)})
	args = append(args, after, limit+1)
	cursor, order := fmt.Sprintf("id > $%d", len(args)-1), "id"
	if newestFirst {
		cursor, order = fmt.Sprintf("($%[1]d = '' OR id < $%[1]d)", len(args)-1), "id DESC"
	}
	query := fmt.Sprintf(`SELECT * FROM %s WHERE tenant_id = $1%s AND %s ORDER BY %s LIMIT $%d`,
		table, extra, cursor, order, len(args))
	var rows []T
	err = s.tenantRead(ctx, tenant, func(db q) error { return db.SelectContext(ctx, &rows, query, args...) })
	if err != nil {
		return List[T]{}, fmt.Errorf("store: list %s: %w", table, err)
	}
	for i := range rows {
		rows[i] = fix(rows[i])
	}
	return pageOf(rows, limit, id), nil
}

type stateRow struct {
	AgentStateChange
	TenantID string `db:"tenant_id"`
}

// ListAgentStates lists tenant's agent transitions in insertion order.
func (s *Store) ListAgentStates(ctx context.Context, tenant tenancy.TenantID, f HistoryFilter, p Page) (List[AgentStateChange], error) {
	l, err := listFiltered(ctx, s, tenant, "agent_state_history", "at", map[string]bool{"agent_id": true}, f, p, false,
		func(r stateRow) string { return r.ID }, func(r stateRow) stateRow { r.At = r.At.UTC(); return r })
	out := List[AgentStateChange]{Next: l.Next, Items: make([]AgentStateChange, len(l.Items))}
	for i, r := range l.Items {
		out.Items[i] = r.AgentStateChange
	}
	return out, err
}

// LatestAgentStates returns the last recorded transition of each of
// tenant's agents (latest at, then latest id), sorted by agent: what an ACD
// owner restores after a restart before resynchronising with the switches.
func (s *Store) LatestAgentStates(ctx context.Context, tenant tenancy.TenantID) ([]AgentStateChange, error) {
	var rows []stateRow
	err := s.tenantRead(ctx, tenant, func(db q) error {
		return db.SelectContext(ctx, &rows, `SELECT * FROM agent_state_history h WHERE h.tenant_id = $1
			AND h.id = (SELECT h2.id FROM agent_state_history h2 WHERE h2.tenant_id = $1 AND h2.agent_id = h.agent_id
				ORDER BY h2.at DESC, h2.id DESC LIMIT 1)
			ORDER BY h.agent_id`, string(tenant))
	})
	if err != nil {
		return nil, fmt.Errorf("store: latest agent states: %w", err)
	}
	out := make([]AgentStateChange, len(rows))
	for i, r := range rows {
		out[i] = r.AgentStateChange
		out[i].At = out[i].At.UTC()
	}
	return out, nil
}

// CDR is one call leg's detail record.
type CDR struct {
	ID           string           `json:"id" db:"id"`
	TenantID     tenancy.TenantID `json:"tenant_id" db:"tenant_id"`
	NodeID       string           `json:"node_id" db:"node_id"`
	CallID       string           `json:"call_id" db:"call_id"`
	Leg          string           `json:"leg" db:"leg"` // "caller", "agent", "transfer"...
	Caller       string           `json:"caller" db:"caller"`
	AccessNumber string           `json:"access_number" db:"access_number"`
	QueueID      string           `json:"queue_id" db:"queue_id"`
	AgentID      string           `json:"agent_id" db:"agent_id"`
	ArrivedAt    time.Time        `json:"arrived_at" db:"arrived_at"`
	QueuedAt     *time.Time       `json:"queued_at,omitempty" db:"queued_at"`
	OfferedAt    *time.Time       `json:"offered_at,omitempty" db:"offered_at"`
	AnsweredAt   *time.Time       `json:"answered_at,omitempty" db:"answered_at"`
	EndedAt      *time.Time       `json:"ended_at,omitempty" db:"ended_at"`
	// Disposition is how the leg ended: the closed set calls.Dispositions
	// (the enum tag, held to it by an api test, feeds the OpenAPI).
	Disposition    string `json:"disposition" db:"disposition" enum:"answered,abandoned,released,overflowed,transferred,self_service,refused_over_quota,refused_suspended,rejected_unknown,refused_not_allowed,failed,node_lost,caller_abandoned,cancelled"`
	HangupCause    string `json:"hangup_cause" db:"hangup_cause"`
	SIPHangupCause string `json:"sip_hangup_cause" db:"sip_hangup_cause"`
	RecordingPath  string `json:"recording_path" db:"recording_path"`
}

func (c CDR) utc() CDR {
	c.ArrivedAt = c.ArrivedAt.UTC()
	c.QueuedAt, c.OfferedAt, c.AnsweredAt, c.EndedAt = utcPtr(c.QueuedAt), utcPtr(c.OfferedAt), utcPtr(c.AnsweredAt), utcPtr(c.EndedAt)
	return c
}

func truncPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC().Truncate(time.Microsecond)
	return &u
}

// InsertCDR stores a CDR of tenant (ID generated when empty) and returns it.
func (s *Store) InsertCDR(ctx context.Context, tenant tenancy.TenantID, c CDR) (CDR, error) {
	out, err := s.InsertCDRs(ctx, tenant, []CDR{c})
	if err != nil {
		return CDR{}, err
	}
	return out[0], nil
}

// cdrBatch is how many CDRs one INSERT statement carries (18 parameters
// each, well under SQLite's and PostgreSQL's limits).
var cdrBatch = 200

// InsertCDRs stores CDRs of tenant in one transaction (IDs generated when
// empty) and returns them as stored: a writer that batches the call legs
// that ended together spends one transaction on them, not one each.
func (s *Store) InsertCDRs(ctx context.Context, tenant tenancy.TenantID, cs []CDR) ([]CDR, error) {
	return s.InsertCallRecords(ctx, tenant, nil, cs)
}

// InsertCallRecords stores recordings and CDRs of tenant in one transaction
// (all or none; IDs generated when empty) and returns the CDRs as stored.
func (s *Store) InsertCallRecords(ctx context.Context, tenant tenancy.TenantID, recs []Recording, cs []CDR) ([]CDR, error) {
	rs := make([]Recording, len(recs))
	for i, r := range recs {
		var err error
		if rs[i], err = r.stored(tenant); err != nil {
			return nil, err
		}
	}
	out := make([]CDR, len(cs))
	for i, c := range cs {
		if c.CallID == "" || c.ArrivedAt.IsZero() {
			return nil, invalid("cdr", fmt.Sprintf("row %d: call_id and arrived_at are required", i))
		}
		if c.ID == "" {
			c.ID = newID()
		}
		c.TenantID = tenant
		c.ArrivedAt = c.ArrivedAt.UTC().Truncate(time.Microsecond)
		c.QueuedAt, c.OfferedAt, c.AnsweredAt, c.EndedAt = truncPtr(c.QueuedAt), truncPtr(c.OfferedAt), truncPtr(c.AnsweredAt), truncPtr(c.EndedAt)
		out[i] = c
	}
	if len(out) == 0 && len(rs) == 0 {
		return out, nil
	}
	err := s.systemWrite(ctx, tenant, func(tx *sqlx.Tx) error {
		if err := s.insertRowsEach(ctx, tx, recordingInsert, len(rs), cdrBatch, func(i int, args []any) []any {
			r := rs[i]
			return append(args, r.ID, string(r.TenantID), r.CallID, r.NodeID, r.Path, r.StartedAt, r.DurationMS)
		}, func(from, to int, err error) error {
			if to-from == 1 {
				return mapUnique(err, "recording", map[string]string{"id": rs[from].ID})
			}
			return fmt.Errorf("store: insert recordings: %w", err)
		}); err != nil {
			return err
		}
		return s.insertRowsEach(ctx, tx, cdrInsert, len(out), cdrBatch, func(i int, args []any) []any {
			c := out[i]
			return append(args, c.ID, string(c.TenantID), c.NodeID, c.CallID, c.Leg, c.Caller, c.AccessNumber, c.QueueID, c.AgentID,
				c.ArrivedAt, c.QueuedAt, c.OfferedAt, c.AnsweredAt, c.EndedAt, c.Disposition, c.HangupCause, c.SIPHangupCause, c.RecordingPath)
		}, func(from, to int, err error) error {
			if to-from == 1 {
				return mapUnique(err, "CDR", map[string]string{"id": out[from].ID})
			}
			return fmt.Errorf("store: insert CDRs: %w", err)
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

var cdrInsert = insert{`INSERT INTO cdrs (id, tenant_id, node_id, call_id, leg, caller, access_number, queue_id, agent_id,
		arrived_at, queued_at, offered_at, answered_at, ended_at, disposition, hangup_cause, sip_hangup_cause, recording_path) VALUES `, 18}

// writeTuple writes one row of a multi-row INSERT's VALUES: n numbered
// placeholders from $first, in parentheses.
func writeTuple(b *strings.Builder, first, n int) {
	b.WriteByte('(')
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(first + i))
	}
	b.WriteByte(')')
}

// ListCDRs lists tenant's CDRs filtered by agent, queue, call and arrival
// time, newest recorded first unless f.OldestFirst.
func (s *Store) ListCDRs(ctx context.Context, tenant tenancy.TenantID, f HistoryFilter, p Page) (List[CDR], error) {
	return listFiltered(ctx, s, tenant, "cdrs", "arrived_at", map[string]bool{"agent_id": true, "queue_id": true, "call_id": true},
		f, p, !f.OldestFirst, func(c CDR) string { return c.ID }, CDR.utc)
}

// Recording is one recorded file of a call.
type Recording struct {
	ID         string           `json:"id" db:"id"`
	TenantID   tenancy.TenantID `json:"tenant_id" db:"tenant_id"`
	CallID     string           `json:"call_id" db:"call_id"`
	NodeID     string           `json:"node_id" db:"node_id"`
	Path       string           `json:"path" db:"path"`
	StartedAt  time.Time        `json:"started_at" db:"started_at"`
	DurationMS int64            `json:"duration_ms" db:"duration_ms"`
}

func (r Recording) utc() Recording {
	r.StartedAt = r.StartedAt.UTC()
	return r
}

// InsertRecording stores a recording of tenant (ID generated when empty).
func (s *Store) InsertRecording(ctx context.Context, tenant tenancy.TenantID, r Recording) (Recording, error) {
	r, err := r.stored(tenant)
	if err != nil {
		return Recording{}, err
	}
	if _, err := s.InsertCallRecords(ctx, tenant, []Recording{r}, nil); err != nil {
		return Recording{}, err
	}
	return r, nil
}

// stored is r as InsertCallRecords stores it for tenant, or why it cannot be.
func (r Recording) stored(tenant tenancy.TenantID) (Recording, error) {
	if r.CallID == "" || r.Path == "" || r.StartedAt.IsZero() || r.DurationMS < 0 {
		return Recording{}, invalid("recording", "call_id, path and started_at are required; duration_ms >= 0")
	}
	if r.ID == "" {
		r.ID = newID()
	}
	r.TenantID, r.StartedAt = tenant, r.StartedAt.UTC().Truncate(time.Microsecond)
	return r, nil
}

var recordingInsert = insert{`INSERT INTO recordings (id, tenant_id, call_id, node_id, path, started_at, duration_ms) VALUES `, 7}

// ListRecordings lists tenant's recordings filtered by call and start time.
func (s *Store) ListRecordings(ctx context.Context, tenant tenancy.TenantID, f HistoryFilter, p Page) (List[Recording], error) {
	return listFiltered(ctx, s, tenant, "recordings", "started_at", map[string]bool{"call_id": true},
		f, p, false, func(r Recording) string { return r.ID }, Recording.utc)
}
