package fssim_test

import (
	"testing"

	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/fssim"
	"github.com/switchboard-cc/switchboard/orchestrator/switchtest"
	"github.com/switchboard-cc/switchboard/orchestrator/switchtest/fssimharness"
)

// TestContract runs the switchtest contract suite against the FreeSWITCH
// adapter connected to a fresh simulated node for every test. Every case
// must pass: `myevents` carries no PLAYBACK_*, CHANNEL_HOLD/UNHOLD or
// RECORD_* to an outbound socket (captures 04 and 05), so the adapter also
// subscribes them on the socket, keeping all of a call's events on one
// connection and in order.
func TestContract(t *testing.T) {
	switchtest.Run(t, newAdapterHarness)
}

func newAdapterHarness(t *testing.T) switchtest.Harness {
	node, a, sock := fssimharness.Start(t, fssim.Config{Hostname: "fssim-contract", Heartbeat: -1,
		Dialplan: map[string][]fssim.DialplanApp{"9199": fssimharness.TransferExtension}})
	return &fssimharness.Harness{Sim: node, NodeName: fssimharness.Node, SocketAddr: sock, SW: a, Acc: a, W: a}
}
