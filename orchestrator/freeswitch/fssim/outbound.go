package fssim

import (
	"context"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/esl"
)

// IncomingCall is a simulated caller arriving at the node; the node hands
// it to the controller with the socket application, as the dialplan
// extension `socket ADDR async full` does.
type IncomingCall struct {
	From, To string
	Vars     map[string]string // channel variables set by the dialplan (e.g. sb_tenant)
	// DTMF is pressed after the answer, each Press.After the previous one.
	DTMF []Press
	// HangupAfter, when > 0, makes the caller hang up (BYE) that long after
	// the call is answered.
	HangupAfter time.Duration
	// UUID is the channel's Unique-ID; "" picks a random one.
	UUID string
	// Fallback are the dialplan actions after `socket` in the extension: a
	// failed connect falls through to them (capture 12). Without any, the
	// call is cleared with NORMAL_CLEARING (the caller gets a 480).
	Fallback []DialplanApp
	// Context is the dialplan context the call runs in; "" means public
	// (a trunk's call). Profile and Host name the channel
	// (sofia/PROFILE/FROM@HOST); "" means external and 127.0.0.1:5070.
	Context, Profile, Host string
}

// PlaceCall creates an inbound channel and connects it to the controller's
// outbound-socket listener at addr. If the connection fails, the socket
// application returns and, as in capture 12, the call is cleared with
// NORMAL_CLEARING; the error says why.
func (n *Node) PlaceCall(ctx context.Context, addr string, in IncomingCall) (*Call, error) {
	if in.From == "" || in.To == "" {
		return nil, errorf("place call: From and To are required")
	}
	n.mu.Lock()
	if n.dropped || n.closed {
		n.mu.Unlock()
		return nil, ErrDropped
	}
	ch := n.newInboundLocked(in, addr)
	n.mu.Unlock()
	call := &Call{n: n, ch: ch}
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", addr)
	n.mu.Lock()
	defer n.mu.Unlock()
	if err != nil {
		n.appCompleteLocked(ch, &runningApp{name: "socket", arg: ch.socketApp, uuid: ch.socketAppUUID}, "_none_")
		ch.socketApp = ""
		n.fallBackLocked(ch, in.Fallback)
		return call, fmt.Errorf("fssim: socket %s: %w", addr, err)
	}
	if n.dropped || n.closed {
		nc.Close()
		return call, ErrDropped
	}
	n.attachSocketLocked(ch, nc)
	return call, nil
}

// fallBackLocked runs the actions after a failed socket, or clears the call.
func (n *Node) fallBackLocked(ch *channel, steps []DialplanApp) {
	if len(steps) == 0 {
		n.hangupLocked(ch, "NORMAL_CLEARING")
		return
	}
	for _, s := range steps {
		ch.queue = append(ch.queue, appReq{name: s.App, arg: s.Arg, source: "dialplan"})
	}
	ch.dialplan = true
	ch.signal()
}

