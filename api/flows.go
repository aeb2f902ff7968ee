package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/labstack/echo/v5"
	"github.com/switchboard-cc/switchboard/ivrflows"
	"github.com/switchboard-cc/switchboard/store"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// IVR flows (issue 6): drafts validated against the tenant's catalog on
// every save, immutable published versions, aliases calls follow ("live"),
// diffs, scripted test runs, and the traces of live calls.

// FlowDocument is a flow document as ivrflows reads it. The OpenAPI document
// refers to the flow JSON Schema served at /api/v1/flow-schema.json for it.
type FlowDocument json.RawMessage

// MarshalJSON writes the document as is.
func (d FlowDocument) MarshalJSON() ([]byte, error) { return json.RawMessage(d).MarshalJSON() }

// openAPISchema points at the flow schema: it is JSON Schema 2020-12, which
// an OpenAPI 3.0 document cannot embed, and external $refs are not allowed.
func (FlowDocument) openAPISchema() map[string]any {
	return map[string]any{"type": "object", "description": "An IVR flow document; its JSON Schema is " + apiPrefix + "/flow-schema.json",
		"externalDocs": map[string]any{"description": "Flow document JSON Schema", "url": apiPrefix + "/flow-schema.json"}}
}

func init() { routeGroups = append(routeGroups, (*Server).flowRoutes, (*Server).promptRoutes) }

func (s *Server) flowRoutes() []route {
	p := "/tenants/:tenant_id/flows"
	one := p + "/:flow_id"
	r, w, pub := tenancy.PermFlowsRead, tenancy.PermFlowsWrite, tenancy.PermFlowsPublish
	rs := []route{
		{method: http.MethodGet, path: "/flow-schema.json", name: "getFlowSchema", summary: "JSON Schema of flow documents",
			scope: scopeAuthed, media: "application/schema+json", status: http.StatusOK, h: s.getFlowSchema},
		{method: http.MethodPost, path: p, name: "createFlow", summary: "Create a flow from a draft document (422 lists its problems per node; it is saved anyway)",
			scope: scopeTenant, perm: w, body: FlowDocument{}, resp: store.Flow{}, idempotent: true, status: http.StatusCreated, h: s.createFlow},
		{method: http.MethodGet, path: p, name: "listFlows", summary: "List flows", scope: scopeTenant, perm: r,
			resp: store.Flow{}, list: true, status: http.StatusOK, h: s.listFlows},
		{method: http.MethodGet, path: one, name: "getFlow", summary: "Get a flow: draft, its problems, versions and aliases",
			scope: scopeTenant, perm: r, resp: store.Flow{}, status: http.StatusOK, h: s.getFlow},
		{method: http.MethodPut, path: one, name: "saveFlowDraft", summary: "Save a flow's draft (422 lists its problems per node; it is saved anyway)",
			scope: scopeTenant, perm: w, body: FlowDocument{}, resp: store.Flow{}, status: http.StatusOK, h: s.saveFlowDraft},
		{method: http.MethodDelete, path: one, name: "deleteFlow", summary: "Delete a flow and its versions (refused while an access number routes to it)",
			scope: scopeTenant, perm: w, status: http.StatusNoContent, h: s.deleteFlow},
	}
	rs = append(rs, s.flowVersionRoutes(one, r, pub)...)
	rs = append(rs, s.flowRunRoutes(one, w)...)
	rs = append(rs, s.flowIntegrationRoutes(r, w)...)
	rs = append(rs, s.flowListRoutes(r, w)...)
	return append(rs, s.flowTraceRoutes(r)...)
}

func (s *Server) getFlowSchema(c *echo.Context) error {
	return c.Blob(http.StatusOK, "application/schema+json", ivrflows.Schema)
}

// flowOf loads the path's flow of the request's tenant: every flow route
// starts here, so another tenant's flow is a 404 before anything else.
func (s *Server) flowOf(c *echo.Context) (store.Flow, error) {
	return s.store.GetFlow(c.Request().Context(), tenantOf(c).ID, c.Param("flow_id"))
}

// readDraft reads and parses a flow document body (strict: unknown fields
// are refused by ivrflows.Parse).
func readDraft(c *echo.Context) ([]byte, *ivrflows.Flow, error) {
	body, err := io.ReadAll(http.MaxBytesReader(c.Response(), c.Request().Body, ivrflows.MaxFlowBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, nil, &Error{Status: http.StatusRequestEntityTooLarge, Code: "body_too_large",
				Message: fmt.Sprintf("a flow document is at most %d bytes", ivrflows.MaxFlowBytes)}
		}
		return nil, nil, errBadField("body", "could not be read")
	}
	f, err := ivrflows.Parse(body)
	if err != nil {
		return nil, nil, errBadField("body", err.Error())
	}
	return body, f, nil
}

