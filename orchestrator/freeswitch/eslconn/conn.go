package eslconn

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/percipia/eslgo/command"

	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/esl"
)

// Errors of a connection. Replies that start with -ERR come back as *ReplyError.
var (
	ErrClosed   = errors.New("eslconn: connection closed")
	ErrAuth     = errors.New("eslconn: authentication failed")
	ErrMismatch = errors.New("eslconn: reply does not match its command")
)

// ReplyError is a -ERR (or -USAGE) reply from FreeSWITCH.
type ReplyError struct {
	Command string // the command line, e.g. "api uuid_kill 0000..."
	Text    string // the reply, e.g. "-ERR No such channel!"
}

func (e *ReplyError) Error() string { return "freeswitch: " + e.Command + ": " + e.Text }

// Options configure a Conn. OnEvent and OnNotice run on the reader goroutine,
// in wire order: they must return quickly and never block, or the reader
// stops reading and FreeSWITCH's queue for this connection fills up.
type Options struct {
	Logger  *slog.Logger
	OnEvent func(*esl.Event)
	// Events are the event headers OnEvent's consumer reads: the reader
	// decodes only those (and the body), which is most of what an event
	// costs. It must keep Job-UUID, by which BACKGROUND_JOB events find their
	// BgAPI. Nil decodes every header.
	Events   *esl.HeaderSet
	OnNotice func(*esl.Frame) // text/disconnect-notice frames
	// WriteTimeout bounds a write the peer does not take (default 10 s): it
	// fails after at least WriteTimeout and at most 9/8 of it (the socket's
	// deadline is moved on only when less than WriteTimeout is left, not
	// for every command).
	WriteTimeout time.Duration
	// ReplyTimeout bounds how long the connection waits for the reply of the
	// command in flight; past it the peer is taken as hung and the connection
	// is closed (its owner reconnects), rather than every later command
	// queueing behind it forever. Default 60 s.
	ReplyTimeout time.Duration
	// OnCommand, when set, is told of every api and bgapi command once it
	// is over: kind "api" or "bgapi", name the command's first word, took
	// until its reply (bgapi: until its BACKGROUND_JOB) or failure. It runs
	// on the caller's goroutine (metrics: command latency).
	OnCommand func(kind, name string, took time.Duration, err error)
}

// Stats are counters of one connection, safe to read at any time.
type Stats struct {
	Frames            uint64 // frames read
	Events            uint64 // events parsed
	BadEvents         uint64 // event frames that did not parse (logged)
	Commands          uint64 // commands written
	UnexpectedReplies uint64 // replies with no command in flight (logged)
	Mismatches        uint64 // replies of the wrong kind or Job-UUID (logged)
}

// Conn is one ESL connection, inbound (Dial) or outbound (New on an accepted
// net.Conn). Its methods are safe for concurrent use.
type Conn struct {
	nc   net.Conn
	rd   *esl.Reader
	dec  *esl.Decoder // the reader goroutine's
	opts Options
	// logOnce makes log, the logger with the peer's address, at the first
	// line logged: most connections (one per call) never log, and building
	// it cost each of them a slog.With.
	logOnce sync.Once
	log     *slog.Logger

	wmu sync.Mutex
	w   *esl.Writer
	wdl time.Time // the write deadline set on nc (wmu)

	turn fifo // one command awaiting a reply at a time

	pmu      sync.Mutex
	inflight *pending
	jobs     map[string]chan *esl.Event
	closed   bool
	// watchdog checks that the command in flight is answered within
	// ReplyTimeout. It is one timer for the connection's life, armed by the
	// first command after it went idle and re-armed for whatever command is
	// then in flight: no timer is made or stopped per command.
	watchdog *time.Timer
	watching bool // watchdog is armed

	done chan struct{}
	err  error

	frames, events, badEvents, commands, unexpected, mismatches atomic.Uint64
}

