package fsreal

import (
	"os/exec"
	"testing"

	"github.com/switchboard-cc/switchboard/orchestrator/switchtest"
)

// TestContractRealFreeSWITCH runs the contract suite against the switch
// named by FREESWITCH_ESL (see docs/freeswitch-contract.md).
func TestContractRealFreeSWITCH(t *testing.T) {
	cfg, ok, err := FromEnv()
	if err != nil {
		t.Fatal(err)
	}
	if !ok {
		t.Skip("real FreeSWITCH contract: set FREESWITCH_ESL, FREESWITCH_ESL_PASSWORD and FREESWITCH_SOCKET_ADDR to run (docs/freeswitch-contract.md)")
	}
	if _, err := exec.LookPath(cfg.Sipp); err != nil {
		t.Fatalf("real FreeSWITCH contract needs sipp (Debian: sip-tester): %v", err)
	}
	switchtest.Run(t, func(t *testing.T) switchtest.Harness { return New(t, cfg) })
}
