package store

import (
	"fmt"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/ivrflows"
)

// BenchmarkAppendFlowTrace appends one call's batch of 20 trace entries
// (what a call session flushes), on SQLite and PostgreSQL.
func BenchmarkAppendFlowTrace(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchAppendTrace(b, openSQLite(b)) })
	b.Run("postgres", func(b *testing.B) { benchAppendTrace(b, openPostgres(b)) })
}

func benchAppendTrace(b *testing.B, s *Store) {
	tn := mkFlowTenant(b, s, "bench.example.com", 1)
	t0 := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
	entries := make([]ivrflows.TraceEntry, 20)
	for i := range entries {
		entries[i] = ivrflows.TraceEntry{Node: fmt.Sprintf("n%d", i), Type: ivrflows.NodeSet, Entered: t0, Left: t0,
			Exit: "next", Set: []ivrflows.VarChange{{Name: "x", Value: float64(i)}}}
	}
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		n++
		if err := s.AppendFlowTrace(ctx, tn, FlowTraceBatch{CallID: fmt.Sprint("call-", n), FlowID: "f", Version: 1, Entries: entries}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPublishFlow publishes a new version of a flow (quota check,
// latest-version compare, insert, audit) and reads the catalog a validation needs.
func BenchmarkPublishFlow(b *testing.B) {
	s := openSQLite(b)
	tn := mkFlowTenant(b, s, "bench.example.com", 1)
	f, err := s.CreateFlow(ctx, admin1, tn, FlowDraft{Name: "main", Doc: flowDoc("main", "x")})
	must(b, err)
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		n++
		if _, err := s.FlowCatalog(ctx, tn); err != nil {
			b.Fatal(err)
		}
		if _, err := s.PublishFlow(ctx, admin1, tn, f.ID, PublishInput{Doc: flowDoc("main", fmt.Sprint(n))}); err != nil {
			b.Fatal(err)
		}
	}
}
