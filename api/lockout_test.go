package api

import (
	"testing"
	"time"
)

func TestLockoutWait(t *testing.T) {
	p := DefaultLockout
	cases := []struct {
		failures int
		wait     time.Duration
		locked   bool
	}{
		{1, 0, false}, {3, 0, false}, {4, time.Second, false}, {5, 2 * time.Second, false},
		{6, 4 * time.Second, false}, {9, 32 * time.Second, false}, {10, 15 * time.Minute, true}, {50, 15 * time.Minute, true},
	}
	for _, tc := range cases {
		w, l := p.wait(tc.failures)
		if w != tc.wait || l != tc.locked {
			t.Errorf("failures=%d: got %v/%v, want %v/%v", tc.failures, w, l, tc.wait, tc.locked)
		}
	}
	capped := LockoutPolicy{FreeAttempts: 0, BaseDelay: time.Second, MaxDelay: 5 * time.Second, LockAfter: 100, LockFor: time.Hour}
	if w, _ := capped.wait(40); w != 5*time.Second {
		t.Errorf("delay not capped: %v", w)
	}
}
