package store

import (
	"context"
	"crypto/md5"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/switchboard-cc/switchboard/tenancy"
)

// Agent is a user who takes interactions, with a SIP extension in the
// tenant's domain. The SIP password is kept only as the digest HA1
// md5(extension:domain:password), which FreeSWITCH's directory accepts as
// a1-hash: the plaintext is never stored.
type Agent struct {
	ID          string           `json:"id" db:"id"`
	TenantID    tenancy.TenantID `json:"tenant_id" db:"tenant_id"`
	UserID      string           `json:"user_id" db:"user_id"`
	Extension   string           `json:"extension" db:"extension"`
	DisplayName string           `json:"display_name" db:"display_name"`
	SIPHA1      string           `json:"-" db:"sip_ha1"`
	Capacity    *AgentCapacity   `json:"capacity,omitempty" db:"-"`
	CapacityCol capacityColumn   `json:"-" db:"capacity"`
	Skills      []AgentSkill     `json:"skills" db:"-"`
	Queues      []AgentQueue     `json:"queues" db:"-"`
	CreatedAt   time.Time        `json:"created_at" db:"created_at"`
	UpdatedAt   time.Time        `json:"updated_at" db:"updated_at"`
}

// AgentSkill is one skill of an agent at Level 1 (novice) to 10 (expert).
type AgentSkill struct {
	SkillID string `json:"skill_id" db:"skill_id"`
	Level   int    `json:"level" db:"level"`
}

// AgentQueue is a queue an agent serves; lower Priority (1-100) is offered first.
type AgentQueue struct {
	QueueID  string `json:"queue_id" db:"queue_id"`
	Priority int    `json:"priority" db:"priority"`
}

// AgentInput creates an agent for an existing user of the tenant.
type AgentInput struct {
	UserID      string         `json:"user_id"`
	Extension   string         `json:"extension"`
	DisplayName string         `json:"display_name"`
	SIPPassword string         `json:"-"`
	Skills      []AgentSkill   `json:"skills"`
	Queues      []AgentQueue   `json:"queues"`
	Capacity    *AgentCapacity `json:"capacity,omitempty"`
}

// AgentPatch edits an agent; nil fields are left alone. Changing Extension
// needs SIPPassword too, because the digest covers the extension.
type AgentPatch struct {
	Extension   *string       `json:"extension,omitempty"`
	DisplayName *string       `json:"display_name,omitempty"`
	SIPPassword *string       `json:"-"`
	Skills      *[]AgentSkill `json:"skills,omitempty"`
	Queues      *[]AgentQueue `json:"queues,omitempty"`
	// Capacity, when given, replaces the agent's capacity.
	Capacity *AgentCapacity `json:"capacity,omitempty"`
}

// SIPHA1 returns md5("ext:domain:password") in hex, the SIP digest HA1.
func SIPHA1(ext, domain, password string) string {
	sum := md5.Sum([]byte(ext + ":" + domain + ":" + password))
	return hex.EncodeToString(sum[:])
}

func checkExtension(ext string) error { return tenancy.CheckExtension("extension", ext) }

func checkSIPPassword(p string) error {
	if len(p) < 8 || len(p) > 128 {
		return invalid("sip_password", "must be 8 to 128 characters")
	}
	return nil
}

func checkMembership(skills []AgentSkill, queues []AgentQueue) error {
	seen := map[string]bool{}
	for _, k := range skills {
		if k.Level < 1 || k.Level > 10 || seen[k.SkillID] {
			return invalid("skills", fmt.Sprintf("skill %q: level must be 1-10 and each skill listed once", k.SkillID))
		}
		seen[k.SkillID] = true
	}
	for _, qu := range queues {
		if qu.Priority < 1 || qu.Priority > 100 || seen[qu.QueueID] {
			return invalid("queues", fmt.Sprintf("queue %q: priority must be 1-100 and each queue listed once", qu.QueueID))
		}
		seen[qu.QueueID] = true
	}
	return nil
}

func (in AgentInput) validate() error {
	if in.UserID == "" {
		return invalid("user_id", "is required")
	}
	if err := checkExtension(in.Extension); err != nil {
		return err
	}
	if err := tenancy.CheckOptionalName("display_name", in.DisplayName); err != nil {
		return err
	}
	if err := checkSIPPassword(in.SIPPassword); err != nil {
		return err
	}
	return checkMembership(in.Skills, in.Queues)
}

