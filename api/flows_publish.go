package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v5"
	"github.com/switchboard-cc/switchboard/ivrflows"
	"github.com/switchboard-cc/switchboard/store"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// PublishRequest publishes the draft; Alias (e.g. "live"), when set, points
// at the new version in the same transaction.
type PublishRequest struct {
	Alias string `json:"alias,omitempty"`
}

// SetAliasRequest points an alias at a published version (rollback: an
// earlier one).
type SetAliasRequest struct {
	Version int `json:"version"`
}

// FlowDiff is the node-by-node change from one version (or the draft) to another.
type FlowDiff struct {
	From    string            `json:"from"`
	To      string            `json:"to"`
	Changes []ivrflows.Change `json:"changes"`
}

func (s *Server) flowVersionRoutes(one string, r, pub tenancy.Permission) []route {
	vs := one + "/versions"
	return []route{
		{method: http.MethodPost, path: vs, name: "publishFlow", summary: "Publish the draft as the next immutable version (refused when invalid or over max_published_flows)",
			scope: scopeTenant, perm: pub, body: PublishRequest{}, bodyOptional: true, resp: store.FlowVersion{}, idempotent: true, status: http.StatusCreated, h: s.publishFlow},
		{method: http.MethodGet, path: vs, name: "listFlowVersions", summary: "List a flow's published versions, oldest first",
			scope: scopeTenant, perm: r, resp: store.FlowVersion{}, list: true, status: http.StatusOK, h: s.listFlowVersions},
		{method: http.MethodGet, path: vs + "/:version", name: "getFlowVersion", summary: "Get a published version (versions cannot be changed)",
			scope: scopeTenant, perm: r, resp: store.FlowVersion{}, status: http.StatusOK, h: s.getFlowVersion},
		{method: http.MethodPut, path: one + "/aliases/:alias", name: "setFlowAlias", summary: "Point an alias (live) at a version: go live or roll back",
			scope: scopeTenant, perm: pub, body: SetAliasRequest{}, resp: store.Flow{}, status: http.StatusOK, h: s.setFlowAlias},
		{method: http.MethodGet, path: one + "/diff", name: "diffFlow", summary: "Node-by-node diff between versions (?from=3&to=4; draft names the draft)",
			scope: scopeTenant, perm: r, resp: FlowDiff{}, status: http.StatusOK, h: s.diffFlow},
	}
}

func (s *Server) publishFlow(c *echo.Context) error {
	f, err := s.flowOf(c)
	if err != nil {
		return err
	}
	var in PublishRequest
	if err := decodeOptional(c, &in); err != nil {
		return err
	}
	doc, err := s.publishable(c.Request().Context(), f)
	if err != nil {
		return err
	}
	v, err := s.store.PublishFlow(c.Request().Context(), actor(c), f.TenantID, f.ID, store.PublishInput{Doc: doc, Alias: in.Alias})
	if err != nil {
		return flowError(err)
	}
	return created(c, strconv.Itoa(v.Number), v)
}

// publishable validates the draft against the catalog as it is now and
// returns its canonical JSON (what ivrflows' versioning freezes).
func (s *Server) publishable(ctx context.Context, f store.Flow) ([]byte, error) {
	flow, err := ivrflows.Parse(f.Draft)
	if err != nil {
		return nil, errFlowInvalid("the draft cannot be published", []ivrflows.ValidationError{{Message: err.Error()}})
	}
	problems, _, err := s.validateFlow(ctx, f.TenantID, flow)
	if err != nil {
		return nil, err
	}
	if len(problems) > 0 {
		return nil, errFlowInvalid("the draft cannot be published", problems)
	}
	return json.Marshal(flow)
}

// decodeOptional decodes a JSON object body into dst; an empty body leaves
// dst as it is.
func decodeOptional(c *echo.Context, dst any) error {
	r := c.Request()
	b, err := io.ReadAll(http.MaxBytesReader(c.Response(), r.Body, maxBodyBytes))
	if err != nil {
		return decodeError(err)
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil
	}
	r.Body = io.NopCloser(bytes.NewReader(b))
	return decodeJSON(c, dst)
}

func (s *Server) listFlowVersions(c *echo.Context) error {
	return list(c, func(ctx context.Context, p store.Page) (store.List[store.FlowVersion], error) {
		return s.store.ListFlowVersions(ctx, tenantOf(c).ID, c.Param("flow_id"), p)
	}, same[store.FlowVersion])
}

func (s *Server) getFlowVersion(c *echo.Context) error {
	_, v, err := s.flowVersionOf(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
}

// flowVersionOf finds the path's flow (in the caller's tenant) and its
// :version.
func (s *Server) flowVersionOf(c *echo.Context) (store.Flow, store.FlowVersion, error) {
	f, err := s.flowOf(c)
	if err != nil {
		return store.Flow{}, store.FlowVersion{}, err
	}
	n, err := versionParam(c.Param("version"), "version")
	if err != nil {
		return store.Flow{}, store.FlowVersion{}, err
	}
	v, err := s.store.GetFlowVersion(c.Request().Context(), f.TenantID, f.ID, n)
	return f, v, err
}

func versionParam(s, field string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0, errBadField(field, "must be a version number (1, 2, ...)")
	}
	return n, nil
}

func (s *Server) setFlowAlias(c *echo.Context) error {
	f, err := s.flowOf(c)
	if err != nil {
		return err
	}
	var in SetAliasRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	out, err := s.store.SetFlowAlias(c.Request().Context(), actor(c), f.TenantID, f.ID, c.Param("alias"), in.Version)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) diffFlow(c *echo.Context) error {
	f, err := s.flowOf(c)
	if err != nil {
		return err
	}
	from, err := s.flowAt(c, f, "from")
	if err != nil {
		return err
	}
	to, err := s.flowAt(c, f, "to")
	if err != nil {
		return err
	}
	changes := ivrflows.Diff(from, to)
	if changes == nil {
		changes = []ivrflows.Change{}
	}
	return c.JSON(http.StatusOK, FlowDiff{From: c.QueryParam("from"), To: c.QueryParam("to"), Changes: changes})
}

// flowAt parses the flow named by query parameter param: a version number
// or "draft".
func (s *Server) flowAt(c *echo.Context, f store.Flow, param string) (*ivrflows.Flow, error) {
	doc := []byte(f.Draft)
	if q := c.QueryParam(param); q != "draft" {
		n, err := versionParam(q, param)
		if err != nil {
			return nil, err
		}
		v, err := s.store.GetFlowVersion(c.Request().Context(), f.TenantID, f.ID, n)
		if err != nil {
			return nil, err
		}
		doc = v.Doc
	}
	flow, err := ivrflows.Parse(doc)
	if err != nil {
		return nil, errBadField(param, "the document does not parse: "+err.Error())
	}
	return flow, nil
}
