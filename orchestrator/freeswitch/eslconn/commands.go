package eslconn

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/percipia/eslgo/command"

	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/esl"
)

// Run sends an eslgo command value (its BuildMessage is the wire text) and
// returns its reply frame. A -ERR reply is returned as *ReplyError.
func (c *Conn) Run(ctx context.Context, cmd command.Command) (*esl.Frame, error) {
	text := cmd.BuildMessage()
	return c.roundTrip(ctx, firstLine(text), func(w *esl.Writer) error { return w.WriteCommand(text) })
}

// RunAll sends cmds in one write and waits for their replies, which
// FreeSWITCH gives in order (mod_event_socket reads one command, answers it,
// then reads the next). It saves a round trip per command after the first.
// errs[i] is cmds[i]'s outcome: nil, a *ReplyError for -ERR, or why no reply
// came (ctx, the connection closing). A -ERR does not stop the commands after
// it: they are on the wire already.
func (c *Conn) RunAll(ctx context.Context, cmds ...command.Command) (replies []*esl.Frame, errs []error) {
	replies, errs = make([]*esl.Frame, len(cmds)), make([]error, len(cmds))
	if len(cmds) == 0 {
		return replies, errs
	}
	texts := make([]string, len(cmds))
	for i, cmd := range cmds {
		texts[i] = cmd.BuildMessage()
	}
	p, err := c.send(ctx, firstLine(texts[0]), len(cmds), func(w *esl.Writer) error { return w.WriteCommands(texts) })
	for i := range cmds {
		if err == nil {
			replies[i], errs[i] = c.await(ctx, p, firstLine(texts[i]))
		} else {
			errs[i] = err
		}
		err = errs[i]
		if _, refused := err.(*ReplyError); refused {
			err = nil
		}
	}
	return replies, errs
}

// Send sends a framed command (sendmsg with headers) and returns its reply.
func (c *Conn) Send(ctx context.Context, f *esl.Frame) (*esl.Frame, error) {
	return c.roundTrip(ctx, f.Line, func(w *esl.Writer) error { return w.WriteFrame(f) })
}

// SendNoWait sends a framed command (sendmsg) and returns once it is
// written, without waiting for its reply: a command sent after it on this
// connection is written, so run, after it. A good reply wakes nobody; a
// -ERR reply calls refused with its *ReplyError, on the connection's reader
// goroutine (refused must not block). If the connection ends before the
// reply, refused is not called: the caller learns it from the connection
// (or its call) ending.
func (c *Conn) SendNoWait(ctx context.Context, f *esl.Frame, refused func(error)) error {
	_, err := c.sendKeeping(ctx, f.Line, func(r *esl.Frame) bool {
		if !r.OK() && refused != nil {
			refused(&ReplyError{Command: f.Line, Text: r.ReplyText()})
		}
		return false
	}, func(w *esl.Writer) error { return w.WriteFrame(f) })
	return err
}

// API runs a synchronous api command and returns its output without the
// trailing newline. Calls are serialised per connection (FIFO), so each gets
// its own api/response.
func (c *Conn) API(ctx context.Context, cmd string) (out string, err error) {
	name, args, _ := strings.Cut(cmd, " ")
	defer c.observe("api", name, time.Now(), &err)
	r, err := c.Run(ctx, command.API{Command: name, Arguments: args})
	if err != nil {
		return "", err
	}
	if r.ContentType() != esl.TypeAPIResponse {
		c.mismatches.Add(1)
		c.logger().Error("esl reply mismatch", "command", "api "+cmd, "content_type", r.ContentType())
		return "", fmt.Errorf("%w: api %s got %s", ErrMismatch, cmd, r.ContentType())
	}
	return r.ReplyText(), nil
}

// BgAPI runs a command in the background with a Job-UUID chosen here and
// returns the BACKGROUND_JOB output. The job is registered before the command
// is written, because the event can overtake the reply. The connection must
// be subscribed to BACKGROUND_JOB. A -ERR output is returned as *ReplyError.
func (c *Conn) BgAPI(ctx context.Context, cmd string) (out string, err error) {
	name, _, _ := strings.Cut(cmd, " ")
	defer c.observe("bgapi", name, time.Now(), &err)
	job := uuid.NewString()
	ch := make(chan *esl.Event, 1)
	c.pmu.Lock()
	if c.closed {
		c.pmu.Unlock()
		return "", c.closedErr()
	}
	c.jobs[job] = ch
	c.pmu.Unlock()
	defer c.dropJob(job)
	f := &esl.Frame{Line: "bgapi " + cmd, Headers: []esl.Header{{Name: "Job-UUID", Value: job}}}
	// The reply (+OK Job-UUID) is only waited for when it is wrong: the
	// reader keeps a good one from this goroutine, which wakes once, for
	// the job's event, instead of twice.
	p, err := c.sendKeeping(ctx, f.Line, func(r *esl.Frame) bool { return !r.OK() || r.Get("Job-UUID") != job },
		func(w *esl.Writer) error { return w.WriteFrame(f) })
	if err != nil {
		return "", err
	}
	select {
	case ev, ok := <-ch:
		if !ok {
			return "", c.closedErr()
		}
		out := string(ev.Body)
		if strings.HasPrefix(out, "-ERR") || strings.HasPrefix(out, "-USAGE") {
			return out, &ReplyError{Command: "bgapi " + cmd, Text: strings.TrimRight(out, "\n")}
		}
		return out, nil
	case r, ok := <-p.ch:
		if !ok {
			return "", c.closedErr()
		}
		if !r.OK() {
			return "", &ReplyError{Command: f.Line, Text: r.ReplyText()}
		}
		got := r.Get("Job-UUID")
		c.mismatches.Add(1)
		c.logger().Error("esl bgapi reply mismatch", "command", cmd, "job_uuid", job, "reply_job_uuid", got)
		return "", fmt.Errorf("%w: bgapi %s: Job-UUID %q, want %q", ErrMismatch, cmd, got, job)
	case <-ctx.Done():
		return "", context.Cause(ctx)
	}
}

