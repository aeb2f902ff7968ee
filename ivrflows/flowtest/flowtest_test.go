package flowtest

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/ivrflows"
)

func readTestdata(name string) ([]byte, error) { return os.ReadFile(filepath.Join("testdata", name)) }

func runFile(t *testing.T, name string) Report {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rep, err := RunFile(f, Options{ReadFile: readTestdata})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestMainFlowCases(t *testing.T) {
	rep := runFile(t, "main.test.json")
	var out bytes.Buffer
	if err := rep.WriteText(&out); err != nil {
		t.Fatal(err)
	}
	if !rep.OK() || rep.Passed != 9 {
		t.Fatalf("report:\n%s", out.String())
	}
	vip := rep.Cases[4]
	if q := vip.Queued[0]; q.Priority != 10 || q.Data["language"] != "en" || q.Skills[0] != "sales" {
		t.Errorf("queued %+v", q)
	}
	// 20 s in queue + 120 s talk + 1.5 s to the survey key.
	if vip.Duration != 141500*time.Millisecond {
		t.Errorf("simulated duration %v", vip.Duration)
	}
	balance := rep.Cases[0]
	if got := balance.HTTPCalls[0].URL; got != "https://crm.acme.example/api/accounts/12345678" {
		t.Errorf("URL %s", got)
	}
	set := map[string]any{}
	for _, c := range balance.VarsSet {
		set[c.Name] = c.Value
	}
	if set["balance"] != 12.5 || set["account"] != "12345678" {
		t.Errorf("trace does not show the variables set: %v", set)
	}
}

func TestFailuresAreReported(t *testing.T) {
	rep := runFile(t, "failing.test.json")
	if rep.OK() || rep.Failed != 3 {
		t.Fatalf("failing file passed: %+v", rep)
	}
	wrong := strings.Join(rep.Cases[0].Failures, "\n")
	for _, want := range []string{`outcome "hangup", want "transferred"`, `ended in node`, `did not pass "balance" in order`,
		`variable balance = 3, want 4`, `1 HTTP calls, want 2`, `prompt "acme/en/nothing.wav"`, `visited "balance"`,
		`not queued to "sales"`, `survey "satisfaction"`} {
		if !strings.Contains(wrong, want) {
			t.Errorf("failures lack %q:\n%s", want, wrong)
		}
	}
	if f := rep.Cases[1].Failures; len(f) != 1 || !strings.Contains(f[0], `no HTTP stub left for node "balance"`) {
		t.Errorf("missing stub: %v", f)
	}
	if f := rep.Cases[2].Failures; len(f) != 1 || !strings.Contains(f[0], "1 scripted inputs were not used") {
		t.Errorf("unused input: %v", f)
	}
	var out bytes.Buffer
	rep.WriteText(&out)
	if !strings.Contains(out.String(), "FAIL  wrong expectations") || !strings.Contains(out.String(), "0 passed, 3 failed") {
		t.Errorf("text report:\n%s", out.String())
	}
}

const timingFlow = `{"id": "t", "start": "c", "variables": {"x": {"type": "string"}}, "nodes": [
  {"id": "c", "type": "collect", "params": {"mode": "variable", "max": 6, "variable": "x", "tries": 2,
   "first_digit_timeout_ms": 5000, "inter_digit_timeout_ms": 2000, "prompts": [{"text": {"*": "enter"}}]},
   "exits": {"ok": "end", "fail": "end"}},
  {"id": "end", "type": "hangup"}]}`

// Key timing against the digit timeouts: a key later than the first-digit
// timeout lands in the retry; a gap longer than the inter-digit timeout
// ends a variable-length entry.
func TestKeyTiming(t *testing.T) {
	p, err := ivrflows.ParseAndCompile([]byte(timingFlow), &ivrflows.Catalog{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		input []Press
		want  string
		dur   time.Duration
	}{
		{"in time", []Press{{Keys: "123", AfterMS: 1000, GapMS: 500}, {Keys: "#"}}, "123", 2000 * time.Millisecond},
		{"late first key lands in the retry", []Press{{Keys: "12#", AfterMS: 7000}}, "12", 7200 * time.Millisecond},
		{"long gap ends the entry", []Press{{Keys: "12", AfterMS: 1000, GapMS: 2500}}, "1", 3000 * time.Millisecond},
		{"reset key", []Press{{Keys: "12*34#"}}, "34", 500 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Run(p, Case{Name: tt.name, Input: tt.input})
			if r.Vars["x"] != tt.want || r.Duration != tt.dur {
				t.Fatalf("x = %q after %v, want %q after %v; failures %v", r.Vars["x"], r.Duration, tt.want, tt.dur, r.Failures)
			}
		})
	}
	// The long-gap case leaves "2" unused: the runner says so.
	r := Run(p, Case{Name: "gap", Input: []Press{{Keys: "12", AfterMS: 1000, GapMS: 2500}}})
	if r.Passed {
		t.Fatal("unused key not reported")
	}
}

func TestBadFiles(t *testing.T) {
	for name, doc := range map[string]string{
		"not json":         `{`,
		"unknown field":    `{"flow": {}, "cases": [{"name": "a"}], "extra": 1}`,
		"no flow":          `{"cases": [{"name": "a"}]}`,
		"both flows":       `{"flow": {}, "flow_file": "x", "cases": [{"name": "a"}]}`,
		"no cases":         `{"flow": {}}`,
		"bad key":          `{"flow": {}, "cases": [{"name": "a", "input": [{"keys": "1x"}]}]}`,
		"bad time":         `{"flow": {}, "cases": [{"name": "a", "time": "10am"}]}`,
		"keys and hangup":  `{"flow": {}, "cases": [{"name": "a", "input": [{"keys": "1", "hangup": true}]}]}`,
		"misspelt expect":  `{"flow": {}, "cases": [{"name": "a", "expect": {"outcom": "hangup"}}]}`,
		"unknown outcome":  `{"flow": {}, "cases": [{"name": "a", "expect": {"outcome": "hung_up"}}]}`,
		"file, no reader":  `{"flow_file": "x.json", "cases": [{"name": "a"}]}`,
		"trailing garbage": `{"flow": {}, "cases": [{"name": "a"}]} x`,
	} {
		if _, err := RunFile(strings.NewReader(doc), Options{}); !errors.Is(err, ErrBadTestFile) {
			t.Errorf("%s: %v, want ErrBadTestFile", name, err)
		}
	}
	_, err := RunFile(strings.NewReader(`{"flow": {"id": "f", "start": "a", "nodes": [{"id": "a", "type": "queue",
		"params": {"queue": "x"}, "exits": {"done": "a", "failed": "a"}}]}, "cases": [{"name": "a"}]}`), Options{})
	if !errors.Is(err, ivrflows.ErrInvalidFlow) || !strings.Contains(err.Error(), `no queue "x"`) {
		t.Errorf("invalid flow: %v", err)
	}
}

// FuzzParseFile: the test-file parser takes files from tenants' CI.
func FuzzParseFile(f *testing.F) {
	for _, name := range []string{"main.test.json", "failing.test.json"} {
		if data, err := readTestdata(name); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(`{"flow": {"id": "f", "start": "a", "nodes": [{"id": "a", "type": "hangup"}]}, "cases": [{"name": "a", "input": [{"keys": "1"}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		rep, err := RunFile(bytes.NewReader(data), Options{ReadFile: readTestdata})
		if err == nil && len(rep.Cases) == 0 {
			t.Fatal("a runnable file with no cases")
		}
	})
}

func TestRunDoc(t *testing.T) {
	doc := []byte(timingFlow)
	rep, err := RunDoc(doc, &ivrflows.Catalog{}, []Case{
		{Name: "ok", Input: []Press{{Keys: "42#"}}, Expect: Expect{Vars: map[string]any{"x": "42"}}},
		{Name: "wrong", Input: []Press{{Keys: "42#"}}, Expect: Expect{Vars: map[string]any{"x": "43"}}},
	})
	if err != nil || rep.Passed != 1 || rep.Failed != 1 || rep.OK() {
		t.Fatalf("%+v %v", rep, err)
	}
	if _, err := RunDoc(doc, &ivrflows.Catalog{}, []Case{{Name: "x", Input: []Press{{Keys: "?"}}}}); !errors.Is(err, ErrBadTestFile) {
		t.Fatalf("bad key: %v", err)
	}
	if _, err := RunDoc([]byte(`{"id": "x"}`), &ivrflows.Catalog{}, []Case{{Name: "x"}}); !errors.Is(err, ivrflows.ErrInvalidFlow) {
		t.Fatalf("invalid flow: %v", err)
	}
}

func TestOrdersFlowCases(t *testing.T) {
	rep := runFile(t, "orders.test.json")
	var out bytes.Buffer
	rep.WriteText(&out)
	if !rep.OK() || rep.Passed != 5 {
		t.Fatalf("report:\n%s", out.String())
	}
	q := rep.Cases[1].SQLQueries[1]
	if q.DataSource != "orders" || q.ReadOnly || len(q.Args) != 2 || q.Args[0] != "55555" || q.Args[1] != "recording-1.wav" {
		t.Errorf("call-back insert %+v", q)
	}
	if q := rep.Cases[0].SQLQueries[0]; !q.ReadOnly || q.Args[0] != "test" || q.MaxRows != 1 {
		t.Errorf("lookup %+v", q)
	}
}

func TestOutboundSurveyCases(t *testing.T) {
	rep := runFile(t, "outbound_survey.test.json")
	var out bytes.Buffer
	rep.WriteText(&out)
	if !rep.OK() || rep.Passed != 3 {
		t.Fatalf("report:\n%s", out.String())
	}
	post := rep.Cases[0].HTTPCalls[0]
	want := `{"language":"cmn","phone":"+8613700000002","q1":1,"q2":2,"recording":"recording-1.wav","score":1.5}`
	if post.Method != "POST" || post.URL != "https://crm.acme.example/api/surveys" || string(post.Body) != want {
		t.Errorf("POST %s %s %s", post.Method, post.URL, post.Body)
	}
	if a := rep.Cases[1].HTTPCalls; len(a) != 3 || a[2].Attempt != 3 {
		t.Errorf("retries: %+v", a)
	}
}

// TestMisspeltNodeNamesFail: a node an expectation names that the flow does
// not have fails the case, naming the nearest node it has; without it a
// misspelt not_visited passes whatever the flow does.
func TestMisspeltNodeNamesFail(t *testing.T) {
	file := `{"flow": {"id": "f", "start": "welcome", "nodes": [
	    {"id": "welcome", "type": "play", "params": {"prompts": [{"text": {"en": "Hi"}}]}, "exits": {"next": "goodbye"}},
	    {"id": "goodbye", "type": "hangup"}]},
	  "catalog": {"default_language": "en", "languages": {"en": {"voice": "en"}}},
	  "cases": [{"name": "typos", "expect": {"end_node": "goodbye", "visited": ["welcome", "goodbye"],
	    "passes": ["welcom"], "not_visited": ["goodby", "elsewhere"]}}]}`
	rep, err := RunFile(strings.NewReader(file), Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := rep.Cases[0].Failures
	want := []string{
		`expect.passes: the flow has no node "welcom" (did you mean "welcome"?)`,
		`expect.not_visited: the flow has no node "goodby" (did you mean "goodbye"?)`,
		`expect.not_visited: the flow has no node "elsewhere"`,
	}
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("failures lack %q: %q", w, got)
		}
	}
	if rep.OK() {
		t.Error("a case naming missing nodes passed")
	}
}
