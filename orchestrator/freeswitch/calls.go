package freeswitch

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/switchboard-cc/switchboard/orchestrator"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/esl"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/eslconn"
)

// call is one tracked channel. Its events come from exactly one source: its
// own outbound socket when it has one (socket != nil), else its node's
// inbound connection; the node's copies of a socket call's events are ignored
// so nothing is delivered twice.
type call struct {
	key    orchestrator.Key
	socket *eslconn.Conn // the call's outbound socket, or nil
	// tracked is the adapter's trackSeq when track registered the call: a
	// node's resync ends only calls tracked before it listed the node's
	// channels, and seen ones (node.go).
	tracked uint64
	// socketAll: the socket is also subscribed to socketMisses but CUSTOM
	// (beyond myevents), so all of the call's events but those come over it,
	// in order, and the node connection's copies (if its filter lets any
	// through) are dropped.
	socketAll atomic.Bool
	// letGo: the controller handed the call over (Detach): the end of its
	// session leaves it up on the switch.
	letGo atomic.Bool
	// socketNixed: socketNixedEvents were taken off the socket;
	// resubscribed (under mu) are those socketEvent asked for again.
	socketNixed  atomic.Bool
	resubscribed map[string]bool
	q            *queue[orchestrator.Event]

	mu       sync.Mutex
	seen     bool // an event of the call was dispatched: the switch had it
	waiters  []*waiter
	lastSeq  uint64
	ended    bool
	cause    orchestrator.HangupCause
	endCh    chan struct{}
	answered bool
	// plays are the Application-UUIDs of Plays whose completion has not
	// been dispatched yet. dispatch removes one under mu when its
	// CHANNEL_EXECUTE_COMPLETE arrives, so StopPlay judges "is media
	// playing" and registers its waiter in one step, with no gap for the
	// completion to slip through.
	plays []string
	stops uint64 // StopPlays so far: a looping Play started before one stops
	// joinsPending counts Originates waiting to join a leg with this call
	// (JoinOnAnswer): the switch may take the call into a bridge at any
	// moment, so a looping Play whose round was cut short, or that ended
	// outside its application, starts no further round. joined counts the
	// joins confirmed: a looping Play begun before one stops.
	joinsPending int
	joined       uint64
	// playBroke: the last PLAYBACK_STOP said the media was cut short.
	playBroke bool
	// join is the call's own bridge application joining it with an
	// offered leg (join.go).
	join callerJoin
}

// joinStarted and joinEnded bracket an Originate that may join a leg with c.
func (c *call) joinStarted() {
	c.mu.Lock()
	c.joinsPending++
	c.mu.Unlock()
}

// joinEnded ends the bracket; joined: the leg was joined with c.
func (c *call) joinEnded(joined bool) {
	c.mu.Lock()
	c.joinsPending--
	if joined {
		c.joined++
	}
	c.mu.Unlock()
}

// wasSeen reports whether an event of the call was dispatched.
func (c *call) wasSeen() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.seen
}

// joinCount is the number of confirmed joins so far.
func (c *call) joinCount() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.joined
}

// waiter is a verb waiting for a confirming event. ch is buffered so the
// reader never blocks on it; a persistent waiter (digit collection) keeps
// receiving until removed.
type waiter struct {
	match      func(*esl.Event) bool
	ch         chan *esl.Event
	persistent bool
	// fire, when set, is told instead of ch, exactly once and under c.mu:
	// the matched event, or the error that ended the wait (awaitFunc);
	// timeout is its deadline's timer.
	fire    func(*esl.Event, error)
	timeout *time.Timer
}

// track registers a call before anything is asked of the switch, so no event
// of it can be missed. Its queue starts a pump goroutine only when an event
// has to wait for the consumer (lazy); a call tracked once Close has begun
// gets its pump at once, which ends its stream as the adapter stops.
func (a *Adapter) track(key orchestrator.Key, socket *eslconn.Conn) (*call, error) {
	c := &call{key: key, socket: socket, endCh: make(chan struct{})}
	c.q = newLazyQueue[orchestrator.Event](4, a.opts.HighWater,
		func(d int) { a.slowConsumer("call "+key.String(), d) }, a.queuedDelta, a.goRunLive, a.stop)
	a.mu.Lock()
	if _, dup := a.calls[key]; dup {
		a.mu.Unlock()
		return nil, fmt.Errorf("freeswitch: call %s is already tracked", key)
	}
	a.trackSeq++
	c.tracked = a.trackSeq
	a.calls[key] = c
	a.mu.Unlock()
	if a.stopping() {
		c.q.startPump()
	}
	return c, nil
}

