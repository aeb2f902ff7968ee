package dialplan

import (
	"testing"
	"time"
)

// BenchmarkRoute: one routing decision, the work done per call and per
// xml_curl dialplan request.
func BenchmarkRoute(b *testing.B) {
	p, err := NewPlan(testConfig(b))
	if err != nil {
		b.Fatal(err)
	}
	now := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Route(Call{Dialled: "+33 1 00 00 00 01", Arrival: "paris", Now: now}); err != nil {
			b.Fatal(err)
		}
	}
}
