package freeswitch

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/percipia/eslgo/command"

	"github.com/switchboard-cc/switchboard/orchestrator"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/esl"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/eslconn"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/socketauth"
)

// ServeCalls accepts the connections FreeSWITCH's `socket` application opens
// (one per call) until ctx is done, and runs h for each call on its own
// goroutine. Each connection is set up with connect, `myevents json` and
// `linger`; h's ctx is cancelled with ErrCallEnded when the call ends (with
// ErrNodeDown when the socket closes without a hangup). h must return once
// its ctx is done: Close waits for every handler. When h returns on a call
// still up, the call is hung up (NORMAL_CLEARING) and the socket released
// with `exit`.
func (a *Adapter) ServeCalls(ctx context.Context, h orchestrator.CallHandler) error {
	ln := a.opts.Listener
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", a.opts.ListenAddr); err != nil {
			return fmt.Errorf("freeswitch: outbound listener: %w", err)
		}
	}
	stopAccept := context.AfterFunc(ctx, func() { ln.Close() })
	defer stopAccept()
	stopOnClose := context.AfterFunc(a.ctx, func() { ln.Close() })
	defer stopOnClose()
	for {
		nc, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil || a.ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return nil
			}
			return fmt.Errorf("freeswitch: accept: %w", err)
		}
		a.goRun(func() { a.serveSocket(ctx, nc, h) })
	}
}

// serveSocket runs one outbound socket connection from connect to exit.
func (a *Adapter) serveSocket(ctx context.Context, nc net.Conn, h orchestrator.CallHandler) {
	candidates := a.nodes.Load().nodesAt(nc.RemoteAddr())
	if len(candidates) == 0 {
		// Not a word is read from or written to a stranger.
		a.refuseSocket(nc.RemoteAddr(), refusedAddress, "not the address of a configured node")
		nc.Close()
		return
	}
	var cp atomic.Pointer[call] // set once the call is known; events only come after myevents
	lingering := make(chan struct{})
	var lingerOnce sync.Once
	conn := eslconn.New(nc, a.instrument(eslconn.Options{
		ReplyTimeout: a.opts.CommandTimeout,
		Logger:       a.log, // eslconn adds the peer's address (esl_peer)
		Events:       eventHeaders,
		OnEvent: func(ev *esl.Event) {
			if c := cp.Load(); c != nil && ev.UUID() == c.key.ID {
				a.dispatch(c, ev, true)
			}
		},
		OnNotice: func(f *esl.Frame) {
			// The linger notice says the channel is down, but FreeSWITCH may
			// send it before CHANNEL_HANGUP (seen on a real 1.10.12 after
			// uuid_kill, 4 sockets in 90): the call ends on its last event,
			// or lingerGrace after the notice (watchSocketCall).
			if cp.Load() != nil && f.Get("Content-Disposition") == "linger" {
				lingerOnce.Do(func() { close(lingering) })
			}
		},
	}))
	defer conn.Close()
	c, in, err := a.setupSocket(ctx, conn, &cp, candidates)
	if errors.Is(err, errSocketRefused) {
		return
	}
	if err != nil {
		a.log.Error("freeswitch: outbound socket setup failed", "peer", nc.RemoteAddr().String(), "err", err)
		return
	}
	callCtx, cancel := context.WithCancelCause(ctx)
	a.goRun(func() { a.watchSocketCall(c, conn, lingering, cancel) })
	h(callCtx, in)
	a.finishSocket(c, conn)
	cancel(orchestrator.ErrCallEnded)
}

// setupSocket runs connect, checks the socket's token against the nodes at
// its address (refusing it: the channel is killed with CALL_REJECTED), then
// tracks the call and subscribes its events.
func (a *Adapter) setupSocket(ctx context.Context, conn *eslconn.Conn, cp *atomic.Pointer[call], candidates []*node) (*call, orchestrator.InboundCall, error) {
	sctx, cancel := context.WithTimeout(ctx, a.opts.CommandTimeout)
	defer cancel()
	r, err := conn.Run(sctx, command.Connect{})
	if err != nil {
		return nil, orchestrator.InboundCall{}, err
	}
	data := r.Decoded()
	id := data.Get("Unique-ID")
	if id == "" {
		return nil, orchestrator.InboundCall{}, errors.New("freeswitch: connect reply has no Unique-ID")
	}
	n := tokenNode(candidates, data)
	if n == nil {
		a.refuseSocket(conn.RemoteAddr(), refusedToken, "no "+socketauth.Var+" of a node at this address")
		if checkArg("uuid", id, " ") == nil {
			_, _ = conn.API(sctx, "uuid_kill "+id+" CALL_REJECTED")
		}
		return nil, orchestrator.InboundCall{}, errSocketRefused
	}
	key := orchestrator.Key{Node: n.cfg.Name, ID: id}
	c, err := a.track(key, conn)
	if err != nil {
		return nil, orchestrator.InboundCall{}, err
	}
	cp.Store(c)
	// The rest in one write (one round trip, not three), after the token
	// check: nothing is asked of a socket before it is known to be the
	// node's, and events start only once the call is tracked to take them.
	_, errs := conn.RunAll(sctx, command.MyEvents{Format: "json"}, command.Linger{Enabled: true},
		command.Event{Format: "json", Listen: socketExtraEvents},
		command.Event{Ignore: true, Format: "json", Listen: socketNixedEvents})
	for _, err := range errs[:2] {
		if err != nil {
			a.end(c, "")
			return nil, orchestrator.InboundCall{}, err
		}
	}
	// myevents leaves out hold, playback and record events (captures 04,
	// 05; mod_event_socket's myevents list). Subscribing them on the socket
	// too (mod_event_socket still keeps a myevents listener to its own call)
	// keeps every event of the call on one connection, in order, and lets
	// the node connection's filter (nodeFilters) keep them away from it. If
	// refused, they must come from the node: the call loses the token the
	// filter knows it by.
	if errs[2] == nil {
		c.socketAll.Store(true)
	} else {
		a.log.Warn("freeswitch: extra socket events refused; taking them from the node connection", "call", key.String(), "err", errs[2])
		if _, err := conn.API(sctx, "uuid_setvar "+id+" "+socketauth.Var); err != nil {
			a.end(c, "")
			return nil, orchestrator.InboundCall{}, err
		}
	}
	// Refused, the events the controller reads only to drop keep coming.
	c.socketNixed.Store(errs[3] == nil)
	in := orchestrator.InboundCall{
		Key: key, From: data.Get("Caller-Caller-ID-Number"), To: data.Get("Caller-Destination-Number"),
		Vars: channelVars(data), Events: c.q.out,
	}
	return c, in, nil
}

