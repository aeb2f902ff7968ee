package freeswitch

import (
	"context"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/orchestrator"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/esl"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/fssim"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/internal/fakefs"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/socketauth"
)

// socketClient plays a `socket` connection from a chosen local IP: it
// answers connect with a channel carrying token (none if ""), +OK to the
// rest, and records the commands it got.
type socketClient struct {
	cmds chan string   // every command line, in order
	done chan struct{} // closed when the connection has ended
}

func dialSocketFrom(t *testing.T, from, addr, id, token string) *socketClient {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: 5 * time.Second}
	nc, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c := &socketClient{cmds: make(chan string, 64), done: make(chan struct{})}
	go func() {
		defer close(c.done)
		fakefs.ServeOutbound(nc, func(s *fakefs.Session, cmd *esl.Frame) {
			c.cmds <- cmd.Line
			switch cmd.Line {
			case "connect":
				f := fakefs.ReplyFrame(esl.Escape("+OK\n"), "Socket-Mode", "async", "Control", "full")
				data := []esl.Header{{Name: "Event-Name", Value: "CHANNEL_DATA"}, {Name: "Unique-ID", Value: id},
					{Name: "Caller-Caller-ID-Number", Value: "13800000000"}, {Name: "Caller-Destination-Number", Value: "9100"},
					{Name: "variable_sb_tenant", Value: "acme"}}
				if token != "" {
					data = append(data, esl.Header{Name: "variable_" + socketauth.Var, Value: token})
				}
				f.Headers = append(data, f.Headers...)
				s.Write(f)
			case "exit":
			default:
				s.Reply("+OK")
			}
		})
	}()
	return c
}

// ended waits for the controller to close the connection and returns the
// commands it sent.
func (c *socketClient) ended(t *testing.T) []string {
	t.Helper()
	select {
	case <-c.done:
	case <-time.After(10 * time.Second):
		t.Fatal("the controller kept the refused socket open")
	}
	close(c.cmds)
	var out []string
	for l := range c.cmds {
		out = append(out, l)
	}
	return out
}

// authHarness is the fake node fs1 on 127.0.0.1 plus fs2 configured on
// 127.0.0.2 (never connected: only its sockets matter), with a handler that
// reports every call it is given.
func authHarness(t *testing.T) (*harness, <-chan orchestrator.InboundCall) {
	h := newHarness(t, func(o *Options) {
		o.Nodes = append(o.Nodes, Node{Name: "fs2", Addr: "127.0.0.2:1", Password: "fs2-secret-0123456789"})
	})
	calls := make(chan orchestrator.InboundCall, 4)
	h.serve(func(ctx context.Context, in orchestrator.InboundCall) {
		calls <- in
		h.a.Hangup(ctx, in.Key, "")
	})
	return h, calls
}

func noCall(t *testing.T, calls <-chan orchestrator.InboundCall) {
	t.Helper()
	select {
	case in := <-calls:
		t.Fatalf("a refused socket reached the call handler: %+v", in.Key)
	default:
	}
}

// TestSocketRefusedFromUnknownAddress: a client at an address where no node
// is configured is closed before a single command, with the log line and the
// metric, even with a valid token of some node.
func TestSocketRefusedFromUnknownAddress(t *testing.T) {
	h, calls := authHarness(t)
	h.a.SetNodes([]Node{{Name: "fs2", Addr: "127.0.0.2:1", Password: "fs2-secret-0123456789"}}) // fs1 (127.0.0.1) gone
	c := dialSocketFrom(t, "127.0.0.1", h.ln.Addr().String(), orchestrator.NewCallID(), socketauth.Token("fs2", "fs2-secret-0123456789"))
	if cmds := c.ended(t); len(cmds) != 0 {
		t.Fatalf("the controller talked to a stranger: %q", cmds)
	}
	noCall(t, calls)
	if st := h.a.Stats(); st.SocketsRefusedAddress != 1 || st.Calls != 0 {
		t.Fatalf("stats %+v, want one address refusal and no call", st)
	}
	for _, want := range []string{"outbound socket refused", "peer=127.0.0.1:", "reason=address"} {
		if !strings.Contains(h.logs.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, h.logs)
		}
	}
}

