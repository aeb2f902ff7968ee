package calls

import (
	"slices"
	"sync"
	"time"
)

// latencies keeps the last few thousand samples of the controller's own
// added delay on the call path, measured with its own clock (FreeSWITCH
// stamps events in 20 ms ticks): from the session's start (the socket is
// connected) to the first offer's originate, and from the agent's answer to
// the bridge.
type latencies struct {
	mu                  sync.Mutex
	offer, bridge       ring // including waits for the switch's confirmations
	offerOwn, bridgeOwn ring // the controller's own part, switch round trips excluded
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

// Latency is a snapshot of the call path's delays, sorted. Offer and Bridge
// include the waits for the switch's confirmations (answer, bridge);
// OfferOwn and BridgeOwn exclude them: the controller's own added delay.
type Latency struct {
	Offer, Bridge       []time.Duration
	OfferOwn, BridgeOwn []time.Duration
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
	return Latency{Offer: s.lat.offer.sorted(), Bridge: s.lat.bridge.sorted(),
		OfferOwn: s.lat.offerOwn.sorted(), BridgeOwn: s.lat.bridgeOwn.sorted()}
}

func (s *Service) observeOffer(total, own time.Duration) {
	s.lat.mu.Lock()
	s.lat.offer.add(total)
	s.lat.offerOwn.add(own)
	s.lat.mu.Unlock()
}

func (s *Service) observeBridge(total, own time.Duration) {
	s.lat.mu.Lock()
	s.lat.bridge.add(total)
	s.lat.bridgeOwn.add(own)
	s.lat.mu.Unlock()
}
