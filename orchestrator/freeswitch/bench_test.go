package freeswitch

import (
	"bytes"
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
// (JSON) that reach a call's stream, spread over benchCalls calls; frame i belongs to call i%benchCalls
// and carries Event-Sequence i+1. It returns the encoded bytes.
func intakeSet(t testing.TB, k int) []byte {
	var templates []*esl.Event
	for _, f := range captureEvents(t, "03-inbound-events-call-json.jsonl", "esl") {
		ev, err := esl.ParseEvent(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, typed := translate(orchestrator.Key{}, ev, time.Time{}); typed && ev.Name() != "CHANNEL_HANGUP" {
			templates = append(templates, ev) // answer, progress, playback: 2-5 KB each
		}
	}
	var buf bytes.Buffer
	w := esl.NewWriter(&buf)
	for i := range k {
		tpl := templates[i%len(templates)]
		ev := &esl.Event{Headers: make(map[string]string, len(tpl.Headers)), Body: tpl.Body}
		for k, v := range tpl.Headers {
			ev.Headers[k] = v
		}
		ev.Headers["Unique-ID"] = "call-" + strconv.Itoa(i%benchCalls)
		ev.Headers["Event-Sequence"] = strconv.Itoa(i + 1)
		if err := w.WriteFrame(ev.Frame(esl.TypeEventJSON)); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

// BenchmarkIntake measures events per second read from one loopback ESL
// connection, parsed, demultiplexed and delivered in order to 100 per-call
// consumers. Every consumer checks it gets exactly its sequence numbers.
func BenchmarkIntake(b *testing.B) {
	const k = 10 * benchCalls * 10 // 10,000 distinct frames, replayed in rounds
	set := intakeSet(b, k)
	h := newBenchHarness(b)
	perCall := k / benchCalls
	var wg sync.WaitGroup
	var bad sync.Map
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
				case <-time.After(30 * time.Second):
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
	b.ResetTimer()
	cpu0 := processCPU()
	start := time.Now()
	go func() {
		rounds, rest := b.N/k, b.N%k
		for range rounds {
			h.node.writeRaw(set)
		}
		if rest > 0 {
			h.node.writeRaw(set[:frameOffset(set, rest)])
		}
	}()
	wg.Wait()
	elapsed := time.Since(start)
	cpu := processCPU() - cpu0
	b.StopTimer()
	// On a shared machine wall time says little; CPU per event (reader,
	// demux, pumps, consumers and the fake's writes together) says what one
	// connection costs.
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/event")
	bad.Range(func(_, v any) bool { b.Error(v); return false })
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "events/s")
	// Sequence numbers restart with each round of the set, so OutOfOrder
	// counts round wraps there; the consumers' exact checks are what counts.
	if st := h.a.Stats(); st.EventsRouted < uint64(b.N) || (b.N <= k && st.OutOfOrder != 0) {
		b.Errorf("stats %+v", st)
	}
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// frameOffset is the byte offset after the first n frames of set.
func frameOffset(set []byte, n int) int {
	rd := esl.NewReader(bytes.NewReader(set))
	off := 0
	for range n {
		f, err := rd.ReadFrame()
		if err != nil {
			panic(err)
		}
		var buf bytes.Buffer
		esl.NewWriter(&buf).WriteFrame(f)
		off += buf.Len()
	}
	return off
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
