package api

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v5"
	"github.com/switchboard-cc/switchboard/store"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// Call detail records and recordings of the inbound call path (issue 5):
// listed and filtered per tenant, and exported as CSV.
func init() { routeGroups = append(routeGroups, (*Server).callRecordRoutes) }

func (s *Server) callRecordRoutes() []route {
	return []route{
		{method: http.MethodGet, path: "/tenants/:tenant_id/cdrs", name: "listCDRs",
			summary: "Call detail records, one per call leg, newest recorded first (order=oldest: the other way); filter with agent_id, queue_id, call_id, since, until",
			scope:   scopeTenant, perm: tenancy.PermReportsRead, resp: store.CDR{}, list: true, status: http.StatusOK, h: s.listCDRs},
		{method: http.MethodGet, path: "/tenants/:tenant_id/cdrs/export", name: "exportCDRs",
			summary: "The same records as CSV (text/csv), every page, same filters and order",
			scope:   scopeTenant, perm: tenancy.PermReportsRead, media: "text/csv", status: http.StatusOK, h: s.exportCDRs},
		{method: http.MethodGet, path: "/tenants/:tenant_id/recordings", name: "listRecordings",
			summary: "Recordings of the tenant's calls (metadata: call, node, path, start, duration)",
			scope:   scopeTenant, perm: tenancy.PermRecordingsRead, resp: store.Recording{}, list: true, status: http.StatusOK, h: s.listRecordings},
	}
}

// historyFilter reads ?agent_id=&queue_id=&call_id=&since=&until= (RFC 3339).
func historyFilter(c *echo.Context) (store.HistoryFilter, error) {
	f := store.HistoryFilter{AgentID: c.QueryParam("agent_id"), QueueID: c.QueryParam("queue_id"), CallID: c.QueryParam("call_id")}
	for name, dst := range map[string]*time.Time{"since": &f.Since, "until": &f.Until} {
		if v := c.QueryParam(name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return f, errBadField(name, "must be an RFC 3339 time such as 2026-01-02T15:04:05Z")
			}
			*dst = t
		}
	}
	return f, nil
}

func (s *Server) listCDRs(c *echo.Context) error {
	oldest, err := cdrOrder(c)
	if err != nil {
		return err
	}
	return listHistory(c, func(ctx context.Context, t tenancy.TenantID, f store.HistoryFilter, p store.Page) (store.List[store.CDR], error) {
		f.OldestFirst = oldest
		return s.store.ListCDRs(ctx, t, f, p)
	})
}

// cdrOrder reads ?order=newest (the default) or oldest.
func cdrOrder(c *echo.Context) (oldestFirst bool, err error) {
	switch c.QueryParam("order") {
	case "", "newest":
		return false, nil
	case "oldest":
		return true, nil
	}
	return false, errBadField("order", fmt.Sprintf("%q is not one of newest, oldest", c.QueryParam("order")))
}

func (s *Server) listRecordings(c *echo.Context) error { return listHistory(c, s.store.ListRecordings) }

// listHistory answers one page of a tenant's call history (CDRs,
// recordings) under the query's filter.
func listHistory[T any](c *echo.Context, fetch func(context.Context, tenancy.TenantID, store.HistoryFilter, store.Page) (store.List[T], error)) error {
	p, err := parsePage(c)
	if err != nil {
		return err
	}
	f, err := historyFilter(c)
	if err != nil {
		return err
	}
	l, err := fetch(c.Request().Context(), tenantOf(c).ID, f, p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, pageFrom(l, same[T]))
}

// cdrColumns is the CSV header; the order is part of the export format.
var cdrColumns = []string{"id", "call_id", "leg", "node_id", "caller", "access_number", "queue_id", "agent_id",
	"arrived_at", "queued_at", "offered_at", "answered_at", "ended_at", "disposition", "hangup_cause",
	"sip_hangup_cause", "recording_path"}

func (s *Server) exportCDRs(c *echo.Context) error {
	f, err := historyFilter(c)
	if err != nil {
		return err
	}
	if f.OldestFirst, err = cdrOrder(c); err != nil {
		return err
	}
	ctx, tenant := c.Request().Context(), tenantOf(c).ID
	// Read the first page before writing, so an error still gets a JSON body.
	l, err := s.store.ListCDRs(ctx, tenant, f, store.Page{Limit: 500})
	if err != nil {
		return err
	}
	setDeadline(c, false, time.Now().Add(exportWriteTimeout))
	w := c.Response()
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="cdrs.csv"`)
	w.WriteHeader(http.StatusOK)
	cw := newSafeCSV(w)
	_ = cw.Write(cdrColumns)
	for {
		for _, r := range l.Items {
			_ = cw.Write(cdrRow(r))
		}
		if l.Next == "" {
			break
		}
		if l, err = s.store.ListCDRs(ctx, tenant, f, store.Page{After: l.Next, Limit: 500}); err != nil {
			s.log.Error("CDR export cut short", "tenant", string(tenant), "err", err)
			break
		}
	}
	return cw.Flush()
}

func cdrRow(r store.CDR) []string {
	ts := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.UTC().Format(time.RFC3339Nano)
	}
	return []string{r.ID, r.CallID, r.Leg, r.NodeID, r.Caller, r.AccessNumber, r.QueueID, r.AgentID,
		r.ArrivedAt.UTC().Format(time.RFC3339Nano), ts(r.QueuedAt), ts(r.OfferedAt), ts(r.AnsweredAt), ts(r.EndedAt),
		r.Disposition, r.HangupCause, r.SIPHangupCause, r.RecordingPath}
}
