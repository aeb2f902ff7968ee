package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/switchboard-cc/switchboard/tenancy"
)

// Site is a location (HQ, branch) holding media nodes. Platform-level.
type Site struct {
	ID          string    `json:"id" db:"id"`
	Name        string    `json:"name" db:"name"`
	Description string    `json:"description" db:"description"`
	CreatedAt   time.Time `json:"created_at" db:"created_at"`
	UpdatedAt   time.Time `json:"updated_at" db:"updated_at"`
}

// SiteInput creates or replaces a site's editable fields.
type SiteInput struct {
	Name        string `json:"name"`
	Description string `json:"description" required:"false"`
}

func (in SiteInput) validate() error {
	return tenancy.CheckName("name", strings.TrimSpace(in.Name))
}

// NodeKind says which switch a node runs.
type NodeKind string

const (
	NodeFreeSWITCH NodeKind = "freeswitch" // Address is the ESL host:port
	NodeAsterisk   NodeKind = "asterisk"   // Address is the ARI host:port or base URL
)

// NodeKinds lists the kinds a node may have.
var NodeKinds = []NodeKind{NodeFreeSWITCH, NodeAsterisk}

// Node is one media server. Its secret (ESL or ARI password) is never
// returned here: it is write-only through the API and read by the
// controller with NodeSecret.
type Node struct {
	ID        string    `json:"id" db:"id"`
	SiteID    string    `json:"site_id" db:"site_id"`
	Name      string    `json:"name" db:"name"`
	Kind      NodeKind  `json:"kind" db:"kind"`
	Address   string    `json:"address" db:"address"`
	Username  string    `json:"username" db:"username"`
	Enabled   bool      `json:"enabled" db:"enabled"`
	HasSecret bool      `json:"has_secret" db:"-"`
	CreatedAt time.Time `json:"created_at" db:"created_at"`
	UpdatedAt time.Time `json:"updated_at" db:"updated_at"`
}

type nodeRow struct {
	Node
	SecretEnc string `db:"secret_enc"`
}

func (r nodeRow) node() Node {
	n := r.Node
	n.HasSecret = r.SecretEnc != ""
	n.CreatedAt, n.UpdatedAt = n.CreatedAt.UTC(), n.UpdatedAt.UTC()
	return n
}

// NodeInput creates a node. Secret is the plaintext ESL/ARI password.
type NodeInput struct {
	SiteID   string   `json:"site_id"`
	Name     string   `json:"name"`
	Kind     NodeKind `json:"kind"`
	Address  string   `json:"address"`
	Username string   `json:"username"`
	Secret   string   `json:"-"`
	Enabled  bool     `json:"enabled"`
}

// NodePatch edits a node; nil fields are left alone. A non-nil Secret
// replaces the stored one.
type NodePatch struct {
	SiteID   *string   `json:"site_id,omitempty"`
	Name     *string   `json:"name,omitempty"`
	Kind     *NodeKind `json:"kind,omitempty"`
	Address  *string   `json:"address,omitempty"`
	Username *string   `json:"username,omitempty"`
	Secret   *string   `json:"-"`
	Enabled  *bool     `json:"enabled,omitempty"`
}

func (n Node) validate() error {
	if l := len(strings.TrimSpace(n.Name)); l == 0 || l > 100 {
		return invalid("name", "must be 1 to 100 characters")
	}
	if !slices.Contains(NodeKinds, n.Kind) {
		return invalid("kind", fmt.Sprintf("%q is not freeswitch or asterisk", n.Kind))
	}
	if err := checkNodeAddress(n.Kind, n.Address); err != nil {
		return err
	}
	if n.SiteID == "" {
		return invalid("site_id", "is required")
	}
	return nil
}

// checkNodeAddress: FreeSWITCH ESL is host:port; Asterisk ARI is host:port
// or an http(s) base URL with a port-bearing host (http://pbx:8088/ari).
func checkNodeAddress(kind NodeKind, addr string) error {
	hostPort := addr
	if kind == NodeAsterisk && (strings.HasPrefix(addr, "http://") || strings.HasPrefix(addr, "https://")) {
		u, err := url.Parse(addr)
		if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" {
			return invalid("address", fmt.Sprintf("%q is not an ARI base URL like http://pbx:8088/ari", addr))
		}
		hostPort = u.Host
	}
	host, port, err := net.SplitHostPort(hostPort)
	if n, perr := strconv.Atoi(port); err != nil || perr != nil || n < 1 || n > 65535 || !validHost(host) {
		return invalid("address", fmt.Sprintf("%q is not host:port", addr))
	}
	return nil
}

