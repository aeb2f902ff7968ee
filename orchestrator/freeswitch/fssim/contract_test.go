package fssim_test

import (
	"net"
	"testing"

	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch"
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
	node, err := fssim.Start(fssim.Config{Hostname: "fssim-contract", Heartbeat: -1,
		Dialplan: map[string][]fssim.DialplanApp{"9199": fssimharness.TransferExtension}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(node.Close)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	a, err := freeswitch.New(freeswitch.Options{
		Nodes:    []freeswitch.Node{{Name: "fs1", Addr: node.Addr(), Password: node.Password()}},
		Listener: ln,
	})
	if err != nil {
		t.Fatal(err)
	}
	a.Start()
	t.Cleanup(func() { a.Close() })
	return &fssimharness.Harness{Sim: node, NodeName: "fs1", SocketAddr: ln.Addr().String(), SW: a, Acc: a, W: a}
}
