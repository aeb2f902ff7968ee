// Package ratelimit limits how often one key (a client address) may act: a
// token bucket per key, held in memory. It guards the sign-in routes and
// the xml_curl node credentials against guessing and floods from one
// address; a per-account limit lives in the store (it must be shared by
// replicas), this one need not be.
//
// Memory is bounded without a goroutine: every call forgets up to two keys
// whose bucket has filled again (they are the same as unknown keys), and at
// MaxKeys the least recently seen key is dropped even if it is not idle.
// Any package may import it.
package ratelimit

import (
	"container/list"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Limit lets a key act Burst times at once and refills at Burst per Per: 20
// per minute lets an address make 20 requests at once, then one every 3 s.
// The zero Limit never refuses.
type Limit struct {
	Burst int
	Per   time.Duration
}

// Unlimited reports whether l refuses nothing.
func (l Limit) Unlimited() bool { return l.Burst <= 0 || l.Per <= 0 }

// String is the form ParseLimit reads: "20/1m", "5/1h30m" or "off".
func (l Limit) String() string {
	if l.Unlimited() {
		return "off"
	}
	per := l.Per.String() // 1m0s, 1h0m0s: drop the zero units
	if p, ok := strings.CutSuffix(per, "m0s"); ok {
		per = p + "m"
		if p, ok := strings.CutSuffix(p, "h0"); ok {
			per = p + "h"
		}
	}
	return strconv.Itoa(l.Burst) + "/" + per
}

// ParseLimit reads "BURST/PER" (20/1m: 20 at once, 20 per minute) or "off".
func ParseLimit(s string) (Limit, error) {
	if s == "off" {
		return Limit{}, nil
	}
	n, per, ok := strings.Cut(s, "/")
	burst, err := strconv.Atoi(n)
	if !ok || err != nil || burst < 1 {
		return Limit{}, fmt.Errorf("%q is not a limit like 20/1m (a count of at least 1, a slash, a duration) or off", s)
	}
	d, err := time.ParseDuration(per)
	if err != nil || d <= 0 {
		return Limit{}, fmt.Errorf("%q is not a limit like 20/1m: %q is not a positive duration", s, per)
	}
	return Limit{Burst: burst, Per: d}, nil
}

// DefaultMaxKeys bounds the keys remembered (about 150 bytes each).
const DefaultMaxKeys = 100_000

// Config builds a Limiter.
type Config struct {
	Limit   Limit
	MaxKeys int              // 0: DefaultMaxKeys
	Now     func() time.Time // nil: time.Now
}

// Decision is a Limiter's answer for one key.
type Decision struct {
	Allowed bool
	// RetryAfter, when refused, is how long until the key may act again.
	RetryAfter time.Duration
	// First is set on the first refusal of the key since it was last
	// allowed: log that one, count every one.
	First bool
}

// Limiter holds one token bucket per key. It is safe for concurrent use
// and starts no goroutine, so it needs no stopping.
type Limiter struct {
	limit   Limit
	maxKeys int
	now     func() time.Time

	mu      sync.Mutex
	keys    map[string]*list.Element // of *bucket
	lru     list.List                // front: most recently used
	evicted uint64
}

// bucket is a token bucket kept as the time it is full again (the GCRA
// form): it holds Burst - (full - now)/perToken tokens at now, so it needs
// no refill step and no floating point.
type bucket struct {
	key  string
	full time.Time
	// refusing is set by a refusal and cleared when the key is allowed.
	refusing bool
}

// New builds a Limiter.
func New(c Config) *Limiter {
	if c.MaxKeys <= 0 {
		c.MaxKeys = DefaultMaxKeys
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return &Limiter{limit: c.Limit, maxKeys: c.MaxKeys, now: c.Now, keys: map[string]*list.Element{}}
}

// Limit is the limit l applies.
func (l *Limiter) Limit() Limit { return l.limit }

// Allow spends one of key's tokens, or refuses when none is left: one call
// per request to limit requests.
func (l *Limiter) Allow(key string) Decision {
	return l.decide(key, true)
}

// Check refuses when key has no token left and spends nothing: call it
// before an attempt whose failures (only) are spent with Take.
func (l *Limiter) Check(key string) Decision {
	return l.decide(key, false)
}

// Take spends one of key's tokens, if any is left (a failed attempt).
func (l *Limiter) Take(key string) {
	if l.limit.Unlimited() {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b := l.bucketLocked(key, now)
	b.full = minTime(later(b.full, now).Add(l.perToken()), now.Add(l.limit.Per))
	l.forgetIdleLocked(now)
}

// Len is the number of keys remembered.
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.keys)
}

// Evicted counts keys dropped before they were idle because MaxKeys was
// reached (a flood from many addresses).
func (l *Limiter) Evicted() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.evicted
}

func (l *Limiter) decide(key string, spend bool) Decision {
	if l.limit.Unlimited() {
		return Decision{Allowed: true}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	defer l.forgetIdleLocked(now)
	if _, known := l.keys[key]; !known && !spend {
		return Decision{Allowed: true} // a key not remembered has a full bucket
	}
	b := l.bucketLocked(key, now)
	// One token is left while the bucket is at most Per - perToken from full.
	short := later(b.full, now).Sub(now) - (l.limit.Per - l.perToken())
	if short <= 0 {
		if spend {
			b.full = later(b.full, now).Add(l.perToken())
		}
		b.refusing = false
		return Decision{Allowed: true}
	}
	first := !b.refusing
	b.refusing = true
	return Decision{RetryAfter: short, First: first}
}

// bucketLocked returns key's bucket, creating a full one.
func (l *Limiter) bucketLocked(key string, now time.Time) *bucket {
	if el, ok := l.keys[key]; ok {
		l.lru.MoveToFront(el)
		return el.Value.(*bucket)
	}
	if len(l.keys) >= l.maxKeys {
		l.forgetIdleLocked(now)
	}
	if len(l.keys) >= l.maxKeys {
		l.dropLocked(l.lru.Back())
		l.evicted++
	}
	b := &bucket{key: key, full: now}
	l.keys[key] = l.lru.PushFront(b)
	return b
}

// perToken is the time one token takes to come back.
func (l *Limiter) perToken() time.Duration {
	return l.limit.Per / time.Duration(l.limit.Burst)
}

// forgetIdleLocked drops up to two least recently used keys whose bucket is
// full again: each call forgets as many idle keys as it can add, and more.
func (l *Limiter) forgetIdleLocked(now time.Time) {
	for range 2 {
		el := l.lru.Back()
		if el == nil || el.Value.(*bucket).full.After(now) {
			return
		}
		l.dropLocked(el)
	}
}

func (l *Limiter) dropLocked(el *list.Element) {
	delete(l.keys, el.Value.(*bucket).key)
	l.lru.Remove(el)
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