// validHost accepts DNS names and IPv4/IPv6 literals (letters, digits, '.',
// '-', ':'), nothing a dial string or URL could be smuggled through.
func validHost(h string) bool {
	return h != "" && len(h) <= 253 &&
		strings.Trim(h, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:") == ""
}

// A node's secret is bound to the node ID (secrets.go).
func (s *Store) sealNodeSecret(nodeID, plain string) (string, error) {
	return s.secrets.seal(nodeID, plain)
}

func (s *Store) openNodeSecret(nodeID, sealed string) (string, error) {
	return s.secrets.open("node "+nodeID, nodeID, sealed)
}

// CreateSite creates a site.
func (s *Store) CreateSite(ctx context.Context, a Actor, in SiteInput) (Site, error) {
	if err := in.validate(); err != nil {
		return Site{}, err
	}
	now := s.nowUTC()
	st := Site{ID: newID(), Name: strings.TrimSpace(in.Name), Description: in.Description, CreatedAt: now, UpdatedAt: now}
	err := s.platformWrite(ctx, func(tx *sqlx.Tx) error {
		_, err := tx.NamedExecContext(ctx, `INSERT INTO sites (id, name, description, created_at, updated_at)
			VALUES (:id, :name, :description, :created_at, :updated_at)`, st)
		if err != nil {
			return mapUnique(err, "site", map[string]string{"name": st.Name})
		}
		return s.audit(ctx, tx, a, change{"", "create", "site", st.ID, in})
	})
	return st, err
}

// UpdateSite replaces a site's name and description.
func (s *Store) UpdateSite(ctx context.Context, a Actor, id string, in SiteInput) (Site, error) {
	if err := in.validate(); err != nil {
		return Site{}, err
	}
	err := s.platformWrite(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE sites SET name = $1, description = $2, updated_at = $3 WHERE id = $4`,
			strings.TrimSpace(in.Name), in.Description, s.nowUTC(), id)
		if err != nil {
			return mapUnique(err, "site", map[string]string{"name": in.Name})
		}
		if err := mustAffect(res, nil, "site", id); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, change{"", "update", "site", id, in})
	})
	if err != nil {
		return Site{}, err
	}
	return s.GetSite(ctx, id)
}

// GetSite returns one site.
func (s *Store) GetSite(ctx context.Context, id string) (Site, error) {
	var st Site
	err := s.platformRead(ctx, func(db q) error { return db.GetContext(ctx, &st, `SELECT * FROM sites WHERE id = $1`, id) })
	if errors.Is(err, sql.ErrNoRows) {
		return Site{}, notFound("site", id)
	}
	st.CreatedAt, st.UpdatedAt = st.CreatedAt.UTC(), st.UpdatedAt.UTC()
	return st, err
}

// ListSites lists sites.
func (s *Store) ListSites(ctx context.Context, p Page) (List[Site], error) {
	return listPlatform(ctx, s, p, "sites", func(st Site) string { return st.ID }, func(st Site) Site {
		st.CreatedAt, st.UpdatedAt = st.CreatedAt.UTC(), st.UpdatedAt.UTC()
		return st
	})
}

// DeleteSite deletes a site that holds no nodes.
func (s *Store) DeleteSite(ctx context.Context, a Actor, id string) error {
	return s.platformWrite(ctx, func(tx *sqlx.Tx) error {
		var n int
		if err := tx.GetContext(ctx, &n, `SELECT count(*) FROM nodes WHERE site_id = $1`, id); err != nil {
			return err
		}
		if n > 0 {
			return invalid("site", fmt.Sprintf("still holds %d nodes; move or delete them first", n))
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM sites WHERE id = $1`, id)
		if err := mustAffect(res, err, "site", id); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, change{"", "delete", "site", id, nil})
	})
}

// CreateNode creates a node, encrypting its secret.
func (s *Store) CreateNode(ctx context.Context, a Actor, in NodeInput) (Node, error) {
	now := s.nowUTC()
	n := Node{ID: newID(), SiteID: in.SiteID, Name: strings.TrimSpace(in.Name), Kind: in.Kind, Address: in.Address,
		Username: in.Username, Enabled: in.Enabled, HasSecret: in.Secret != "", CreatedAt: now, UpdatedAt: now}
	if err := n.validate(); err != nil {
		return Node{}, err
	}
	enc, err := s.sealNodeSecret(n.ID, in.Secret)
	if err != nil {
		return Node{}, err
	}
	err = s.platformWrite(ctx, func(tx *sqlx.Tx) error {
		if err := s.siteExists(ctx, tx, n.SiteID); err != nil {
			return err
		}
		_, err := tx.NamedExecContext(ctx, `INSERT INTO nodes (id, site_id, name, kind, address, username, secret_enc,
			enabled, created_at, updated_at) VALUES (:id, :site_id, :name, :kind, :address, :username, :secret_enc,
			:enabled, :created_at, :updated_at)`, nodeRow{Node: n, SecretEnc: enc})
		if err != nil {
			return mapUnique(err, "node", map[string]string{"name": n.Name})
		}
		return s.audit(ctx, tx, a, change{"", "create", "node", n.ID, n})
	})
	return n, err
}

