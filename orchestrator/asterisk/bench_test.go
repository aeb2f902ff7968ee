package asterisk

import (
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/orchestrator"
)

const benchCalls = 100

// dtmfFrame is capture 02's ChannelDtmfReceived for call id, at ms (every
// frame differs, as Asterisk's do: the dedupe keeps them all).
func dtmfFrame(id string, ms int) []byte {
	ts := time.Date(2026, 11, 26, 19, 30, 0, 0, time.UTC).Add(time.Duration(ms) * time.Millisecond).Format("2006-01-02T15:04:05.000-0700")
	return fmt.Appendf(nil, `{"type":"ChannelDtmfReceived","timestamp":%q,"digit":"1","duration_ms":280,`+
		`"channel":{"id":%q,"name":"PJSIP/caller-00000002","state":"Up","protocol_id":"1-20897@127.0.0.1",`+
		`"caller":{"name":"","number":"caller"},"connected":{"name":"","number":""},"accountcode":"",`+
		`"dialplan":{"context":"from-sipp","exten":"7000","priority":2,"app_name":"Stasis","app_data":"switchboard"},`+
		`"creationtime":"2026-11-26T19:30:41.606+0000","language":"en"},"asterisk_id":"02:fc:00:00:00:01","application":"switchboard"}`, ts, id)
}

// BenchmarkEventIntake: WebSocket frames (capture 02's DTMF event, 560
// bytes) spread over 100 calls, through dedupe, decode and dispatch to the
// calls' streams, each drained by a consumer; every event must arrive.
func BenchmarkEventIntake(b *testing.B) {
	a, err := New(Options{Node: "ast1", URL: "http://127.0.0.1:1/ari"})
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	frames := make([][]byte, b.N)
	for i := range frames {
		frames[i] = dtmfFrame(fmt.Sprintf("call-%d", i%benchCalls), i)
	}
	var got sync.WaitGroup
	var mu sync.Mutex
	received := 0
	a.mu.Lock()
	for i := range benchCalls {
		c := newCall(orchestrator.Key{Node: "ast1", ID: fmt.Sprintf("call-%d", i)}, kindOriginated)
		a.trackLocked(c)
		got.Add(1)
		go func() {
			defer got.Done()
			n := 0
			for range c.out.out {
				n++
			}
			mu.Lock()
			received += n
			mu.Unlock()
		}()
	}
	a.mu.Unlock()
	b.ResetTimer()
	start := time.Now()
	for _, f := range frames {
		a.handleFrame(f)
	}
	a.mu.Lock()
	for _, c := range a.calls {
		c.out.close()
	}
	a.mu.Unlock()
	got.Wait()
	b.StopTimer()
	if received != b.N {
		b.Fatalf("%d events delivered of %d", received, b.N)
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "events/s")
}

// BenchmarkTrackedChannelMemory: heap and goroutine stacks per tracked
// call (its state, stream queue and pump goroutine), 1000 calls.
func BenchmarkTrackedChannelMemory(b *testing.B) {
	const n = 1000
	for range b.N {
		a, err := New(Options{Node: "ast1", URL: "http://127.0.0.1:1/ari"})
		if err != nil {
			b.Fatal(err)
		}
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		a.mu.Lock()
		for i := range n {
			a.trackLocked(newCall(orchestrator.Key{Node: "ast1", ID: fmt.Sprintf("call-%d", i)}, kindOriginated))
		}
		a.mu.Unlock()
		runtime.GC()
		runtime.ReadMemStats(&after)
		per := float64(after.HeapAlloc+after.StackInuse-before.HeapAlloc-before.StackInuse) / n
		b.ReportMetric(per, "bytes/channel")
		a.Close()
	}
}
