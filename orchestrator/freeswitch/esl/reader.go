package esl

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Limits protect the reader from a peer that never ends a frame. FreeSWITCH's
// biggest frames are JSON events of a few tens of KiB; api responses such as
// `show channels` grow with the number of calls.
const (
	MaxHeaderBytes = 1 << 20  // one frame's header block
	MaxBodyBytes   = 64 << 20 // one frame's body
)

// Errors the reader returns, wrapped in a *FrameError with details.
var (
	ErrMalformed = errors.New("esl: malformed frame")
	ErrTooLarge  = errors.New("esl: frame too large")
)

// FrameError says what is wrong with a frame. It wraps ErrMalformed or
// ErrTooLarge (or io.ErrUnexpectedEOF for a frame cut short).
type FrameError struct {
	Err    error
	Detail string
}

func (e *FrameError) Error() string { return e.Err.Error() + ": " + e.Detail }
func (e *FrameError) Unwrap() error { return e.Err }

func frameErr(err error, format string, a ...any) error {
	return &FrameError{Err: err, Detail: fmt.Sprintf(format, a...)}
}

// Reader reads frames from a byte stream. It is not safe for concurrent use:
// each connection has exactly one reader goroutine.
type Reader struct {
	br *bufio.Reader
}

// NewReader returns a Reader on r. If r is already a *bufio.Reader it is used
// directly, so bytes it has buffered are not lost.
func NewReader(r io.Reader) *Reader {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, 64<<10)
	}
	return &Reader{br: br}
}

// ReadFrame reads one frame sent by FreeSWITCH: headers up to a blank line,
// then Content-Length bytes of body. A frame without Content-Length has no
// body (the outbound connect reply is such a frame). Blank lines between
// frames are skipped. At a clean end of stream it returns io.EOF.
func (r *Reader) ReadFrame() (*Frame, error) {
	return r.read(false)
}

// ReadCommand reads one frame sent to FreeSWITCH: its first line is the
// command ("api status", "sendmsg <uuid>"), then optional headers, a blank
// line and Content-Length bytes of body. This is the server side of the
// protocol, used by simulators.
func (r *Reader) ReadCommand() (*Frame, error) {
	return r.read(true)
}

func (r *Reader) read(command bool) (*Frame, error) {
	f := &Frame{}
	n, started := 0, false
	for {
		line, err := r.line(&n)
		if err != nil {
			if errors.Is(err, io.EOF) && started {
				return nil, frameErr(io.ErrUnexpectedEOF, "stream ended inside a header block")
			}
			return nil, err
		}
		if line == "" {
			if !started {
				continue // blank lines between frames
			}
			break
		}
		if !started && command {
			f.Line, started = line, true
			continue
		}
		started = true
		name, value, ok := strings.Cut(line, ":")
		if !ok || name == "" {
			return nil, frameErr(ErrMalformed, "header line %q has no name", truncate(line))
		}
		f.Headers = append(f.Headers, Header{name, strings.TrimLeft(value, " \t")})
	}
	return f, r.body(f)
}

// line reads one line without its "\n" or "\r\n", counting bytes into n.
func (r *Reader) line(n *int) (string, error) {
	b, err := r.br.ReadSlice('\n')
	for errors.Is(err, bufio.ErrBufferFull) {
		var more []byte
		more, err = r.br.ReadSlice('\n')
		b = append(append([]byte(nil), b...), more...)
		if *n+len(b) > MaxHeaderBytes {
			return "", frameErr(ErrTooLarge, "header block longer than %d bytes", MaxHeaderBytes)
		}
	}
	if err != nil {
		if err == io.EOF && len(b) > 0 {
			return "", frameErr(io.ErrUnexpectedEOF, "stream ended inside a header line")
		}
		return "", err
	}
	*n += len(b)
	if *n > MaxHeaderBytes {
		return "", frameErr(ErrTooLarge, "header block longer than %d bytes", MaxHeaderBytes)
	}
	b = bytes.TrimSuffix(b[:len(b)-1], []byte{'\r'})
	return string(b), nil
}

func (r *Reader) body(f *Frame) error {
	cl, ok := f.Lookup("Content-Length")
	if !ok {
		return nil
	}
	size, err := strconv.Atoi(strings.TrimSpace(cl))
	if err != nil || size < 0 {
		return frameErr(ErrMalformed, "Content-Length %q is not a byte count", truncate(cl))
	}
	if size > MaxBodyBytes {
		return frameErr(ErrTooLarge, "Content-Length %d exceeds %d", size, MaxBodyBytes)
	}
	if size == 0 {
		return nil
	}
	f.Body = make([]byte, size)
	if _, err := io.ReadFull(r.br, f.Body); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return frameErr(io.ErrUnexpectedEOF, "stream ended inside a %d-byte body", size)
		}
		return err
	}
	return nil
}

func truncate(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}
