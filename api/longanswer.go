package api

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v5"
)

// The http.Server in front of this handler (cmd/switchboard) has read and
// write timeouts, so a slowly sent body or a client that stops reading cannot
// hold a connection for long. Answers that are long by nature lift them for
// their own request, in the handler, that is after the route's guard let the
// request through: only an authenticated caller gets the extra time.
//   - SSE streams (sseStream): no write deadline while idle (net/http does
//     not extend a write deadline that has passed); each write gets
//     streamWriteTimeout, so a client that stops reading is dropped. (The
//     read deadline needs nothing: a GET has no body, and net/http clears it
//     for its background read.)
//   - prompt uploads: uploadReadTimeout to send the body (extendDeadlines).
//   - CSV exports: exportWriteTimeout to write every page.
const (
	streamWriteTimeout = 30 * time.Second
	uploadReadTimeout  = 5 * time.Minute // 20 MiB at 1 Mbit/s takes under 3 minutes
	exportWriteTimeout = 10 * time.Minute
)

// setDeadline moves a deadline of c's connection; a zero t removes it.
// Writers without deadlines (tests with a recorder) are left alone.
func setDeadline(c *echo.Context, read bool, t time.Time) {
	rc := http.NewResponseController(c.Response())
	var err error
	if read {
		err = rc.SetReadDeadline(t)
	} else {
		err = rc.SetWriteDeadline(t)
	}
	if err != nil && !errors.Is(err, http.ErrNotSupported) {
		_ = err // the connection is closing; the next write reports it
	}
}

// extendDeadlines gives c's request d more to send its body and d plus a
// minute to be answered (the answer comes after the body is processed).
func extendDeadlines(c *echo.Context, d time.Duration) {
	now := time.Now()
	setDeadline(c, true, now.Add(d))
	setDeadline(c, false, now.Add(d+time.Minute))
}

// sseStream is one server-sent events answer.
type sseStream struct {
	c  *echo.Context
	rc *http.ResponseController
}

// startSSE lifts the write deadline, sends the event-stream headers and
// flushes them, so the client knows the stream is open.
func startSSE(c *echo.Context) *sseStream {
	setDeadline(c, false, time.Time{})
	w := c.Response()
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	s := &sseStream{c: c, rc: http.NewResponseController(w)}
	s.flush()
	return s
}

// event sends one event; data is JSON.
func (s *sseStream) event(kind string, data []byte) error {
	return s.send("event: %s\ndata: %s\n\n", kind, data)
}

// ping sends a comment line, which keeps proxies from closing an idle stream.
func (s *sseStream) ping() error { return s.send(": ping\n\n") }

// send writes and flushes one chunk within streamWriteTimeout.
func (s *sseStream) send(format string, args ...any) error {
	setDeadline(s.c, false, time.Now().Add(streamWriteTimeout))
	defer setDeadline(s.c, false, time.Time{})
	if _, err := fmt.Fprintf(s.c.Response(), format, args...); err != nil {
		return err
	}
	return s.flush()
}

func (s *sseStream) flush() error {
	if err := s.rc.Flush(); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return err
	}
	return nil
}
