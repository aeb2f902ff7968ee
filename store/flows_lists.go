package store

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/switchboard-cc/switchboard/tenancy"
)

// Tenant lists (blacklist, VIP...: OPS-3, OPS-4): lookup nodes check a key,
// by default the caller number, against them. A list exists when the
// tenant's flow integrations declare it; its entries live here.

// ListEntry is one value of a tenant list.
type ListEntry struct {
	ID        string    `json:"id" db:"id"`
	List      string    `json:"list" db:"list_name"`
	Value     string    `json:"value" db:"value"`
	Note      string    `json:"note,omitempty" db:"note"`
	CreatedAt time.Time `json:"created_at" db:"created_at"`
	TenantID  string    `json:"-" db:"tenant_id"`
}

// ListEntryInput adds one value to a list.
type ListEntryInput struct {
	Value string `json:"value"`
	Note  string `json:"note,omitempty"`
}

// MaxListBatch bounds the entries of one AddListEntries call.
const MaxListBatch = 1000

func checkEntries(in []ListEntryInput) error {
	if len(in) == 0 || len(in) > MaxListBatch {
		return invalid("entries", fmt.Sprintf("give 1 to %d entries", MaxListBatch))
	}
	for i, e := range in {
		if n := len(e.Value); n == 0 || n > 64 {
			return invalid("entries", fmt.Sprintf("entry %d: value must be 1 to 64 characters", i+1))
		}
		if len(e.Note) > 200 {
			return invalid("entries", fmt.Sprintf("entry %d: note must be at most 200 characters", i+1))
		}
	}
	return nil
}

// declaredList fails with "not found" unless tenant's integrations declare list.
func declaredList(ctx context.Context, db q, tenant tenancy.TenantID, list string) error {
	integ, err := readIntegrations(ctx, db, tenant) // lists only: endpoint headers stay sealed
	if err != nil {
		return err
	}
	if !slices.Contains(integ.Lists, list) {
		return notFound("list", list)
	}
	return nil
}

// AddListEntries adds values to a declared list; values already there are
// left alone. It returns how many were new.
func (s *Store) AddListEntries(ctx context.Context, a Actor, tenant tenancy.TenantID, list string, in []ListEntryInput) (int, error) {
	added := 0
	err := s.tenantWrite(ctx, tenant, func(tx *sqlx.Tx) error {
		if err := declaredList(ctx, tx, tenant, list); err != nil {
			return err // first: another tenant's list is "not found" whatever the body
		}
		if err := checkEntries(in); err != nil {
			return err
		}
		now := s.nowUTC()
		values := make([]string, 0, len(in))
		for _, e := range in {
			res, err := tx.ExecContext(ctx, `INSERT INTO flow_list_entries (id, tenant_id, list_name, value, note, created_at)
				VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (tenant_id, list_name, value) DO NOTHING`,
				newID(), string(tenant), list, e.Value, e.Note, now)
			if err != nil {
				return fmt.Errorf("store: add list entry: %w", err)
			}
			if n, _ := res.RowsAffected(); n > 0 {
				added++
				values = append(values, e.Value)
			}
		}
		return s.audit(ctx, tx, a, change{tenant, "add_entries", "list", list, map[string]any{"values": values}})
	})
	return added, err
}

// DeleteListEntry removes a value from a list.
func (s *Store) DeleteListEntry(ctx context.Context, a Actor, tenant tenancy.TenantID, list, value string) error {
	return s.tenantWrite(ctx, tenant, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM flow_list_entries WHERE tenant_id = $1 AND list_name = $2 AND value = $3`,
			string(tenant), list, value)
		if err := mustAffect(res, err, "list entry", value); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, change{tenant, "delete_entry", "list", list, map[string]string{"value": value}})
	})
}

// ListContains reports whether key is in tenant's list (the call path's
// lookup; an undeclared list contains nothing).
func (s *Store) ListContains(ctx context.Context, tenant tenancy.TenantID, list, key string) (bool, error) {
	var n int
	err := s.tenantRead(ctx, tenant, func(db q) error {
		return db.GetContext(ctx, &n, `SELECT count(*) FROM flow_list_entries WHERE tenant_id = $1 AND list_name = $2 AND value = $3`,
			string(tenant), list, key)
	})
	if err != nil {
		return false, fmt.Errorf("store: list lookup: %w", err)
	}
	return n > 0, nil
}

// ListListEntries pages a declared list's entries, oldest first.
func (s *Store) ListListEntries(ctx context.Context, tenant tenancy.TenantID, list string, p Page) (List[ListEntry], error) {
	after, limit, err := p.keyset()
	if err != nil {
		return List[ListEntry]{}, err
	}
	var rows []ListEntry
	err = s.tenantRead(ctx, tenant, func(db q) error {
		if err := declaredList(ctx, db, tenant, list); err != nil {
			return err
		}
		return db.SelectContext(ctx, &rows, `SELECT * FROM flow_list_entries WHERE tenant_id = $1 AND list_name = $2
			AND id > $3 ORDER BY id LIMIT $4`, string(tenant), list, after, limit+1)
	})
	if err != nil {
		return List[ListEntry]{}, err
	}
	for i := range rows {
		rows[i].CreatedAt = rows[i].CreatedAt.UTC()
	}
	return pageOf(rows, limit, func(e ListEntry) string { return e.ID }), nil
}

// SurveyScore is one answer to a post-call survey question (OPS-6).
type SurveyScore struct {
	ID       string    `json:"id" db:"id"`
	CallID   string    `json:"call_id" db:"call_id"`
	FlowID   string    `json:"flow_id" db:"flow_id"`
	Version  int       `json:"version" db:"version"`
	AgentID  string    `json:"agent_id" db:"agent_id"`
	Question string    `json:"question" db:"question"`
	Score    int       `json:"score" db:"score"`
	At       time.Time `json:"at" db:"at"`
	TenantID string    `json:"-" db:"tenant_id"`
}

// SaveSurveyScore records a score (the call path, as for CDRs: no actor,
// accepted for a suspended tenant's calls still running).
func (s *Store) SaveSurveyScore(ctx context.Context, tenant tenancy.TenantID, sc SurveyScore) error {
	if sc.CallID == "" || sc.Question == "" || len(sc.Question) > 100 || sc.At.IsZero() {
		return invalid("survey", "a score needs call_id, question (at most 100 characters) and at")
	}
	if sc.ID == "" {
		sc.ID = newID()
	}
	sc.TenantID, sc.At = string(tenant), sc.At.UTC().Truncate(time.Microsecond)
	return s.systemWrite(ctx, tenant, func(tx *sqlx.Tx) error {
		_, err := tx.NamedExecContext(ctx, `INSERT INTO survey_scores (id, tenant_id, call_id, flow_id, version, agent_id,
			question, score, at) VALUES (:id, :tenant_id, :call_id, :flow_id, :version, :agent_id, :question, :score, :at)`, sc)
		if err != nil {
			return fmt.Errorf("store: save survey score: %w", err)
		}
		return nil
	})
}

// ListSurveyScores pages tenant's scores, oldest first; f's AgentID and
// CallID narrow them (QueueID is ignored), as do Since and Until.
func (s *Store) ListSurveyScores(ctx context.Context, tenant tenancy.TenantID, f HistoryFilter, p Page) (List[SurveyScore], error) {
	return listFiltered(ctx, s, tenant, "survey_scores", "at", map[string]bool{"agent_id": true, "call_id": true}, f, p, false,
		func(sc SurveyScore) string { return sc.ID }, func(sc SurveyScore) SurveyScore { sc.At = sc.At.UTC(); return sc })
}
