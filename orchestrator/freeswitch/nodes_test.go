package freeswitch

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/syncbuf"
	"github.com/switchboard-cc/switchboard/orchestrator"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/fssim"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/socketauth"
)

// connProxy stands between the adapter and a simulated node: it counts the
// connections open through it (so a test sees the adapter hang up) and can
// be pointed at another node, as when a FreeSWITCH is reinstalled behind the
// same address.
type connProxy struct {
	ln     net.Listener
	wg     sync.WaitGroup
	mu     sync.Mutex
	target string
	conns  map[net.Conn]bool // client side of each open pair
	tap    io.Writer         // setTap
}

func newConnProxy(t *testing.T, target string) *connProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &connProxy{ln: ln, target: target, conns: map[net.Conn]bool{}}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(p.close)
	return p
}

// setTap has every byte the node sends on connections opened from now on
// copied to w too.
func (p *connProxy) setTap(w io.Writer) {
	p.mu.Lock()
	p.tap = w
	p.mu.Unlock()
}

func (p *connProxy) addr() string { return p.ln.Addr().String() }

func (p *connProxy) accept() {
	defer p.wg.Done()
	for {
		in, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		out, err := net.Dial("tcp", p.target)
		if err != nil {
			p.mu.Unlock()
			in.Close()
			continue
		}
		p.conns[in] = true
		var toClient io.Writer = in
		if p.tap != nil {
			toClient = io.MultiWriter(in, p.tap)
		}
		p.mu.Unlock()
		p.wg.Add(2)
		go p.pipe(in, out, toClient, in)
		go p.pipe(out, in, out, in)
	}
}

// pipe copies src to w until either side ends, then closes dst and src.
func (p *connProxy) pipe(dst, src net.Conn, w io.Writer, client net.Conn) {
	defer p.wg.Done()
	io.Copy(w, src)
	dst.Close()
	src.Close()
	p.mu.Lock()
	delete(p.conns, client)
	p.mu.Unlock()
}

func (p *connProxy) open() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.conns)
}

// retarget sends new connections to target and cuts the open ones.
func (p *connProxy) retarget(target string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.target = target
	for c := range p.conns {
		c.Close()
	}
}

func (p *connProxy) close() {
	p.ln.Close()
	p.retarget("")
	p.wg.Wait()
}

func startSim(t *testing.T, password string) *fssim.Node {
	t.Helper()
	sim, err := fssim.Start(fssim.Config{Password: password, Heartbeat: -1, Speed: 20})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	return sim
}

// startEmpty starts an adapter with no node and serves its calls: each
// inbound call is sent on the returned channel and then released.
func startEmpty(t *testing.T) (*Adapter, net.Listener, <-chan orchestrator.InboundCall) {
	t.Helper()
	logs := &syncbuf.Buffer{}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	a, err := New(Options{Listener: ln, CommandTimeout: 5 * time.Second,
		Logger:     slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		BackoffMin: 10 * time.Millisecond, BackoffMax: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	a.Start()
	calls := make(chan orchestrator.InboundCall, 4)
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan struct{})
	go func() {
		defer close(served)
		a.ServeCalls(ctx, func(_ context.Context, in orchestrator.InboundCall) { calls <- in })
	}()
	t.Cleanup(func() {
		cancel()
		a.Close()
		<-served
		if t.Failed() {
			t.Logf("adapter log:\n%s", logs.String())
		}
	})
	return a, ln, calls
}

// upDown returns the next NodeUp or NodeDown, skipping other node events.
func upDown(t *testing.T, a *Adapter) orchestrator.NodeEvent {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case ev := <-a.NodeEvents():
			if ev.Kind == orchestrator.NodeUp || ev.Kind == orchestrator.NodeDown {
				return ev
			}
		case <-timeout:
			t.Fatal("no NodeUp or NodeDown")
		}
	}
}

