package fssim

import (
	"bufio"
	"net"
	"strings"
	"sync"
)

// conn is one ESL connection: an inbound client or an outbound socket that
// fssim opened for a call. Its writer goroutine drains an unbounded queue so
// that emitting an event never blocks the node lock on a slow reader.
type conn struct {
	n  *Node
	nc net.Conn

	// subscription, guarded by Node.mu
	format   string // plain or json
	all      bool
	nixed    map[string]bool // taken out of all by nixevent (see nix)
	names    map[string]bool
	custom   map[string]bool
	session  *channel // outbound socket: only this channel's events
	myevents bool
	linger   int  // -2: no linger, -1: bare linger, >= 0: seconds
	isOut    bool // an outbound socket fssim opened for a call
	detached bool // the call left the socket: no more events
	filters  []filter

	qmu    sync.Mutex
	q      [][]byte
	closeQ bool
	wakeW  chan struct{}
}

func newConn(n *Node, nc net.Conn) *conn {
	return &conn{n: n, nc: nc, format: "plain", names: map[string]bool{},
		custom: map[string]bool{}, linger: -2, wakeW: make(chan struct{}, 1)}
}

// send queues bytes for the writer.
func (c *conn) send(b []byte) {
	c.qmu.Lock()
	if !c.closeQ {
		c.q = append(c.q, b)
	}
	c.qmu.Unlock()
	c.kick()
}

// sendAndClose queues b and closes the connection after writing it.
func (c *conn) sendAndClose(b []byte) {
	c.qmu.Lock()
	if !c.closeQ {
		c.q = append(c.q, b)
		c.closeQ = true
	}
	c.qmu.Unlock()
	c.kick()
}

func (c *conn) kick() {
	select {
	case c.wakeW <- struct{}{}:
	default:
	}
}

// writer owns the write side; it returns when the queue is closed and
// drained, or the socket fails.
func (c *conn) writer(readerDone <-chan struct{}) {
	w := bufio.NewWriter(c.nc)
	for {
		c.qmu.Lock()
		batch, closing := c.q, c.closeQ
		c.q = nil
		c.qmu.Unlock()
		for _, b := range batch {
			w.Write(b)
		}
		if err := w.Flush(); err != nil || closing {
			c.nc.Close()
			return
		}
		select {
		case <-c.wakeW:
		case <-readerDone:
			c.qmu.Lock()
			c.closeQ = true
			c.qmu.Unlock()
		}
	}
}

// wants reports whether this subscriber receives the built event e
// (Node.mu held): it is subscribed, and e gets through the filters.
func (c *conn) wants(e *event) bool {
	return c.subscribed(e) && c.passesFilters(e)
}

// subscribed reports whether this subscriber's event list takes e, of which
// only the name, subclass and uuid need be set (Node.mu held): what the
// filters may still drop is decided on the built event.
func (c *conn) subscribed(e *event) bool {
	if c.myevents && (c.detached || e.uuid != c.session.uuid) {
		return false // myevents: only the session's events (mod_event_socket)
	}
	if e.name == "CUSTOM" {
		// ALL takes every CUSTOM event; once nixevent has turned ALL into
		// a list, a CUSTOM event with a subclass needs it subscribed
		// (mod_event_socket.c event_handler: the subclass hash is checked
		// unless event_list[SWITCH_EVENT_ALL]).
		if c.all && c.nixed == nil {
			return true
		}
		return c.custom[e.subclass] || c.all && !c.nixed["CUSTOM"] && e.subclass == ""
	}
	return c.all && !c.nixed[e.name] || c.names[e.name]
}

// myEvents is the list mod_event_socket's myevents subscribes to.
var myEvents = strings.Fields(`CHANNEL_ANSWER CHANNEL_APPLICATION CHANNEL_BRIDGE
	CHANNEL_CREATE CHANNEL_DATA CHANNEL_DESTROY CHANNEL_EXECUTE CHANNEL_EXECUTE_COMPLETE
	CHANNEL_HANGUP CHANNEL_HANGUP_COMPLETE CHANNEL_ORIGINATE CHANNEL_UUID CHANNEL_OUTGOING
	CHANNEL_PARK CHANNEL_PROGRESS CHANNEL_PROGRESS_MEDIA CHANNEL_STATE CHANNEL_UNBRIDGE
	CHANNEL_UNPARK DETECTED_SPEECH DTMF NOTALK TALK`)

// subscribe applies "event [format] NAMES..." and returns the reply text.
func (c *conn) subscribe(args []string) string {
	keys, custom := 0, false
	for i, a := range args {
		if i == 0 {
			if f := strings.ToLower(a); f == "plain" || f == "json" || f == "xml" {
				c.format = f
				continue
			}
		}
		if custom {
			c.custom[a] = true
			continue
		}
		up := strings.ToUpper(a)
		if !knownEvent(up) {
			continue
		}
		keys++
		switch up {
		case "ALL":
			c.all, c.nixed = true, nil
		case "CUSTOM":
			custom = true
		default:
			c.names[up] = true
		}
	}
	if keys == 0 {
		return "-ERR no keywords supplied"
	}
	return "+OK event listener enabled " + c.format
}

// nix applies "nixevent NAMES..." as mod_event_socket does
// (mod_event_socket.c, "nixevent"): a name that is not an event's (such as
// a format word) is skipped; ALL clears every event type; another type is
// taken off the list, and when ALL was on, every other type stays on
// (kept here as ALL less nixed); after CUSTOM the words are subclasses,
// taken off. No event name at all is "-ERR no keywords supplied".
func (c *conn) nix(args []string) string {
	keys, custom := 0, false
	for _, a := range args {
		if custom {
			delete(c.custom, a)
			continue
		}
		up := strings.ToUpper(a)
		if !knownEvent(up) {
			continue
		}
		keys++
		switch up {
		case "ALL":
			c.all, c.nixed, c.names = false, nil, map[string]bool{}
		case "CUSTOM":
			custom = true
		default:
			if c.all {
				if c.nixed == nil {
					c.nixed = map[string]bool{}
				}
				c.nixed[up] = true
			}
			delete(c.names, up)
		}
	}
	if keys == 0 {
		return "-ERR no keywords supplied"
	}
	return "+OK events nixed"
}

func (c *conn) unsubscribe() string {
	if !c.all && len(c.names) == 0 && len(c.custom) == 0 {
		return "-ERR not listening for events"
	}
	c.all, c.nixed, c.names, c.custom = false, nil, map[string]bool{}, map[string]bool{}
	return "+OK no longer listening for events"
}

func knownEvent(name string) bool {
	switch name {
	case "ALL", "CUSTOM", "HEARTBEAT", "RE_SCHEDULE", "BACKGROUND_JOB", "API", "DTMF",
		"PLAYBACK_START", "PLAYBACK_STOP", "RECORD_START", "RECORD_STOP", "CODEC",
		"MEDIA_BUG_START", "MEDIA_BUG_STOP", "CALL_UPDATE", "PRESENCE_IN", "TALK", "NOTALK",
		"DETECTED_SPEECH", "PRIVATE_COMMAND":
		return true
	}
	return strings.HasPrefix(name, "CHANNEL_")
}
