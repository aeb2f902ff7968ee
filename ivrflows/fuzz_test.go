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

// drive runs p with inputs chosen by script bytes.
func drive(t *testing.T, p *Program, script string) {
	inputs := []Input{PlayDone{}, Timeout{}, HTTPResponse{Status: 200, Body: []byte(`{"balance":1}`)}, HTTPResponse{Err: "x"},
		QueryResult{Rows: []map[string]any{{"status": "open"}}}, QueryResult{}, LookupResult{Found: true}, LookupResult{},
		QueueResult{Answered: true, Agent: "a"}, QueueResult{}, AgentLegEnded{}, TransferResult{OK: true},
		TransferResult{}, RecordDone{Path: "/r.wav"}}
	now := t0
	s, _ := p.Start(Call{ID: "c", Caller: "1"}, now)
	for i := 0; i < len(script) && !s.Done; i++ {
		b := script[i]
		var in Input = Digit{Key: string(dtmfKeys[int(b)%len(dtmfKeys)])}
		if b >= 128 {
			in = inputs[int(b)%len(inputs)]
		}
		now = now.Add(time.Second)
		if _, err := p.Step(s, in, now); err != nil && !errors.Is(err, ErrUnexpectedInput) {
			t.Fatalf("step %T: %v", in, err)
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
