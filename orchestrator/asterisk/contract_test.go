package asterisk_test

import (
	"testing"

	"github.com/switchboard-cc/switchboard/orchestrator/switchtest"
	"github.com/switchboard-cc/switchboard/orchestrator/switchtest/asimharness"
)

// TestContract runs the switchtest contract suite against the adapter
// connected to a fresh asim for every test (real time: the suite's
// durations are the harness's).
func TestContract(t *testing.T) {
	switchtest.Run(t, func(t *testing.T) switchtest.Harness { return asimharness.Start(t, 1) })
}
