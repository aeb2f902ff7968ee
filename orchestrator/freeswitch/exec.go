package freeswitch

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/switchboard-cc/switchboard/orchestrator"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/esl"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/eslconn"
)

// ErrBadArgument wraps every refusal of a verb's input (a path with a
// newline, a digit that is not DTMF...). Messages name the argument.
var ErrBadArgument = errors.New("freeswitch: bad argument")

// More errors of the adapter's verbs.
var (
	// ErrNotConfirmed: the switch replied but its events did not confirm the
	// verb's effect.
	ErrNotConfirmed = errors.New("freeswitch: not confirmed by the switch")
	// ErrMediaFailed: a file to play was not found or could not be played.
	ErrMediaFailed = errors.New("freeswitch: media failed")
)

func errorf(sentinel error, format string, args ...any) error {
	return fmt.Errorf("freeswitch: "+format+": %w", append(args, sentinel)...)
}

// ctl is the connection commands for c go through: its own socket, else its
// node's inbound connection.
func (a *Adapter) ctl(c *call) (*eslconn.Conn, error) {
	if c.socket != nil {
		return c.socket, nil
	}
	return a.nodeConn(c.key.Node)
}

// api runs a synchronous api command for c and maps its errors to the port's.
func (a *Adapter) api(ctx context.Context, c *call, cmd string) (string, error) {
	conn, err := a.ctl(c)
	if err != nil {
		return "", err
	}
	out, err := conn.API(ctx, cmd)
	return out, a.mapErr(c, err)
}

func (a *Adapter) mapErr(c *call, err error) error {
	if err == nil {
		return nil
	}
	var re *eslconn.ReplyError
	// api commands answer "-ERR No such channel!", sendmsg "-ERR invalid
	// session id [UUID]" for a call that is gone.
	if errors.As(err, &re) && (strings.Contains(strings.ToLower(re.Text), "no such channel") || strings.Contains(strings.ToLower(re.Text), "invalid session id")) {
		return fmt.Errorf("%w: %w", orchestrator.ErrNoSuchCall, err)
	}
	if errors.Is(err, eslconn.ErrClosed) {
		if c != nil && c.socket != nil {
			return fmt.Errorf("%w: %w", orchestrator.ErrCallEnded, err)
		}
		return fmt.Errorf("%w: %w", orchestrator.ErrNodeDown, err)
	}
	return err
}

// isComplete matches the CHANNEL_EXECUTE_COMPLETE of the app started with id.
func isComplete(id string) func(*esl.Event) bool {
	return func(ev *esl.Event) bool {
		return ev.Name() == "CHANNEL_EXECUTE_COMPLETE" && ev.Get("Application-UUID") == id
	}
}

// sendApp asks FreeSWITCH to run app on c with sendmsg execute, tagged with
// Event-UUID id so that its CHANNEL_EXECUTE(_COMPLETE) come back with
// Application-UUID id. Register the waiter before calling it.
func (a *Adapter) sendApp(ctx context.Context, c *call, id, app, arg string) error {
	conn, err := a.ctl(c)
	if err != nil {
		return err
	}
	_, err = conn.Send(ctx, appFrame(c, id, app, arg))
	return a.mapErr(c, err)
}

// appFrame is the sendmsg execute of app on c, tagged with Event-UUID id.
func appFrame(c *call, id, app, arg string) *esl.Frame {
	f := &esl.Frame{Line: "sendmsg " + c.key.ID, Headers: []esl.Header{
		{Name: "call-command", Value: "execute"}, {Name: "execute-app-name", Value: app},
		{Name: "Event-UUID", Value: id},
	}}
	if strings.ContainsAny(arg, "\r\n") || len(arg) > 2048 {
		f.Add("Content-Type", "text/plain")
		f.Body = []byte(arg)
	} else if arg != "" {
		f.Add("execute-app-arg", arg)
	}
	return f
}

// execute runs app and waits for it to complete. The completion event is
// returned even when the call hung up meanwhile; check c.hungUp.
func (a *Adapter) execute(ctx context.Context, c *call, app, arg string) (*esl.Event, error) {
	id := uuid.NewString()
	w, err := c.await(isComplete(id), false, 1)
	if err != nil {
		return nil, err
	}
	defer c.cancel(w)
	if err := a.sendApp(ctx, c, id, app, arg); err != nil {
		return nil, err
	}
	return c.wait(ctx, w)
}

// confirmAPI registers match, runs cmd and waits for the confirming event:
// a +OK alone is never trusted (uuid_hold answers +OK for unknown calls).
func (a *Adapter) confirmAPI(ctx context.Context, c *call, cmd string, match func(*esl.Event) bool) (*esl.Event, error) {
	ctx, cancel := a.bound(ctx)
	defer cancel()
	w, err := c.await(match, false, 1)
	if err != nil {
		return nil, err
	}
	defer c.cancel(w)
	if _, err := a.api(ctx, c, cmd); err != nil {
		return nil, err
	}
	return c.wait(ctx, w)
}

// bound gives ctx the adapter's CommandTimeout when it has no deadline.
func (a *Adapter) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, a.opts.CommandTimeout)
}

func named(name string) func(*esl.Event) bool {
	return func(ev *esl.Event) bool { return ev.Name() == name }
}

func (c *call) hungUp() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cause != "" || c.ended
}

// checkArg refuses values that would break a command line or an app
// argument list.
func checkArg(what, v, forbidden string) error {
	if v == "" {
		return errorf(ErrBadArgument, "%s is empty", what)
	}
	if strings.ContainsAny(v, "\r\n"+forbidden) {
		return errorf(ErrBadArgument, "%s %q contains one of %q or a newline", what, v, forbidden)
	}
	return nil
}

// newID is the Event-UUID of one app execution.
func newID() string { return uuid.NewString() }
