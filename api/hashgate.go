package api

import (
	"context"
	"net/http"
	"runtime"
	"time"
)

// hashGate bounds the argon2id computations running at once. Each one
// holds PasswordParams.MemoryKiB (64 MiB by default) until it ends, so
// without a bound 30 parallel sign-ins took the process from 180 MB to
// 2 GB; with it the hashes hold at most slots × 64 MiB. A caller waits up
// to wait for a slot, then gets 429 server_busy: queueing longer would only
// hold requests (and their connections) for an attacker.
type hashGate struct {
	slots chan struct{}
	wait  time.Duration
	busy  func() // counts a refusal (metrics)
}

// DefaultHashConcurrency is max(2, GOMAXPROCS): argon2id is CPU-bound, so
// more parallel hashes would only take longer each.
func DefaultHashConcurrency() int { return max(2, runtime.GOMAXPROCS(0)) }

// DefaultHashWait is how long a password check waits for a free slot.
const DefaultHashWait = 2 * time.Second

// hashRetryAfter is the Retry-After of a busy answer: about what a few
// hashes take.
const hashRetryAfter = time.Second

func newHashGate(n int, wait time.Duration, busy func()) *hashGate {
	return &hashGate{slots: make(chan struct{}, n), wait: wait, busy: busy}
}

// errHashBusy answers a password check that found every slot taken.
func errHashBusy() *Error {
	return retryAfter(&Error{Status: http.StatusTooManyRequests, Code: "server_busy",
		Message: "too many password checks in progress: try again shortly"}, hashRetryAfter)
}

// do runs fn (an argon2id computation) in a slot, or answers server_busy
// when none frees up within the wait or ctx ends first.
func (g *hashGate) do(ctx context.Context, fn func() error) error {
	select {
	case g.slots <- struct{}{}:
	default:
		t := time.NewTimer(g.wait)
		defer t.Stop()
		select {
		case g.slots <- struct{}{}:
		case <-t.C:
			g.busy()
			return errHashBusy()
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	defer func() { <-g.slots }()
	return fn()
}

// hashPassword hashes a new password with the server's cost, in a slot.
func (s *Server) hashPassword(ctx context.Context, password string) (string, error) {
	var h string
	err := s.hashes.do(ctx, func() error {
		var err error
		h, err = hashPassword(s.pw, password)
		return err
	})
	return h, err
}
