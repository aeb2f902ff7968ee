package switchtest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/orchestrator"
)

// session records one call's event stream as the controller sees it.
type session struct {
	orchestrator.InboundCall
	ctx    context.Context
	caller Caller

	mu     sync.Mutex
	evs    []orchestrator.Event
	closed bool
	change chan struct{} // closed and replaced on every new event
}

func newSession(key orchestrator.Key, ctx context.Context) *session {
	return &session{InboundCall: orchestrator.InboundCall{Key: key}, ctx: ctx, change: make(chan struct{})}
}

// pump reads the stream until it is closed.
func (s *session) pump(events <-chan orchestrator.Event) {
	for e := range events {
		s.mu.Lock()
		s.evs = append(s.evs, e)
		close(s.change)
		s.change = make(chan struct{})
		s.mu.Unlock()
	}
	s.mu.Lock()
	s.closed = true
	close(s.change)
	s.change = make(chan struct{})
	s.mu.Unlock()
}

func (s *session) events() []orchestrator.Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]orchestrator.Event(nil), s.evs...)
}

func (s *session) seen(k orchestrator.EventKind) (orchestrator.Event, bool) {
	for _, e := range s.events() {
		if e.Kind == k {
			return e, true
		}
	}
	return orchestrator.Event{}, false
}

// waitUntil waits for cond over the events, or the timeout.
func (s *session) waitUntil(d time.Duration, cond func(evs []orchestrator.Event, closed bool) bool) bool {
	deadline := time.After(d)
	for {
		s.mu.Lock()
		ok := cond(s.evs, s.closed)
		ch := s.change
		s.mu.Unlock()
		if ok {
			return true
		}
		select {
		case <-ch:
		case <-deadline:
			return false
		}
	}
}

func (s *session) waitFor(t *testing.T, k orchestrator.EventKind) orchestrator.Event {
	t.Helper()
	var found orchestrator.Event
	ok := s.waitUntil(verbTimeout, func(evs []orchestrator.Event, _ bool) bool {
		for _, e := range evs {
			if e.Kind == k {
				found = e
				return true
			}
		}
		return false
	})
	if !ok {
		t.Fatalf("no %v event on %v; got %v", k, s.Key, kinds(s.events()))
	}
	return found
}

// waitEnded waits for the stream to close and checks it ends with exactly
// one EventEnded.
func (s *session) waitEnded(t *testing.T) {
	t.Helper()
	if !s.waitUntil(verbTimeout, func(_ []orchestrator.Event, closed bool) bool { return closed }) {
		t.Fatalf("stream of %v not closed; got %v", s.Key, kinds(s.events()))
	}
	evs := s.events()
	n := 0
	for _, e := range evs {
		if e.Kind == orchestrator.EventEnded {
			n++
		}
	}
	if n != 1 || len(evs) == 0 || evs[len(evs)-1].Kind != orchestrator.EventEnded {
		t.Errorf("stream must end with exactly one EventEnded; got %v", kinds(evs))
	}
}

func kinds(evs []orchestrator.Event) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e.Kind.String())
	}
	return out
}

// assertOrder checks that want appear in this order (others may interleave).
func assertOrder(t *testing.T, evs []orchestrator.Event, want ...orchestrator.EventKind) {
	t.Helper()
	i := 0
	for _, e := range evs {
		if i < len(want) && e.Kind == want[i] {
			i++
		}
	}
	if i != len(want) {
		t.Errorf("events %v do not contain %v in order", kinds(evs), want)
	}
}

// acceptor runs ServeCalls once per harness and hands arriving calls to
// arrive in order (calls are placed one at a time).
type acceptor struct {
	arrivals chan *session
	cancel   context.CancelFunc
	served   chan struct{}

	mu    sync.Mutex
	calls []*session
}

var acceptors sync.Map // Harness -> *acceptor

// acceptorFor starts the harness's acceptor on first use; the test's
// cleanup hangs up every call it left up, waits for their streams to end,
// then stops ServeCalls.
func acceptorFor(t *testing.T, h Harness) *acceptor {
	if a, ok := acceptors.Load(h); ok {
		return a.(*acceptor)
	}
	ctx, cancel := context.WithCancel(context.Background())
	a := &acceptor{arrivals: make(chan *session, 16), cancel: cancel, served: make(chan struct{})}
	acceptors.Store(h, a)
	go func() {
		defer close(a.served)
		h.Acceptor().ServeCalls(ctx, func(cctx context.Context, call orchestrator.InboundCall) {
			s := newSession(call.Key, cctx)
			s.InboundCall = call
			a.arrivals <- s
			s.pump(call.Events)
		})
	}()
	t.Cleanup(func() { a.stop(t); acceptors.Delete(h) })
	return a
}

func (a *acceptor) stop(t *testing.T) {
	a.mu.Lock()
	calls := a.calls
	a.mu.Unlock()
	for _, s := range calls {
		if s.caller != nil {
			s.caller.Hangup() // ends the handler if the test left the call up
		}
		if !s.waitUntil(arriveTimeout, func(_ []orchestrator.Event, closed bool) bool { return closed }) {
			t.Errorf("the stream of %v did not end %v after the caller hung up", s.Key, arriveTimeout)
		}
	}
	a.cancel()
	select {
	case <-a.served:
	case <-time.After(arriveTimeout):
		t.Errorf("ServeCalls did not return %v after its context ended", arriveTimeout)
	}
}

// arrive makes a caller arrive and returns the call as the handler got it.
func arrive(t *testing.T, h Harness, spec CallerSpec) *session {
	t.Helper()
	a := acceptorFor(t, h)
	caller, err := h.Call(context.Background(), spec)
	if err != nil {
		t.Fatalf("Call: %v", err)
	}
	select {
	case s := <-a.arrivals:
		s.caller = caller
		a.mu.Lock()
		a.calls = append(a.calls, s)
		a.mu.Unlock()
		return s
	case <-time.After(arriveTimeout):
		caller.Hangup()
		t.Fatalf("the call from %s did not reach the controller", spec.From)
		return nil
	}
}

// track records an originated leg's stream.
func track(t *testing.T, key orchestrator.Key, events <-chan orchestrator.Event) *session {
	s := newSession(key, context.Background())
	done := make(chan struct{})
	go func() { defer close(done); s.pump(events) }()
	_ = t
	return s
}

func register(t *testing.T, h Harness, user string, b PhoneBehaviour) orchestrator.Endpoint {
	t.Helper()
	ep, err := h.RegisterPhone(ctxFor(t, verbTimeout), user, b)
	if errors.Is(err, ErrNotSupported) {
		t.Skipf("harness cannot play this phone: %v", err)
	}
	if err != nil {
		t.Fatalf("RegisterPhone %s: %v", user, err)
	}
	return ep
}
