package calls

import (
	"slices"
	"sync"
	"time"
)

// latencies keeps the last few thousand samples of the controller's added
// delay on the call path, measured with its own clock (FreeSWITCH stamps
// events in 20 ms ticks) as whole intervals, waits for the switch included:
// from the session's start (the socket is connected) to the first offer's
// originate sent, and from the agent's answer seen to uuid_bridge sent.
type latencies struct {
	mu            sync.Mutex
	offer, bridge ring
}

type ring struct {
	buf  [4096]time.Duration
	n, i int
}

func (r *ring) add(d time.Duration) {
	r.buf[r.i] = d
	r.i = (r.i + 1) % len(r.buf)
	r.n = min(r.n+1, len(r.buf))
}

func (r *ring) sorted() []time.Duration {
	out := slices.Clone(r.buf[:r.n])
	slices.Sort(out)
	return out
}

// Latency is a snapshot of the call path's delays, sorted: Offer from the
// socket's connect to the first originate sent (route, admission, answer,
// queue, the ACD's decision), Bridge from the agent's answer seen to
// uuid_bridge sent (hold music stopped included). Nothing is subtracted.
type Latency struct {
	Offer, Bridge []time.Duration
}

// Percentile returns the p-th percentile of sorted samples (0 when empty).
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(p/100*float64(len(sorted)-1) + 0.5)
	return sorted[i]
}

// Latency returns the recent samples.
func (s *Service) Latency() Latency {
	s.lat.mu.Lock()
	defer s.lat.mu.Unlock()
	return Latency{Offer: s.lat.offer.sorted(), Bridge: s.lat.bridge.sorted()}
}

func (s *Service) observeOffer(d time.Duration) {
	s.lat.mu.Lock()
	s.lat.offer.add(d)
	s.lat.mu.Unlock()
}

func (s *Service) observeBridge(d time.Duration) {
	s.lat.mu.Lock()
	s.lat.bridge.add(d)
	s.lat.mu.Unlock()
}

// ResetLatency forgets the samples, so that the next ones describe one load
// (the benchmarks' offered rates).
func (s *Service) ResetLatency() {
	s.lat.mu.Lock()
	s.lat.offer, s.lat.bridge = ring{}, ring{}
	s.lat.mu.Unlock()
}
