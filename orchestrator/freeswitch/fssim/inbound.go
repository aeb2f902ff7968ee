package fssim

import (
	"net"
	"strings"

	"github.com/google/uuid"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/esl"
)

// serveInbound runs one inbound ESL client: auth, then commands until exit
// or disconnect.
func (n *Node) serveInbound(nc net.Conn) {
	c := newConn(n, nc)
	n.mu.Lock()
	if n.closed || n.dropped {
		n.mu.Unlock()
		nc.Close()
		return
	}
	n.conns[c] = struct{}{}
	n.mu.Unlock()
	readerDone := make(chan struct{})
	n.wg.Add(2)
	go func() { defer n.wg.Done(); c.writer(readerDone) }()
	go func() {
		defer n.wg.Done()
		defer close(readerDone)
		defer n.forget(c)
		c.send(frame([]header{{"Content-Type", "auth/request"}}, ""))
		r := esl.NewPooledReader(nc) // a socket per call: its buffer is reused
		defer r.Release()
		if !c.authenticate(r) {
			return
		}
		c.commandLoop(r)
	}()
}

func (n *Node) forget(c *conn) {
	n.mu.Lock()
	delete(n.conns, c)
	n.mu.Unlock()
}

// authenticate reads commands until a good "auth"; a wrong password gets
// "-ERR invalid" and a disconnect notice in one write, then the close.
func (c *conn) authenticate(r *esl.Reader) bool {
	for {
		cmd, err := readCommand(r)
		if err != nil {
			return false
		}
		word, arg, _ := strings.Cut(cmd.line, " ")
		if word != "auth" {
			c.send(replyFrame("-ERR command not found"))
			continue
		}
		if arg != c.n.cfg.Password {
			c.sendAndClose(append(replyFrame("-ERR invalid"), disconnectFrame()...))
			return false
		}
		c.send(replyFrame("+OK accepted"))
		return true
	}
}

// commandLoop serves commands until exit or a read error.
func (c *conn) commandLoop(r *esl.Reader) {
	for {
		cmd, err := readCommand(r)
		if err != nil {
			return
		}
		if !c.handle(cmd) {
			return
		}
	}
}

// handle runs one command; it reports false when the connection is done.
func (c *conn) handle(cmd command) bool {
	n := c.n
	word, arg, _ := strings.Cut(cmd.line, " ")
	word = strings.ToLower(word)
	switch word {
	case "api":
		n.api(c, arg)
	case "bgapi":
		n.bgapi(c, arg, cmd.get("Job-UUID"))
	case "event":
		n.mu.Lock()
		c.send(replyFrame(c.subscribe(strings.Fields(arg))))
		n.mu.Unlock()
	case "filter":
		n.mu.Lock()
		if _, arg, ok := strings.Cut(strings.TrimLeft(cmd.raw, " "), " "); ok {
			c.send(replyFrame(c.filterCommand(arg)))
		} else {
			c.send(replyFrame("-ERR command not found"))
		}
		n.mu.Unlock()
	case "sendevent":
		n.mu.Lock()
		c.send(replyFrame(n.sendEventLocked(cmd)))
		n.mu.Unlock()
	case "nixevent":
		n.mu.Lock()
		c.send(replyFrame(c.nix(strings.Fields(arg))))
		n.mu.Unlock()
	case "noevents":
		n.mu.Lock()
		c.send(replyFrame(c.unsubscribe()))
		n.mu.Unlock()
	case "myevents":
		n.mu.Lock()
		c.send(replyFrame(c.myEvents(arg)))
		n.mu.Unlock()
	case "linger", "nolinger":
		n.mu.Lock()
		c.send(replyFrame(c.setLinger(word, arg)))
		n.mu.Unlock()
	case "resume":
		n.mu.Lock()
		c.send(replyFrame(c.resume()))
		n.mu.Unlock()
	case "sendmsg":
		n.sendmsg(c, strings.TrimSpace(arg), cmd)
	case "exit":
		c.exit()
		return false
	default:
		c.send(replyFrame("-ERR command not found"))
	}
	return true
}

