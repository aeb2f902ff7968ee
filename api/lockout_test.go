package api

import (
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
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

// noDelays is DefaultLockout without the growing delay: the lock alone
// decides, so the parallel test's outcome does not depend on timing.
func noDelays(c *Config) {
	c.Lockout = DefaultLockout
	c.Lockout.FreeAttempts = c.Lockout.LockAfter
	// These tests count the lock's answers, not the hash gate's: on a loaded
	// machine under -race ten 64 MiB checks through max(2, GOMAXPROCS)
	// slots outlast the default 2 s wait, and the late ones answered 429
	// server_busy (7 of 29 once). The gate has its own tests (hashgate_test.go).
	c.HashWait = time.Minute
}

// TestParallelGuessesCannotPassTheLock: wrong passwords sent all at once
// are counted before any is checked, so exactly LockAfter of them are
// checked (401), every other one is refused unchecked (423), and the right
// password afterwards is refused too. Before the count moved ahead of the
// check, all 29 were checked and the lock never held them back.
func TestParallelGuessesCannotPassTheLock(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		var c checkCounter
		testParallelGuessesCannotPassTheLock(t, newEnv(t, noDelays, c.install), &c)
	})
	t.Run("postgres", func(t *testing.T) {
		var c checkCounter
		testParallelGuessesCannotPassTheLock(t, newEnvPostgres(t, noDelays, c.install), &c)
	})
}

// checkCounter counts the password checks a server makes.
type checkCounter struct{ n atomic.Int32 }

func (c *checkCounter) install(cfg *Config) {
	cfg.checkHash = func(encoded, password string) (bool, error) {
		c.n.Add(1)
		return verifyPassword(encoded, password)
	}
}

func testParallelGuessesCannotPassTheLock(t *testing.T, e *env, checks *checkCounter) {
	e.newTenant("alpha", 5)
	const guesses = 29
	limit := DefaultLockout.LockAfter
	before := checks.n.Load()
	statuses := parallelLogins(e, guesses, LoginRequest{Login: "admin@alpha.test", Password: "wrong password!"})
	if statuses[401] != limit || statuses[423] != guesses-limit || len(statuses) != 2 {
		t.Fatalf("%d parallel wrong guesses answered %v; want %d checked (401) and %d refused unchecked (423)",
			guesses, statuses, limit, guesses-limit)
	}
	if checked := int(checks.n.Load() - before); checked != limit {
		t.Fatalf("%d of %d parallel guesses had their password checked, want %d: the others must be refused before the check",
			checked, guesses, limit)
	}
	if failed := signIns(e, "bad_credentials"); failed != limit {
		t.Fatalf("%d failed sign-ins counted, want %d", failed, limit)
	}
	before = checks.n.Load()
	r := e.do("POST", "/api/v1/auth/login", "", LoginRequest{Login: "admin@alpha.test", Password: testPassword})
	if checks.n.Load() != before {
		t.Error("the right password of a locked account was checked")
	}
	if r.status != 423 || r.errCode() != "account_locked" || r.header.Get("Retry-After") != "900" {
		t.Fatalf("right password after %d parallel guesses: %s (Retry-After %q), want 423 for 900 s", guesses, r, r.header.Get("Retry-After"))
	}
	if n := strings.Count(e.logs.String(), "account locked after repeated failed sign-ins"); n != 1 {
		t.Fatalf("the lock was logged %d times, want once", n)
	}
}

// TestParallelGuessesWithDelays: with the default policy (growing delays
// held in memory) parallel guesses are still never checked more than
// LockAfter times; the others are delayed (429) or locked out (423).
func TestParallelGuessesWithDelays(t *testing.T) {
	e := newEnv(t)
	e.newTenant("alpha", 5)
	statuses := parallelLogins(e, 29, LoginRequest{Login: "admin@alpha.test", Password: "wrong password!"})
	if statuses[401] > DefaultLockout.LockAfter || statuses[401]+statuses[423]+statuses[429] != 29 {
		t.Fatalf("29 parallel wrong guesses answered %v; want at most %d checked (401), the rest 423 or 429",
			statuses, DefaultLockout.LockAfter)
	}
	if checked := signIns(e, "bad_credentials"); checked > DefaultLockout.LockAfter {
		t.Fatalf("%d passwords checked, want at most %d", checked, DefaultLockout.LockAfter)
	}
}

// parallelLogins sends n copies of req at once and counts the statuses.
func parallelLogins(e *env, n int, req LoginRequest) map[int]int {
	e.t.Helper()
	var mu sync.Mutex
	statuses := map[int]int{}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range n {
		wg.Go(func() {
			<-start
			r := e.do("POST", "/api/v1/auth/login", "", req)
			mu.Lock()
			defer mu.Unlock()
			statuses[r.status]++
		})
	}
	close(start)
	wg.Wait()
	return statuses
}

// signIns reads switchboard_auth_sign_ins_total{outcome}.
func signIns(e *env, outcome string) int {
	e.t.Helper()
	return counterValue(e.t, e.api.metrics.signIns.WithLabelValues(outcome))
}

func counterValue(t testing.TB, c prometheus.Counter) int {
	t.Helper()
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		t.Fatal(err)
	}
	return int(m.GetCounter().GetValue())
}
