package ivrflows

import (
	"os"
	"runtime"
	"testing"
)

// benchFlow loops menu -> set -> condition -> switch -> play -> menu: per
// round two inputs (a key, PlayDone) run five nodes.
var benchFlow = flowJSON(`"n": {"type": "number"}, "s": {"type": "string", "default": "abc"}`,
	`{"id": "m", "type": "menu", "params": {"prompts": [{"prompt": "main_menu"}]}, "exits": {"1": "a", "fail": "end"}}`,
	`{"id": "a", "type": "set", "params": {"assign": [{"var": "n", "expr": "n + 1"}, {"var": "s", "expr": "replace(s, 'b', 'B')"}]}, "exits": {"next": "b"}}`,
	`{"id": "b", "type": "condition", "params": {"expr": "n > 0 && length(s) == 3"}, "exits": {"true": "c", "false": "end"}}`,
	`{"id": "c", "type": "switch", "params": {"expr": "s"}, "exits": {"aBc": "d", "default": "d"}}`,
	`{"id": "d", "type": "play", "params": {"prompts": [{"prompt": "welcome"}, {"say": "number", "expr": "n"}]}, "exits": {"next": "m"}}`,
	hangupNode)

// BenchmarkStep measures the interpreter per node: nodes/s is the figure to
// hold against the target of 100,000 node steps per second per core.
func BenchmarkStep(b *testing.B) {
	p := compileJSON(b, benchFlow)
	s, _ := p.Start(Call{ID: "c", Caller: "1"}, t0)
	one, done := Digit{Key: "1"}, PlayDone{}
	b.ReportAllocs()
	b.ResetTimer()
	steps, before := 0, s.Steps
	for range b.N {
		if s.Steps > MaxNodesPerCall/2 { // a fresh call before the per-call cap
			b.StopTimer()
			steps += s.Steps - before
			s, _ = p.Start(Call{ID: "c", Caller: "1"}, t0)
			before = s.Steps
			b.StartTimer()
		}
		if _, err := p.Step(s, one, t0); err != nil {
			b.Fatal(err)
		}
		if _, err := p.Step(s, done, t0); err != nil {
			b.Fatal(err)
		}
	}
	nodes := float64(steps + s.Steps - before)
	b.ReportMetric(nodes/b.Elapsed().Seconds(), "nodes/s")
	b.ReportMetric(nodes/float64(b.N), "nodes/op")
}

// BenchmarkMainFlow runs the main fixture's account path: a menu key, eight
// digits, an HTTP response and a prompt per round.
func BenchmarkMainFlow(b *testing.B) {
	data, err := os.ReadFile("testdata/good/main.json")
	if err != nil {
		b.Fatal(err)
	}
	p := compileJSON(b, string(data))
	s := startMain(b, p)
	round := []Input{Digit{Key: "2"}}
	for _, k := range "12345678" {
		round = append(round, Digit{Key: string(k)})
	}
	round = append(round, HTTPResponse{Status: 200, Body: []byte(`{"balance": 10}`)}, PlayDone{})
	b.ReportAllocs()
	b.ResetTimer()
	steps, before := 0, s.Steps
	for range b.N {
		if s.Steps > MaxNodesPerCall/2 { // a fresh call before the per-call cap
			b.StopTimer()
			steps += s.Steps - before
			s = startMain(b, p)
			before = s.Steps
			b.StartTimer()
		}
		for _, in := range round {
			if _, err := p.Step(s, in, t0); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(steps+s.Steps-before)/b.Elapsed().Seconds(), "nodes/s")
	b.ReportMetric(float64(len(round)*b.N)/b.Elapsed().Seconds(), "inputs/s")
}

// startMain starts a call in the main fixture and brings it to the main menu.
func startMain(b *testing.B, p *Program) *State {
	s, _ := p.Start(Call{ID: "c", Caller: "1"}, t0)
	for _, in := range []Input{LookupResult{}, PlayDone{}, Digit{Key: "1"}} {
		if _, err := p.Step(s, in, t0); err != nil {
			b.Fatal(err)
		}
	}
	return s
}

// BenchmarkInstanceMemory reports the heap one live flow instance holds
// (its State after Start), the figure to multiply by concurrent calls.
func BenchmarkInstanceMemory(b *testing.B) {
	data, err := os.ReadFile("testdata/good/main.json")
	if err != nil {
		b.Fatal(err)
	}
	p := compileJSON(b, string(data))
	states := make([]*State, b.N)
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	b.ResetTimer()
	for i := range b.N {
		states[i], _ = p.Start(Call{ID: "call", Caller: "+8613800000001", Called: "4001"}, t0)
	}
	b.StopTimer()
	runtime.GC()
	runtime.ReadMemStats(&m1)
	b.ReportMetric(float64(m1.HeapAlloc-m0.HeapAlloc)/float64(b.N), "bytes/instance")
	runtime.KeepAlive(states)
}

// BenchmarkCompile measures validating and compiling the main fixture (22
// nodes), what the API pays per draft save.
func BenchmarkCompile(b *testing.B) {
	data, err := os.ReadFile("testdata/good/main.json")
	if err != nil {
		b.Fatal(err)
	}
	cat := loadCatalog(b)
	b.ReportAllocs()
	for range b.N {
		if _, err := ParseAndCompile(data, cat); err != nil {
			b.Fatal(err)
		}
	}
}