// myEvents subscribes to the channel-event list; on an inbound connection
// the argument names the channel.
func (c *conn) myEvents(arg string) string {
	fields := strings.Fields(arg)
	if c.session == nil {
		if len(fields) == 0 {
			return "-ERR invalid uuid"
		}
		ch := c.n.channels[fields[0]]
		if ch == nil {
			return "-ERR invalid uuid"
		}
		c.session, fields = ch, fields[1:]
	}
	if c.myevents {
		return "-ERR aready enabled."
	}
	for _, f := range fields {
		if f = strings.ToLower(f); f == "json" || f == "plain" || f == "xml" {
			c.format = f
		}
	}
	c.myevents = true
	for _, name := range myEvents {
		c.names[name] = true
	}
	return "+OK Events Enabled"
}

// resume asks that the call go back to the dialplan if the socket goes away.
func (c *conn) resume() string {
	if !c.isOut || c.session == nil {
		return "-ERR not controlling a session"
	}
	c.session.vars.set("socket_resume", "true")
	return "+OK"
}

func (c *conn) setLinger(word, arg string) string {
	if !c.isOut {
		return "-ERR not controlling a session"
	}
	if word == "nolinger" {
		c.linger = -2
		return "+OK will not linger"
	}
	secs := -1
	if arg = strings.TrimSpace(arg); arg != "" {
		secs = atoiDefault(arg, 0)
	}
	c.linger = secs
	if secs < 0 {
		return "+OK will linger"
	}
	return "+OK will linger " + itoa(secs) + " seconds"
}

// exit says goodbye. On an outbound socket the notice names the session.
func (c *conn) exit() {
	c.n.mu.Lock()
	defer c.n.mu.Unlock()
	bye := replyFrame("+OK bye")
	if c.isOut {
		c.sendAndClose(append(bye, c.disconnectNotice("disconnect")...))
		return
	}
	c.sendAndClose(append(bye, disconnectFrame()...))
}

// disconnectNotice is the outbound socket's goodbye; "linger" carries no
// body, "disconnect" the usual text.
func (c *conn) disconnectNotice(disposition string) []byte {
	hs := []header{{"Content-Type", "text/disconnect-notice"},
		{"Controlled-Session-UUID", c.session.uuid}, {"Content-Disposition", disposition}}
	if disposition == "linger" {
		hs = append(hs, header{"Channel-Name", c.session.name},
			header{"Linger-Time", itoa(c.linger)}, header{"Content-Length", "0"})
		return frame(hs, "")
	}
	return frame(hs, disconnectBody)
}

// bgapi answers with the Job-UUID at once (honouring a client-supplied one)
// and runs the command on a node goroutine; BACKGROUND_JOB carries the result.
func (n *Node) bgapi(c *conn, arg, jobUUID string) {
	if jobUUID == "" {
		jobUUID = uuid.NewString()
	}
	cmdName, cmdArg, _ := strings.Cut(strings.TrimSpace(arg), " ")
	c.send(frame([]header{{"Content-Type", "command/reply"},
		{"Reply-Text", "+OK Job-UUID: " + jobUUID}, {"Job-UUID", jobUUID}}, ""))
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		out, after := n.execAPIReply(cmdName, cmdArg, nil)
		n.mu.Lock()
		defer n.mu.Unlock()
		if after != nil {
			defer after()
		}
		e := n.newEventLocked("BACKGROUND_JOB", "", "mod_event_socket.c", "api_exec", 1572)
		e.add("Job-UUID", jobUUID)
		e.add("Job-Command", cmdName)
		if cmdArg != "" {
			e.add("Job-Command-Arg", cmdArg)
		}
		e.body = out
		n.emitLocked(e)
	}()
}

// api runs a foreground api command: the reply first, then the API event
// and whatever events the command caused, in that order.
func (n *Node) api(c *conn, arg string) {
	cmdName, cmdArg, _ := strings.Cut(strings.TrimSpace(arg), " ")
	_, after := n.execAPIReply(cmdName, cmdArg, func(body string) { c.send(apiFrame(body)) })
	if after != nil {
		n.locked(after)
	}
}
