package asterisk

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/CyCoreSystems/ari/v6"

	"github.com/switchboard-cc/switchboard/orchestrator"
)

type callKind int

const (
	kindInbound    callKind = iota + 1 // a caller that entered Stasis
	kindOriginated                     // Originate: the controller reads its stream
	kindInternal                       // a Bridge leg or a snoop: no stream
)

// callState is one channel the adapter tracks. Guarded by Adapter.mu.
type callState struct {
	key      orchestrator.Key
	kind     callKind
	out      *queue[orchestrator.Event] // nil for internal channels
	seen     bool                       // an event of it was dispatched
	up       bool
	hungup   bool
	ended    bool
	endedCh  chan struct{}
	cause    orchestrator.HangupCause // what the controller hung up with
	destroy  int                      // ChannelDestroyed's Q.850 cause
	bridge   string
	joined   string // the leg joined with it by JoinOnAnswer or BridgeCalls
	playback string // the playback running
	stopPlay bool
	dtmf     []string
	dtmfCh   chan struct{}     // closed and replaced on every digit
	recs     map[string]string // recording name -> path asked for
	waiters  []*waiter
	cancel   context.CancelCauseFunc // inbound: the handler's context
	inbound  orchestrator.InboundCall
	inStasis bool
	lost     bool         // given up with the node
	onUp     []chan error // StartAnswer confirmations
}

// waiter gets the first event (of this channel) that matches, after it was
// registered: interest registered before the request that causes it.
type waiter struct {
	match func(ari.Event) bool
	ch    chan ari.Event
}

func newCall(key orchestrator.Key, kind callKind) *callState {
	c := &callState{key: key, kind: kind, endedCh: make(chan struct{}), dtmfCh: make(chan struct{}), recs: map[string]string{}}
	if kind != kindInternal {
		c.out = newQueue[orchestrator.Event]()
	}
	return c
}

// track registers a call and starts its stream's pump.
func (a *Adapter) trackLocked(c *callState) {
	a.calls[c.key.ID] = c
	if c.out != nil {
		a.wg.Add(1)
		go func() { defer a.wg.Done(); c.out.pump(a.stop) }()
	}
}

func (a *Adapter) emitLocked(c *callState, e orchestrator.Event) {
	if c.out == nil {
		return
	}
	e.Call = c.key
	e.At = time.Now()
	e.Seq = a.seq.Add(1)
	c.out.push(e)
}

// waitLocked registers interest in c's next event that matches.
func (c *callState) waitLocked(match func(ari.Event) bool) *waiter {
	w := &waiter{match: match, ch: make(chan ari.Event, 1)}
	c.waiters = append(c.waiters, w)
	return w
}

func (c *callState) notifyLocked(ev ari.Event) {
	kept := c.waiters[:0]
	for _, w := range c.waiters {
		if w.match(ev) {
			w.ch <- ev
			continue
		}
		kept = append(kept, w)
	}
	c.waiters = kept
}

const dedupeWindow = 16

// maxTypeAhead bounds the digits kept for the next Collect.
const maxTypeAhead = 64

