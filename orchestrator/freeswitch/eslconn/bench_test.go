package eslconn

import (
	"context"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
)

// benchRoundTrips runs b.N commands from 1,000 concurrent goroutines on one
// loopback connection and fails on any reply that is not the caller's own.
func benchRoundTrips(b *testing.B, bg bool) {
	srv := startFake(b, echoHandler)
	c := dial(b, srv, Options{})
	var wrong, n atomic.Int64
	b.SetParallelism(max(1000/runtime.GOMAXPROCS(0), 1))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			token := strconv.FormatInt(n.Add(1), 10)
			var out string
			var err error
			if bg {
				out, err = c.BgAPI(context.Background(), "echo "+token)
			} else {
				out, err = c.API(context.Background(), "echo "+token)
			}
			if err != nil || out != token {
				wrong.Add(1)
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "cmds/s")
	if wrong.Load() != 0 || c.Stats().Mismatches != 0 {
		b.Fatalf("%d wrong replies of %d", wrong.Load(), b.N)
	}
}

func BenchmarkAPI1000Callers(b *testing.B)   { benchRoundTrips(b, false) }
func BenchmarkBgAPI1000Callers(b *testing.B) { benchRoundTrips(b, true) }