func (s *Store) siteExists(ctx context.Context, tx *sqlx.Tx, id string) error {
	var n int
	if err := tx.GetContext(ctx, &n, `SELECT count(*) FROM sites WHERE id = $1`, id); err != nil {
		return err
	}
	if n == 0 {
		return invalid("site_id", fmt.Sprintf("site %q does not exist", id))
	}
	return nil
}

// UpdateNode applies patch; a non-nil Secret is re-encrypted.
func (s *Store) UpdateNode(ctx context.Context, a Actor, id string, p NodePatch) (Node, error) {
	var out Node
	err := s.platformWrite(ctx, func(tx *sqlx.Tx) error {
		r, err := getNodeRow(ctx, tx, id)
		if err != nil {
			return err
		}
		n := r.Node
		setIf(&n.SiteID, p.SiteID)
		setIf(&n.Name, p.Name)
		setIf(&n.Kind, p.Kind)
		setIf(&n.Address, p.Address)
		setIf(&n.Username, p.Username)
		setIf(&n.Enabled, p.Enabled)
		if err := n.validate(); err != nil {
			return err
		}
		if err := s.siteExists(ctx, tx, n.SiteID); err != nil {
			return err
		}
		enc := r.SecretEnc
		if p.Secret != nil {
			if enc, err = s.sealNodeSecret(id, *p.Secret); err != nil {
				return err
			}
		}
		n.UpdatedAt = s.nowUTC()
		_, err = tx.NamedExecContext(ctx, `UPDATE nodes SET site_id = :site_id, name = :name, kind = :kind,
			address = :address, username = :username, secret_enc = :secret_enc, enabled = :enabled,
			updated_at = :updated_at WHERE id = :id`, nodeRow{Node: n, SecretEnc: enc})
		if err != nil {
			return mapUnique(err, "node", map[string]string{"name": n.Name})
		}
		out = nodeRow{Node: n, SecretEnc: enc}.node()
		return s.audit(ctx, tx, a, change{"", "update", "node", id, map[string]any{"patch": p, "secret_changed": p.Secret != nil}})
	})
	return out, err
}

func getNodeRow(ctx context.Context, db q, id string) (nodeRow, error) {
	var r nodeRow
	err := db.GetContext(ctx, &r, `SELECT * FROM nodes WHERE id = $1`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return r, notFound("node", id)
	}
	if err != nil {
		return r, fmt.Errorf("store: get node: %w", err)
	}
	return r, nil
}

// GetNode returns a node without its secret.
func (s *Store) GetNode(ctx context.Context, id string) (Node, error) {
	var r nodeRow
	err := s.platformRead(ctx, func(db q) error {
		var err error
		r, err = getNodeRow(ctx, db, id)
		return err
	})
	return r.node(), err
}

// NodeSecret decrypts a node's secret for the controller to connect. Never
// expose it through the API.
func (s *Store) NodeSecret(ctx context.Context, id string) (string, error) {
	var r nodeRow
	err := s.platformRead(ctx, func(db q) error {
		var err error
		r, err = getNodeRow(ctx, db, id)
		return err
	})
	if err != nil {
		return "", err
	}
	return s.openNodeSecret(id, r.SecretEnc)
}

// ListNodes lists nodes without secrets.
func (s *Store) ListNodes(ctx context.Context, p Page) (List[Node], error) {
	l, err := listPlatform(ctx, s, p, "nodes", func(r nodeRow) string { return r.ID }, func(r nodeRow) nodeRow { return r })
	out := List[Node]{Next: l.Next, Items: make([]Node, len(l.Items))}
	for i, r := range l.Items {
		out.Items[i] = r.node()
	}
	return out, err
}

// DeleteNode deletes a node.
func (s *Store) DeleteNode(ctx context.Context, a Actor, id string) error {
	return s.platformWrite(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM nodes WHERE id = $1`, id)
		if err := mustAffect(res, err, "node", id); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, change{"", "delete", "node", id, nil})
	})
}

// listPlatform lists rows of a platform table whose rows scan into T.
func listPlatform[T any](ctx context.Context, s *Store, p Page, table string, id func(T) string, fix func(T) T) (List[T], error) {
	after, limit, err := p.keyset()
	if err != nil {
		return List[T]{}, err
	}
	var rows []T
	err = s.platformRead(ctx, func(db q) error {
		return db.SelectContext(ctx, &rows, `SELECT * FROM `+table+` WHERE id > $1 ORDER BY id LIMIT $2`, after, limit+1)
	})
	if err != nil {
		return List[T]{}, fmt.Errorf("store: list %s: %w", table, err)
	}
	for i := range rows {
		rows[i] = fix(rows[i])
	}
	return pageOf(rows, limit, id), nil
}
