package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFlowsTestCommandPassesAndFails(t *testing.T) {
	src := filepath.Join("..", "..", "ivrflows", "flowtest", "testdata")
	for _, tc := range []struct {
		file string
		code int
	}{{"main.test.json", 0}, {"failing.test.json", 1}} {
		if _, err := os.Stat(filepath.Join(src, tc.file)); err != nil {
			t.Fatalf("fixture missing: %v", err)
		}
		var out, errb bytes.Buffer
		code := run(context.Background(), []string{"flows", "test", filepath.Join(src, tc.file)}, func(string) string { return "" }, &out, &errb)
		if code != tc.code {
			t.Errorf("%s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", tc.file, code, tc.code, out.String(), errb.String())
		}
		if !strings.Contains(out.String(), "PASS") && !strings.Contains(out.String(), "FAIL") {
			t.Errorf("%s: no per-case report:\n%s", tc.file, out.String())
		}
	}
}

func TestFlowsValidateRejectsBadFlow(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"name":"x","nodes":{"a":{"type":"no_such_type"}},"start":"a"}`), 0o600)
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"flows", "validate", bad}, func(string) string { return "" }, &out, &errb); code != 1 {
		t.Fatalf("exit %d, want 1; out %s err %s", code, out.String(), errb.String())
	}
	if !strings.Contains(out.String(), "invalid") {
		t.Fatalf("want the errors printed, got %s", out.String())
	}
}

// runFlows runs `switchboard flows args...` and returns its exit code and
// what it printed on stdout and stderr.
func runFlows(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), append([]string{"flows"}, args...), func(string) string { return "" }, &out, &errb)
	return code, out.String(), errb.String()
}

// TestFlowsCommandsSayWhatIsWrong: a flow given to `flows test` (and a test
// file to `flows validate`) is named as such with the command to use; a
// JSON syntax error names the file, line and column, for the flow, the test
// file and the files a test file names; `flows validate` prints one problem
// a line under their count; a misspelt node name suggests the nearest node.
func TestFlowsCommandsSayWhatIsWrong(t *testing.T) {
	testdata := filepath.Join("..", "..", "ivrflows", "testdata")
	flow := filepath.Join(testdata, "good", "main.json")
	tests := filepath.Join("..", "..", "ivrflows", "flowtest", "testdata", "main.test.json")
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	broken := write("broken.json", "{\n  \"id\": \"x\",\n  \"nodes\": [\n    {\"id\": \"a\",, }\n  ]\n}\n")
	truncated := write("truncated.json", "{\"id\": \"x\",\n \"start\": \"a\"")
	brokenFlowTest := write("broken.test.json", `{"flow_file": "broken.json", "cases": [{"name": "c"}]}`)
	misspelt := filepath.Join(testdata, "bad", "misspelt_node.json")
	absMisspelt, err := filepath.Abs(misspelt)
	if err != nil {
		t.Fatal(err)
	}
	misspeltTest := write("misspelt.test.json", `{"flow_file": "`+absMisspelt+`", "cases": [{"name": "c"}]}`)

	for _, tt := range []struct {
		name   string
		args   []string
		code   int
		stdout []string // each in stdout
		stderr []string // each in stderr
	}{
		{"a flow given to test", []string{"test", flow}, 1, nil,
			[]string{flow + " is a flow, not a flow test file", "switchboard flows validate " + flow}},
		{"a test file given to validate", []string{"validate", tests}, 1, nil,
			[]string{tests + " is a flow test file, not a flow", "switchboard flows test " + tests}},
		{"syntax error in a flow", []string{"validate", broken}, 1, nil,
			[]string{broken + ":4:16: not valid JSON: invalid character ','"}},
		{"end of input", []string{"validate", truncated}, 1, nil, []string{truncated + ":2:14: not valid JSON: unexpected end"}},
		{"syntax error in a test file", []string{"test", broken}, 1, nil, []string{broken + ":4:16: not valid JSON"}},
		{"syntax error in a test file's flow", []string{"test", brokenFlowTest}, 1, nil, []string{broken + ":4:16: not valid JSON"}},
		{"syntax error in a catalog", []string{"validate", flow, broken}, 1, nil, []string{broken + ":4:16: not valid JSON"}},
		{"one problem a line", []string{"validate", misspelt}, 1, []string{
			misspelt + ": invalid, 3 problems:\n",
			"\n  the start node \"welcom\" does not exist (did you mean \"welcome\"?)\n",
			"\n  node welcome: exit \"next\" leads to node \"goodby\", which does not exist (did you mean \"goodbye\"?)\n",
		}, nil},
		{"a test file's invalid flow, one problem a line", []string{"test", misspeltTest}, 1, []string{
			absMisspelt + ": invalid, 3 problems:\n", "\n  node welcome: exit \"next\" leads to node \"goodby\"",
		}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := runFlows(t, tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d", code, tt.code)
			}
			for _, w := range tt.stdout {
				if !strings.Contains(out, w) {
					t.Errorf("stdout lacks %q:\n%s", w, out)
				}
			}
			for _, w := range tt.stderr {
				if !strings.Contains(errs, w) {
					t.Errorf("stderr lacks %q:\n%s", w, errs)
				}
			}
		})
	}
}
