package fssim

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
)

// Config describes one simulated node.
type Config struct {
	// Listen is the inbound ESL address; "" means 127.0.0.1:0 (any free port).
	Listen string
	// Password is the ESL password; "" means ClueCon.
	Password string
	// Hostname is FreeSWITCH-Hostname; "" means fssim.
	Hostname string
	// Heartbeat is the HEARTBEAT interval; 0 means 20 s, negative disables.
	Heartbeat time.Duration
	// FileDuration is how long a played file lasts (tone_stream and
	// silence_stream durations are parsed from the URL); 0 means 1 s.
	FileDuration time.Duration
	// Speed divides every simulated duration (playback, ringing, timeouts,
	// linger) so tests run fast; 0 means 1 (real time).
	Speed float64
	// Dialplan maps destination numbers to extensions for transfers; an
	// unknown destination parks the call.
	Dialplan map[string][]DialplanApp
	// Streams are the node's running local streams (mod_local_stream), as
	// `local_stream show` lists them; nil means the stock
	// local_stream.conf.xml's with the music installed (default, moh/8000,
	// moh/16000, moh/32000, moh/48000), so hold music plays as it did
	// before fssim modelled streams. NoMusic: none runs (a node without
	// the music files), so local_stream://moh fails to play, as there.
	Streams []string
	NoMusic bool
	// Gateways are the node's SIP gateways on profile external, as `sofia
	// status` lists them; nil means one, DefaultGateway ("pstn", the
	// controller's), so tests that dial out find the gateway they always
	// assumed. NoGateways: none, and every sofia/gateway/ dial fails with
	// INVALID_GATEWAY. AddGateway and RemoveGateway change them later.
	Gateways   []string
	NoGateways bool
	// ControlListen, when set, serves the HTTP control API there (for an
	// fssim running as its own process); see control_http.go.
	ControlListen string
	// Logger receives transitions at debug level; nil discards.
	Logger *slog.Logger
}

func (c Config) withDefaults() Config {
	if c.Listen == "" {
		c.Listen = "127.0.0.1:0"
	}
	if c.Password == "" {
		c.Password = "ClueCon"
	}
	if c.Hostname == "" {
		c.Hostname = "fssim"
	}
	if c.Heartbeat == 0 {
		c.Heartbeat = 20 * time.Second
	}
	if c.FileDuration == 0 {
		c.FileDuration = time.Second
	}
	if c.Speed <= 0 {
		c.Speed = 1
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// ErrDropped is returned by control calls while the node is dropped;
// ErrClosed after Close.
var (
	ErrDropped = errors.New("fssim: node dropped")
	ErrClosed  = errors.New("fssim: node closed")
)

// Node is one simulated FreeSWITCH. One mutex guards all call state and the
// event sequence, so every subscriber sees events in one global order, as
// FreeSWITCH's single event dispatch does.
type Node struct {
	cfg      Config
	coreUUID string
	started  time.Time

	mu       sync.Mutex
	ln       net.Listener
	addr     string
	seq      uint64
	channels map[string]*channel
	conns    map[*conn]struct{}
	phones   map[string]*phone
	confs    map[string]*conference
	calls    []*CallInfo
	streams  map[string]string // running local streams: name -> location
	gateways []string          // profile external's gateways, in order
	dropped  bool
	closed   bool
	sessions int

	controlAddr string

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// validate names what is wrong with a configuration.
func (c Config) validate() error {
	switch {
	case c.Speed < 0:
		return errorf("config: Speed %v is negative", c.Speed)
	case c.FileDuration < 0:
		return errorf("config: FileDuration %v is negative", c.FileDuration)
	}
	for _, gw := range c.Gateways {
		if gw == "" || strings.ContainsAny(gw, " /:\t") {
			return errorf("config: gateway %q: want a name without spaces, / or :", gw)
		}
	}
	for _, s := range c.Streams {
		if s == "" || strings.ContainsAny(s, " ,\t\n") {
			return errorf("config: stream %q: want a name without spaces or commas", s)
		}
	}
	for dest, steps := range c.Dialplan {
		for i, s := range steps {
			if apps[s.App] == nil {
				return errorf("config: Dialplan[%q][%d]: unknown application %q", dest, i, s.App)
			}
		}
	}
	return nil
}

// Start listens for inbound ESL and runs the node until Close.
func Start(cfg Config) (*Node, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("fssim: listen %s: %w", cfg.Listen, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	n := &Node{
		cfg: cfg, coreUUID: uuid.NewString(), started: time.Now(),
		ln: ln, addr: ln.Addr().String(),
		channels: map[string]*channel{}, conns: map[*conn]struct{}{},
		phones: map[string]*phone{}, confs: map[string]*conference{},
		streams: cfg.initialStreams(), gateways: cfg.initialGateways(),
		ctx: ctx, cancel: cancel,
	}
	n.goAccept(ln)
	if cfg.ControlListen != "" {
		if err := n.startControl(cfg.ControlListen); err != nil {
			n.Close()
			return nil, err
		}
	}
	if cfg.Heartbeat > 0 {
		n.wg.Add(1)
		go n.heartbeats()
	}
	return n, nil
}

// Run starts a node and serves until ctx is done: the entry point for
// `switchboard sim node`.
func Run(ctx context.Context, cfg Config) error {
	n, err := Start(cfg)
	if err != nil {
		return err
	}
	n.cfg.Logger.Info("fssim node listening", "addr", n.Addr(), "control", n.ControlAddr())
	<-ctx.Done()
	n.Close()
	return nil
}

// Addr is the inbound ESL address (host:port).
func (n *Node) Addr() string { return n.addr }

// Password is the inbound ESL password.
func (n *Node) Password() string { return n.cfg.Password }

// Close hangs up nothing: it stops the node, closes every connection and
// waits for every goroutine the node started.
func (n *Node) Close() {
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return
	}
	n.closed = true
	if n.ln != nil {
		n.ln.Close()
	}
	for c := range n.conns {
		c.nc.Close()
	}
	for _, ch := range n.channels {
		ch.signal()
	}
	n.mu.Unlock()
	n.cancel()
	n.wg.Wait()
}

// Drop simulates node loss: it closes every ESL connection (inbound and
// outbound sockets) and refuses new ones until Restore. Calls keep their
// state, as a FreeSWITCH that lost its network would.
func (n *Node) Drop() {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.dropped = true
	if n.ln != nil {
		n.ln.Close()
		n.ln = nil
	}
	for c := range n.conns {
		c.nc.Close()
	}
}

// Restore listens again on the same address after Drop.
func (n *Node) Restore() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return fmt.Errorf("fssim: restore: %w", ErrClosed)
	}
	if !n.dropped {
		return nil
	}
	ln, err := net.Listen("tcp", n.addr)
	if err != nil {
		return fmt.Errorf("fssim: restore listen %s: %w", n.addr, err)
	}
	n.ln, n.dropped = ln, false
	n.goAccept(ln)
	return nil
}

func (n *Node) goAccept(ln net.Listener) {
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			n.serveInbound(nc)
		}
	}()
}

