package ivrflows

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// FuzzParseAndCompile feeds arbitrary documents to the parser and compiler,
// then drives whatever compiles with keys, timeouts and results: nothing may
// panic, and Step may only fail with the documented errors.
func FuzzParseAndCompile(f *testing.F) {
	files, _ := filepath.Glob("testdata/*/*.json")
	for _, name := range files {
		if data, err := os.ReadFile(name); err == nil {
			f.Add(data, "12#*3")
		}
	}
	f.Add([]byte(`{"id":"x","start":"a","nodes":[{"id":"a","type":"hangup"}]} trailing`), "")
	cat := loadCatalog(f)
	f.Fuzz(func(t *testing.T, data []byte, script string) {
		p, err := ParseAndCompile(data, cat)
		if err != nil {
			if !errors.Is(err, ErrBadJSON) && !errors.Is(err, ErrInvalidFlow) {
				t.Fatalf("error matches neither ErrBadJSON nor ErrInvalidFlow: %v", err)
			}
			return
		}
		drive(t, p, script)
	})
}

// answers are plausible results for what a flow waits for.
var answers = map[phase][]Input{
	waitPlay:  {PlayDone{}},
	waitDigit: {Timeout{}},
	waitHTTP: {HTTPResponse{Status: 200, Body: []byte(`{"balance": 1, "ticket": "T"}`)}, HTTPResponse{Status: 503},
		HTTPResponse{Err: "refused"}, HTTPResponse{Status: 200, Body: []byte(`[1]`)}},
	waitSQL: {QueryResult{Rows: []map[string]any{{"status": "open", "rush": true}}}, QueryResult{},
		QueryResult{Rows: []map[string]any{{"status": "shipped"}}}, QueryResult{Err: "timeout"}},
	waitLookup:   {LookupResult{Found: true}, LookupResult{}},
	waitQueue:    {QueueResult{Answered: true, Agent: "a"}, QueueResult{Reason: "closed"}},
	waitAgentLeg: {AgentLegEnded{}},
	waitTransfer: {TransferResult{OK: true}, TransferResult{}},
	waitRecord:   {RecordDone{Path: "/r.wav"}, RecordDone{Err: "disk full"}},
}

// drive runs p with inputs chosen by script bytes: below 128 a key, 255 the
// caller hanging up, else an answer to what the flow waits for (or, 1 in 8,
// a wrong one).
func drive(t *testing.T, p *Program, script string) {
	now := t0
	s, res := p.Start(Call{ID: "c", Caller: "1"}, now)
	trace := res.Trace
	for i := 0; i < len(script) && !s.Done; i++ {
		b := script[i]
		var in Input
		switch opts := answers[s.Phase]; {
		case b < 128:
			in = Digit{Key: string(dtmfKeys[int(b)%len(dtmfKeys)])}
		case b == 255:
			in = CallerHangup{}
		case b%8 == 0 || len(opts) == 0:
			in = answers[waitHTTP][int(b)%len(answers[waitHTTP])]
		default:
			in = opts[int(b)%len(opts)]
		}
		now = now.Add(time.Second)
		res, err := p.Step(s, in, now)
		if err != nil && !errors.Is(err, ErrUnexpectedInput) {
			t.Fatalf("step %T: %v", in, err)
		}
		trace = append(trace, res.Trace...)
	}
	checkTraceChain(t, p, trace)
}

// checkTraceChain: each traced node is where the previous one's exit led.
func checkTraceChain(t *testing.T, p *Program, trace []TraceEntry) {
	byID := map[string]*CompiledNode{}
	for _, n := range p.Nodes {
		byID[n.ID] = n
	}
	if len(trace) > 0 && trace[0].Node != p.StartNode {
		t.Fatalf("trace starts at %s, not %s", trace[0].Node, p.StartNode)
	}
	for i := 1; i < len(trace); i++ {
		prev := trace[i-1]
		exits := byID[prev.Node].Exits
		target, ok := exits[prev.Exit]
		if fb := fallbackExits[prev.Exit]; !ok && fb != "" {
			target = exits[fb]
		}
		if target != trace[i].Node {
			t.Fatalf("trace: %s left by %q, then %s (want %s)", prev.Node, prev.Exit, trace[i].Node, target)
		}
	}
}

// FuzzExpr compiles and runs arbitrary expressions against flow variables:
// no panics, and results stay within the limits.
func FuzzExpr(f *testing.F) {
	for _, s := range []string{"n + 1", "replace(s, 'a', 'b')", "length(s) > 3 ? 'long' : 'short'",
		"join(map(1..100, s), '')", "upper(s) + string(n * 2)", "split(s, ',')[int(n)]", "1..1000000",
		"repeat('x', 1000)", "toJSON({'a': s})", "n / 0", "filter(1..10, # % 2 == 0)", "fromJSON(s)"} {
		f.Add(s, "ab,c", 2.5)
	}
	f.Fuzz(func(t *testing.T, src, s string, n float64) {
		env := map[string]any{"s": "", "n": 0.0, "b": false}
		start := time.Now()
		defer func() {
			if d := time.Since(start); d > 2*time.Second {
				t.Fatalf("%q took %v", src, d)
			}
		}()
		e, err := CompileExpr(src, env)
		if err != nil {
			return
		}
		out, err := e.Eval(map[string]any{"s": s, "n": n, "b": true})
		if err != nil {
			return
		}
		if str, ok := out.(string); ok && len(str) > MaxStringResult {
			t.Fatalf("result of %d bytes passed the limit", len(str))
		}
	})
}
