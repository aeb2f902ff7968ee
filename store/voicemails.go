package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// Voicemail is one message left in a tenant's mailbox by an IVR flow (IVR-10).
type Voicemail struct {
	ID         string           `json:"id" db:"id"`
	TenantID   tenancy.TenantID `json:"tenant_id" db:"tenant_id"`
	Mailbox    string           `json:"mailbox" db:"mailbox"`
	CallID     string           `json:"call_id" db:"call_id"`
	NodeID     string           `json:"node_id" db:"node_id"`
	Caller     string           `json:"caller" db:"caller"`
	Path       string           `json:"path" db:"path"` // on the node that recorded it
	DurationMS int64            `json:"duration_ms" db:"duration_ms"`
	Notify     bool             `json:"notify" db:"notify"`
	CreatedAt  time.Time        `json:"created_at" db:"created_at"`
}

// SaveVoicemail stores a message (the call path: no actor, accepted for a
// suspended tenant's calls still running, like CDRs).
func (s *Store) SaveVoicemail(ctx context.Context, tenant tenancy.TenantID, v Voicemail) (Voicemail, error) {
	if v.Mailbox == "" || len(v.Mailbox) > 100 || v.CallID == "" || v.Path == "" || v.DurationMS < 0 || v.CreatedAt.IsZero() {
		return Voicemail{}, invalid("voicemail", "mailbox (at most 100 characters), call_id, path and created_at are required; duration_ms >= 0")
	}
	if v.ID == "" {
		v.ID = newID()
	}
	v.TenantID, v.CreatedAt = tenant, v.CreatedAt.UTC().Truncate(time.Microsecond)
	err := s.systemWrite(ctx, tenant, func(tx *sqlx.Tx) error {
		_, err := tx.NamedExecContext(ctx, `INSERT INTO voicemails (id, tenant_id, mailbox, call_id, node_id, caller, path, duration_ms, notify, created_at)
			VALUES (:id, :tenant_id, :mailbox, :call_id, :node_id, :caller, :path, :duration_ms, :notify, :created_at)`, v)
		return mapUnique(err, "voicemail", map[string]string{"id": v.ID})
	})
	return v, err
}

// ListVoicemails lists tenant's messages, oldest first, optionally of one mailbox.
func (s *Store) ListVoicemails(ctx context.Context, tenant tenancy.TenantID, mailbox string, p Page) (List[Voicemail], error) {
	after, limit, err := p.keyset()
	if err != nil {
		return List[Voicemail]{}, err
	}
	query, args := `SELECT * FROM voicemails WHERE tenant_id = $1 AND id > $2`, []any{string(tenant), after}
	if mailbox != "" {
		query, args = query+` AND mailbox = $3`, append(args, mailbox)
	}
	query += fmt.Sprintf(` ORDER BY id LIMIT $%d`, len(args)+1)
	args = append(args, limit+1)
	var rows []Voicemail
	if err := s.tenantRead(ctx, tenant, func(db q) error { return db.SelectContext(ctx, &rows, query, args...) }); err != nil {
		return List[Voicemail]{}, fmt.Errorf("store: list voicemails: %w", err)
	}
	for i := range rows {
		rows[i].CreatedAt = rows[i].CreatedAt.UTC()
	}
	return pageOf(rows, limit, func(v Voicemail) string { return v.ID }), nil
}
