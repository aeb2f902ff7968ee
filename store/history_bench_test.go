package store

import (
	"fmt"
	"syscall"
	"testing"
	"time"
)

// processCPU is this process's CPU time (user + system): on PostgreSQL the
// server's work is left out, which is what the controller pays.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportPerRow reports the process CPU per row since cpu0 (wall time on a
// shared machine says little).
func reportPerRow(b *testing.B, cpu0 time.Duration, rows int) {
	b.ReportMetric(float64((processCPU(b)-cpu0).Microseconds())/float64(b.N*rows), "cpu-µs/row")
}

// BenchmarkInsertCDRs writes one batch of CDRs of a tenant (what the
// controller's CDR writer does every 50 ms under load: a call is about two
// legs), on SQLite and PostgreSQL. Reported per batch and per row.
func BenchmarkInsertCDRs(b *testing.B) {
	for _, n := range []int{2, 10, 100} {
		b.Run(fmt.Sprintf("sqlite/rows=%d", n), func(b *testing.B) { benchInsertCDRs(b, openSQLite(b), n) })
		b.Run(fmt.Sprintf("postgres/rows=%d", n), func(b *testing.B) { benchInsertCDRs(b, openPostgres(b), n) })
	}
}

func benchInsertCDRs(b *testing.B, s *Store, n int) {
	tn := mkTenant(b, s, "bench.example.com", 1)
	t0 := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
	ans, end := t0.Add(3*time.Second), t0.Add(40*time.Second)
	rows := make([]CDR, n)
	b.ReportAllocs()
	cpu0 := processCPU(b)
	for i := 0; b.Loop(); i++ {
		for j := range rows {
			rows[j] = CDR{NodeID: "fs1", CallID: fmt.Sprint("call-", i, "-", j/2), Leg: "caller", Caller: "+8613800000000",
				AccessNumber: "+8620000001", QueueID: "q1", AgentID: "ag1", ArrivedAt: t0, QueuedAt: &t0, OfferedAt: &t0,
				AnsweredAt: &ans, EndedAt: &end, Disposition: "answered", HangupCause: "NORMAL_CLEARING", SIPHangupCause: "200"}
		}
		if _, err := s.InsertCDRs(ctx, tn.ID, rows); err != nil {
			b.Fatal(err)
		}
	}
	reportPerRow(b, cpu0, n)
}

// BenchmarkAppendAgentStates writes one flush of agent-state history (an
// ACD owner's batch every second: about five transitions a call).
func BenchmarkAppendAgentStates(b *testing.B) {
	for _, n := range []int{10, 100} {
		b.Run(fmt.Sprintf("sqlite/rows=%d", n), func(b *testing.B) { benchAppendStates(b, openSQLite(b), n) })
		b.Run(fmt.Sprintf("postgres/rows=%d", n), func(b *testing.B) { benchAppendStates(b, openPostgres(b), n) })
	}
}

func benchAppendStates(b *testing.B, s *Store, n int) {
	tn := mkTenant(b, s, "bench.example.com", 1)
	t0 := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
	rows := make([]AgentStateChange, n)
	b.ReportAllocs()
	cpu0 := processCPU(b)
	for b.Loop() {
		for j := range rows {
			rows[j] = AgentStateChange{AgentID: fmt.Sprint("ag", j%7), FromState: "ready", ToState: "reserved", Event: "offer", At: t0}
		}
		if err := s.AppendAgentStates(ctx, tn.ID, rows); err != nil {
			b.Fatal(err)
		}
	}
	reportPerRow(b, cpu0, n)
}