// socketExtraEvents are subscribed on each outbound socket beyond myevents:
// socketMisses but CUSTOM. conference::maintenance carries no channel
// variables (capture 10), so the node connection's filter lets it through
// anyway: the socket taking it too would only double it.
var socketExtraEvents = []string{"PLAYBACK_START", "PLAYBACK_STOP", "CHANNEL_HOLD", "CHANNEL_UNHOLD",
	"RECORD_START", "RECORD_STOP"}

// socketNixedEvents are taken off each outbound socket's myevents list
// (nixevent): the controller has no use for them on a call it controls,
// and they were about 40% of what a call's socket carried on fssim's call
// path (CHANNEL_STATE alone 2.6 a call). Each one read costs a read, a
// decode and a dispatch. The two a verb may wait for come back on demand
// (socketEvent): CHANNEL_STATE for BlindTransfer's CS_ROUTING,
// CHANNEL_EXECUTE for Eavesdrop's start.
var socketNixedEvents = []string{"CHANNEL_STATE", "CHANNEL_EXECUTE", "CHANNEL_PARK", "CHANNEL_UNPARK",
	"CHANNEL_CREATE", "CHANNEL_ORIGINATE", "CHANNEL_OUTGOING", "CHANNEL_APPLICATION",
	"TALK", "NOTALK", "DETECTED_SPEECH"}

// socketEvent subscribes the call's socket to name again, if setupSocket
// took it off (socketNixedEvents) and nothing asked for it since: a verb
// about to wait for it calls this first.
func (a *Adapter) socketEvent(ctx context.Context, c *call, name string) error {
	if c.socket == nil || !c.socketNixed.Load() {
		return nil
	}
	c.mu.Lock()
	done := c.resubscribed[name]
	c.mu.Unlock()
	if done {
		return nil
	}
	if _, err := c.socket.Run(ctx, command.Event{Format: "json", Listen: []string{name}}); err != nil {
		return a.mapErr(c, err)
	}
	c.mu.Lock()
	if c.resubscribed == nil {
		c.resubscribed = map[string]bool{}
	}
	c.resubscribed[name] = true
	c.mu.Unlock()
	return nil
}

// lingerGrace bounds the wait for a socket call's last event after
// FreeSWITCH's linger notice.
const lingerGrace = 2 * time.Second

// watchSocketCall ends the call when its socket closes or lingerGrace after
// the linger notice (normally its last event ends it first), and cancels the
// handler's context when the call ends.
func (a *Adapter) watchSocketCall(c *call, conn *eslconn.Conn, lingering <-chan struct{}, cancel context.CancelCauseFunc) {
	select {
	case <-lingering:
		select {
		case <-a.clock.After(lingerGrace):
		case <-c.endCh:
		case <-conn.Done():
		case <-a.stop:
		}
		a.end(c, "")
	case <-conn.Done():
		a.end(c, "")
		if c.hangupCause() == "" {
			// The socket closed with no hangup seen: the node or the link is
			// gone, and with it the controller's grip on the call.
			cancel(fmt.Errorf("%w: outbound socket of %s closed without a hangup", orchestrator.ErrNodeDown, c.key))
			return
		}
	case <-c.endCh:
	case <-a.stop:
		a.end(c, "")
	}
	cancel(orchestrator.ErrCallEnded)
}

// finishSocket runs after the handler returned: a call still up is hung up
// (the session is over), then `exit` releases the lingering socket.
func (a *Adapter) finishSocket(c *call, conn *eslconn.Conn) {
	ctx, cancel := a.stopContext(5 * time.Second)
	defer cancel()
	if !c.isEnded() && !c.letGo.Load() {
		if err := a.Hangup(ctx, c.key, orchestrator.CauseNormalClearing); err != nil {
			a.log.Warn("freeswitch: hangup after session end failed", "call", c.key.String(), "err", err)
		}
	}
	if _, err := conn.Run(ctx, command.Exit{}); err != nil && !errors.Is(err, eslconn.ErrClosed) {
		a.log.Debug("freeswitch: exit on outbound socket", "call", c.key.String(), "err", err)
	}
	a.end(c, "")
}

// channelVars returns the variable_* headers of channel data, without prefix
// and without the socket token, which the call path has no use for.
func channelVars(data *esl.Frame) map[string]string {
	vars := map[string]string{}
	for _, h := range data.Headers {
		if name, ok := strings.CutPrefix(h.Name, "variable_"); ok && name != socketauth.Var {
			vars[name] = h.Value
		}
	}
	return vars
}