// CreateAgent creates an agent. The tenant's max_agents quota is checked in
// the same transaction (tenant row locked on PostgreSQL, writers serialised
// on SQLite), so concurrent creations never exceed it: the one over gets a
// *tenancy.OverQuotaError.
func (s *Store) CreateAgent(ctx context.Context, a Actor, tenant tenancy.TenantID, in AgentInput) (Agent, error) {
	if err := in.validate(); err != nil {
		return Agent{}, err
	}
	var ag Agent
	err := s.tenantWrite(ctx, tenant, func(tx *sqlx.Tx) error {
		t, err := getTenant(ctx, tx, tenant)
		if err != nil {
			return err
		}
		n, err := countAgents(ctx, tx, tenant)
		if err != nil {
			return err
		}
		if err := tenancy.Admit(tenancy.ResourceAgents, n, t.Quotas.MaxAgents); err != nil {
			return err
		}
		if ag, err = s.insertAgent(ctx, tx, t, in); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, change{tenant, "create", "agent", ag.ID, in})
	})
	return ag, err
}

func (s *Store) insertAgent(ctx context.Context, tx *sqlx.Tx, t tenancy.Tenant, in AgentInput) (Agent, error) {
	if err := userInTenant(ctx, tx, t.ID, in.UserID); err != nil {
		return Agent{}, err
	}
	now := s.nowUTC()
	if err := in.Capacity.validate(); err != nil {
		return Agent{}, err
	}
	ag := Agent{ID: newID(), TenantID: t.ID, UserID: in.UserID, Extension: in.Extension,
		DisplayName: strings.TrimSpace(in.DisplayName), SIPHA1: SIPHA1(in.Extension, t.SIPDomain, in.SIPPassword),
		Capacity: in.Capacity, CapacityCol: capacityColumn{in.Capacity}, CreatedAt: now, UpdatedAt: now}
	_, err := tx.NamedExecContext(ctx, `INSERT INTO agents (id, tenant_id, user_id, extension, display_name, sip_ha1,
		capacity, created_at, updated_at) VALUES (:id, :tenant_id, :user_id, :extension, :display_name, :sip_ha1,
		:capacity, :created_at, :updated_at)`, ag)
	if err != nil {
		return Agent{}, mapUnique(err, "agent", map[string]string{"extension": ag.Extension, "user_id": ag.UserID})
	}
	ag.Skills, ag.Queues = orEmpty(in.Skills), orEmpty(in.Queues)
	return ag, s.setMembership(ctx, tx, t.ID, ag.ID, &ag.Skills, &ag.Queues)
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func userInTenant(ctx context.Context, tx *sqlx.Tx, tenant tenancy.TenantID, userID string) error {
	var n int
	if err := tx.GetContext(ctx, &n, `SELECT count(*) FROM users WHERE id = $1 AND tenant_id = $2`, userID, string(tenant)); err != nil {
		return err
	}
	if n == 0 {
		return invalid("user_id", fmt.Sprintf("user %q is not a user of this tenant", userID))
	}
	return nil
}

// setMembership replaces the agent's skills and/or queues (nil: keep),
// checking each referenced skill and queue belongs to the tenant.
func (s *Store) setMembership(ctx context.Context, tx *sqlx.Tx, tenant tenancy.TenantID, agentID string, skills *[]AgentSkill, queues *[]AgentQueue) error {
	if skills != nil {
		if _, err := tx.ExecContext(ctx, `DELETE FROM agent_skills WHERE agent_id = $1 AND tenant_id = $2`, agentID, string(tenant)); err != nil {
			return err
		}
		for _, k := range *skills {
			if err := rowInTenant(ctx, tx, "skills", "skill", tenant, k.SkillID); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO agent_skills (tenant_id, agent_id, skill_id, level) VALUES ($1, $2, $3, $4)`,
				string(tenant), agentID, k.SkillID, k.Level); err != nil {
				return fmt.Errorf("store: agent skill: %w", err)
			}
		}
	}
	if queues != nil {
		if _, err := tx.ExecContext(ctx, `DELETE FROM agent_queues WHERE agent_id = $1 AND tenant_id = $2`, agentID, string(tenant)); err != nil {
			return err
		}
		for _, qu := range *queues {
			if err := rowInTenant(ctx, tx, "queues", "queue", tenant, qu.QueueID); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO agent_queues (tenant_id, agent_id, queue_id, priority) VALUES ($1, $2, $3, $4)`,
				string(tenant), agentID, qu.QueueID, qu.Priority); err != nil {
				return fmt.Errorf("store: agent queue: %w", err)
			}
		}
	}
	return nil
}

