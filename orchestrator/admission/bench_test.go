package admission

import (
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/switchboard-cc/switchboard/tenancy"
)

// BenchmarkAdmitRelease: one admission and its release, with 1000 other
// holds in place, from parallel goroutines (the lock is the cost).
func BenchmarkAdmitRelease(b *testing.B) {
	c := New()
	for i := range 1000 {
		if _, err := c.Admit(tA, tenancy.ResourcePSTNCalls, Holder{"fs1", "bg" + strconv.Itoa(i)}, 1_000_000); err != nil {
			b.Fatal(err)
		}
	}
	var worker atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		id := strconv.FormatInt(worker.Add(1), 10)
		for pb.Next() {
			i++
			rel, err := c.Admit(tA, tenancy.ResourcePSTNCalls, Holder{"fs2", id + "-" + strconv.Itoa(i)}, 1_000_000)
			if err != nil {
				b.Fatal(err)
			}
			rel()
		}
	})
}
