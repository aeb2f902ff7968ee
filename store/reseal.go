package store

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jmoiron/sqlx"

	"github.com/switchboard-cc/switchboard/tenancy"
)

// resealSecrets rewrites, in the current format (secrets.go), every secret
// still sealed under the secret key itself and every flow endpoint header
// still stored in clear. Migrate runs it after the schema migrations on
// every start, not once: a replica of the previous version may still write
// an old-format value during a rolling upgrade, and it is cheap when nothing
// is left (three filtered scans).
//
// All or nothing: one transaction, and a value that does not open (a wrong
// secret key) stops it with an error naming the value, rewriting nothing.
// Each row is updated only if it still holds what was read, so replicas
// starting together do not undo each other. Without a secret key nothing can
// be opened or sealed, and it does nothing.
func (s *Store) resealSecrets(ctx context.Context) (int, error) {
	if s.secrets == nil {
		return 0, nil
	}
	n := 0
	err := s.platformWrite(ctx, func(tx *sqlx.Tx) error {
		for _, step := range []func(context.Context, *sqlx.Tx) (int, error){s.resealNodes, s.resealDataSources, s.resealIntegrations} {
			k, err := step(ctx, tx)
			if err != nil {
				return err
			}
			n += k
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("store: re-encrypt stored secrets under the derived key (nothing was rewritten): %w", err)
	}
	return n, nil
}

// reseal opens a value of either format and seals it again as current.
func (s *Store) reseal(what, binding, old string) (string, error) {
	plain, err := s.secrets.open(what, binding, old)
	if err != nil {
		return "", err
	}
	return s.secrets.seal(binding, plain)
}

func (s *Store) resealNodes(ctx context.Context, tx *sqlx.Tx) (int, error) {
	var rows []struct {
		ID  string `db:"id"`
		Enc string `db:"secret_enc"`
	}
	if err := tx.SelectContext(ctx, &rows, `SELECT id, secret_enc FROM nodes
		WHERE secret_enc <> '' AND secret_enc NOT LIKE 'v2:%' ORDER BY id`); err != nil {
		return 0, err
	}
	for _, r := range rows {
		enc, err := s.reseal("node "+r.ID, r.ID, r.Enc)
		if err != nil {
			return 0, err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE nodes SET secret_enc = $1 WHERE id = $2 AND secret_enc = $3`,
			enc, r.ID, r.Enc); err != nil {
			return 0, err
		}
	}
	return len(rows), nil
}

func (s *Store) resealDataSources(ctx context.Context, tx *sqlx.Tx) (int, error) {
	var rows []struct {
		Tenant tenancy.TenantID `db:"tenant_id"`
		Name   string           `db:"name"`
		DSN    string           `db:"dsn"`
	}
	if err := tx.SelectContext(ctx, &rows, `SELECT tenant_id, name, dsn FROM flow_datasources
		WHERE dsn <> '' AND dsn NOT LIKE 'v2:%' ORDER BY tenant_id, name`); err != nil {
		return 0, err
	}
	for _, r := range rows {
		enc, err := s.reseal("data source "+r.Name+" of tenant "+string(r.Tenant), sealBinding(r.Tenant, r.Name), r.DSN)
		if err != nil {
			return 0, err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE flow_datasources SET dsn = $1 WHERE tenant_id = $2 AND name = $3 AND dsn = $4`,
			enc, string(r.Tenant), r.Name, r.DSN); err != nil {
			return 0, err
		}
	}
	return len(rows), nil
}

// resealIntegrations seals the endpoint headers of documents written before
// they were sealed. The filter matches the clear "headers" key json.Marshal
// writes (never "headers_enc"); a document it matches by accident (a
// calendar named "headers") is parsed and left alone.
func (s *Store) resealIntegrations(ctx context.Context, tx *sqlx.Tx) (int, error) {
	var rows []struct {
		Tenant tenancy.TenantID `db:"tenant_id"`
		Doc    string           `db:"doc"`
	}
	if err := tx.SelectContext(ctx, &rows, `SELECT tenant_id, doc FROM flow_integrations
		WHERE doc LIKE '%"headers":%' ORDER BY tenant_id`); err != nil {
		return 0, err
	}
	n := 0
	for _, r := range rows {
		var d integrationsDoc
		if err := json.Unmarshal([]byte(r.Doc), &d); err != nil {
			return 0, fmt.Errorf("flow integrations of tenant %s: %w", r.Tenant, err)
		}
		changed := false
		for name, se := range d.Endpoints {
			if len(se.Headers) == 0 || se.HeadersEnc != "" {
				continue
			}
			sealed, err := sealEndpoint(r.Tenant, name, se.BaseURL, se.Headers, s.secrets)
			if err != nil {
				return 0, err
			}
			d.Endpoints[name], changed = sealed, true
		}
		if !changed {
			continue
		}
		doc, err := json.Marshal(d)
		if err != nil {
			return 0, err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE flow_integrations SET doc = $1 WHERE tenant_id = $2 AND doc = $3`,
			string(doc), string(r.Tenant), r.Doc); err != nil {
			return 0, err
		}
		n++
	}
	return n, nil
}
