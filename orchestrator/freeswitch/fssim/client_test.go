package fssim

import (
	"io"
	"net"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/esl"
)

// eslClient is a minimal controller side for tests: it writes commands and
// reads frames with the shared codec.
type eslClient struct {
	t  testing.TB
	nc net.Conn
	r  *esl.Reader
}

func newClient(t testing.TB, nc net.Conn) *eslClient {
	nc.SetDeadline(time.Now().Add(30 * time.Second))
	return &eslClient{t: t, nc: nc, r: esl.NewReader(nc)}
}

func (c *eslClient) send(cmd string) {
	c.t.Helper()
	if _, err := io.WriteString(c.nc, cmd+"\n\n"); err != nil {
		c.t.Fatalf("send %q: %v", cmd, err)
	}
}

func (c *eslClient) frame() *esl.Frame {
	c.t.Helper()
	f, err := c.r.ReadFrame()
	if err != nil {
		c.t.Fatalf("read: %v", err)
	}
	return f
}

// until reads frames until one satisfies ok and returns it.
func (c *eslClient) until(ok func(*esl.Frame, *esl.Event) bool) (*esl.Frame, *esl.Event) {
	c.t.Helper()
	for {
		f := c.frame()
		var e *esl.Event
		if ct := f.ContentType(); ct == esl.TypeEventJSON || ct == esl.TypeEventPlain {
			var err error
			if e, err = esl.ParseEvent(f); err != nil {
				c.t.Fatalf("event: %v", err)
			}
		}
		if ok(f, e) {
			return f, e
		}
	}
}

func (c *eslClient) event(name string) *esl.Event {
	c.t.Helper()
	_, e := c.until(func(_ *esl.Frame, e *esl.Event) bool { return e != nil && e.Name() == name })
	return e
}

// inbound connects and authenticates.
func inbound(t testing.TB, n *Node) *eslClient {
	t.Helper()
	nc, err := net.Dial("tcp", n.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	c := newClient(t, nc)
	c.frame()
	c.send("auth " + n.Password())
	if f := c.frame(); f.ReplyText() != "+OK accepted" {
		t.Fatalf("auth: %q", f.ReplyText())
	}
	return c
}

// api sends an api command and returns the body.
func (c *eslClient) api(cmd string) string {
	c.t.Helper()
	c.send("api " + cmd)
	f, _ := c.until(func(f *esl.Frame, _ *esl.Event) bool { return f.ContentType() == esl.TypeAPIResponse })
	return string(f.Body)
}
