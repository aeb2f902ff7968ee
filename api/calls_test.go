package api

import (
	"context"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/store"
	"github.com/switchboard-cc/switchboard/tenancy"
)

func (e *env) insertCDR(tenant, call, agent, caller, disposition string) {
	e.t.Helper()
	at := e.clock.now()
	ans := at.Add(5 * time.Second)
	if _, err := e.store.InsertCDR(context.Background(), tenancy.TenantID(tenant), store.CDR{CallID: call, Leg: "caller", NodeID: "fs1",
		Caller: caller, AccessNumber: "+862000000", QueueID: "q1", AgentID: agent, ArrivedAt: at, AnsweredAt: &ans, EndedAt: &ans,
		Disposition: disposition, HangupCause: "NORMAL_CLEARING"}); err != nil {
		e.t.Fatal(err)
	}
}

func TestCDRsListFilterExportAndIsolation(t *testing.T) {
	e := newEnv(t)
	a, b := e.newTenant("acme", 5), e.newTenant("bolt", 5)
	e.insertCDR(a.id, "call-1", "ann", "13800000001", "answered")
	e.insertCDR(a.id, "call-2", "bob", "=HYPERLINK(\"x\")", "abandoned")
	e.insertCDR(b.id, "call-3", "zed", "13900000003", "answered")

	var page struct{ Items []store.CDR }
	e.must(e.do("GET", a.base+"/cdrs", a.admin, nil), 200, &page)
	if len(page.Items) != 2 || page.Items[0].CallID != "call-2" {
		t.Fatalf("Acme sees %+v, want its 2 newest first", page.Items)
	}
	e.must(e.do("GET", a.base+"/cdrs?order=oldest&limit=1", a.admin, nil), 200, &page)
	if len(page.Items) != 1 || page.Items[0].CallID != "call-1" {
		t.Fatalf("order=oldest: %+v", page.Items)
	}
	if r := e.do("GET", a.base+"/cdrs?order=latest", a.admin, nil); r.status != 400 || !strings.Contains(string(r.body), "order") {
		t.Fatalf("a bad order must name the field: %s", r)
	}
	e.must(e.do("GET", a.base+"/cdrs?agent_id=bob", a.admin, nil), 200, &page)
	if len(page.Items) != 1 || page.Items[0].CallID != "call-2" || page.Items[0].Disposition != "abandoned" {
		t.Fatalf("filter by agent: %+v", page.Items)
	}
	if r := e.do("GET", a.base+"/cdrs?since=yesterday", a.admin, nil); r.status != 400 || !strings.Contains(string(r.body), "since") {
		t.Fatalf("a bad time must name the field: %s", r)
	}
	// Bolt's admin cannot read Acme's records, by list or by export.
	if r := e.do("GET", a.base+"/cdrs", b.admin, nil); r.status != 404 {
		t.Fatalf("Bolt reading Acme's CDRs: want 404, got %s", r)
	}
	if r := e.do("GET", a.base+"/cdrs/export", b.admin, nil); r.status != 404 {
		t.Fatalf("Bolt exporting Acme's CDRs: want 404, got %s", r)
	}

	r := e.do("GET", a.base+"/cdrs/export", a.admin, nil)
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/csv") {
		t.Fatalf("export: %s", r)
	}
	rows, err := csv.NewReader(strings.NewReader(string(r.body))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || strings.Join(rows[0], ",") != strings.Join(cdrColumns, ",") {
		t.Fatalf("CSV: header + 2 rows expected, got %v", rows)
	}
	for _, row := range rows[1:] {
		if row[1] == "call-3" {
			t.Fatal("Bolt's call in Acme's export")
		}
		if row[1] == "call-2" && !strings.HasPrefix(row[4], "'=") {
			t.Fatalf("a formula-like caller ID must be defused, got %q", row[4])
		}
		if row[1] == "call-1" && (row[4] != "13800000001" || row[13] != "answered" || row[11] == "") {
			t.Fatalf("call-1 row: %v", row)
		}
	}
	// An agent has no report permission.
	agent := e.newUser(a, "agent9@acme.test", tenancy.RoleAgent)
	if r := e.do("GET", a.base+"/cdrs", agent, nil); r.status != 403 {
		t.Fatalf("agent reading CDRs: want 403, got %s", r)
	}
}
