package fssim

import (
	"context"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/esl"
)

// loadController is a minimal controller: for every outbound socket it
// connects, subscribes, answers and plays a long tone, then waits for the
// disconnect notice. It counts answered calls.
type loadController struct {
	ln       net.Listener
	answered atomic.Int64
	wg       sync.WaitGroup
}

func newLoadController(t testing.TB) *loadController {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	lc := &loadController{ln: ln}
	lc.wg.Add(1)
	go lc.accept(t)
	return lc
}

func (lc *loadController) accept(t testing.TB) {
	defer lc.wg.Done()
	for {
		nc, err := lc.ln.Accept()
		if err != nil {
			return
		}
		lc.wg.Add(1)
		go func() {
			defer lc.wg.Done()
			defer nc.Close()
			lc.serve(nc)
		}()
	}
}

func (lc *loadController) serve(nc net.Conn) {
	w := func(s string) bool { _, err := nc.Write([]byte(s)); return err == nil }
	r := esl.NewReader(nc)
	if !w("connect\n\nmyevents\n\nlinger 1\n\n" +
		"sendmsg\ncall-command: execute\nexecute-app-name: answer\n\n" +
		"sendmsg\ncall-command: execute\nexecute-app-name: playback\nexecute-app-arg: tone_stream://%(600000,0,440)\n\n") {
		return
	}
	for {
		f, err := r.ReadFrame()
		if err != nil {
			return
		}
		switch f.ContentType() {
		case esl.TypeEventPlain:
			if e, err := esl.ParseEvent(f); err == nil && e.Name() == "CHANNEL_ANSWER" {
				lc.answered.Add(1)
			}
		case esl.TypeDisconnectNotice:
			if f.Get("Content-Disposition") == "linger" {
				w("exit\n\n")
			}
		}
	}
}

func (lc *loadController) close() { lc.ln.Close(); lc.wg.Wait() }

// TestLoad holds 1,000 concurrent calls placed at 200 new calls per second
// (200 calls under -race) and requires every call to be answered, held up,
// and torn down. It checks correctness only: how fast the node sets calls up
// is BenchmarkLoad's figure, not an assertion (a loaded machine would make a
// timed assertion fail without anything being wrong).
func TestLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("load test: skipped with -short")
	}
	calls, rate := 1000, 200.0
	if raceEnabled {
		calls = 200
	}
	n, err := Start(Config{Heartbeat: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	lc := newLoadController(t)
	defer lc.close()
	events := drainAll(t, n) // an adapter-like subscriber to every event, in JSON

	placed := placeAtRate(t, n, lc.ln.Addr().String(), calls, rate)
	waitFor(t, 20*time.Second, func() bool { return lc.answered.Load() == int64(calls) })
	if got := n.ActiveCalls(); got != calls {
		t.Fatalf("%d calls up, want %d", got, calls)
	}
	t.Logf("%d concurrent calls answered; %d JSON events to an ALL subscriber", calls, events.Load())
	for _, c := range placed {
		c.Hangup("")
	}
	waitFor(t, 20*time.Second, func() bool { return n.ActiveCalls() == 0 })
}

// BenchmarkLoad places b.N calls back to back, each held up with a long
// tone while the next ones are placed, with an inbound connection
// subscribed to every event in JSON (as the adapter is), and reports the
// rate at which they were placed and answered (calls/s) and how many were up
// at once.
func BenchmarkLoad(b *testing.B) {
	n, err := Start(Config{Heartbeat: -1})
	if err != nil {
		b.Fatal(err)
	}
	defer n.Close()
	lc := newLoadController(b)
	defer lc.close()
	drainAll(b, n)
	addr := lc.ln.Addr().String()
	placed := make([]*Call, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c, err := n.PlaceCall(context.Background(), addr, IncomingCall{From: "load", To: "9100"})
		if err != nil {
			b.Fatalf("call %d: %v", i, err)
		}
		placed = append(placed, c)
	}
	for lc.answered.Load() < int64(b.N) {
		time.Sleep(time.Millisecond)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
	b.ReportMetric(float64(n.ActiveCalls()), "calls-up")
	for _, c := range placed {
		c.Hangup("")
	}
	waitFor(b, time.Minute, func() bool { return n.ActiveCalls() == 0 })
}

// drainAll subscribes an inbound connection to every event in JSON and
// counts what it reads until the node closes.
func drainAll(t testing.TB, n *Node) *atomic.Int64 {
	c := inbound(t, n)
	c.send("event json ALL")
	c.frame()
	c.nc.SetDeadline(time.Time{})
	var count atomic.Int64
	go func() {
		for {
			if _, err := c.r.ReadFrame(); err != nil {
				return
			}
			count.Add(1)
		}
	}()
	return &count
}

// placeAtRate places call i at start + i/rate (an absolute schedule, so a
// slow call does not lower the rate of the ones after it).
func placeAtRate(t testing.TB, n *Node, addr string, calls int, rate float64) []*Call {
	start := time.Now()
	var out []*Call
	for i := 0; i < calls; i++ {
		time.Sleep(time.Until(start.Add(time.Duration(float64(i) / rate * float64(time.Second)))))
		c, err := n.PlaceCall(context.Background(), addr, IncomingCall{From: "load", To: "9100"})
		if err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
		out = append(out, c)
	}
	return out
}

func waitFor(t testing.TB, d time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %v", d)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// BenchmarkCallSetup measures one whole call: place, socket connect,
// answer, long playback start, caller hangup, teardown.
func BenchmarkCallSetup(b *testing.B) {
	n, err := Start(Config{Heartbeat: -1})
	if err != nil {
		b.Fatal(err)
	}
	defer n.Close()
	lc := newLoadController(b)
	defer lc.close()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c, err := n.PlaceCall(context.Background(), lc.ln.Addr().String(), IncomingCall{From: "bench", To: "9100"})
		if err != nil {
			b.Fatal(err)
		}
		want := int64(i + 1)
		for lc.answered.Load() < want {
			time.Sleep(50 * time.Microsecond)
		}
		c.Hangup("")
		<-c.Done()
	}
}
