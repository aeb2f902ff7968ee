package main

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/syncbuf"
	"github.com/switchboard-cc/switchboard/orchestrator/calls"
	"github.com/switchboard-cc/switchboard/store"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// TestCDRWriterBatches: the writer stores every queued CDR by Close, a
// tenant whose batch fails loses only its own records (logged), and a CDR
// that comes after Close is still written.
func TestCDRWriterBatches(t *testing.T) {
	ctx := context.Background()
	st, err := openStore(ctx, serveConfig{Database: "sqlite:" + t.TempDir() + "/sb.db"}, bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ten, err := st.CreateTenant(ctx, store.SystemActor, store.TenantInput{Name: "acme", SIPDomain: "acme.example", Language: "en",
		TimeZone: "UTC", Quotas: tenancy.Quotas{MaxAgents: 1, MaxPSTNCalls: 1}})
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncbuf.Buffer{}
	w := newCDRWriter(storeRecords{st}, slog.New(slog.NewTextHandler(logs, nil)))
	at := time.Now()
	cdr := func(tenant tenancy.TenantID, id, leg string) calls.CDR {
		return calls.CDR{Tenant: tenant, Node: "fs1", CallID: id, Leg: leg, Arrived: at, Ended: at.Add(time.Second), Disposition: calls.Answered}
	}
	for _, c := range []calls.CDR{cdr(ten.ID, "c1", "caller"), cdr("nope", "lost", "caller"), cdr(ten.ID, "c1", "agent"), cdr(ten.ID, "c2", "caller")} {
		if err := w.WriteCDR(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	w.Close()
	stored := func() []string {
		l, err := st.ListCDRs(ctx, ten.ID, store.HistoryFilter{OldestFirst: true}, store.Page{Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range l.Items {
			got = append(got, r.CallID+"/"+r.Leg)
		}
		return got
	}
	if got := strings.Join(stored(), " "); got != "c1/caller c1/agent c2/caller" {
		t.Fatalf("after Close, stored %q; want the three acme legs in order", got)
	}
	if !strings.Contains(logs.String(), "CDR not stored") || !strings.Contains(logs.String(), "call=lost") {
		t.Fatalf("the failed record was not logged: %s", logs)
	}
	if err := w.WriteCDR(ctx, cdr(ten.ID, "c3", "caller")); err != nil {
		t.Fatal(err)
	}
	if got := stored(); len(got) != 4 || got[3] != "c3/caller" {
		t.Fatalf("a CDR after Close: stored %v", got)
	}
}