// validateFlow compiles f against the tenant's catalog and returns its
// problems (none: valid).
func (s *Server) validateFlow(ctx context.Context, tenant tenancy.TenantID, f *ivrflows.Flow) ([]ivrflows.ValidationError, *ivrflows.Program, error) {
	cat, err := s.store.FlowCatalog(ctx, tenant)
	if err != nil {
		return nil, nil, err
	}
	p, err := ivrflows.Compile(f, cat)
	var verrs ivrflows.ValidationErrors
	switch {
	case err == nil:
		return nil, p, nil
	case errors.As(err, &verrs):
		return verrs, nil, nil
	}
	return []ivrflows.ValidationError{{Message: err.Error()}}, nil, nil
}

// errFlowInvalid is the 422 listing a flow's problems by node.
func errFlowInvalid(msg string, problems []ivrflows.ValidationError) *Error {
	return &Error{Status: http.StatusUnprocessableEntity, Code: "flow_invalid",
		Message: fmt.Sprintf("%s: %d problem(s), first: %s", msg, len(problems), problems[0].Error()), Details: problems}
}

// draftAnswer answers a save: the flow when valid, else 422 with the
// problems (the draft is kept; it cannot be published until fixed). The
// save is done, so even the 422 is replayed to a retry with the same
// Idempotency-Key (markCommitted).
func draftAnswer(c *echo.Context, status int, f store.Flow) error {
	markCommitted(c)
	c.Response().Header().Set("Location", apiPrefix+"/tenants/"+string(f.TenantID)+"/flows/"+f.ID)
	if !f.DraftValid {
		return errFlowInvalid("draft saved with problems", f.DraftErrors)
	}
	return c.JSON(status, f)
}

// checkedDraft reads the request's flow and checks it against the tenant's
// catalog: a draft to save, with its problems (saved anyway).
func (s *Server) checkedDraft(c *echo.Context) (store.FlowDraft, error) {
	body, f, err := readDraft(c)
	if err != nil {
		return store.FlowDraft{}, err
	}
	problems, _, err := s.validateFlow(c.Request().Context(), tenantOf(c).ID, f)
	if err != nil {
		return store.FlowDraft{}, err
	}
	return store.FlowDraft{Name: f.ID, Doc: body, Errors: problems}, nil
}

func (s *Server) createFlow(c *echo.Context) error {
	d, err := s.checkedDraft(c)
	if err != nil {
		return err
	}
	saved, err := s.store.CreateFlow(c.Request().Context(), actor(c), tenantOf(c).ID, d)
	if err != nil {
		return err
	}
	return draftAnswer(c, http.StatusCreated, saved)
}

func (s *Server) saveFlowDraft(c *echo.Context) error {
	cur, err := s.flowOf(c)
	if err != nil {
		return err
	}
	d, err := s.checkedDraft(c)
	if err != nil {
		return err
	}
	saved, err := s.store.SaveFlowDraft(c.Request().Context(), actor(c), tenantOf(c).ID, cur.ID, d)
	if err != nil {
		return err
	}
	return draftAnswer(c, http.StatusOK, saved)
}

func (s *Server) listFlows(c *echo.Context) error {
	return list(c, func(ctx context.Context, p store.Page) (store.List[store.Flow], error) {
		return s.store.ListFlows(ctx, tenantOf(c).ID, p)
	}, same[store.Flow])
}

// getFlow revalidates the draft against the catalog as it is now (a queue
// or prompt it names may have gone since it was saved), so draft_valid
// says whether it can be published.
func (s *Server) getFlow(c *echo.Context) error {
	f, err := s.flowOf(c)
	if err != nil {
		return err
	}
	flow, err := ivrflows.Parse(f.Draft)
	if err != nil {
		return err // saved drafts always parse
	}
	problems, _, err := s.validateFlow(c.Request().Context(), f.TenantID, flow)
	if err != nil {
		return err
	}
	f.DraftValid, f.DraftErrors = len(problems) == 0, problems
	if f.DraftErrors == nil {
		f.DraftErrors = []ivrflows.ValidationError{}
	}
	return c.JSON(http.StatusOK, f)
}

func (s *Server) deleteFlow(c *echo.Context) error {
	return deleteWith(c, "flow_id", func(ctx context.Context, id string) error {
		return flowError(s.store.DeleteFlow(ctx, actor(c), tenantOf(c).ID, id))
	})
}

// flowError maps the store's flow sentinels (409); others pass through (a
// flow in use is storeError's, like a queue in use).
func flowError(err error) error {
	switch {
	case errors.Is(err, store.ErrFlowUnchanged):
		return &Error{Status: http.StatusConflict, Code: "flow_unchanged", Message: err.Error(), Cause: err}
	}
	return err
}
