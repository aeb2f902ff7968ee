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
// adapter connected to a fresh simulated node for every test.
//
// Known gap (reported): the adapter ignores node-connection events for calls
// it controls through an outbound socket, but `myevents` does not carry
// PLAYBACK_*, CHANNEL_HOLD/UNHOLD, RECORD_* or MEDIA_BUG_* (mod_event_socket's
// list; captures 04 and 05 show no PLAYBACK_START on the socket), so those
// confirmations never arrive for socket calls, on fssim as on FreeSWITCH.
func TestContract(t *testing.T) {
	const gap = "socket calls never see PLAYBACK_*/CHANNEL_HOLD/RECORD_* (not in myevents)"
	switchtest.Run(t, newAdapterHarness,
		switchtest.KnownGap("PlayCompletes", gap),
		switchtest.KnownGap("HoldUnhold", gap),
		switchtest.KnownGap("RecordStartStop", gap),
		switchtest.KnownGap("EventsInOrder", gap))
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