type pending struct {
	cmd  string
	ch   chan *esl.Frame // buffered for every reply; closed when the connection ends first
	left int             // replies still to come (Conn.pmu)
	// keep, when set, says which reply goes to ch; the others are dropped
	// (BgAPI: only a wrong reply wakes its caller).
	keep func(*esl.Frame) bool
	sent time.Time // when it was written, for the watchdog
}

// New wraps nc and starts its reader goroutine, which runs until nc fails or
// Close is called. The caller owns the Conn and must Close it. Its read
// buffer is pooled (outbound sockets come and go with every call) and given
// back when the reader goroutine ends.
func New(nc net.Conn, opts Options) *Conn {
	c := newConn(nc, esl.NewPooledReader(nc), opts)
	go c.readLoop()
	return c
}

func newConn(nc net.Conn, rd *esl.Reader, opts Options) *Conn {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.WriteTimeout <= 0 {
		opts.WriteTimeout = 10 * time.Second
	}
	if opts.ReplyTimeout <= 0 {
		opts.ReplyTimeout = 60 * time.Second
	}
	if opts.Events != nil && !opts.Events.Has("Job-UUID") {
		panic("eslconn: Options.Events must keep Job-UUID")
	}
	return &Conn{
		nc: nc, rd: rd, dec: esl.NewDecoder(opts.Events), opts: opts, w: esl.NewWriter(nc),
		jobs: make(map[string]chan *esl.Event), done: make(chan struct{}),
	}
}

// logger is the connection's logger, with the peer's address.
func (c *Conn) logger() *slog.Logger {
	c.logOnce.Do(func() { c.log = c.opts.Logger.With("esl_peer", c.nc.RemoteAddr().String()) })
	return c.log
}

// Dial connects to an inbound event socket and authenticates. The handshake
// (auth/request, auth, +OK accepted) happens before the reader starts.
func Dial(ctx context.Context, addr, password string, opts Options) (*Conn, error) {
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	if dl, ok := ctx.Deadline(); ok {
		nc.SetDeadline(dl)
	}
	rd := esl.NewReader(nc)
	if err := authenticate(nc, rd, password); err != nil {
		nc.Close()
		return nil, err
	}
	nc.SetDeadline(time.Time{})
	c := newConn(nc, rd, opts)
	go c.readLoop()
	return c, nil
}

func authenticate(nc net.Conn, rd *esl.Reader, password string) error {
	f, err := rd.ReadFrame()
	if err != nil {
		return fmt.Errorf("eslconn: waiting for auth/request: %w", err)
	}
	if ct := f.ContentType(); ct != esl.TypeAuthRequest {
		return fmt.Errorf("%w: expected auth/request, got %q", ErrAuth, ct)
	}
	if err := esl.NewWriter(nc).WriteCommand(command.Auth{Password: password}.BuildMessage()); err != nil {
		return err
	}
	if f, err = rd.ReadFrame(); err != nil {
		return fmt.Errorf("eslconn: waiting for auth reply: %w", err)
	}
	if f.ContentType() != esl.TypeCommandReply || !strings.HasPrefix(f.ReplyText(), "+OK") {
		return fmt.Errorf("%w: %s", ErrAuth, f.ReplyText())
	}
	return nil
}

// Done is closed when the connection has ended; Err says why.
func (c *Conn) Done() <-chan struct{} { return c.done }

// Err returns why the connection ended (nil while it is up).
func (c *Conn) Err() error {
	select {
	case <-c.done:
		return c.err
	default:
		return nil
	}
}

// Close ends the connection and waits for the reader to stop.
func (c *Conn) Close() error {
	c.nc.Close()
	<-c.done
	return nil
}

// Stats returns the connection's counters.
func (c *Conn) Stats() Stats {
	return Stats{
		Frames: c.frames.Load(), Events: c.events.Load(), BadEvents: c.badEvents.Load(),
		Commands: c.commands.Load(), UnexpectedReplies: c.unexpected.Load(), Mismatches: c.mismatches.Load(),
	}
}

// RemoteAddr is the peer's address.
func (c *Conn) RemoteAddr() net.Addr { return c.nc.RemoteAddr() }