func rowInTenant(ctx context.Context, tx *sqlx.Tx, table, resource string, tenant tenancy.TenantID, id string) error {
	var n int
	if err := tx.GetContext(ctx, &n, `SELECT count(*) FROM `+table+` WHERE id = $1 AND tenant_id = $2`, id, string(tenant)); err != nil {
		return err
	}
	if n == 0 {
		return invalid(table, fmt.Sprintf("%s %q does not exist in this tenant", resource, id))
	}
	return nil
}

// UpdateAgent applies patch to an agent of tenant.
func (s *Store) UpdateAgent(ctx context.Context, a Actor, tenant tenancy.TenantID, id string, p AgentPatch) (Agent, error) {
	if p.Extension != nil && p.SIPPassword == nil {
		return Agent{}, invalid("sip_password", "is required to change the extension (the SIP digest covers it)")
	}
	err := s.tenantWrite(ctx, tenant, func(tx *sqlx.Tx) error {
		if _, err := s.applyAgentPatch(ctx, tx, tenant, id, p); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, change{tenant, "update", "agent", id, map[string]any{"patch": p, "sip_password_changed": p.SIPPassword != nil}})
	})
	if err != nil {
		return Agent{}, err
	}
	return s.GetAgent(ctx, tenant, id)
}

func (s *Store) applyAgentPatch(ctx context.Context, tx *sqlx.Tx, tenant tenancy.TenantID, id string, p AgentPatch) (Agent, error) {
	ags, err := loadAgents(ctx, tx, `id = $1 AND tenant_id = $2`, id, string(tenant))
	if err != nil || len(ags) == 0 {
		return Agent{}, errors.Join(err, notFound("agent", id))
	}
	ag := ags[0]
	setIf(&ag.Extension, p.Extension)
	setIf(&ag.DisplayName, p.DisplayName)
	if p.Capacity != nil {
		if err := p.Capacity.validate(); err != nil {
			return Agent{}, err
		}
		ag.Capacity, ag.CapacityCol = p.Capacity, capacityColumn{p.Capacity}
	}
	if err := checkExtension(ag.Extension); err != nil {
		return Agent{}, err
	}
	if p.DisplayName != nil {
		if err := tenancy.CheckOptionalName("display_name", *p.DisplayName); err != nil {
			return Agent{}, err
		}
	}
	if p.SIPPassword != nil {
		if err := checkSIPPassword(*p.SIPPassword); err != nil {
			return Agent{}, err
		}
		t, err := getTenant(ctx, tx, tenant)
		if err != nil {
			return Agent{}, err
		}
		ag.SIPHA1 = SIPHA1(ag.Extension, t.SIPDomain, *p.SIPPassword)
	}
	var skills []AgentSkill
	var queues []AgentQueue
	if p.Skills != nil {
		skills = *p.Skills
	}
	if p.Queues != nil {
		queues = *p.Queues
	}
	if err := checkMembership(skills, queues); err != nil {
		return Agent{}, err
	}
	ag.UpdatedAt = s.nowUTC()
	_, err = tx.NamedExecContext(ctx, `UPDATE agents SET extension = :extension, display_name = :display_name,
		sip_ha1 = :sip_ha1, capacity = :capacity, updated_at = :updated_at WHERE id = :id AND tenant_id = :tenant_id`, ag)
	if err != nil {
		return Agent{}, mapUnique(err, "agent", map[string]string{"extension": ag.Extension})
	}
	return ag, s.setMembership(ctx, tx, tenant, id, p.Skills, p.Queues)
}

// GetAgent returns an agent of tenant with its skills and queues.
func (s *Store) GetAgent(ctx context.Context, tenant tenancy.TenantID, id string) (Agent, error) {
	var ags []Agent
	err := s.tenantRead(ctx, tenant, func(db q) error {
		var err error
		ags, err = loadAgents(ctx, db, `id = $1 AND tenant_id = $2`, id, string(tenant))
		return err
	})
	if err != nil {
		return Agent{}, err
	}
	if len(ags) == 0 {
		return Agent{}, notFound("agent", id)
	}
	return ags[0], nil
}

// ListAgents lists tenant's agents with their skills and queues.
func (s *Store) ListAgents(ctx context.Context, tenant tenancy.TenantID, p Page) (List[Agent], error) {
	after, limit, err := p.keyset()
	if err != nil {
		return List[Agent]{}, err
	}
	var ags []Agent
	err = s.tenantRead(ctx, tenant, func(db q) error {
		var err error
		ags, err = loadAgents(ctx, db, `tenant_id = $1 AND id > $2 ORDER BY id LIMIT $3`, string(tenant), after, limit+1)
		return err
	})
	if err != nil {
		return List[Agent]{}, err
	}
	return pageOf(ags, limit, func(a Agent) string { return a.ID }), nil
}

