package api

import (
	"sync"
	"time"
)

// throttle remembers, per account, the time before which another sign-in
// attempt is refused (the growing delay of LockoutPolicy). It lives in
// memory: a restart forgets delays, but the store's lock survives.
type throttle struct {
	mu        sync.Mutex
	notBefore map[string]time.Time
}

// maxThrottled bounds memory under a spray attack across many accounts.
const maxThrottled = 100_000

func newThrottle() *throttle { return &throttle{notBefore: map[string]time.Time{}} }

// wait returns how long account must still wait at now (0: may try).
func (t *throttle) wait(account string, now time.Time) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	nb, ok := t.notBefore[account]
	if !ok || !now.Before(nb) {
		return 0
	}
	return nb.Sub(now)
}

func (t *throttle) delay(account string, until time.Time, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.notBefore) >= maxThrottled {
		t.pruneLocked(now)
	}
	t.notBefore[account] = until
}

func (t *throttle) clear(account string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.notBefore, account)
}

func (t *throttle) pruneLocked(now time.Time) {
	for k, nb := range t.notBefore {
		if !now.Before(nb) {
			delete(t.notBefore, k)
		}
	}
}
