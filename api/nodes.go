package api

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v5"
	"github.com/switchboard-cc/switchboard/store"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// CreateNodeRequest registers a media server. Secret (ESL or ARI password)
// is write-only: responses only say has_secret.
type CreateNodeRequest struct {
	SiteID   string         `json:"site_id"`
	Name     string         `json:"name" doc:"1 to 100 characters, unique; for FreeSWITCH the user name in the node's xml_curl gateway-credentials"`
	Kind     store.NodeKind `json:"kind"`
	Address  string         `json:"address" doc:"the node's event socket, host:port (e.g. 10.0.0.5:8021)"`
	Username string         `json:"username" required:"false" doc:"for Asterisk's ARI (planned); empty or absent for FreeSWITCH"`
	Secret   string         `json:"secret" doc:"write-only; freeswitch: at least 16 characters, the node's ESL password and its xml_curl password in one"`
	Enabled  bool           `json:"enabled" required:"false" doc:"absent means false: a disabled node is neither connected to nor served"`
}

// UpdateNodeRequest edits a node; absent fields are left alone.
type UpdateNodeRequest struct {
	SiteID   *string         `json:"site_id,omitempty"`
	Name     *string         `json:"name,omitempty"`
	Kind     *store.NodeKind `json:"kind,omitempty"`
	Address  *string         `json:"address,omitempty"`
	Username *string         `json:"username,omitempty"`
	Secret   *string         `json:"secret,omitempty"`
	Enabled  *bool           `json:"enabled,omitempty"`
}

// NodeView is a node as the API shows it: its configuration and, for an
// enabled node the controller drives, its live health (the same as in
// /readyz); health is null for a disabled node or before the call path runs.
type NodeView struct {
	store.Node
	Health *NodeState `json:"health"`
}

// nodeView adds n's live health, if the controller drives it.
func (s *Server) nodeView(n store.Node) NodeView {
	v := NodeView{Node: n}
	if ns, ok := nodesByServer.Load(s); ok && n.Enabled {
		for _, st := range ns.(NodeStates).NodeStates() {
			if st.Name == n.Name {
				v.Health = &st
				break
			}
		}
	}
	return v
}

// Nodes (FreeSWITCH and Asterisk servers) are platform resources.
func (s *Server) nodeRoutes() []route {
	p, one := "/nodes", "/nodes/:node_id"
	r, w := tenancy.PermPlatformRead, tenancy.PermPlatformWrite
	return []route{
		{method: http.MethodPost, path: p, name: "createNode", summary: "Register a media server node", scope: scopePlatform, perm: w,
			body: CreateNodeRequest{}, resp: store.Node{}, idempotent: true, status: http.StatusCreated, h: s.createNode},
		{method: http.MethodGet, path: p, name: "listNodes", summary: "List nodes with their live health", scope: scopePlatform, perm: r,
			resp: NodeView{}, list: true, status: http.StatusOK, h: s.listNodes},
		{method: http.MethodGet, path: one, name: "getNode", summary: "Get a node (never its secret) with its live health", scope: scopePlatform, perm: r,
			resp: NodeView{}, status: http.StatusOK, h: s.getNode},
		{method: http.MethodPatch, path: one, name: "updateNode", summary: "Edit a node or set a new secret", scope: scopePlatform, perm: w,
			body: UpdateNodeRequest{}, resp: store.Node{}, status: http.StatusOK, h: s.updateNode},
		{method: http.MethodDelete, path: one, name: "deleteNode", summary: "Remove a node", scope: scopePlatform, perm: w,
			status: http.StatusNoContent, h: s.deleteNode},
	}
}

func (s *Server) createNode(c *echo.Context) error {
	return createWith(c, func(ctx context.Context, in CreateNodeRequest) (store.Node, error) {
		var v checker
		v.text("username", in.Username, 0, 100)
		v.text("secret", in.Secret, 1, 256)
		v.text("address", in.Address, 1, 255)
		if in.Kind == store.NodeFreeSWITCH {
			v.nodeSecret(in.Secret)
		}
		if err := v.err(); err != nil {
			return store.Node{}, err
		}
		if err := drivenKind(in.Kind); err != nil {
			return store.Node{}, err
		}
		return s.store.CreateNode(ctx, actor(c), store.NodeInput{SiteID: in.SiteID, Name: in.Name, Kind: in.Kind,
			Address: in.Address, Username: in.Username, Secret: in.Secret, Enabled: in.Enabled})
	})
}

func (s *Server) listNodes(c *echo.Context) error {
	return list(c, s.store.ListNodes, s.nodeView)
}

func (s *Server) getNode(c *echo.Context) error {
	return getWith(c, "node_id", func(ctx context.Context, id string) (NodeView, error) {
		n, err := s.store.GetNode(ctx, id)
		return s.nodeView(n), err
	})
}

func (s *Server) updateNode(c *echo.Context) error {
	return updateWith(c, "node_id", func(ctx context.Context, id string, in UpdateNodeRequest) (store.Node, error) {
		var v checker
		v.optText("username", in.Username, 0, 100)
		v.optText("secret", in.Secret, 1, 256)
		v.optText("address", in.Address, 1, 255)
		if err := v.err(); err != nil {
			return store.Node{}, err
		}
		if in.Kind != nil {
			if err := drivenKind(*in.Kind); err != nil {
				return store.Node{}, err
			}
		}
		if in.Secret != nil {
			kind := in.Kind
			if kind == nil {
				cur, err := s.store.GetNode(ctx, id)
				if err != nil {
					return store.Node{}, err
				}
				kind = &cur.Kind
			}
			if *kind == store.NodeFreeSWITCH {
				v.nodeSecret(*in.Secret)
				if err := v.err(); err != nil {
					return store.Node{}, err
				}
			}
		}
		return s.store.UpdateNode(ctx, actor(c), id, store.NodePatch{SiteID: in.SiteID, Name: in.Name, Kind: in.Kind,
			Address: in.Address, Username: in.Username, Secret: in.Secret, Enabled: in.Enabled})
	})
}

func (s *Server) deleteNode(c *echo.Context) error {
	return deleteWith(c, "node_id", func(ctx context.Context, id string) error { return s.store.DeleteNode(ctx, actor(c), id) })
}

// drivenKind refuses a node of a kind the controller cannot drive yet: an
// Asterisk node would be stored and then silently never used, because the
// ARI adapter does not exist (planned). The store keeps the kind so rows
// written earlier still load; serve lists them as configuration problems.
func drivenKind(k store.NodeKind) error {
	if k == store.NodeAsterisk {
		return errInvalid(FieldError{Field: "kind", Problem: `"asterisk" is not driven yet: the Asterisk (ARI) adapter is planned, ` +
			`so such a node would be stored and never used; only "freeswitch" nodes are supported today`})
	}
	return nil
}

// minNodeSecret: a FreeSWITCH node's secret is both its ESL password and the
// password it presents to xml_curl, which refuses shorter ones (FreeSWITCH's
// default ESL password, ClueCon, is public).
const minNodeSecret = 16

func (v *checker) nodeSecret(secret string) {
	if len(secret) < minNodeSecret {
		v.add("secret", "must be at least %d characters for a FreeSWITCH node: it is the node's ESL password and its xml_curl password (set the same in event_socket.conf.xml and xml_curl.conf.xml; the default ClueCon is public)", minNodeSecret)
	}
}