// handleFrame decodes one WebSocket frame and dispatches it. A frame equal
// to one of the last few (same bytes, with Asterisk's ms timestamp) is the
// same event delivered again through an overlapping subscription (capture
// 08) and is dropped; a frame that does not decode is logged, never
// guessed at. It reports whether the frame was ApplicationReplaced.
func (a *Adapter) handleFrame(b []byte) (replaced bool) {
	s := string(b)
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, r := range a.recent {
		if r == s {
			return false
		}
	}
	a.recent[a.recentN%dedupeWindow] = s
	a.recentN++
	ev, err := ari.DecodeEvent(b)
	if err != nil {
		a.log.Warn("asterisk: undecodable ARI event", "node", a.opts.Node, "err", err, "frame", truncate(s, 200))
		return false
	}
	if _, ok := ev.(*ari.ApplicationReplaced); ok {
		return true
	}
	a.dispatchLocked(ev)
	return false
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// channelOf is the channel an event is about ("" if none).
func channelOf(ev ari.Event) string {
	switch e := ev.(type) {
	case *ari.StasisStart:
		return e.Channel.ID
	case *ari.StasisEnd:
		return e.Channel.ID
	case *ari.ChannelStateChange:
		return e.Channel.ID
	case *ari.ChannelDtmfReceived:
		return e.Channel.ID
	case *ari.ChannelHangupRequest:
		return e.Channel.ID
	case *ari.ChannelDestroyed:
		return e.Channel.ID
	case *ari.ChannelEnteredBridge:
		return e.Channel.ID
	case *ari.ChannelLeftBridge:
		return e.Channel.ID
	case *ari.ChannelHold:
		return e.Channel.ID
	case *ari.ChannelUnhold:
		return e.Channel.ID
	case *ari.ChannelVarset:
		return e.Channel.ID
	case *ari.Dial:
		return e.Peer.ID
	case *ari.PlaybackStarted:
		return strings.TrimPrefix(e.Playback.TargetURI, "channel:")
	case *ari.PlaybackFinished:
		return strings.TrimPrefix(e.Playback.TargetURI, "channel:")
	case *ari.RecordingStarted:
		return strings.TrimPrefix(e.Recording.TargetURI, "channel:")
	case *ari.RecordingFinished:
		return strings.TrimPrefix(e.Recording.TargetURI, "channel:")
	case *ari.RecordingFailed:
		return strings.TrimPrefix(e.Recording.TargetURI, "channel:")
	}
	return ""
}

func (a *Adapter) dispatchLocked(ev ari.Event) {
	if e, ok := ev.(*ari.EndpointStateChange); ok {
		a.endpointLocked(e)
		return
	}
	id := channelOf(ev)
	if id == "" {
		return
	}
	c := a.calls[id]
	if c == nil {
		if st, ok := ev.(*ari.StasisStart); ok {
			a.inboundLocked(st)
		}
		return
	}
	c.seen = true
	a.mapLocked(c, ev)
	c.notifyLocked(ev)
}

// mapLocked turns one ARI event into the port's events on c's stream.
func (a *Adapter) mapLocked(c *callState, ev ari.Event) {
	switch e := ev.(type) {
	case *ari.ChannelStateChange:
		switch e.Channel.State {
		case "Ringing":
			a.emitLocked(c, orchestrator.Event{Kind: orchestrator.EventRinging})
		case "Up":
			a.upLocked(c)
		}
	case *ari.StasisStart:
		c.inStasis = true
		if e.Channel.State == "Up" {
			a.upLocked(c)
		}
	case *ari.ChannelDtmfReceived:
		if len(c.dtmf) < maxTypeAhead { // the stream still has every digit
			c.dtmf = append(c.dtmf, e.Digit)
		}
		close(c.dtmfCh)
		c.dtmfCh = make(chan struct{})
		a.emitLocked(c, orchestrator.Event{Kind: orchestrator.EventDTMF, Digit: e.Digit})
	case *ari.PlaybackStarted:
		a.emitLocked(c, orchestrator.Event{Kind: orchestrator.EventPlayStarted, Path: e.Playback.MediaURI})
	case *ari.PlaybackFinished:
		if c.playback == e.Playback.ID {
			c.playback = ""
		}
		a.emitLocked(c, orchestrator.Event{Kind: orchestrator.EventPlayStopped, Path: e.Playback.MediaURI})
	case *ari.RecordingStarted:
		a.emitLocked(c, orchestrator.Event{Kind: orchestrator.EventRecordStarted, Path: c.recPath(e.Recording.Name)})
	case *ari.RecordingFinished:
		a.emitLocked(c, orchestrator.Event{Kind: orchestrator.EventRecordStopped, Path: c.recPath(e.Recording.Name)})
	case *ari.ChannelHold:
		a.emitLocked(c, orchestrator.Event{Kind: orchestrator.EventHeld})
	case *ari.ChannelUnhold:
		a.emitLocked(c, orchestrator.Event{Kind: orchestrator.EventUnheld})
	case *ari.ChannelEnteredBridge:
		c.bridge = e.Bridge.ID
		if len(e.Bridge.ChannelIDs) == 2 {
			for _, other := range e.Bridge.ChannelIDs {
				if other == c.key.ID {
					continue
				}
				a.emitLocked(c, orchestrator.Event{Kind: orchestrator.EventBridged, Peer: a.key(other)})
				if o := a.calls[other]; o != nil {
					a.emitLocked(o, orchestrator.Event{Kind: orchestrator.EventBridged, Peer: c.key})
				}
			}
		}
	case *ari.ChannelLeftBridge:
		c.bridge = ""
		if len(e.Bridge.ChannelIDs) == 1 {
			other := e.Bridge.ChannelIDs[0]
			a.emitLocked(c, orchestrator.Event{Kind: orchestrator.EventUnbridged, Peer: a.key(other)})
			if o := a.calls[other]; o != nil {
				a.emitLocked(o, orchestrator.Event{Kind: orchestrator.EventUnbridged, Peer: c.key})
				if o.joined == c.key.ID {
					o.joined = ""
				}
			}
		}
		if c.joined != "" {
			if o := a.calls[c.joined]; o != nil && o.joined == c.key.ID {
				o.joined = ""
			}
			c.joined = ""
		}
		if strings.HasPrefix(e.Bridge.ID, pairPrefix) && len(e.Bridge.ChannelIDs) <= 1 {
			a.destroyBridgeLocked(e.Bridge.ID)
			// A Bridge leg or a snoop left alone has no one to end it.
			for _, id := range e.Bridge.ChannelIDs {
				if o := a.calls[id]; o != nil && o.kind == kindInternal {
					a.hangupAsyncLocked(id)
				}
			}
		}
	case *ari.ChannelHangupRequest:
		a.hangupLocked(c, requestCause(e))
	case *ari.ChannelDestroyed:
		c.destroy = e.Cause
		a.hangupLocked(c, q850(e.Cause))
		a.endLocked(c)
	case *ari.StasisEnd:
		a.endLocked(c)
	}
}

// upLocked: the channel answered (once), StartAnswer confirmed.
func (a *Adapter) upLocked(c *callState) {
	if !c.up {
		c.up = true
		a.emitLocked(c, orchestrator.Event{Kind: orchestrator.EventAnswered})
	}
	for _, ch := range c.onUp {
		ch <- nil
	}
	c.onUp = nil
}

// requestCause is the cause of a ChannelHangupRequest: none after a BYE,
// 32 (the soft-hangup flag, not a cause) after DELETE (README "cause is not
// always a Q.850 cause"); the controller's own cause wins in hangupLocked.
func requestCause(e *ari.ChannelHangupRequest) orchestrator.HangupCause {
	if e.Cause == 0 || e.Soft && e.Cause == 32 {
		return orchestrator.CauseNormalClearing
	}
	return q850(e.Cause)
}

func (a *Adapter) hangupLocked(c *callState, cause orchestrator.HangupCause) {
	if c.hungup {
		return
	}
	c.hungup = true
	if c.cause != "" {
		cause = c.cause
	}
	a.emitLocked(c, orchestrator.Event{Kind: orchestrator.EventHangup, Cause: cause})
}

// endLocked closes c's stream with EventEnded (once) and forgets it.
func (a *Adapter) endLocked(c *callState) {
	if c.ended {
		return
	}
	c.ended = true
	cause := c.cause
	if cause == "" && c.destroy != 0 {
		cause = q850(c.destroy)
	}
	a.emitLocked(c, orchestrator.Event{Kind: orchestrator.EventEnded, Cause: cause})
	if c.out != nil {
		c.out.close()
	}
	close(c.endedCh)
	for _, ch := range c.onUp {
		ch <- fmt.Errorf("%w: %s", orchestrator.ErrCallEnded, c.key)
	}
	c.onUp = nil
	if c.cancel != nil {
		if c.lost {
			c.cancel(orchestrator.ErrNodeDown)
		} else {
			c.cancel(orchestrator.ErrCallEnded)
		}
	}
	if o := a.calls[c.joined]; o != nil && o.joined == c.key.ID {
		o.joined = ""
	}
	if a.calls[c.key.ID] == c {
		delete(a.calls, c.key.ID)
	}
}

func (c *callState) recPath(name string) string {
	if p, ok := c.recs[name]; ok {
		return p
	}
	return name
}

// q850 maps Asterisk's causes to the port's names.
func q850(cause int) orchestrator.HangupCause {
	switch cause {
	case 0, 16, 31:
		return orchestrator.CauseNormalClearing
	case 1:
		return orchestrator.CauseUnallocatedNumber
	case 17:
		return orchestrator.CauseUserBusy
	case 18:
		return orchestrator.CauseNoUserResponse
	case 19:
		return orchestrator.CauseNoAnswer
	case 20:
		return orchestrator.CauseUserNotRegistered
	case 21:
		return orchestrator.CauseCallRejected
	case 26:
		return orchestrator.CauseLoseRace
	case 34:
		return orchestrator.CauseNormalCircuitCongest
	case 52:
		return orchestrator.CauseOutgoingCallBarred
	}
	return orchestrator.HangupCause("Q850_" + itoa(cause))
}

// reasonCode is the Q.850 cause DELETE /channels sends for a port cause.
func reasonCode(c orchestrator.HangupCause) int {
	switch c {
	case orchestrator.CauseUserBusy:
		return 17
	case orchestrator.CauseNoAnswer:
		return 19
	case orchestrator.CauseNoUserResponse:
		return 18
	case orchestrator.CauseUserNotRegistered:
		return 20
	case orchestrator.CauseCallRejected:
		return 21
	case orchestrator.CauseUnallocatedNumber:
		return 1
	case orchestrator.CauseNormalCircuitCongest:
		return 34
	case orchestrator.CauseOriginatorCancel:
		return 16
	case orchestrator.CauseLoseRace:
		return 26
	case orchestrator.CauseOutgoingCallBarred:
		return 52
	}
	return 16
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	neg := n < 0
	if neg {
		n = -n
	}
	var b []byte
	for n > 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	if neg {
		b = append([]byte{'-'}, b...)
	}
	return string(b)
}

// inboundLocked takes a caller that entered Stasis: its args k=v are the
// dialplan's variables (docs/asterisk-setup.md: Stasis(switchboard,
// sb_tenant=...)). A snoop or leg of ours is tracked before it exists and
// never lands here.
func (a *Adapter) inboundLocked(st *ari.StasisStart) {
	ch := st.Channel
	c := newCall(a.key(ch.ID), kindInbound)
	c.seen = true
	c.up = ch.State == "Up"
	vars := map[string]string{}
	for _, arg := range st.Args {
		if k, v, ok := strings.Cut(arg, "="); ok {
			vars[k] = v
		}
	}
	from, to := "", ""
	if ch.Caller != nil {
		from = ch.Caller.Number
	}
	if ch.Dialplan != nil {
		to = ch.Dialplan.Exten
	}
	c.inbound = orchestrator.InboundCall{Key: c.key, From: from, To: to, Vars: vars, Events: c.out.out}
	a.trackLocked(c)
	if a.handler == nil {
		a.pending = append(a.pending, c)
		return
	}
	a.startHandlerLocked(c, a.handler)
}

func (a *Adapter) startHandlerLocked(c *callState, h orchestrator.CallHandler) {
	ctx, cancel := context.WithCancelCause(a.ctx)
	c.cancel = cancel
	if c.ended {
		cancel(orchestrator.ErrCallEnded)
	}
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		defer cancel(orchestrator.ErrCallEnded)
		h(ctx, c.inbound)
	}()
}

