package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/switchboard-cc/switchboard/ivrflows"
	"github.com/switchboard-cc/switchboard/ivrflows/flowtest"
)

const flowsUsage = `Usage:
  switchboard flows validate FLOW.json [CATALOG.json]
      Validates a flow; CATALOG lists what the tenant has (queues, prompts, ...).
  switchboard flows test TESTS.json
      Runs scripted test cases against a flow; exits 1 if any case fails.
`

// failedError makes the process exit 1 after printing a report.
type failedError struct{ msg string }

func (e failedError) Error() string { return e.msg }
func (e failedError) ExitCode() int { return 1 }

func runFlows(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) < 2 {
		fmt.Fprint(stderr, flowsUsage)
		return errors.New("flows: want a subcommand and a file")
	}
	switch args[0] {
	case "validate":
		return validateFlowFile(args[1:], stdout)
	case "test":
		return testFlowFile(ctx, args[1], stdout)
	default:
		fmt.Fprint(stderr, flowsUsage)
		return fmt.Errorf("flows: unknown subcommand %q", args[0])
	}
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
