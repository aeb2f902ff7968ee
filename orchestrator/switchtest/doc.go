// Package switchtest is the contract suite every orchestrator.Switch
// implementation must pass: Run(t, newHarness) with a Harness that makes
// callers arrive, registers phones and loses the node. It runs against fssim
// with the FreeSWITCH adapter in CI (fssimharness) and against a real
// FreeSWITCH when FREESWITCH_ESL is set (fsreal). Only tests import it.
package switchtest