func wantUpDown(t *testing.T, a *Adapter, kind orchestrator.NodeEventKind, node, reason string) {
	t.Helper()
	if ev := upDown(t, a); ev.Kind != kind || ev.Node != node || !strings.Contains(ev.Reason, reason) {
		t.Fatalf("node event %+v, want kind %d of %s with reason %q", ev, kind, node, reason)
	}
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out: %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func wantChanges(t *testing.T, got NodeChanges, err error, want NodeChanges) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Added, want.Added) || !slices.Equal(got.Changed, want.Changed) || !slices.Equal(got.Removed, want.Removed) {
		t.Fatalf("changes %+v, want %+v", got, want)
	}
}

// originate rings a phone registered on the simulated node and returns the
// answered leg's stream.
func originate(t *testing.T, a *Adapter, sim *fssim.Node, user string) <-chan orchestrator.Event {
	t.Helper()
	if err := sim.RegisterPhone(user, "example.com", fssim.PhoneScript{AnswerAfter: 20 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	_, events, err := a.Originate(ctxT(t), orchestrator.OriginateSpec{ID: orchestrator.NewCallID(), Node: "fs1",
		To: orchestrator.Endpoint{Kind: orchestrator.EndpointUser, User: user, Domain: "example.com"}, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatalf("originate over fs1: %v", err)
	}
	return events
}

func TestSetNodesAddsANodeToAnAdapterStartedWithout(t *testing.T) {
	sim := startSim(t, "")
	a, ln, calls := startEmpty(t)
	ch, err := a.SetNodes([]Node{{Name: "fs1", Addr: sim.Addr(), Password: sim.Password()}})
	wantChanges(t, ch, err, NodeChanges{Added: []string{"fs1"}})
	wantUpDown(t, a, orchestrator.NodeUp, "fs1", "")

	// Calls work both ways: a caller on the node reaches the handler as
	// fs1's call, and the controller originates over fs1's connection.
	caller, err := sim.PlaceCall(ctxT(t), ln.Addr().String(), fssim.IncomingCall{From: "1000", To: "9000",
		Vars: map[string]string{socketauth.Var: socketauth.Token("fs1", sim.Password())}}) // as fs1's dialplan sets it
	if err != nil {
		t.Fatal(err)
	}
	select {
	case in := <-calls:
		if in.Key.Node != "fs1" || in.Key.ID != caller.UUID() {
			t.Fatalf("inbound call %v, want fs1/%s", in.Key, caller.UUID())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the caller never reached the handler")
	}
	originate(t, a, sim, "1001")

	// The same list again changes nothing (no reconnect).
	ch, err = a.SetNodes([]Node{{Name: "fs1", Addr: sim.Addr(), Password: sim.Password()}})
	wantChanges(t, ch, err, NodeChanges{})
	if st := a.Stats(); st.NodesUp != 1 {
		t.Fatalf("nodes up %d after an unchanged list", st.NodesUp)
	}
}

func TestSetNodesReconnectsWithANewPassword(t *testing.T) {
	old := startSim(t, "alpha-secret")
	proxy := newConnProxy(t, old.Addr())
	a, _, _ := startEmpty(t)
	ch, err := a.SetNodes([]Node{{Name: "fs1", Addr: proxy.addr(), Password: "alpha-secret"}})
	wantChanges(t, ch, err, NodeChanges{Added: []string{"fs1"}})
	wantUpDown(t, a, orchestrator.NodeUp, "fs1", "")

	// The node is reinstalled with a new ESL password: the adapter loses it
	// and cannot log in again until the operator enters the new password.
	fresh := startSim(t, "bravo-secret")
	proxy.retarget(fresh.Addr())
	wantUpDown(t, a, orchestrator.NodeDown, "fs1", "")
	ch, err = a.SetNodes([]Node{{Name: "fs1", Addr: proxy.addr(), Password: "bravo-secret"}})
	wantChanges(t, ch, err, NodeChanges{Changed: []string{"fs1"}})
	wantUpDown(t, a, orchestrator.NodeUp, "fs1", "")
	originate(t, a, fresh, "1001")

	// A change to a node that is up: its NodeDown comes before the new NodeUp.
	ch, err = a.SetNodes([]Node{{Name: "fs1", Addr: proxy.addr(), Password: "bravo-secret", Switchname: "fs-paris-1"}})
	wantChanges(t, ch, err, NodeChanges{Changed: []string{"fs1"}})
	wantUpDown(t, a, orchestrator.NodeDown, "fs1", errNodeChanged.Error())
	wantUpDown(t, a, orchestrator.NodeUp, "fs1", "")
	waitUntil(t, "one connection to the node", func() bool { return proxy.open() == 1 })
}

// TestSetNodesRemovalClosesAndLeaksNothing: removing a node that is up
// reports NodeDown, closes its connection, ends the calls followed over it,
// and leaves no goroutine behind while the adapter keeps running.
func TestSetNodesRemovalClosesAndLeaksNothing(t *testing.T) {
	sim := startSim(t, "")
	proxy := newConnProxy(t, sim.Addr())
	a, _, _ := startEmpty(t)
	before := runtime.NumGoroutine()

	ch, err := a.SetNodes([]Node{{Name: "fs1", Addr: proxy.addr(), Password: sim.Password()}})
	wantChanges(t, ch, err, NodeChanges{Added: []string{"fs1"}})
	wantUpDown(t, a, orchestrator.NodeUp, "fs1", "")
	leg := originate(t, a, sim, "1001")

	ch, err = a.SetNodes(nil)
	wantChanges(t, ch, err, NodeChanges{Removed: []string{"fs1"}})
	wantUpDown(t, a, orchestrator.NodeDown, "fs1", errNodeRemoved.Error())
	waitUntil(t, "the node's connection closed", func() bool { return proxy.open() == 0 })
	if got := kinds(t, leg); len(got) == 0 || got[len(got)-1] != "ended" {
		t.Fatalf("the removed node's call stream: %v, want it to end", got)
	}
	if _, _, err := a.Originate(ctxT(t), orchestrator.OriginateSpec{ID: orchestrator.NewCallID(), Node: "fs1",
		To: orchestrator.Endpoint{Kind: orchestrator.EndpointUser, User: "1001", Domain: "example.com"}}); err == nil {
		t.Fatal("originate on a removed node succeeded")
	}
	if st := a.Stats(); st.NodesUp != 0 || st.Calls != 0 {
		t.Fatalf("after removal: %+v", st)
	}
	for _, c := range sim.Calls() {
		sim.Kill(c.UUID, "NORMAL_CLEARING") // the leg is still up on the node; its goroutines are the node's
	}
	waitGoroutines(t, before)
}

func TestSetNodesBeforeStartAndAfterClose(t *testing.T) {
	sim := startSim(t, "")
	a, err := New(Options{BackoffMin: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	ch, err := a.SetNodes([]Node{{Name: "fs1", Addr: sim.Addr(), Password: sim.Password()}})
	wantChanges(t, ch, err, NodeChanges{Added: []string{"fs1"}})
	a.Start()
	wantUpDown(t, a, orchestrator.NodeUp, "fs1", "")

	// A bad list is refused whole; the node stays.
	bad := []Node{{Name: "fs2", Addr: "127.0.0.1:1"}, {Name: "fs2", Addr: "127.0.0.1:2"}}
	if _, err := a.SetNodes(bad); !errors.Is(err, ErrConfig) {
		t.Fatalf("duplicate names: %v", err)
	}
	if _, err := a.SetNodes([]Node{{Name: "fs3"}}); !errors.Is(err, ErrConfig) {
		t.Fatalf("no address: %v", err)
	}
	if st := a.Stats(); st.NodesUp != 1 {
		t.Fatalf("a refused list changed the nodes: %+v", st)
	}
	a.Close()
	if _, err := a.SetNodes(nil); !errors.Is(err, ErrAdapterClosed) {
		t.Fatalf("SetNodes after Close: %v", err)
	}
}

// waitGoroutines waits until no more goroutines run than before.
func waitGoroutines(t *testing.T, before int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Fatalf("%d goroutines, %d before\n%s", n, before, buf[:runtime.Stack(buf, true)])
	}
}
