package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/switchboard-cc/switchboard/acd"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// Skill is a tenant-defined ability agents have at a level of 1-10.
type Skill struct {
	ID          string           `json:"id" db:"id"`
	TenantID    tenancy.TenantID `json:"tenant_id" db:"tenant_id"`
	Name        string           `json:"name" db:"name"`
	Description string           `json:"description" db:"description"`
	CreatedAt   time.Time        `json:"created_at" db:"created_at"`
	UpdatedAt   time.Time        `json:"updated_at" db:"updated_at"`
}

func (k Skill) utc() Skill {
	k.CreatedAt, k.UpdatedAt = k.CreatedAt.UTC(), k.UpdatedAt.UTC()
	return k
}

// SkillInput creates or replaces a skill's fields.
type SkillInput struct {
	Name        string `json:"name"`
	Description string `json:"description" required:"false"`
}

func checkName(name string) error { return tenancy.CheckName("name", strings.TrimSpace(name)) }

// CreateSkill creates a skill; names are unique per tenant.
func (s *Store) CreateSkill(ctx context.Context, a Actor, tenant tenancy.TenantID, in SkillInput) (Skill, error) {
	if err := checkName(in.Name); err != nil {
		return Skill{}, err
	}
	now := s.nowUTC()
	k := Skill{ID: newID(), TenantID: tenant, Name: strings.TrimSpace(in.Name), Description: in.Description, CreatedAt: now, UpdatedAt: now}
	err := s.tenantWrite(ctx, tenant, func(tx *sqlx.Tx) error {
		_, err := tx.NamedExecContext(ctx, `INSERT INTO skills (id, tenant_id, name, description, created_at, updated_at)
			VALUES (:id, :tenant_id, :name, :description, :created_at, :updated_at)`, k)
		if err != nil {
			return mapUnique(err, "skill", map[string]string{"name": k.Name})
		}
		return s.audit(ctx, tx, a, change{tenant, "create", "skill", k.ID, in})
	})
	return k, err
}

