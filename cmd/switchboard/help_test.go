package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// helpPaths walks the command table: every command and every sub.
func helpPaths(prefix []string, cmds []command) [][]string {
	var out [][]string
	for _, c := range cmds {
		p := append(append([]string(nil), prefix...), c.name)
		out = append(out, p)
		out = append(out, helpPaths(p, c.subs)...)
	}
	return out
}

// TestEveryCommandAnswersHelp runs every command of the table (so a new one
// cannot be missed) with -h and --help: exit 0, its usage printed, nothing
// run. It runs in an empty directory: a command that took -h for a file name
// or started serving would show here.
func TestEveryCommandAnswersHelp(t *testing.T) {
	t.Chdir(t.TempDir())
	paths := append(helpPaths(nil, commands), []string{})
	if len(paths) < 9 {
		t.Fatalf("command table walk found only %v", paths)
	}
	for _, p := range paths {
		for _, h := range []string{"-h", "--help"} {
			args := append(append([]string(nil), p...), h)
			t.Run(strings.Join(args, " "), func(t *testing.T) {
				var out, errb bytes.Buffer
				code := run(context.Background(), args, func(string) string { return "" }, &out, &errb)
				all := out.String() + errb.String()
				if code != 0 {
					t.Fatalf("exit %d, want 0\nstdout:\n%s\nstderr:\n%s", code, out.String(), errb.String())
				}
				want := strings.Join(append([]string{"Usage: switchboard"}, p...), " ")
				if !strings.Contains(all, want) {
					t.Errorf("want %q in the output, got:\n%s", want, all)
				}
				if strings.Contains(all, "switchboard: ") && !strings.Contains(all, "Usage") {
					t.Errorf("help reported an error:\n%s", all)
				}
				if entries, _ := os.ReadDir("."); len(entries) != 0 {
					t.Errorf("help created files: %v", entries)
				}
			})
		}
	}
}

// TestFlowsTestTakesAFileNamedLikeAFlagAfterDashDash: `--` ends the flags,
// so a file really named -h can still be tested.
func TestFlowsTestTakesAFileNamedLikeAFlagAfterDashDash(t *testing.T) {
	src, err := filepath.Abs(filepath.Join("..", "..", "ivrflows", "flowtest", "testdata"))
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(src, "main.test.json"))
	if err != nil {
		t.Fatal(err)
	}
	var tests map[string]any
	if err := json.Unmarshal(data, &tests); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"flow_file", "catalog_file"} { // relative to the test file: make them absolute
		tests[k] = filepath.Join(src, tests[k].(string))
	}
	data, _ = json.Marshal(tests)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "-h"), data, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"flows", "test", "--", "-h"}, func(string) string { return "" }, &out, &errb)
	if code != 0 || !strings.Contains(out.String(), "PASS") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out.String(), errb.String())
	}
}

func TestUnknownOrMissingCommandIsAUsageError(t *testing.T) {
	for _, args := range [][]string{nil, {"serv"}, {"flows"}, {"flows", "lint", "x"}, {"sim", "nodes"}, {"flows", "test"}} {
		var out, errb bytes.Buffer
		if code := run(context.Background(), args, func(string) string { return "" }, &out, &errb); code != 2 {
			t.Errorf("%v: exit %d, want 2\nstderr:\n%s", args, code, errb.String())
		}
		if !strings.Contains(errb.String(), "Usage: switchboard") {
			t.Errorf("%v: want the usage on stderr, got:\n%s", args, errb.String())
		}
	}
}

// TestGroupUsageListsEverySub: `switchboard flows -h`, `switchboard sim -h`
// (and the top level) exit 0 listing each of their commands with its
// summary, so `sim` shows `demo` beside `node`.
func TestGroupUsageListsEverySub(t *testing.T) {
	groups := []command{{name: "", subs: commands}}
	for _, c := range commands {
		if len(c.subs) > 0 {
			groups = append(groups, c)
		}
	}
	if len(groups) < 3 {
		t.Fatalf("want the top level, flows and sim, got %d groups", len(groups))
	}
	for _, g := range groups {
		var args []string
		if g.name != "" {
			args = append(args, g.name)
		}
		var out, errb bytes.Buffer
		if code := run(context.Background(), append(args, "-h"), func(string) string { return "" }, &out, &errb); code != 0 {
			t.Errorf("%v -h: exit %d\n%s", args, code, errb.String())
		}
		for _, sub := range g.subs {
			if !strings.Contains(out.String(), "  "+sub.name+" ") || !strings.Contains(out.String(), sub.summary) {
				t.Errorf("%v -h does not list %s (%s):\n%s", args, sub.name, sub.summary, out.String())
			}
		}
	}
	var out, errb bytes.Buffer
	run(context.Background(), []string{"sim", "-h"}, func(string) string { return "" }, &out, &errb)
	if !strings.Contains(out.String(), "  demo ") {
		t.Errorf("sim -h does not list demo:\n%s", out.String())
	}
}