func (a *Adapter) lookup(key orchestrator.Key) (*call, error) {
	a.mu.Lock()
	c := a.calls[key]
	a.mu.Unlock()
	if c == nil {
		return nil, fmt.Errorf("freeswitch: %s: %w", key, orchestrator.ErrNoSuchCall)
	}
	return c, nil
}

// routeNodeEvent hands a node connection's channel event to its call, unless
// the call's own socket is the source of its events.
func (a *Adapter) routeNodeEvent(nodeName string, ev *esl.Event) {
	id := ev.UUID()
	if id == "" {
		return
	}
	a.mu.Lock()
	c := a.calls[orchestrator.Key{Node: nodeName, ID: id}]
	a.mu.Unlock()
	if c == nil {
		a.st.unrouted.Add(1)
		return
	}
	if c.socket != nil && (!socketMisses[ev.Name()] || (c.socketAll.Load() && ev.Name() != "CUSTOM")) {
		return // the call's own socket delivers it (myevents and its extra subscription)
	}
	a.dispatch(c, ev, false)
}

// socketMisses are events the controller needs that `myevents` does not
// deliver to an outbound socket (mod_event_socket's myevents list has no
// hold, playback, record or CUSTOM events; captures 04, 05, 07 and 11: their
// sockets saw no PLAYBACK_*). Each socket subscribes them too but CUSTOM
// (socketExtraEvents); only if that was refused are they taken from the
// node's inbound connection for that call, where they may interleave with
// the socket's events out of Event-Sequence order (they are confirmations,
// not state). CUSTOM (conference::maintenance, for ConferenceJoin) always
// comes from the node: it carries no channel variables (capture 10), so the
// node connection's filter cannot tell a socket call's apart. It never
// reaches the call's stream.
var socketMisses = map[string]bool{
	"CHANNEL_HOLD": true, "CHANNEL_UNHOLD": true,
	"PLAYBACK_START": true, "PLAYBACK_STOP": true,
	"RECORD_START": true, "RECORD_STOP": true,
	"CUSTOM": true,
}

// dispatch runs on a reader goroutine: it wakes matching waiters, queues the
// typed event and ends the call on its last event. It never blocks.
func (a *Adapter) dispatch(c *call, ev *esl.Event, fromSocket bool) {
	now := a.clock.Now()
	c.mu.Lock()
	if c.ended {
		c.mu.Unlock()
		// Only a socket call's node-sourced events (CUSTOM; socketMisses
		// when its socket refused them) can come after its end, from the
		// other connection; they are counted.
		a.st.late.Add(1)
		a.log.Debug("freeswitch: event after the call's end", "call", c.key.String(), "event", ev.Name())
		return
	}
	c.seen = true
	if seq := ev.Seq(); seq != 0 {
		if seq < c.lastSeq {
			a.st.outOfOrder.Add(1)
		}
		c.lastSeq = max(c.lastSeq, seq)
	}
	switch ev.Name() {
	case "CHANNEL_EXECUTE_COMPLETE":
		c.playDoneLocked(ev.Get("Application-UUID"))
		c.joinDoneLocked(ev.Get("Application-UUID"))
	case "PLAYBACK_STOP":
		c.playBroke = ev.Get("Playback-Status") == "break"
	}
	if dropped := c.wakeLocked(ev); dropped > 0 {
		a.log.Warn("freeswitch: a waiter fell behind and missed an event", "call", c.key.String(), "event", ev.Name())
	}
	if ev.Name() == "CHANNEL_ANSWER" {
		c.answered = true
	}
	if ev.Name() == "CHANNEL_HANGUP" {
		c.cause = orchestrator.HangupCause(strings.Clone(ev.Get("Hangup-Cause")))
	}
	typed, ok := translate(c.key, ev, now)
	last := isLastEvent(ev, fromSocket)
	c.mu.Unlock()
	a.st.routed.Add(1)
	if ok {
		c.q.push(typed)
	}
	if last {
		a.end(c, "")
	}
}

// wakeLocked hands ev to the waiters it matches and forgets the one-shot
// ones. It never blocks: a one-shot waiter's buffer always has room; a
// persistent one (digit collection, 256 deep) that is that far behind loses
// the event, which is reported as dropped (the call's stream still has it).
func (c *call) wakeLocked(ev *esl.Event) (dropped int) {
	kept := c.waiters[:0]
	for _, w := range c.waiters {
		if !w.match(ev) {
			kept = append(kept, w)
			continue
		}
		if w.fire != nil {
			w.fire(ev, nil)
			continue
		}
		select {
		case w.ch <- ev:
		default:
			dropped++
		}
		if w.persistent {
			kept = append(kept, w)
		}
	}
	clear(c.waiters[len(kept):])
	c.waiters = kept
	return dropped
}