// ServeCalls runs h for every caller that enters the Stasis app, until ctx
// is done; it then waits for no handler (they end with their calls).
func (a *Adapter) ServeCalls(ctx context.Context, h orchestrator.CallHandler) error {
	a.mu.Lock()
	a.handler = h
	pending := a.pending
	a.pending = nil
	for _, c := range pending {
		a.startHandlerLocked(c, h)
	}
	a.mu.Unlock()
	select {
	case <-ctx.Done():
	case <-a.ctx.Done():
	}
	a.mu.Lock()
	a.handler = nil
	a.mu.Unlock()
	return nil
}

// endpointLocked reports registrations: a PJSIP endpoint going online or
// offline (EndpointStateChange also comes when only its channel list
// changes, capture 08: those are not registrations).
func (a *Adapter) endpointLocked(e *ari.EndpointStateChange) {
	if e.Endpoint.Technology != "PJSIP" {
		return
	}
	prev := a.endpoints[e.Endpoint.Resource]
	a.endpoints[e.Endpoint.Resource] = e.Endpoint.State
	if prev == e.Endpoint.State {
		return
	}
	user, domain := splitUser(e.Endpoint.Resource)
	switch e.Endpoint.State {
	case "online":
		a.nodeQ.push(orchestrator.NodeEvent{Kind: orchestrator.NodeRegistered, Node: a.opts.Node, At: time.Now(), User: user, Domain: domain})
	case "offline":
		a.nodeQ.push(orchestrator.NodeEvent{Kind: orchestrator.NodeUnregistered, Node: a.opts.Node, At: time.Now(), User: user, Domain: domain, Reason: "unregister"})
	}
}
