package freeswitch

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/orchestrator"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/esl"
)

const benchCalls = 100

// intakeSet builds k event frames from the real call events of capture 03
// (JSON, as FreeSWITCH wrote them) that reach a call's stream, spread over
// benchCalls calls; frame i belongs to call i%benchCalls and carries
// Event-Sequence i+1. It returns the encoded bytes and the offset at which
// each frame ends. The set is built once per process: encoding it costs more
// than reading it, and the benchmark runs several times as testing sizes b.N.
func intakeSet(t testing.TB, k int) ([]byte, []int) {
	intakeOnce.Do(func() { intakeBytes, intakeEnds = buildIntakeSet(t, k) })
	if len(intakeEnds) != k {
		t.Fatalf("intake set has %d frames, want %d", len(intakeEnds), k)
	}
	return intakeBytes, intakeEnds
}

var (
	intakeOnce  sync.Once
	intakeBytes []byte
	intakeEnds  []int
)

func buildIntakeSet(t testing.TB, k int) ([]byte, []int) {
	var templates [][]byte
	for _, f := range captureEvents(t, "03-inbound-events-call-json.jsonl", "esl") {
		ev, err := esl.ParseEvent(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, typed := translate(orchestrator.Key{}, ev, time.Time{}); typed && ev.Name() != "CHANNEL_HANGUP" {
			templates = append(templates, f.Body) // progress, answer, playback: 5.5-6.2 KB each
		}
	}
	var buf bytes.Buffer
	w := esl.NewWriter(&buf)
	ends := make([]int, k)
	for i := range k {
		body := setJSONValue(t, templates[i%len(templates)], "Unique-ID", "call-"+strconv.Itoa(i%benchCalls))
		body = setJSONValue(t, body, "Event-Sequence", strconv.Itoa(i+1))
		f := &esl.Frame{Headers: []esl.Header{{Name: "Content-Type", Value: esl.TypeEventJSON}}, Body: body}
		if err := w.WriteFrame(f); err != nil {
			t.Fatal(err)
		}
		ends[i] = buf.Len()
	}
	return buf.Bytes(), ends
}

// setJSONValue returns a copy of a FreeSWITCH JSON event body with the plain
// string value of key replaced.
func setJSONValue(t testing.TB, body []byte, key, value string) []byte {
	k := []byte(`"` + key + `":"`)
	i := bytes.Index(body, k)
	if i < 0 {
		t.Fatalf("no %s in event body", key)
	}
	start := i + len(k)
	end := start + bytes.IndexByte(body[start:], '"')
	out := append(append([]byte(nil), body[:start]...), value...)
	return append(out, body[end:]...)
}

// BenchmarkIntake measures events per second read from one loopback ESL
// connection, parsed, demultiplexed and delivered in order to 100 per-call
// consumers. Every consumer checks it gets exactly its sequence numbers.
func BenchmarkIntake(b *testing.B) {
	const k = 10 * benchCalls * 10 // 10,000 distinct frames, replayed in rounds
	set, ends := intakeSet(b, k)
	h := newBenchHarness(b)
	perCall := k / benchCalls
	var wg sync.WaitGroup
	var bad sync.Map
	// One deadline for all consumers: a timer per received event would be
	// the consumers' cost, charged to the intake.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for c := range benchCalls {
		cl, err := h.a.track(orchestrator.Key{Node: "fs1", ID: "call-" + strconv.Itoa(c)}, nil)
		if err != nil {
			b.Fatal(err)
		}
		want := b.N / benchCalls
		if c < b.N%benchCalls {
			want++
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range want {
				var ev orchestrator.Event
				select {
				case ev = <-cl.q.out:
				case <-ctx.Done():
					bad.Store(c, fmt.Sprintf("call %d: only %d of %d events", c, j, want))
					return
				}
				if exp := uint64((j%perCall)*benchCalls + c + 1); ev.Seq != exp {
					bad.Store(c, fmt.Sprintf("call %d event %d: seq %d, want %d", c, j, ev.Seq, exp))
					return
				}
			}
		}()
	}
	b.SetBytes(int64(len(set) / k))
	b.ReportAllocs()
	runtime.GC() // the harness's garbage is not collected on the benchmark's clock
	b.ResetTimer()
	usr0, sys0 := processCPU()
	start := time.Now()
	go func() {
		rounds, rest := b.N/k, b.N%k
		for range rounds {
			h.node.writeRaw(set)
		}
		if rest > 0 {
			h.node.writeRaw(set[:ends[rest-1]])
		}
	}()
	wg.Wait()
	elapsed := time.Since(start)
	usr, sys := processCPU()
	usr, sys = usr-usr0, sys-sys0
	b.StopTimer()
	// On a shared machine wall time says little; CPU per event (reader,
	// demux, pumps, consumers and the fake's writes together) says what one
	// connection costs. The system part is mostly loopback TCP, which this
	// process pays twice (the fake's send and the adapter's receive): the
	// user part is the better measure of the adapter's own work.
	b.ReportMetric(float64((usr+sys).Microseconds())/float64(b.N), "cpu-µs/event")
	b.ReportMetric(float64(usr.Microseconds())/float64(b.N), "usr-µs/event")
	b.ReportMetric(float64(sys.Microseconds())/float64(b.N), "sys-µs/event")
	bad.Range(func(_, v any) bool { b.Error(v); return false })
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "events/s")
	// Sequence numbers restart with each round of the set, so OutOfOrder
	// counts round wraps there; the consumers' exact checks are what counts.
	if st := h.a.Stats(); st.EventsRouted < uint64(b.N) || (b.N <= k && st.OutOfOrder != 0) {
		b.Errorf("stats %+v", st)
	}
}

// processCPU is the CPU time the process has used so far, in user space
// and in the kernel.
func processCPU() (usr, sys time.Duration) {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano()), time.Duration(ru.Stime.Nano())
}

// writeRaw writes bytes to every subscribed session as they are.
func (n *fakeNode) writeRaw(p []byte) {
	n.mu.Lock()
	subs := n.subs
	n.mu.Unlock()
	for _, s := range subs {
		s.WriteRaw(p)
	}
}

type benchHarness struct {
	node *fakeNode
	a    *Adapter
}

func newBenchHarness(b *testing.B) *benchHarness {
	n := newFakeNode(b)
	a, err := New(Options{Nodes: []Node{{Name: "fs1", Addr: n.srv.Addr(), Password: "ClueCon"}},
		HighWater: 1 << 30})
	if err != nil {
		b.Fatal(err)
	}
	a.Start()
	b.Cleanup(func() { a.Close() })
	for ev := range a.NodeEvents() {
		if ev.Kind == orchestrator.NodeUp {
			break
		}
	}
	return &benchHarness{node: n, a: a}
}

// BenchmarkTrackedCallMemory reports the memory one tracked call costs the
// adapter (registry entry, queue, pump goroutine stack).
func BenchmarkTrackedCallMemory(b *testing.B) {
	h := newBenchHarness(b)
	const n = 2000
	for range b.N {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		calls := make([]*call, n)
		for i := range n {
			calls[i], _ = h.a.track(orchestrator.Key{Node: "fs1", ID: orchestrator.NewCallID()}, nil)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		perCall := float64(after.HeapAlloc-before.HeapAlloc+after.StackInuse-before.StackInuse) / n
		b.ReportMetric(perCall, "bytes/call")
		for _, c := range calls {
			h.a.end(c, "")
			for range c.q.out {
			}
		}
	}
}
