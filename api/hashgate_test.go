package api

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/ratelimit"
	"github.com/switchboard-cc/switchboard/store"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// TestHashGateAnswersBusyWhenFull: with every slot taken a check waits the
// gate's wait, then gets 429 server_busy with Retry-After, counted; a
// cancelled request stops waiting; a freed slot is taken again.
func TestHashGateAnswersBusyWhenFull(t *testing.T) {
	var busy atomic.Int32
	g := newHashGate(1, 20*time.Millisecond, func() { busy.Add(1) })
	started, hold, done := make(chan struct{}), make(chan struct{}), make(chan error)
	go func() {
		done <- g.do(context.Background(), func() error { close(started); <-hold; return nil })
	}()
	<-started
	err := g.do(context.Background(), func() error { t.Error("ran while every slot was taken"); return nil })
	var ae *Error
	if !errors.As(err, &ae) || ae.Status != 429 || ae.Code != "server_busy" || ae.RetryAfter != time.Second || busy.Load() != 1 {
		t.Fatalf("full gate: %v (busy counted %d), want 429 server_busy, Retry-After 1s, counted once", err, busy.Load())
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := g.do(ctx, func() error { t.Error("ran while every slot was taken"); return nil }); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled wait: %v", err)
	}
	close(hold)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	ran := false
	if err := g.do(context.Background(), func() error { ran = true; return nil }); err != nil || !ran {
		t.Fatalf("after the slot was freed: ran %v, %v", ran, err)
	}
}

// heapInUse is the heap's spans in use (MemStats.HeapInuse), read without
// stopping the world.
func heapInUse() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/memory/classes/heap/unused:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64() + s[1].Value.Uint64()
}

// TestParallelLoginsHoldMemoryUnderBound: 100 parallel sign-ins with the
// production argon2id cost (64 MiB, t=3, p=2) keep the heap under a bound
// set by the hash slots, not by the number of requests. Unknown e-mails
// (the dummy check), wrong and right passwords all go through the slots;
// a login that finds them taken beyond the wait gets 429 server_busy.
//
// Bound: each running hash holds 64 MiB; with GOGC=100 the garbage of
// finished hashes may grow to the live heap before a collection, and one
// more allocation may land while it runs: (2*slots + 3) * 64 MiB above
// the heap before the run (448 MiB for 2 slots), where 100 unbounded
// checks reach 6.4 GB. With the race detector a hash takes about 3 s on
// two loaded cores: the wait is 1 s, so only a few hashes run and the
// test takes about 10 s.
func TestParallelLoginsHoldMemoryUnderBound(t *testing.T) {
	const slots, logins, users = 2, 100, 20
	const mib = 1 << 20
	e := newEnv(t, func(c *Config) {
		c.Password = DefaultPasswordParams
		c.HashConcurrency = slots
		c.HashWait = time.Second
		c.AuthRateLimit = &ratelimit.Limit{} // every login comes from 127.0.0.1
	})
	// Users whose hash is the server's own dummy hash: real cost, and no
	// extra 64 MiB hashing before the measurement.
	for i := range users {
		if _, err := e.store.CreatePlatformUser(context.Background(), store.SystemActor, store.UserInput{
			Email: fmt.Sprintf("op%d@platform.test", i), DisplayName: "Op", Role: tenancy.RolePlatformAdmin,
			PasswordHash: e.api.dummyHash}); err != nil {
			t.Fatal(err)
		}
	}
	runtime.GC()
	base := heapInUse()
	stop, sampled := make(chan struct{}), make(chan uint64)
	go func() {
		peak := base
		for {
			peak = max(peak, heapInUse())
			select {
			case <-stop:
				sampled <- peak
				return
			case <-time.After(time.Millisecond):
			}
		}
	}()
	type outcome struct {
		want int // 200 or 401, when not busy
		got  resp
	}
	out := make([]outcome, logins)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range logins {
		req, want := LoginRequest{Login: fmt.Sprintf("nobody%d@platform.test", i), Password: dummyPassword}, 401
		switch user := fmt.Sprintf("op%d@platform.test", i/5); i % 5 {
		case 0:
			req, want = LoginRequest{Login: user, Password: dummyPassword}, 200
		case 1:
			req = LoginRequest{Login: user, Password: "not the password"}
		}
		wg.Go(func() { out[i] = outcome{want, e.do("POST", "/api/v1/auth/login", "", req)} })
	}
	wg.Wait()
	took := time.Since(start)
	close(stop)
	peak := <-sampled
	counts := map[int]int{}
	for i, o := range out {
		counts[o.got.status]++
		switch {
		case o.got.status == o.want:
		case o.got.status == 429 && o.got.errCode() == "server_busy" && o.got.header.Get("Retry-After") == "1":
		default:
			t.Errorf("login %d: %s (Retry-After %q), want %d or 429 server_busy", i, o.got, o.got.header.Get("Retry-After"), o.want)
		}
	}
	bound := uint64(2*slots+3) * 64 * mib
	t.Logf("%d parallel logins in %s: %v; heap in use %d MiB before, peak %d MiB (+%d MiB, bound +%d MiB)",
		logins, took.Round(time.Millisecond), counts, base/mib, peak/mib, (peak-base)/mib, bound/mib)
	if peak-base > bound {
		t.Errorf("heap grew by %d MiB during %d parallel logins, bound %d MiB (%d hash slots of 64 MiB)",
			(peak-base)/mib, logins, bound/mib, slots)
	}
	if counts[429] == 0 || counts[429] == logins {
		t.Errorf("answers %v: want some logins served and some refused as busy", counts)
	}
	if busy := counterValue(t, e.api.metrics.hashesBusy); busy != counts[429] {
		t.Errorf("switchboard_auth_hash_busy_total = %d, want %d", busy, counts[429])
	}
}

