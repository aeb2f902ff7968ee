package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

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
Exits 1 and prints the errors if the flow is invalid.
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
	data, err := os.ReadFile(args[0])
	if err != nil {
		return err
	}
	cat := &ivrflows.Catalog{}
	if len(args) > 1 {
		if cat, err = readCatalog(args[1]); err != nil {
			return err
		}
	}
	if _, err := ivrflows.ParseAndCompile(data, cat); err != nil {
		fmt.Fprintf(stdout, "%s: invalid\n%v\n", args[0], err)
		return failedError{"flow is invalid"}
	}
	fmt.Fprintf(stdout, "%s: valid\n", args[0])
	return nil
}

func readCatalog(path string) (*ivrflows.Catalog, error) {
	data, err := os.ReadFile(path)
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
// names are relative to the test file.
func testFlowFile(ctx context.Context, name string, stdout io.Writer) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	dir := filepath.Dir(name)
	rep, err := flowtest.RunFile(f, flowtest.Options{
		ReadFile: func(n string) ([]byte, error) {
			if !filepath.IsAbs(n) {
				n = filepath.Join(dir, n)
			}
			return os.ReadFile(n)
		},
		LoadLocation: time.LoadLocation,
	})
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
