package api

import "time"

// LockoutPolicy slows down and then stops password guessing per account.
// After FreeAttempts consecutive failures each further failure makes the
// account wait BaseDelay, doubling up to MaxDelay; at LockAfter failures it is
// locked for LockFor. A success resets the count.
type LockoutPolicy struct {
	FreeAttempts int
	BaseDelay    time.Duration
	MaxDelay     time.Duration
	LockAfter    int
	LockFor      time.Duration
}

// DefaultLockout: 3 free tries, then 1s, 2s, 4s... up to 1 min; locked 15 min after 10.
var DefaultLockout = LockoutPolicy{FreeAttempts: 3, BaseDelay: time.Second, MaxDelay: time.Minute, LockAfter: 10, LockFor: 15 * time.Minute}

// wait returns how long the account must wait after its failures-th
// consecutive failure, and whether that wait is a lock (not just a slow-down).
func (p LockoutPolicy) wait(failures int) (time.Duration, bool) {
	if failures >= p.LockAfter {
		return p.LockFor, true
	}
	extra := failures - p.FreeAttempts
	if extra <= 0 {
		return 0, false
	}
	d := p.BaseDelay
	for i := 1; i < extra && d < p.MaxDelay; i++ {
		d *= 2
	}
	return min(d, p.MaxDelay), false
}
