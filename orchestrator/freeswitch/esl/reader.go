package esl

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// Limits protect the controller from a peer that declares or sends more
// than FreeSWITCH ever does (a socket client may be anyone until it is
// authenticated). Sizes seen in testdata/freeswitch (1.10.12): the biggest
// event body 12.5 KB (CHANNEL_* JSON), the biggest header block the outbound
// connect reply, 5.3 KB in 141 headers (CHANNEL_DATA with every channel
// variable), the most lines 235 (a plain event body), the longest line 358
// bytes; `show channels as json` takes about 0.9 KB a channel. The caps are
// far above those, and a body is read in chunks as it arrives, so a declared
// Content-Length costs nothing until its bytes come.
const (
	MaxLineBytes   = 64 << 10  // one header line (a url-encoded SDP variable is a few KB)
	MaxHeaders     = 2048      // headers in one frame (8x a call's CHANNEL_DATA)
	MaxHeaderBytes = 256 << 10 // one frame's header block
	// MaxEventBytes bounds a text/event-* body: 80x the biggest event seen.
	MaxEventBytes = 1 << 20
	// MaxAPIBytes bounds an api/response body: `show channels as json` of
	// about 18,000 channels, more than one node carries.
	MaxAPIBytes = 16 << 20
	// MaxOtherBytes bounds any other body (command replies, notices, and
	// the commands a simulator reads).
	MaxOtherBytes = 1 << 20
)

// bodyChunk is the first allocation for a body; it doubles as bytes arrive.
const bodyChunk = 64 << 10

// MaxBodyBytes is the body cap for a frame of content type ct.
func MaxBodyBytes(ct string) int {
	switch ct {
	case TypeEventJSON, TypeEventPlain:
		return MaxEventBytes
	case TypeAPIResponse:
		return MaxAPIBytes
	}
	return MaxOtherBytes
}

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
		if len(f.Headers) == MaxHeaders {
			return nil, frameErr(ErrTooLarge, "more than %d headers", MaxHeaders)
		}
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
	if errors.Is(err, bufio.ErrBufferFull) {
		// b is the reader's buffer, which the next ReadSlice overwrites:
		// copy it first.
		long := append([]byte(nil), b...)
		for errors.Is(err, bufio.ErrBufferFull) && len(long) <= MaxLineBytes+2 { // + "\r\n"
			b, err = r.br.ReadSlice('\n')
			long = append(long, b...)
		}
		b = long
	}
	if len(b) > MaxLineBytes+2 {
		return "", frameErr(ErrTooLarge, "header line longer than %d bytes", MaxLineBytes)
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
	if limit := MaxBodyBytes(f.ContentType()); size > limit {
		return frameErr(ErrTooLarge, "Content-Length %d of a %q frame exceeds %d", size, truncate(f.ContentType()), limit)
	}
	if size == 0 {
		return nil
	}
	body, err := r.readBody(size)
	if err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return frameErr(io.ErrUnexpectedEOF, "stream ended inside a %d-byte body", size)
		}
		return err
	}
	f.Body = body
	return nil
}

// readBody reads size bytes into a buffer that starts at bodyChunk and
// doubles as the bytes arrive: memory follows what the peer sent, not what
// it declared.
func (r *Reader) readBody(size int) ([]byte, error) {
	buf := make([]byte, 0, min(size, bodyChunk))
	for len(buf) < size {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, min(size-len(buf), cap(buf)))
		}
		n, err := io.ReadFull(r.br, buf[len(buf):min(size, cap(buf))])
		buf = buf[:len(buf)+n]
		if err != nil {
			return nil, err
		}
	}
	return buf, nil
}

func truncate(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}