// UpdateSkill replaces a skill's fields.
func (s *Store) UpdateSkill(ctx context.Context, a Actor, tenant tenancy.TenantID, id string, in SkillInput) (Skill, error) {
	if err := checkName(in.Name); err != nil {
		return Skill{}, err
	}
	err := s.tenantWrite(ctx, tenant, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE skills SET name = $1, description = $2, updated_at = $3
			WHERE id = $4 AND tenant_id = $5`, strings.TrimSpace(in.Name), in.Description, s.nowUTC(), id, string(tenant))
		if err != nil {
			return mapUnique(err, "skill", map[string]string{"name": in.Name})
		}
		if err := mustAffect(res, nil, "skill", id); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, change{tenant, "update", "skill", id, in})
	})
	if err != nil {
		return Skill{}, err
	}
	return s.GetSkill(ctx, tenant, id)
}

// GetSkill returns a skill of tenant.
func (s *Store) GetSkill(ctx context.Context, tenant tenancy.TenantID, id string) (Skill, error) {
	var k Skill
	err := s.tenantRead(ctx, tenant, func(db q) error {
		return db.GetContext(ctx, &k, `SELECT * FROM skills WHERE id = $1 AND tenant_id = $2`, id, string(tenant))
	})
	if errors.Is(err, sql.ErrNoRows) {
		return Skill{}, notFound("skill", id)
	}
	return k.utc(), err
}

// ListSkills lists tenant's skills.
func (s *Store) ListSkills(ctx context.Context, tenant tenancy.TenantID, p Page) (List[Skill], error) {
	return listTenant(ctx, s, tenant, p, "skills", func(k Skill) string { return k.ID }, Skill.utc)
}

// DeleteSkill deletes a skill; agents lose it.
func (s *Store) DeleteSkill(ctx context.Context, a Actor, tenant tenancy.TenantID, id string) error {
	return s.deleteTenantRow(ctx, a, tenant, "skills", "skill", id)
}

// QueueStrategies are the ACD's strategies (acd.StrategyNames): one list.
var QueueStrategies = acd.StrategyNames()

// Queue is a queue's configuration. Settings is free JSON the ACD may extend
// without a migration.
type Queue struct {
	ID                 string           `json:"id" db:"id"`
	TenantID           tenancy.TenantID `json:"tenant_id" db:"tenant_id"`
	Name               string           `json:"name" db:"name"`
	Strategy           string           `json:"strategy" db:"strategy" enum:"longest_idle,fewest_handled,least_talk_time,round_robin,ring_all,best_skill,random"`
	RingTimeoutSeconds int              `json:"ring_timeout_seconds" db:"ring_timeout_s"`
	MaxWaitSeconds     int              `json:"max_wait_seconds" db:"max_wait_s"`
	WrapUpSeconds      int              `json:"wrap_up_seconds" db:"wrap_up_s"`
	Settings           json.RawMessage  `json:"settings" db:"-"`
	SettingsText       string           `json:"-" db:"settings"`
	CreatedAt          time.Time        `json:"created_at" db:"created_at"`
	UpdatedAt          time.Time        `json:"updated_at" db:"updated_at"`
}

func (qu Queue) fix() Queue {
	qu.Settings = json.RawMessage(qu.SettingsText)
	qu.CreatedAt, qu.UpdatedAt = qu.CreatedAt.UTC(), qu.UpdatedAt.UTC()
	return qu
}

// QueueInput creates or replaces a queue's fields. Empty Settings is {}.
type QueueInput struct {
	Name               string          `json:"name"`
	Strategy           string          `json:"strategy" enum:"longest_idle,fewest_handled,least_talk_time,round_robin,ring_all,best_skill,random"`
	RingTimeoutSeconds int             `json:"ring_timeout_seconds" required:"false" doc:"how long an offered agent's phone rings before the call goes to the next agent (RONA), 0-86400; 0: 20"`
	MaxWaitSeconds     int             `json:"max_wait_seconds" required:"false" doc:"after this long a waiting call goes to settings.on_max_wait, 0-86400; 0: no limit"`
	WrapUpSeconds      int             `json:"wrap_up_seconds" required:"false" doc:"after-call work after each call, 0-86400; 0: the agent is ready at once"`
	Settings           json.RawMessage `json:"settings,omitempty"`
}

func (in *QueueInput) validate() error {
	if err := checkName(in.Name); err != nil {
		return err
	}
	if !slices.Contains(QueueStrategies, in.Strategy) {
		return invalid("strategy", fmt.Sprintf("%q is not one of %s", in.Strategy, strings.Join(QueueStrategies, ", ")))
	}
	for field, v := range map[string]int{"ring_timeout_seconds": in.RingTimeoutSeconds,
		"max_wait_seconds": in.MaxWaitSeconds, "wrap_up_seconds": in.WrapUpSeconds} {
		if v < 0 || v > 86400 {
			return invalid(field, "must be between 0 and 86400")
		}
	}
	if len(in.Settings) == 0 {
		in.Settings = json.RawMessage(`{}`)
	}
	var obj map[string]any
	if err := json.Unmarshal(in.Settings, &obj); err != nil || obj == nil {
		return invalid("settings", "must be a JSON object")
	}
	return nil
}

// CreateQueue creates a queue; names are unique per tenant.
func (s *Store) CreateQueue(ctx context.Context, a Actor, tenant tenancy.TenantID, in QueueInput) (Queue, error) {
	if err := in.validate(); err != nil {
		return Queue{}, err
	}
	now := s.nowUTC()
	qu := Queue{ID: newID(), TenantID: tenant, Name: strings.TrimSpace(in.Name), Strategy: in.Strategy,
		RingTimeoutSeconds: in.RingTimeoutSeconds, MaxWaitSeconds: in.MaxWaitSeconds, WrapUpSeconds: in.WrapUpSeconds,
		SettingsText: string(in.Settings), CreatedAt: now, UpdatedAt: now}
	err := s.tenantWrite(ctx, tenant, func(tx *sqlx.Tx) error {
		_, err := tx.NamedExecContext(ctx, `INSERT INTO queues (id, tenant_id, name, strategy, ring_timeout_s, max_wait_s,
			wrap_up_s, settings, created_at, updated_at) VALUES (:id, :tenant_id, :name, :strategy, :ring_timeout_s,
			:max_wait_s, :wrap_up_s, :settings, :created_at, :updated_at)`, qu)
		if err != nil {
			return mapUnique(err, "queue", map[string]string{"name": qu.Name})
		}
		return s.audit(ctx, tx, a, change{tenant, "create", "queue", qu.ID, in})
	})
	return qu.fix(), err
}

// UpdateQueue replaces a queue's fields. Renaming a queue that access
// numbers route to by name is refused (*InUseError naming them).
func (s *Store) UpdateQueue(ctx context.Context, a Actor, tenant tenancy.TenantID, id string, in QueueInput) (Queue, error) {
	if err := in.validate(); err != nil {
		return Queue{}, err
	}
	err := s.tenantWrite(ctx, tenant, func(tx *sqlx.Tx) error {
		if err := refuseRename(ctx, tx, tenant, id, strings.TrimSpace(in.Name)); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE queues SET name = $1, strategy = $2, ring_timeout_s = $3, max_wait_s = $4,
			wrap_up_s = $5, settings = $6, updated_at = $7 WHERE id = $8 AND tenant_id = $9`,
			strings.TrimSpace(in.Name), in.Strategy, in.RingTimeoutSeconds, in.MaxWaitSeconds, in.WrapUpSeconds,
			string(in.Settings), s.nowUTC(), id, string(tenant))
		if err != nil {
			return mapUnique(err, "queue", map[string]string{"name": in.Name})
		}
		if err := mustAffect(res, nil, "queue", id); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, change{tenant, "update", "queue", id, in})
	})
	if err != nil {
		return Queue{}, err
	}
	return s.GetQueue(ctx, tenant, id)
}