// PlaceDialplanCall creates an inbound channel that runs Config.Dialplan[To]
// instead of the socket application (a call the controller never sees, as
// in capture 03).
func (n *Node) PlaceDialplanCall(in IncomingCall) (*Call, error) {
	steps, ok := n.cfg.Dialplan[in.To]
	if in.From == "" || !ok {
		return nil, errorf("dialplan call: need From and a Config.Dialplan entry for %q", in.To)
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.dropped || n.closed {
		return nil, ErrDropped
	}
	ch := n.newCallerLocked(in)
	ch.dialplan = true
	for _, s := range steps {
		ch.queue = append(ch.queue, appReq{name: s.App, arg: s.Arg, source: "dialplan"})
	}
	ch.signal()
	return &Call{n: n, ch: ch}, nil
}

// newCallerLocked is a caller's channel up to CS_EXECUTE.
func (n *Node) newCallerLocked(in IncomingCall) *channel {
	order := []string{"sip_from_user", "sip_to_user", "sip_network_ip"}
	vars := map[string]string{"sip_from_user": in.From, "sip_to_user": in.To, "sip_network_ip": "127.0.0.1"}
	for k, v := range in.Vars {
		if _, dup := vars[k]; !dup {
			order = append(order, k)
		}
		vars[k] = v
	}
	sortStrings(order[3:])
	ch := n.newChannelLocked(legSpec{uuid: in.UUID, direction: "inbound",
		name: "sofia/" + orDefault(in.Profile, "external") + "/" + in.From + "@" + orDefault(in.Host, "127.0.0.1:5070"),
		vars: vars, varOrder: order,
		profile: profile{username: in.From, callerName: in.From, callerNumber: in.From, ani: in.From,
			dest: in.To, context: orDefault(in.Context, "public"), source: "mod_sofia", network: "127.0.0.1", dialplan: "XML"}})
	ch.info.script = in.DTMF
	ch.callerHangupAfter = in.HangupAfter
	ch.fallback = in.Fallback
	n.callStateLocked(ch, "RINGING")
	n.stateLocked(ch, "CS_ROUTING")
	n.stateLocked(ch, "CS_EXECUTE")
	return ch
}

// newInboundLocked is the caller's channel up to the socket application.
func (n *Node) newInboundLocked(in IncomingCall, addr string) *channel {
	ch := n.newCallerLocked(in)
	ch.socketApp = addr + " async full"
	ch.socketAppUUID = uuid.NewString()
	ch.vars.set("current_application_data", ch.socketApp)
	ch.vars.set("current_application", "socket")
	e := n.newEventLocked("CHANNEL_EXECUTE", "", "switch_core_session.c", "switch_core_session_exec", 2944)
	e.uuid = ch.uuid
	ch.channelData(e, true)
	e.add("Application", "socket")
	e.add("Application-Data", ch.socketApp)
	e.add("Application-UUID", ch.socketAppUUID)
	n.emitLocked(e)
	host, _, _ := net.SplitHostPort(addr)
	ch.vars.set("socket_host", host)
	return ch
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// attachSocketLocked starts the outbound socket's goroutines. FreeSWITCH
// waits for "connect" before anything else.
func (n *Node) attachSocketLocked(ch *channel, nc net.Conn) {
	c := newConn(n, nc)
	c.session, c.isOut = ch, true
	ch.sock = c
	n.conns[c] = struct{}{}
	readerDone := make(chan struct{})
	n.wg.Add(2)
	go func() { defer n.wg.Done(); c.writer(readerDone) }()
	go func() {
		defer n.wg.Done()
		defer close(readerDone)
		defer n.forget(c)
		defer n.socketLost(c, ch)
		r := esl.NewPooledReader(nc) // a socket per call: its buffer is reused
		defer r.Release()
		if !c.awaitConnect(r) {
			return
		}
		c.commandLoop(r)
	}()
}

// socketLost: the controller closed the socket (or sent exit) while the
// socket application still controlled the call. FreeSWITCH does not hang
// the call up for that, `resume` or not: the async socket application is
// switch_ivr_park (mod_event_socket.c socket_function, "switch_ivr_park(
// session, NULL)"), parked while CF_CONTROLLED is set (switch_ivr.c
// switch_ivr_park: "while (switch_channel_ready(channel) &&
// switch_channel_test_flag(channel, CF_CONTROLLED) && ...CF_PARK)"); the
// listener thread clears CF_CONTROLLED when its socket ends (listener_run,
// after "done:"), so park returns once the application the socket had
// running inside it returns (a bridge: when it ends; hangup_after_bridge
// then hangs the caller up, switch_ivr_bridge.c), the socket application
// returns and switch_core_standard_on_execute runs the next action of the
// extension: the Fallback (none: the extension ran out, the call is
// cleared). Seen on a real 1.10.12 (issue 13): a bridged caller survived
// the controller's exit and fell into the fallback when the agent hung up.
// `resume` only adds a state reset (CS_RESET, then CS_EXECUTE). After a
// transfer the socket application has already returned: nothing happens. A
// dropped node (Drop) is a network loss the switch has not noticed: its
// calls keep their state.
func (n *Node) socketLost(c *conn, ch *channel) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if ch.sock != c || !ch.live() || ch.socketApp == "" || n.dropped || n.closed {
		return
	}
	ch.info.APIs = append(ch.info.APIs, "socket lost")
	ch.sock, c.detached = nil, true
	ch.socketGone = true
	if ch.app == nil && len(ch.queue) == 0 {
		n.resumeAfterSocketLocked(ch)
	}
}

// resumeAfterSocketLocked: the socket of ch is gone and nothing runs under
// the socket application any more: it returns and the dialplan goes on
// (socketLost). Run after each application ends (runChannel).
func (n *Node) resumeAfterSocketLocked(ch *channel) {
	if !ch.socketGone || !ch.live() || ch.socketApp == "" || ch.app != nil || len(ch.queue) > 0 || ch.parkPending {
		return
	}
	ch.socketGone = false
	n.leaveSocketAppLocked(ch, "_none_")
	n.fallBackLocked(ch, ch.fallback)
}

func (c *conn) awaitConnect(r *esl.Reader) bool {
	for {
		cmd, err := readCommand(r)
		if err != nil {
			return false
		}
		if strings.ToLower(strings.TrimSpace(cmd.line)) != "connect" {
			c.send(replyFrame("-ERR command not found"))
			continue
		}
		c.n.locked(func() { c.send(c.channelDataReplyLocked()) })
		return true
	}
}

// channelDataReplyLocked is the reply to connect: CHANNEL_DATA as one
// URL-encoded header block, ending with the command/reply headers and no
// Content-Length (capture 04).
func (c *conn) channelDataReplyLocked() []byte {
	ch := c.session
	n := c.n
	n.seq++
	e := &event{name: "CHANNEL_DATA"}
	n.coreHeaders(e, time.Now(), n.seq, "mod_event_socket.c", "parse_command", 2021)
	ch.profileHeaders(e, "Channel-", true)
	ch.channelData(e, true)
	for _, h := range []header{{"Content-Type", "command/reply"}, {"Reply-Text", "+OK\n"},
		{"Socket-Mode", "async"}, {"Control", "full"}} {
		e.add(h.name, h.value)
	}
	var b strings.Builder
	for _, h := range e.hdrs {
		b.WriteString(h.name + ": " + urlEncode(h.value) + "\n")
	}
	b.WriteString("\n")
	return []byte(b.String())
}

// leaveSocketAppLocked ends the socket application (transfer): UNPARK and
// its EXECUTE_COMPLETE with resp, so the teardown does not report it again.
func (n *Node) leaveSocketAppLocked(ch *channel, resp string) {
	if ch.socketApp == "" {
		return
	}
	n.chanEventLocked(ch, "CHANNEL_UNPARK", true)
	n.appCompleteLocked(ch, &runningApp{name: "socket", arg: ch.socketApp, uuid: ch.socketAppUUID}, resp)
	ch.socketApp = ""
}

// releaseSocketLocked ends the socket's control of ch after hangup: the
// linger notice when lingering (the socket stays open for
// exit or until the linger time), else the disconnect notice and close.
func (n *Node) releaseSocketLocked(ch *channel) {
	c := ch.sock
	if c == nil {
		return
	}
	ch.sock = nil
	c.detached = true
	switch {
	case c.linger == -2:
		c.sendAndClose(c.disconnectNotice("disconnect"))
	case c.linger == -1:
		c.send(c.disconnectNotice("linger"))
	default:
		c.send(c.disconnectNotice("linger"))
		secs := c.linger
		n.wg.Add(1)
		go func() {
			defer n.wg.Done()
			if n.sleep(time.Duration(secs)*time.Second, nil) {
				n.locked(func() { c.sendAndClose(c.disconnectNotice("disconnect")) })
			}
		}()
	}
}

// sendmsg runs call-command execute|hangup|unicast|nomedia on the socket's
// channel or the UUID given; execute queues the application, which replies
// +OK before its CHANNEL_EXECUTE (async mode).
func (n *Node) sendmsg(c *conn, target string, cmd command) {
	n.mu.Lock()
	defer n.mu.Unlock()
	ch := c.session
	if target != "" {
		ch = n.channels[target]
	}
	if ch == nil || c.detached && target == "" {
		c.send(replyFrame("-ERR invalid session id [" + target + "]"))
		return
	}
	switch strings.ToLower(cmd.get("call-command")) {
	case "execute":
		c.send(replyFrame("+OK"))
		arg := cmd.get("execute-app-arg")
		if cmd.body != "" && arg == "" {
			arg = strings.TrimRight(cmd.body, "\n")
		}
		req := appReq{name: cmd.get("execute-app-name"), arg: arg, eventUUID: cmd.get("Event-UUID"), source: "sendmsg"}
		loops := atoiDefault(cmd.get("loops"), 1)
		for i := 0; i < loops; i++ {
			ch.queue = append(ch.queue, req)
		}
		n.runInsideLocked(ch)
		ch.signal()
	case "hangup":
		c.send(replyFrame("+OK"))
		ch.info.APIs = append(ch.info.APIs, "sendmsg hangup "+cmd.get("hangup-cause"))
		n.hangupLocked(ch, cmd.get("hangup-cause"))
	default:
		c.send(replyFrame("-ERR unsupported call-command " + cmd.get("call-command")))
	}
}
