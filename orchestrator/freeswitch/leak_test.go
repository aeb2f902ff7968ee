package freeswitch

import (
	"context"
	"net"
	"runtime"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/orchestrator"
)

// TestCloseStopsEveryGoroutine: after Close (and the fake's shutdown) the
// goroutine count is back where it started, with calls and a socket session
// in flight at the time.
func TestCloseStopsEveryGoroutine(t *testing.T) {
	before := runtime.NumGoroutine()
	node := newFakeNode(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	a, err := New(Options{Nodes: []Node{{Name: "fs1", Addr: node.srv.Addr(), Password: "ClueCon"}}, Listener: ln,
		BackoffMin: 10 * time.Millisecond, HealthInterval: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	a.Start()
	for ev := range a.NodeEvents() {
		if ev.Kind == orchestrator.NodeUp {
			break
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan struct{})
	inCall := make(chan struct{})
	go func() {
		defer close(served)
		a.ServeCalls(ctx, func(ctx context.Context, call orchestrator.InboundCall) {
			close(inCall)
			<-ctx.Done()
		})
	}()
	if _, _, err := a.Originate(ctxT(t), orchestrator.OriginateSpec{ID: orchestrator.NewCallID(), Node: "fs1",
		To: orchestrator.Endpoint{Kind: orchestrator.EndpointUser, User: "1000", Domain: "127.0.0.1"}}); err != nil {
		t.Fatal(err)
	}
	node.dialSocket(ln.Addr().String(), orchestrator.NewCallID())
	<-inCall
	a.Close()
	cancel()
	<-served
	node.srv.Close()
	deadline := time.Now().Add(3 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Fatalf("%d goroutines after Close, %d before\n%s", n, before, buf[:runtime.Stack(buf, true)])
	}
}
