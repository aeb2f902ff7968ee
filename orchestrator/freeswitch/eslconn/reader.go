package eslconn

import (
	"errors"
	"io"
	"net"

	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/esl"
)

// readLoop is the connection's only reader. It never blocks on anyone: replies
// go to a buffered slot, jobs to buffered channels, events to OnEvent. Frames
// are read into the reader's reused buffers; what is handed on is a copy (a
// reply, a notice) or a decoded event.
func (c *Conn) readLoop() {
	var err error
	for {
		var f *esl.Frame
		if f, err = c.rd.ReadFrameShared(); err != nil {
			break
		}
		c.frames.Add(1)
		c.handle(f)
	}
	c.shutdown(err)
	c.rd.Release() // nothing it read is kept: replies and notices are Detached copies, events decoded
}

func (c *Conn) handle(f *esl.Frame) {
	switch f.ContentType() {
	case esl.TypeCommandReply, esl.TypeAPIResponse:
		c.reply(c.rd.Detach())
	case esl.TypeEventJSON, esl.TypeEventPlain:
		c.event(f)
	case esl.TypeDisconnectNotice:
		c.logger().Info("esl disconnect notice", "disposition", f.Get("Content-Disposition"))
		if c.opts.OnNotice != nil {
			c.opts.OnNotice(c.rd.Detach())
		}
	case esl.TypeAuthRequest:
		c.logger().Warn("esl unexpected auth/request")
	default:
		c.logger().Debug("esl frame ignored", "content_type", f.ContentType())
	}
}

func (c *Conn) reply(f *esl.Frame) {
	c.pmu.Lock()
	p := c.inflight
	last := false
	if p != nil {
		p.left--
		if last = p.left == 0; last {
			c.inflight = nil
		}
	}
	c.pmu.Unlock()
	if p == nil {
		c.unexpected.Add(1)
		c.logger().Error("esl reply with no command in flight", "content_type", f.ContentType(), "reply", f.ReplyText())
		return
	}
	if p.keep == nil || p.keep(f) {
		p.ch <- f
	}
	if last {
		c.turn.unlock()
	}
}

func (c *Conn) event(f *esl.Frame) {
	ev, err := c.dec.Event(f)
	if err != nil {
		c.badEvents.Add(1)
		c.logger().Error("esl event does not parse", "err", err)
		return
	}
	c.events.Add(1)
	if ev.Name() == "BACKGROUND_JOB" {
		c.pmu.Lock()
		ch, ok := c.jobs[ev.Get("Job-UUID")]
		delete(c.jobs, ev.Get("Job-UUID"))
		c.pmu.Unlock()
		if ok {
			ch <- ev
			return
		}
	}
	if c.opts.OnEvent != nil {
		c.opts.OnEvent(ev)
	}
}

// shutdown fails everything still waiting and marks the connection done.
func (c *Conn) shutdown(err error) {
	if errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) {
		err = ErrClosed
	}
	c.err = err
	// The reason is logged before the socket closes and before done does:
	// whoever wakes on either (the peer, the owner, a test) finds the line
	// already written.
	if errors.Is(err, esl.ErrTooLarge) || errors.Is(err, esl.ErrMalformed) {
		// The peer broke the protocol or the frame caps (esl.MaxBodyBytes):
		// reading on could cost unbounded memory, so the connection is gone.
		c.logger().Error("esl peer sent a frame beyond the limits or malformed; connection closed", "err", err)
	} else {
		c.logger().Info("esl connection ended", "err", err)
	}
	c.nc.Close()
	c.pmu.Lock()
	c.closed = true
	if c.watchdog != nil {
		c.watchdog.Stop()
	}
	p := c.inflight
	c.inflight = nil
	for job, ch := range c.jobs {
		close(ch)
		delete(c.jobs, job)
	}
	c.pmu.Unlock()
	close(c.done)
	if p != nil {
		close(p.ch)
		c.turn.unlock()
	}
}