// DeleteAgent deletes an agent (its user stays; history rows keep its ID).
func (s *Store) DeleteAgent(ctx context.Context, a Actor, tenant tenancy.TenantID, id string) error {
	return s.deleteTenantRow(ctx, a, tenant, "agents", "agent", id)
}

// loadAgents selects agents by where and fills Skills and Queues with two
// more queries (not one per agent). Those select the memberships of the
// agents where selects again, as a subquery with the same arguments, not by
// an IN list of their IDs: a page of 500 agents would be 500 parameters,
// which SQLite resolves in time quadratic in their number (the
// configuration reload of 10,000 agents spent a third of its CPU there). A
// membership of an agent the first query did not return (one added in
// between) is left out.
func loadAgents(ctx context.Context, db q, where string, args ...any) ([]Agent, error) {
	var ags []Agent
	if err := db.SelectContext(ctx, &ags, `SELECT * FROM agents WHERE `+where, args...); err != nil {
		return nil, fmt.Errorf("store: agents: %w", err)
	}
	if len(ags) == 0 {
		return ags, nil
	}
	byID := make(map[string]*Agent, len(ags))
	for i := range ags {
		ags[i].CreatedAt, ags[i].UpdatedAt = ags[i].CreatedAt.UTC(), ags[i].UpdatedAt.UTC()
		ags[i].Skills, ags[i].Queues = []AgentSkill{}, []AgentQueue{}
		ags[i].Capacity = ags[i].CapacityCol.c
		byID[ags[i].ID] = &ags[i]
	}
	selected := `(SELECT id, tenant_id FROM agents WHERE ` + where + `) a`
	var skills []struct {
		AgentID string `db:"agent_id"`
		AgentSkill
	}
	if err := db.SelectContext(ctx, &skills, `SELECT m.agent_id, m.skill_id, m.level FROM agent_skills m JOIN `+selected+`
		ON m.agent_id = a.id AND m.tenant_id = a.tenant_id ORDER BY m.skill_id`, args...); err != nil {
		return nil, fmt.Errorf("store: agent skills: %w", err)
	}
	for _, k := range skills {
		if a := byID[k.AgentID]; a != nil {
			a.Skills = append(a.Skills, k.AgentSkill)
		}
	}
	var queues []struct {
		AgentID string `db:"agent_id"`
		AgentQueue
	}
	if err := db.SelectContext(ctx, &queues, `SELECT m.agent_id, m.queue_id, m.priority FROM agent_queues m JOIN `+selected+`
		ON m.agent_id = a.id AND m.tenant_id = a.tenant_id ORDER BY m.priority, m.queue_id`, args...); err != nil {
		return nil, fmt.Errorf("store: agent queues: %w", err)
	}
	for _, qu := range queues {
		if a := byID[qu.AgentID]; a != nil {
			a.Queues = append(a.Queues, qu.AgentQueue)
		}
	}
	return ags, nil
}

// SIPUser is what the FreeSWITCH directory needs to authenticate a
// registration: the tenant, the agent and the digest HA1.
type SIPUser struct {
	TenantID  tenancy.TenantID
	AgentID   string
	Extension string
	Domain    string
	HA1       string
}

// SIPUserByExtension resolves extension@domain for the directory (platform
// scope: the switch knows only the domain). Suspended tenants resolve; the
// caller decides (tenancy.CheckRead) whether to serve them.
func (s *Store) SIPUserByExtension(ctx context.Context, domain, extension string) (SIPUser, tenancy.Status, error) {
	var row struct {
		TenantID string `db:"tenant_id"`
		AgentID  string `db:"id"`
		HA1      string `db:"sip_ha1"`
		Status   string `db:"status"`
	}
	err := s.platformRead(ctx, func(db q) error {
		return db.GetContext(ctx, &row, `SELECT a.tenant_id, a.id, a.sip_ha1, t.status FROM agents a
			JOIN tenants t ON t.id = a.tenant_id WHERE t.sip_domain = $1 AND a.extension = $2`, domain, extension)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return SIPUser{}, "", notFound("SIP user", extension+"@"+domain)
	}
	if err != nil {
		return SIPUser{}, "", fmt.Errorf("store: SIP user: %w", err)
	}
	return SIPUser{TenantID: tenancy.TenantID(row.TenantID), AgentID: row.AgentID, Extension: extension,
		Domain: domain, HA1: row.HA1}, tenancy.Status(row.Status), nil
}