// TestSocketRefusedWithoutNodeToken: from a node's address, a socket with no
// token, a wrong one, or the token of a node at another address is refused
// after connect: its channel is killed with CALL_REJECTED, no call is
// tracked, no handler runs. The right token from the right address is
// accepted and named after its node.
func TestSocketRefusedWithoutNodeToken(t *testing.T) {
	h, calls := authHarness(t)
	addr := h.ln.Addr().String()
	for i, tc := range []struct{ name, from, token string }{
		{"no token", "127.0.0.1", ""},
		{"wrong secret", "127.0.0.1", socketauth.Token("fs1", "not-the-secret")},
		{"fs2's token from fs1's address", "127.0.0.1", socketauth.Token("fs2", "fs2-secret-0123456789")},
		{"fs1's token from fs2's address", "127.0.0.2", socketauth.Token("fs1", "ClueCon")},
	} {
		id := orchestrator.NewCallID()
		cmds := dialSocketFrom(t, tc.from, addr, id, tc.token).ended(t)
		if len(cmds) != 2 || cmds[0] != "connect" || cmds[1] != "api uuid_kill "+id+" CALL_REJECTED" {
			t.Errorf("%s: commands %q, want connect then the channel killed", tc.name, cmds)
		}
		noCall(t, calls)
		if st := h.a.Stats(); st.SocketsRefusedToken != uint64(i+1) || st.Calls != 0 {
			t.Errorf("%s: stats %+v", tc.name, st)
		}
	}
	if !strings.Contains(h.logs.String(), "reason=token") {
		t.Errorf("no refusal logged:\n%s", h.logs)
	}
	for _, tc := range []struct{ from, node, secret string }{{"127.0.0.2", "fs2", "fs2-secret-0123456789"}, {"127.0.0.1", "fs1", "ClueCon"}} {
		id := orchestrator.NewCallID()
		dialSocketFrom(t, tc.from, addr, id, socketauth.Token(tc.node, tc.secret))
		select {
		case in := <-calls:
			if in.Key.Node != tc.node || in.Key.ID != id {
				t.Errorf("accepted call %v, want %s/%s", in.Key, tc.node, id)
			}
			if _, leaked := in.Vars[socketauth.Var]; leaked {
				t.Errorf("the token reached the call path: %v", in.Vars)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s's socket with its token was not accepted", tc.node)
		}
	}
}

// TestSocketsFollowSetNodes: the accepted sockets follow the node list: a
// node added through SetNodes is accepted, its old token is refused once its
// secret changes (and the new one accepted), and a removed node is refused.
func TestSocketsFollowSetNodes(t *testing.T) {
	sim := startSim(t, "")
	a, ln, calls := startEmpty(t)
	place := func(secret string) *fssim.Call {
		t.Helper()
		c, err := sim.PlaceCall(ctxT(t), ln.Addr().String(), fssim.IncomingCall{From: "1000", To: "9000",
			Vars: map[string]string{socketauth.Var: socketauth.Token("fs1", secret)}}) // as fs1's dialplan sets it
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	accepted := func(c *fssim.Call) {
		t.Helper()
		select {
		case in := <-calls:
			if in.Key != (orchestrator.Key{Node: "fs1", ID: c.UUID()}) {
				t.Fatalf("call %v", in.Key)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the call was not accepted")
		}
	}
	// A refused token kills the channel (CALL_REJECTED); a refused address
	// only closes the socket, and fssim clears the call as FreeSWITCH does
	// after a failed socket with nothing after it (NORMAL_CLEARING).
	refused := func(c *fssim.Call, stat func(Stats) uint64, want uint64, cause string) {
		t.Helper()
		waitUntil(t, "refusal counted", func() bool { return stat(a.Stats()) == want })
		waitUntil(t, "refused call cleared", func() bool { return c.Info().HangupCause != "" })
		if got := c.Info().HangupCause; got != cause {
			t.Errorf("refused call ended with %s, want %s", got, cause)
		}
		noCall(t, calls)
	}
	byToken := func(s Stats) uint64 { return s.SocketsRefusedToken }
	byAddress := func(s Stats) uint64 { return s.SocketsRefusedAddress }

	refused(place(sim.Password()), byAddress, 1, "NORMAL_CLEARING") // no node yet
	nodes := func(secret string) []Node { return []Node{{Name: "fs1", Addr: sim.Addr(), Password: secret}} }
	if _, err := a.SetNodes(nodes(sim.Password())); err != nil {
		t.Fatal(err)
	}
	accepted(place(sim.Password()))
	// A new secret (the ESL password stays the simulator's: its inbound
	// connection fails, which does not matter to sockets).
	if _, err := a.SetNodes(nodes("rotated-secret-0123456789")); err != nil {
		t.Fatal(err)
	}
	refused(place(sim.Password()), byToken, 1, "CALL_REJECTED")
	accepted(place("rotated-secret-0123456789"))
	if _, err := a.SetNodes(nil); err != nil {
		t.Fatal(err)
	}
	refused(place("rotated-secret-0123456789"), byAddress, 2, "NORMAL_CLEARING")
}

// TestSocketFrameCap: 20 sockets from a node's address that each answer
// connect with a frame declaring 64 MiB are each closed with a log line,
// reach no handler, and leave the heap about where it was (the old reader
// allocated the 64 MiB of each at once: 1.35 GB).
func TestSocketFrameCap(t *testing.T) {
	h, calls := authHarness(t)
	const conns = 20
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	done := make([]chan struct{}, conns)
	for i := range done {
		nc, err := net.Dial("tcp", h.ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		done[i] = make(chan struct{})
		go func() {
			defer close(done[i])
			fakefs.ServeOutbound(nc, func(s *fakefs.Session, cmd *esl.Frame) {
				if cmd.Line == "connect" {
					s.WriteRaw([]byte("Content-Type: command/reply\nContent-Length: 67108864\n\n+OK"))
				}
			})
		}()
	}
	for i, d := range done {
		select {
		case <-d:
		case <-time.After(10 * time.Second):
			t.Fatalf("socket %d declaring 64 MiB is still open", i)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	noCall(t, calls)
	// TotalAlloc counts every allocation, even one already collected.
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 16<<20 {
		t.Errorf("%d MiB allocated for %d declared 64 MiB frames, want under 16 MiB", grew>>20, conns)
	} else {
		t.Logf("allocated while refusing %d declared 64 MiB frames: %d KiB", conns, grew>>10)
	}
	if n := strings.Count(h.logs.String(), "beyond the limits"); n != conns {
		t.Errorf("%d oversized-frame log lines, want %d:\n%s", n, conns, h.logs)
	}
}