// dur scales a simulated duration by Config.Speed.
func (n *Node) dur(d time.Duration) time.Duration {
	return time.Duration(float64(d) / n.cfg.Speed)
}

// SimTime turns real time into simulated time (Config.Speed times d): what
// a script must say for something to last d on the wall clock.
func (n *Node) SimTime(d time.Duration) time.Duration {
	return time.Duration(float64(d) * n.cfg.Speed)
}

// sleep waits d (scaled) or until stop is closed; it reports whether the
// whole time passed.
func (n *Node) sleep(d time.Duration, stop <-chan struct{}) bool {
	t := time.NewTimer(n.dur(d))
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-stop:
		return false
	case <-n.ctx.Done():
		return false
	}
}

func (n *Node) heartbeats() {
	defer n.wg.Done()
	t := time.NewTicker(n.cfg.Heartbeat)
	defer t.Stop()
	for {
		select {
		case <-n.ctx.Done():
			return
		case <-t.C:
			n.mu.Lock()
			n.emitHeartbeatLocked()
			n.mu.Unlock()
		}
	}
}

// newEventLocked starts an event with the next sequence number.
func (n *Node) newEventLocked(name, subclass, file, fn string, line int) *event {
	n.seq++
	e := &event{name: name, subclass: subclass}
	n.coreHeaders(e, time.Now(), n.seq, file, fn, line)
	return e
}

// wantedLocked reports whether a subscriber wants a channel event of this
// name about channel uuid. A channel event nobody wants is not built (its
// headers cost more than anything else fssim does), but when it is not,
// the event still takes its sequence number (skipLocked): FreeSWITCH fires
// it whoever listens, and Event-Sequence counts every event fired.
func (n *Node) wantedLocked(name, uuid string) bool {
	probe := event{name: name, uuid: uuid}
	for c := range n.conns {
		if c.subscribed(&probe) {
			return true
		}
	}
	return false
}

// skipLocked takes the sequence number of an event nobody wants.
func (n *Node) skipLocked() { n.seq++ }

// emitLocked delivers e to every subscriber that wants it, in order.
func (n *Node) emitLocked(e *event) {
	for c := range n.conns {
		if c.wants(e) {
			c.send(e.encode(c.format))
		}
	}
}

func (n *Node) emitHeartbeatLocked() {
	e := n.newEventLocked("HEARTBEAT", "", "switch_core.c", "send_heartbeat", 95)
	up := time.Since(n.started)
	e.add("Event-Info", "System Ready")
	e.add("Up-Time", upTime(up))
	e.add("FreeSWITCH-Version", version)
	e.add("Uptime-msec", fmt.Sprint(up.Milliseconds()))
	e.add("Session-Count", fmt.Sprint(len(n.channels)))
	e.add("Max-Sessions", "1000")
	e.add("Session-Per-Sec", "30")
	e.add("Session-Per-Sec-Last", "0")
	e.add("Session-Per-Sec-Max", "0")
	e.add("Session-Per-Sec-FiveMin", "0")
	e.add("Session-Since-Startup", fmt.Sprint(n.sessions))
	e.add("Session-Peak-Max", "0")
	e.add("Session-Peak-FiveMin", "0")
	e.add("Idle-CPU", "99.000000")
	n.emitLocked(e)
}

const version = "1.10.12-release~64bit"

func upTime(d time.Duration) string {
	return fmt.Sprintf("0 years, 0 days, %d hours, %d minutes, %d seconds, %d milliseconds, 0 microseconds",
		int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60, d.Milliseconds()%1000)
}
