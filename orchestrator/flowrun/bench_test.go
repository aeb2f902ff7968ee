package flowrun

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/ivrflows"

	"github.com/switchboard-cc/switchboard/orchestrator"
)

// benchSwitch answers every verb at once: what remains is the executor's
// own cost (and the interpreter's, measured alone in ivrflows).
type benchSwitch struct{}

func (benchSwitch) Answer(context.Context, orchestrator.Key) error    { return nil }
func (benchSwitch) PreAnswer(context.Context, orchestrator.Key) error { return nil }
func (benchSwitch) Play(context.Context, orchestrator.Key, orchestrator.Playback) error {
	return nil
}
func (benchSwitch) StopPlay(context.Context, orchestrator.Key) error            { return nil }
func (benchSwitch) RecordStart(context.Context, orchestrator.Key, string) error { return nil }
func (benchSwitch) RecordStop(context.Context, orchestrator.Key, string) error  { return nil }
func (benchSwitch) Hangup(context.Context, orchestrator.Key, orchestrator.HangupCause) error {
	return nil
}

const benchFlow = `{"id": "main", "name": "B", "start": "welcome",
 "variables": {"n": {"type": "number"}},
 "nodes": [
  {"id": "welcome", "type": "play", "params": {"prompts": [{"prompt": "welcome"}]}, "exits": {"next": "menu"}},
  {"id": "menu", "type": "menu", "params": {"prompts": [{"prompt": "main"}], "tries": 1}, "exits": {"1": "count", "fail": "bye"}},
  {"id": "count", "type": "set", "params": {"assign": [{"var": "n", "expr": "n + 1"}]}, "exits": {"next": "check"}},
  {"id": "check", "type": "condition", "params": {"expr": "n > 0"}, "exits": {"true": "orders", "false": "bye"}},
  {"id": "orders", "type": "play", "params": {"prompts": [{"prompt": "orders"}]}, "exits": {"next": "bye"}},
  {"id": "bye", "type": "hangup", "params": {}}
 ]}`

// BenchmarkExecutorStep runs a whole call (6 nodes: two plays with their
// playback goroutines, a menu answered by a key event, set, condition,
// hang-up) against a switch that answers at once, with trace batching on.
func BenchmarkExecutorStep(b *testing.B) {
	prog := compileFlow(b, benchFlow)
	r, err := New(Config{Switch: benchSwitch{}, Traces: &sinks{}})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	events := make(chan orchestrator.Event, 1)
	call := orchestrator.InboundCall{Key: orchestrator.Key{Node: "fs1", ID: "c"}, From: "1", To: "2", Events: events}
	b.ReportAllocs()
	b.ResetTimer()
	nodes := 0
	for i := 0; i < b.N; i++ {
		events <- orchestrator.Event{Kind: orchestrator.EventDTMF, Digit: "1"}
		o, err := r.Run(ctx, call, prog, acme)
		if err != nil || o.Trace != 6 {
			b.Fatalf("%+v %v", o, err)
		}
		nodes += o.Trace
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(nodes), "ns/node")
}

// BenchmarkCoreOnly drives the same call through the interpreter alone
// (same inputs, no switch, no trace), so the executor's own cost per node is
// the difference with BenchmarkExecutorStep.
func BenchmarkCoreOnly(b *testing.B) {
	prog := compileFlow(b, benchFlow)
	inputs := []ivrflows.Input{ivrflows.PlayDone{}, ivrflows.Digit{Key: "1"}, ivrflows.PlayDone{}}
	b.ReportAllocs()
	nodes := 0
	for i := 0; i < b.N; i++ {
		now := time.Now()
		s, res := prog.Start(ivrflows.Call{ID: "c", Tenant: "acme", Caller: "1", Called: "2"}, now)
		nodes += len(res.Trace)
		for _, in := range inputs {
			res, _ = prog.Step(s, in, now)
			nodes += len(res.Trace)
		}
		if !s.Done || nodes != 6*(i+1) {
			b.Fatalf("flow not done after its inputs: %+v, %d nodes", s, nodes)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(nodes), "ns/node")
}

// BenchmarkSuspendedMemory is the memory a call holds while its flow waits
// at a queue hand-off (interpreter state, trace buffer, bookkeeping).
func BenchmarkSuspendedMemory(b *testing.B) {
	prog := compileFlow(b, queueFlow)
	r, err := New(Config{Switch: benchSwitch{}})
	if err != nil {
		b.Fatal(err)
	}
	const n = 1000
	held := make([]*Suspended, n)
	var before, after runtime.MemStats
	for i := 0; i < b.N; i++ {
		runtime.GC()
		runtime.ReadMemStats(&before)
		for j := range held {
			call := orchestrator.InboundCall{Key: orchestrator.Key{Node: "fs1", ID: "c"}, From: "+8613800000001", To: "4000"}
			o, err := r.Run(context.Background(), call, prog, acme)
			if err != nil || o.Suspend == nil {
				b.Fatal(o, err)
			}
			held[j] = o.Suspend
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/n, "B/instance")
		clear(held)
	}
}
