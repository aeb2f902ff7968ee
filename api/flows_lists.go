package api

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v5"
	"github.com/switchboard-cc/switchboard/store"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// Tenant lists (blacklist, VIP: OPS-3, OPS-4) that lookup nodes check, and
// the post-call survey scores survey nodes save (OPS-6). A list exists when
// the flow integrations declare it.

// AddListEntriesRequest adds values (phone numbers, account numbers...).
type AddListEntriesRequest struct {
	Entries []store.ListEntryInput `json:"entries"`
}

// AddListEntriesResponse says how many values were new.
type AddListEntriesResponse struct {
	Added int `json:"added"`
}

func (s *Server) flowListRoutes(r, w tenancy.Permission) []route {
	p := "/tenants/:tenant_id/lists/:list/entries"
	return []route{
		{method: http.MethodPost, path: p, name: "addListEntries", summary: "Add values to a list (blacklist, VIP...); values already there are kept",
			scope: scopeTenant, perm: w, body: AddListEntriesRequest{}, resp: AddListEntriesResponse{}, idempotent: true,
			status: http.StatusCreated, h: s.addListEntries},
		{method: http.MethodGet, path: p, name: "listListEntries", summary: "List a list's values", scope: scopeTenant, perm: r,
			resp: store.ListEntry{}, list: true, status: http.StatusOK, h: s.listListEntries},
		{method: http.MethodDelete, path: p + "/:value", name: "deleteListEntry", summary: "Remove a value from a list",
			scope: scopeTenant, perm: w, status: http.StatusNoContent, h: s.deleteListEntry},
		{method: http.MethodGet, path: "/tenants/:tenant_id/survey-scores", name: "listSurveyScores",
			summary: "Post-call survey scores (?agent_id=, ?call_id=, ?since=, ?until= RFC 3339)", scope: scopeTenant,
			perm: tenancy.PermReportsRead, resp: store.SurveyScore{}, list: true, status: http.StatusOK, h: s.listSurveyScores},
	}
}

func (s *Server) addListEntries(c *echo.Context) error {
	var in AddListEntriesRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	n, err := s.store.AddListEntries(c.Request().Context(), actor(c), tenantOf(c).ID, c.Param("list"), in.Entries)
	if err != nil {
		return err
	}
	return created(c, "", AddListEntriesResponse{Added: n})
}

func (s *Server) listListEntries(c *echo.Context) error {
	return list(c, func(ctx context.Context, p store.Page) (store.List[store.ListEntry], error) {
		return s.store.ListListEntries(ctx, tenantOf(c).ID, c.Param("list"), p)
	}, same[store.ListEntry])
}

func (s *Server) deleteListEntry(c *echo.Context) error {
	return deleteWith(c, "value", func(ctx context.Context, value string) error {
		return s.store.DeleteListEntry(ctx, actor(c), tenantOf(c).ID, c.Param("list"), value)
	})
}

func (s *Server) listSurveyScores(c *echo.Context) error {
	f := store.HistoryFilter{AgentID: c.QueryParam("agent_id"), CallID: c.QueryParam("call_id")}
	for param, dst := range map[string]*time.Time{"since": &f.Since, "until": &f.Until} {
		if v := c.QueryParam(param); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return errBadField(param, "must be an RFC 3339 time such as 2026-11-26T10:00:00+08:00")
			}
			*dst = t
		}
	}
	return list(c, func(ctx context.Context, p store.Page) (store.List[store.SurveyScore], error) {
		return s.store.ListSurveyScores(ctx, tenantOf(c).ID, f, p)
	}, same[store.SurveyScore])
}