// GetQueue returns a queue of tenant.
func (s *Store) GetQueue(ctx context.Context, tenant tenancy.TenantID, id string) (Queue, error) {
	var qu Queue
	err := s.tenantRead(ctx, tenant, func(db q) error {
		return db.GetContext(ctx, &qu, `SELECT * FROM queues WHERE id = $1 AND tenant_id = $2`, id, string(tenant))
	})
	if errors.Is(err, sql.ErrNoRows) {
		return Queue{}, notFound("queue", id)
	}
	return qu.fix(), err
}

// ListQueues lists tenant's queues.
func (s *Store) ListQueues(ctx context.Context, tenant tenancy.TenantID, p Page) (List[Queue], error) {
	return listTenant(ctx, s, tenant, p, "queues", func(qu Queue) string { return qu.ID }, Queue.fix)
}

// DeleteQueue deletes a queue; agents stop serving it. A queue access
// numbers route to (by name or ID) is refused (*InUseError naming them).
func (s *Store) DeleteQueue(ctx context.Context, a Actor, tenant tenancy.TenantID, id string) error {
	return s.tenantWrite(ctx, tenant, func(tx *sqlx.Tx) error {
		var name string
		err := tx.GetContext(ctx, &name, `SELECT name FROM queues WHERE id = $1 AND tenant_id = $2`, id, string(tenant))
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("queue", id)
		}
		if err != nil {
			return err
		}
		numbers, err := numbersRouting(ctx, tx, tenant, EntryQueue, name, id)
		if err != nil {
			return err
		}
		if err := refuseInUse("queue", name, numbers); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM queues WHERE id = $1 AND tenant_id = $2`, id, string(tenant)); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, change{tenant, "delete", "queue", id, nil})
	})
}

// refuseRename refuses to rename queue id to name while access numbers
// route to it by its current name. An unknown id passes: the update then
// reports it.
func refuseRename(ctx context.Context, tx *sqlx.Tx, tenant tenancy.TenantID, id, name string) error {
	var old string
	err := tx.GetContext(ctx, &old, `SELECT name FROM queues WHERE id = $1 AND tenant_id = $2`, id, string(tenant))
	if errors.Is(err, sql.ErrNoRows) || err == nil && old == name {
		return nil
	}
	if err != nil {
		return err
	}
	numbers, err := numbersRouting(ctx, tx, tenant, EntryQueue, old)
	if err != nil {
		return err
	}
	return refuseInUse("queue", old, numbers)
}
