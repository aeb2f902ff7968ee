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
// adapter connected to a fresh simulated node for every test. `myevents`
// carries no PLAYBACK_*, CHANNEL_HOLD/UNHOLD or RECORD_* to an outbound
// socket (captures 04 and 05), so the adapter takes those for socket calls
// from the node's inbound connection: confirmations work, but their order
// against the socket's own events is not guaranteed (a PLAYBACK_STOP can
// trail the socket's hangup and is then dropped as late). Known gap until
// the adapter subscribes to them on the socket itself.
func TestContract(t *testing.T) {
	switchtest.Run(t, newAdapterHarness,
		switchtest.KnownGap("EventsInOrder", "socket calls: PLAYBACK_* arrive over the node connection, unordered against the socket's events"))
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