// observe reports a finished api or bgapi command to Options.OnCommand.
func (c *Conn) observe(kind, name string, start time.Time, err *error) {
	if c.opts.OnCommand != nil {
		c.opts.OnCommand(kind, name, time.Since(start), *err)
	}
}

func (c *Conn) dropJob(job string) {
	c.pmu.Lock()
	delete(c.jobs, job)
	c.pmu.Unlock()
}

// roundTrip waits for the connection's turn, writes one command and waits for
// its reply. The reader releases the turn when the reply arrives, so a caller
// that gives up (ctx) after writing does not let the next command take its
// reply.
func (c *Conn) roundTrip(ctx context.Context, line string, write func(*esl.Writer) error) (*esl.Frame, error) {
	p, err := c.send(ctx, line, 1, write)
	if err != nil {
		return nil, err
	}
	r, err := c.await(ctx, p, line)
	if r != nil {
		// Its one reply is taken: the reader let go of p before sending it,
		// so nothing refers to p. A command given up (ctx) or failed by the
		// connection's end keeps its own: a late reply may still come, or
		// its channel is closed.
		pendings.Put(p)
	}
	return r, err
}

// pendings recycles the pending of single-reply commands (most of them):
// its struct and channel are three allocations a command otherwise.
var pendings = sync.Pool{New: func() any { return &pending{ch: make(chan *esl.Frame, 1)} }}

// send waits for the connection's turn and writes commands that expect n
// replies; the turn is released once the last of them has arrived.
func (c *Conn) send(ctx context.Context, line string, n int, write func(*esl.Writer) error) (*pending, error) {
	if err := c.turn.lock(ctx); err != nil {
		return nil, err
	}
	var p *pending
	if n == 1 {
		p = pendings.Get().(*pending)
	} else {
		p = &pending{ch: make(chan *esl.Frame, n)}
	}
	p.cmd, p.left, p.keep = line, n, nil
	return c.issue(p, write)
}

// sendKeeping is send for a single-reply command whose reply reaches p.ch
// only when deliver says so (it runs on the reader goroutine); any other is
// taken in and dropped, and wakes nobody.
func (c *Conn) sendKeeping(ctx context.Context, line string, deliver func(*esl.Frame) bool, write func(*esl.Writer) error) (*pending, error) {
	if err := c.turn.lock(ctx); err != nil {
		return nil, err
	}
	p := &pending{cmd: line, ch: make(chan *esl.Frame, 1), left: 1, keep: deliver}
	return c.issue(p, write)
}

// issue makes p the command in flight and writes it; the turn is held.
func (c *Conn) issue(p *pending, write func(*esl.Writer) error) (*pending, error) {
	line, n := p.cmd, p.left
	c.pmu.Lock()
	if c.closed {
		c.pmu.Unlock()
		c.turn.unlock()
		return nil, c.closedErr()
	}
	c.inflight = p
	p.sent = time.Now()
	if !c.watching {
		c.watching = true
		if c.watchdog == nil {
			c.watchdog = time.AfterFunc(c.opts.ReplyTimeout, c.checkReplies)
		} else {
			c.watchdog.Reset(c.opts.ReplyTimeout)
		}
	}
	c.pmu.Unlock()
	if err := c.writeLocked(write, n); err != nil {
		c.nc.Close() // the stream is broken; the reader cleans up p and the turn
		c.logger().Warn("esl write failed", "command", line, "err", err)
	}
	return p, nil
}

// await returns p's next reply (line is its command, for the error).
func (c *Conn) await(ctx context.Context, p *pending, line string) (*esl.Frame, error) {
	select {
	case r, ok := <-p.ch:
		if !ok {
			return nil, c.closedErr()
		}
		if !r.OK() {
			return r, &ReplyError{Command: line, Text: r.ReplyText()}
		}
		return r, nil
	case <-ctx.Done():
		return nil, context.Cause(ctx)
	}
}

// checkReplies is the watchdog: it closes a connection whose peer has not
// answered the command in flight within ReplyTimeout, re-arms itself for
// the rest of that time when the command is younger, and disarms when
// nothing is in flight.
func (c *Conn) checkReplies() {
	c.pmu.Lock()
	p := c.inflight
	if p == nil || c.closed {
		c.watching = false
		c.pmu.Unlock()
		return
	}
	if left := c.opts.ReplyTimeout - time.Since(p.sent); left > 0 {
		c.watchdog.Reset(left)
		c.pmu.Unlock()
		return
	}
	c.watching = false
	c.pmu.Unlock()
	c.logger().Error("esl reply overdue; closing the connection", "command", p.cmd, "after", c.opts.ReplyTimeout)
	c.nc.Close()
}

// writeLocked writes a command, the turn held.
func (c *Conn) writeLocked(write func(*esl.Writer) error, n int) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if now := time.Now(); c.wdl.Sub(now) < c.opts.WriteTimeout {
		c.wdl = now.Add(c.opts.WriteTimeout + c.opts.WriteTimeout/8)
		c.nc.SetWriteDeadline(c.wdl)
	}
	c.commands.Add(uint64(n))
	return write(c.w)
}

func (c *Conn) closedErr() error {
	<-c.done
	if c.err != nil && !errors.Is(c.err, ErrClosed) {
		return fmt.Errorf("%w: %w", ErrClosed, c.err)
	}
	return ErrClosed
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return strings.TrimRight(line, "\r")
}