// TestBusyHashSlotsAnswerEveryPasswordRoute: while every slot is taken,
// a login (known user or unknown e-mail, whose dummy check takes a slot
// too), a password change and a new user's password get 429 server_busy;
// the refused login is not counted against the account.
func TestBusyHashSlotsAnswerEveryPasswordRoute(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.HashConcurrency, c.HashWait = 1, 10*time.Millisecond })
	f := e.newTenant("alpha", 5)
	held, release, done := make(chan struct{}), make(chan struct{}), make(chan error)
	go func() {
		done <- e.api.hashes.do(context.Background(), func() error { close(held); <-release; return nil })
	}()
	<-held
	busy := func(name string, r resp) {
		t.Helper()
		if r.status != 429 || r.errCode() != "server_busy" || r.header.Get("Retry-After") != "1" ||
			!strings.Contains(string(r.body), "too many password checks in progress") {
			t.Errorf("%s while every hash slot is taken: %s (Retry-After %q), want 429 server_busy", name, r, r.header.Get("Retry-After"))
		}
	}
	busy("login", e.do("POST", "/api/v1/auth/login", "", LoginRequest{Login: "admin@alpha.test", Password: "wrong password!"}))
	busy("unknown e-mail", e.do("POST", "/api/v1/auth/login", "", LoginRequest{Login: "ghost@alpha.test", Password: "x"}))
	busy("password change", e.do("POST", "/api/v1/me/password", f.admin, ChangePasswordRequest{CurrentPassword: testPassword, NewPassword: "a new long password"}))
	busy("new user", e.do("POST", f.base+"/users", f.admin, CreateUserRequest{Email: "sup@alpha.test", DisplayName: "Sup",
		Role: tenancy.RoleSupervisor, Password: testPassword}))
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	u, err := e.store.UserByEmail(context.Background(), "admin@alpha.test")
	if err != nil || u.FailedLogins != 0 {
		t.Fatalf("a login refused as busy was counted: failed_logins %d, %v", u.FailedLogins, err)
	}
	if n := counterValue(t, e.api.metrics.hashesBusy); n != 4 {
		t.Fatalf("switchboard_auth_hash_busy_total = %d, want 4", n)
	}
	e.must(e.do("POST", "/api/v1/auth/login", "", LoginRequest{Login: "admin@alpha.test", Password: testPassword}), 200, nil)
}