// isLastEvent says which event ends a call's stream: the hangup is complete.
// An outbound socket never sees CHANNEL_DESTROY; its end may also come as the
// linger disconnect notice or the socket closing (see endSocketCall).
func isLastEvent(ev *esl.Event, fromSocket bool) bool {
	switch ev.Name() {
	case "CHANNEL_HANGUP_COMPLETE":
		return true
	case "CHANNEL_DESTROY":
		return !fromSocket
	}
	return false
}

// end closes a call's stream with exactly one EventEnded and forgets the call.
// cause overrides the hangup cause seen, when set.
func (a *Adapter) end(c *call, cause orchestrator.HangupCause) {
	c.mu.Lock()
	if c.ended {
		c.mu.Unlock()
		return
	}
	c.ended = true
	c.joinDoneLocked("")
	if cause == "" {
		cause = c.cause
	}
	c.cause = cause
	close(c.endCh)
	kept := c.waiters[:0]
	for _, w := range c.waiters {
		if w.fire != nil {
			w.fire(nil, fmt.Errorf("freeswitch: %s: %w", c.key, orchestrator.ErrCallEnded))
			continue
		}
		kept = append(kept, w)
	}
	clear(c.waiters[len(kept):])
	c.waiters = kept
	c.mu.Unlock()
	a.mu.Lock()
	if a.calls[c.key] == c {
		delete(a.calls, c.key)
	}
	a.mu.Unlock()
	c.q.push(orchestrator.Event{Kind: orchestrator.EventEnded, Call: c.key, At: a.clock.Now(), Cause: cause})
	c.q.close()
}

// await registers interest in an event before the command that causes it is
// sent. Call cancel when done.
func (c *call) await(match func(*esl.Event) bool, persistent bool, buf int) (*waiter, error) {
	w := &waiter{match: match, ch: make(chan *esl.Event, buf), persistent: persistent}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ended {
		return nil, fmt.Errorf("freeswitch: %s: %w", c.key, orchestrator.ErrCallEnded)
	}
	c.waiters = append(c.waiters, w)
	return w, nil
}

// awaitFunc is await for a waiter with no goroutine behind it: fire is
// called once, under c.mu (so it must neither block nor take c.mu), with the
// first event match accepts, or with ErrCallEnded when the call ends first,
// or with an error wrapping context.DeadlineExceeded after timeout. cancel
// ends the wait without a call to fire.
func (c *call) awaitFunc(match func(*esl.Event) bool, timeout time.Duration, fire func(*esl.Event, error)) (*waiter, error) {
	w := &waiter{match: match}
	w.fire = func(ev *esl.Event, err error) {
		w.timeout.Stop()
		fire(ev, err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ended {
		return nil, fmt.Errorf("freeswitch: %s: %w", c.key, orchestrator.ErrCallEnded)
	}
	c.waiters = append(c.waiters, w)
	w.timeout = time.AfterFunc(timeout, func() { // under c.mu: it cannot fire before it is set
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.removeLocked(w) {
			fire(nil, fmt.Errorf("freeswitch: %s: no confirming event within %s: %w", c.key, timeout, context.DeadlineExceeded))
		}
	})
	return w, nil
}

// failWaiter ends an awaitFunc waiter still waiting with err (a refused
// command); it may run on a reader goroutine.
func (c *call) failWaiter(w *waiter, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.removeLocked(w) {
		w.fire(nil, err)
	}
}

func (c *call) cancel(w *waiter) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.removeLocked(w) && w.timeout != nil {
		w.timeout.Stop()
	}
}

// removeLocked forgets w and reports whether it was still waiting.
func (c *call) removeLocked(w *waiter) bool {
	for i, x := range c.waiters {
		if x == w {
			c.waiters = append(c.waiters[:i], c.waiters[i+1:]...)
			return true
		}
	}
	return false
}

// wait returns the event w matched, or ErrCallEnded if the call ended first,
// or ctx's error.
func (c *call) wait(ctx context.Context, w *waiter) (*esl.Event, error) {
	return c.waitOr(ctx, w, nil, nil)
}

// waitOr is wait that also gives up with stopErr when stop closes (a nil
// stop never does).
func (c *call) waitOr(ctx context.Context, w *waiter, stop <-chan struct{}, stopErr error) (*esl.Event, error) {
	select {
	case ev := <-w.ch:
		return ev, nil
	case <-stop:
		return nil, stopErr
	case <-c.endCh:
		select {
		case ev := <-w.ch:
			return ev, nil
		default:
			return nil, fmt.Errorf("freeswitch: %s: %w", c.key, orchestrator.ErrCallEnded)
		}
	case <-ctx.Done():
		return nil, context.Cause(ctx)
	}
}

// hangupCause is the cause the switch reported, "" if it never hung up.
func (c *call) hangupCause() orchestrator.HangupCause {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cause
}

func (c *call) isEnded() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ended
}
