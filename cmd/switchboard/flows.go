package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/switchboard-cc/switchboard/ivrflows"
	"github.com/switchboard-cc/switchboard/ivrflows/flowtest"
)

// flowsCommands are `switchboard flows validate|test`.
var flowsCommands = []command{
	{name: "validate", summary: "check a flow file: flows validate FLOW.json [CATALOG.json]", run: runFlowsValidate},
	{name: "test", summary: "run a flow's scripted test cases: flows test TESTS.json", run: runFlowsTest},
}

const flowsValidateUsage = `Usage: switchboard flows validate FLOW.json [CATALOG.json]

Validates a flow; CATALOG lists what the tenant has (queues, prompts, ...).
Exits 1 and prints the problems, one a line, if the flow is invalid.
`

const flowsTestUsage = `Usage: switchboard flows test TESTS.json

Runs scripted test cases against a flow; exits 1 if any case fails. The flow
and catalog files named in TESTS.json are relative to it.
`

// failedError makes the process exit 1 after printing a report.
type failedError struct{ msg string }

func (e failedError) Error() string { return e.msg }
func (e failedError) ExitCode() int { return 1 }

func runFlowsValidate(_ context.Context, args []string, _ func(string) string, stdout, stderr io.Writer) error {
	files, err := parseArgs("flows validate", flowsValidateUsage, args, stderr)
	if err != nil {
		return err
	}
	if len(files) < 1 || len(files) > 2 {
		fmt.Fprint(stderr, flowsValidateUsage)
		return usageError{"flows validate: want FLOW.json and at most one CATALOG.json"}
	}
	return validateFlowFile(files, stdout)
}

func runFlowsTest(ctx context.Context, args []string, _ func(string) string, stdout, stderr io.Writer) error {
	files, err := parseArgs("flows test", flowsTestUsage, args, stderr)
	if err != nil {
		return err
	}
	if len(files) != 1 {
		fmt.Fprint(stderr, flowsTestUsage)
		return usageError{"flows test: want one TESTS.json"}
	}
	return testFlowFile(ctx, files[0], stdout)
}

func validateFlowFile(args []string, stdout io.Writer) error {
	data, err := readJSONFile(args[0])
	if err != nil {
		return err
	}
	if looksLike(data, "cases") && !looksLike(data, "nodes") {
		return fmt.Errorf("%s is a flow test file, not a flow: run `switchboard flows test %s`", args[0], args[0])
	}
	cat := &ivrflows.Catalog{}
	if len(args) > 1 {
		if cat, err = readCatalog(args[1]); err != nil {
			return err
		}
	}
	p, err := ivrflows.ParseAndCompile(data, cat)
	if err != nil {
		return flowProblems(stdout, args[0], err)
	}
	fmt.Fprintf(stdout, "%s: valid\n", args[0])
	for _, w := range p.Warnings {
		fmt.Fprintf(stdout, "  warning: %s\n", w.Error())
	}
	return nil
}

// flowProblems prints why the flow in file is invalid, one problem a line
// under a count, and returns the error that exits 1.
func flowProblems(w io.Writer, file string, err error) error {
	var ves ivrflows.ValidationErrors
	problems := []string{err.Error()}
	if errors.As(err, &ves) {
		problems = problems[:0]
		for _, ve := range ves {
			problems = append(problems, ve.Error())
		}
	}
	fmt.Fprintf(w, "%s: invalid, %d problem%s:\n", file, len(problems), plural(len(problems)))
	for _, p := range problems {
		fmt.Fprintf(w, "  %s\n", p)
	}
	return failedError{"flow is invalid"}
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// readJSONFile reads a JSON file; one that is not well-formed JSON is an
// error naming the file, line and column of the mistake.
func readJSONFile(name string) ([]byte, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	return data, jsonSyntax(name, data)
}

// jsonSyntax reports where data stops being JSON, as NAME:LINE:COLUMN
// (both from 1, the column in characters), or nil.
func jsonSyntax(name string, data []byte) error {
	var v any
	err := json.Unmarshal(data, &v)
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		return nil // well-formed; anything else is the parser's to report
	}
	at := int(se.Offset)
	if at > 0 && at <= len(data) && !strings.Contains(se.Error(), "end of JSON input") {
		at-- // Offset is just past the offending character
	}
	before := data[:min(at, len(data))]
	line := bytes.Count(before, []byte("\n")) + 1
	col := utf8.RuneCount(before[bytes.LastIndexByte(before, '\n')+1:]) + 1
	return fmt.Errorf("%s:%d:%d: not valid JSON: %s", name, line, col, se.Error())
}

// looksLike reports whether data is a JSON object with the top-level key:
// a flow has "nodes", a flow test file "cases".
func looksLike(data []byte, key string) bool {
	var top map[string]json.RawMessage
	if json.Unmarshal(data, &top) != nil {
		return false
	}
	_, ok := top[key]
	return ok
}

func readCatalog(path string) (*ivrflows.Catalog, error) {
	data, err := readJSONFile(path)
	if err != nil {
		return nil, err
	}
	cat, err := ivrflows.ParseCatalog(data)
	if err != nil {
		return nil, fmt.Errorf("catalog %s: %w", path, err)
	}
	cat.LoadLocation = time.LoadLocation
	return cat, nil
}

// testFlowFile runs a tenant's flow test file; flow_file and catalog_file
// names are relative to the test file. A flow given instead of a test file
// is named as such.
func testFlowFile(ctx context.Context, name string, stdout io.Writer) error {
	data, err := readJSONFile(name)
	if err != nil {
		return err
	}
	if looksLike(data, "nodes") && !looksLike(data, "cases") {
		return fmt.Errorf("%s is a flow, not a flow test file: `switchboard flows validate %s` checks it; "+
			"a test file names it in flow_file and lists cases (ivrflows/flowtest/README.md)", name, name)
	}
	dir := filepath.Dir(name)
	resolve := func(n string) string {
		if !filepath.IsAbs(n) {
			n = filepath.Join(dir, n)
		}
		return n
	}
	rep, err := flowtest.RunFile(bytes.NewReader(data), flowtest.Options{
		ReadFile:     func(n string) ([]byte, error) { return readJSONFile(resolve(n)) },
		LoadLocation: time.LoadLocation,
	})
	var ves ivrflows.ValidationErrors
	if errors.As(err, &ves) { // the flow under test is invalid
		var head struct {
			FlowFile string `json:"flow_file"`
		}
		flow := name + " (its inline flow)"
		if json.Unmarshal(data, &head) == nil && head.FlowFile != "" {
			flow = resolve(head.FlowFile)
		}
		return flowProblems(stdout, flow, err)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if err := rep.WriteText(stdout); err != nil {
		return err
	}
	if !rep.OK() {
		return failedError{fmt.Sprintf("%d of %d flow test cases failed", rep.Failed, len(rep.Cases))}
	}
	return nil
}
