package fssimharness

import (
	"net"
	"testing"

	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/fssim"
)

// Node is the node name Start gives the simulated node in the adapter.
const Node = "fs1"

// Start runs a simulated node with cfg and the real FreeSWITCH adapter
// connected to it (node Node), with the adapter's outbound-socket listener
// on a free loopback port (socketAddr, where the node's calls connect).
// Both stop when the test ends.
func Start(t testing.TB, cfg fssim.Config) (node *fssim.Node, a *freeswitch.Adapter, socketAddr string) {
	t.Helper()
	node, err := fssim.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(node.Close)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	a, err = freeswitch.New(freeswitch.Options{
		Nodes:    []freeswitch.Node{{Name: Node, Addr: node.Addr(), Password: node.Password()}},
		Listener: ln,
	})
	if err != nil {
		ln.Close()
		t.Fatal(err)
	}
	a.Start()
	t.Cleanup(func() { a.Close() })
	return node, a, ln.Addr().String()
}
