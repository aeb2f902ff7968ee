package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/switchboard-cc/switchboard/tenancy"
)

// Prompt is a recorded prompt file of a tenant in one language (IVR-3).
// Path is relative to the prompt directory the deployment configures
// (what FreeSWITCH plays, under its sound prefix); api writes the file.
type Prompt struct {
	ID         string           `json:"id" db:"id"`
	TenantID   tenancy.TenantID `json:"tenant_id" db:"tenant_id"`
	Name       string           `json:"name" db:"name"`
	Language   string           `json:"language" db:"language"`
	Path       string           `json:"path" db:"path"`
	SizeBytes  int64            `json:"size_bytes" db:"size_bytes"`
	DurationMS int64            `json:"duration_ms" db:"duration_ms"`
	CreatedAt  time.Time        `json:"created_at" db:"created_at"`
	UpdatedAt  time.Time        `json:"updated_at" db:"updated_at"`
}

func (p Prompt) utc() Prompt {
	p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	return p
}

// PromptInput describes a stored prompt file.
type PromptInput struct {
	Name       string
	Language   string
	Path       string
	SizeBytes  int64
	DurationMS int64
}

var (
	// PromptNameRe: names are safe file names and flow references.
	PromptNameRe = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_-]{0,63}$`)
	// PromptLanguageRe: a language code such as en, cmn, yue or zh-HK.
	PromptLanguageRe = regexp.MustCompile(`^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$`)
)

func (in PromptInput) validate() error {
	switch {
	case !PromptNameRe.MatchString(in.Name):
		return invalid("name", fmt.Sprintf("%q must be 1 to 64 letters, digits, _ or -", in.Name))
	case !PromptLanguageRe.MatchString(in.Language):
		return invalid("language", fmt.Sprintf("%q is not a language code such as en, cmn or yue", in.Language))
	case in.Path == "" || len(in.Path) > 500:
		return invalid("path", "must be 1 to 500 characters")
	case in.SizeBytes <= 0 || in.DurationMS < 0:
		return invalid("size_bytes", "must be positive")
	}
	return nil
}

// CreatePrompt records a prompt; (name, language) is unique per tenant.
func (s *Store) CreatePrompt(ctx context.Context, a Actor, tenant tenancy.TenantID, in PromptInput) (Prompt, error) {
	if err := in.validate(); err != nil {
		return Prompt{}, err
	}
	now := s.nowUTC()
	p := Prompt{ID: newID(), TenantID: tenant, Name: in.Name, Language: in.Language, Path: in.Path,
		SizeBytes: in.SizeBytes, DurationMS: in.DurationMS, CreatedAt: now, UpdatedAt: now}
	err := s.tenantWrite(ctx, tenant, func(tx *sqlx.Tx) error {
		_, err := tx.NamedExecContext(ctx, `INSERT INTO prompts (id, tenant_id, name, language, path, size_bytes,
			duration_ms, created_at, updated_at) VALUES (:id, :tenant_id, :name, :language, :path, :size_bytes,
			:duration_ms, :created_at, :updated_at)`, p)
		if _, dup := uniqueField(err); dup {
			return &ConflictError{Resource: "prompt", Field: "name", Value: in.Name + " (" + in.Language + ")"}
		}
		if err != nil {
			return fmt.Errorf("store: create prompt: %w", err)
		}
		return s.audit(ctx, tx, a, change{tenant, "create", "prompt", p.ID, map[string]any{"name": in.Name,
			"language": in.Language, "size_bytes": in.SizeBytes}})
	})
	return p, err
}

// GetPrompt returns a prompt of tenant.
func (s *Store) GetPrompt(ctx context.Context, tenant tenancy.TenantID, id string) (Prompt, error) {
	var p Prompt
	err := s.tenantRead(ctx, tenant, func(db q) error {
		return db.GetContext(ctx, &p, `SELECT * FROM prompts WHERE id = $1 AND tenant_id = $2`, id, string(tenant))
	})
	if errors.Is(err, sql.ErrNoRows) {
		return Prompt{}, notFound("prompt", id)
	}
	return p.utc(), err
}

// ListPrompts lists tenant's prompts.
func (s *Store) ListPrompts(ctx context.Context, tenant tenancy.TenantID, p Page) (List[Prompt], error) {
	return listTenant(ctx, s, tenant, p, "prompts", func(p Prompt) string { return p.ID }, Prompt.utc)
}

// DeletePrompt deletes a prompt's record and returns it, so the caller can
// remove the file.
func (s *Store) DeletePrompt(ctx context.Context, a Actor, tenant tenancy.TenantID, id string) (Prompt, error) {
	var p Prompt
	err := s.tenantWrite(ctx, tenant, func(tx *sqlx.Tx) error {
		err := tx.GetContext(ctx, &p, `SELECT * FROM prompts WHERE id = $1 AND tenant_id = $2`, id, string(tenant))
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("prompt", id)
		}
		if err != nil {
			return fmt.Errorf("store: delete prompt: %w", err)
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM prompts WHERE id = $1 AND tenant_id = $2`, id, string(tenant))
		if err := mustAffect(res, err, "prompt", id); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, change{tenant, "delete", "prompt", id, map[string]string{"name": p.Name, "language": p.Language}})
	})
	return p.utc(), err
}

// ReplacePromptFile records a new file for an existing prompt (same name,
// language and path) and returns the prompt as it now is.
func (s *Store) ReplacePromptFile(ctx context.Context, a Actor, tenant tenancy.TenantID, id string, sizeBytes, durationMS int64) (Prompt, error) {
	if sizeBytes <= 0 || durationMS < 0 {
		return Prompt{}, invalid("size_bytes", "must be positive")
	}
	err := s.tenantWrite(ctx, tenant, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE prompts SET size_bytes = $1, duration_ms = $2, updated_at = $3
			WHERE id = $4 AND tenant_id = $5`, sizeBytes, durationMS, s.nowUTC(), id, string(tenant))
		if err := mustAffect(res, err, "prompt", id); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, change{tenant, "update", "prompt", id, map[string]int64{"size_bytes": sizeBytes}})
	})
	if err != nil {
		return Prompt{}, err
	}
	return s.GetPrompt(ctx, tenant, id)
}
