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
	"sync"
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
	// shared is the frame ReadFrameShared fills; pending is the size of the
	// body it left in br's buffer, skipped at the next read.
	shared  Frame
	pending int
	// text and spans are a header block's scratch (read): the bytes of
	// its names and values that are not constants, and where each is.
	text   []byte
	spans  []headerSpan
	pooled *readerBuf // the pooled buffers in use (NewPooledReader), or nil
}

// headerSpan is one header of the block being read: a constant name or
// value, or its bounds in Reader.text.
type headerSpan struct {
	name, value          string
	nameStart, nameEnd   int
	valueStart, valueEnd int
}

// readerBuf is what a pooled reader borrows: its read buffer, and the
// shared frame's header slice and header scratch grown by earlier
// connections (a call's connect reply has some 140 headers).
type readerBuf struct {
	br      *bufio.Reader
	headers []Header
	text    []byte
	spans   []headerSpan
}

// readerBufs are the buffers of pooled readers (NewPooledReader).
var readerBufs = sync.Pool{New: func() any { return &readerBuf{br: bufio.NewReaderSize(nil, readerBufSize)} }}

const readerBufSize = 64 << 10

// NewReader returns a Reader on r. If r is already a *bufio.Reader it is used
// directly, so bytes it has buffered are not lost.
func NewReader(r io.Reader) *Reader {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, readerBufSize)
	}
	return &Reader{br: br}
}

// NewPooledReader is NewReader for a connection that comes and goes with a
// call (an outbound socket): its 64 KiB buffer comes from a pool and Release
// gives it back, so each call does not allocate and clear one of its own.
func NewPooledReader(r io.Reader) *Reader {
	b := readerBufs.Get().(*readerBuf)
	b.br.Reset(r)
	return &Reader{br: b.br, pooled: b, shared: Frame{Headers: b.headers}, text: b.text, spans: b.spans}
}

// Release gives a pooled reader's buffer back (nothing for other readers).
// Neither the reader nor the last frame ReadFrameShared returned may be used
// after it; frames from ReadFrame and Detach own their memory and stay valid.
func (r *Reader) Release() {
	b := r.pooled
	if b == nil {
		return
	}
	b.br.Reset(nil)
	b.headers = r.shared.Headers[:0]
	clear(b.headers[:cap(b.headers)]) // no strings of this connection kept alive by the pool
	b.text, b.spans = r.text[:0], r.spans[:0]
	clear(b.spans[:cap(b.spans)])
	readerBufs.Put(b)
	r.br, r.pooled, r.shared, r.text, r.spans = nil, nil, Frame{}, nil, nil
}

// ReadFrame reads one frame sent by FreeSWITCH: headers up to a blank line,
// then Content-Length bytes of body. A frame without Content-Length has no
// body (the outbound connect reply is such a frame). Blank lines between
// frames are skipped. At a clean end of stream it returns io.EOF.
func (r *Reader) ReadFrame() (*Frame, error) {
	return r.read(&Frame{}, false)
}

// ReadFrameShared is ReadFrame for a caller that is done with each frame
// before it reads the next, as the connection's reader is with an event it
// decodes: the Frame, its Headers slice and its Body (when it fits the
// reader's buffer) are the Reader's own, reused and overwritten by the next
// read. Header strings are ordinary strings. Clone keeps a frame. Reading a
// 6 KB event this way allocates nothing but its Content-Length value.
func (r *Reader) ReadFrameShared() (*Frame, error) {
	f := &r.shared
	*f = Frame{Headers: f.Headers[:0]}
	return r.read(f, false)
}

// Detach returns a copy of the frame ReadFrameShared last returned that the
// next read leaves alone (a reply handed to the goroutine waiting for it). A
// body too large for the reader's buffer was read into memory of its own
// and is not copied again.
func (r *Reader) Detach() *Frame {
	f := newFrame(len(r.shared.Headers))
	f.Line, f.Body = r.shared.Line, r.shared.Body
	f.Headers = append(f.Headers, r.shared.Headers...)
	if r.pending > 0 {
		f.Body = bytes.Clone(f.Body)
	}
	return f
}

// frameWith is a Frame allocated together with room for its headers.
type frameWith[H any] struct {
	Frame
	room H
}

// newFrame returns an empty frame with room for n headers, allocated with
// it for the few a reply has (command/reply: Content-Type, Reply-Text and
// maybe Job-UUID; api/response: Content-Type, Content-Length).
func newFrame(n int) *Frame {
	var f *Frame
	switch n {
	case 1:
		x := &frameWith[[1]Header]{}
		x.Headers, f = x.room[:0], &x.Frame
	case 2:
		x := &frameWith[[2]Header]{}
		x.Headers, f = x.room[:0], &x.Frame
	case 3:
		x := &frameWith[[3]Header]{}
		x.Headers, f = x.room[:0], &x.Frame
	case 4:
		x := &frameWith[[4]Header]{}
		x.Headers, f = x.room[:0], &x.Frame
	default:
		f = &Frame{Headers: make([]Header, 0, n)}
	}
	return f
}

// ReadCommand reads one frame sent to FreeSWITCH: its first line is the
// command ("api status", "sendmsg <uuid>"), then optional headers, a blank
// line and Content-Length bytes of body. This is the server side of the
// protocol, used by simulators.
func (r *Reader) ReadCommand() (*Frame, error) {
	return r.read(&Frame{}, true)
}

func (r *Reader) read(f *Frame, command bool) (*Frame, error) {
	if r.pending > 0 {
		r.br.Discard(r.pending) // buffered already: cannot fail
		r.pending = 0
	}
	n, started := 0, false
	r.text, r.spans = r.text[:0], r.spans[:0]
	for {
		line, err := r.line(&n)
		if err != nil {
			if errors.Is(err, io.EOF) && started {
				return nil, frameErr(io.ErrUnexpectedEOF, "stream ended inside a header block")
			}
			return nil, err
		}
		if len(line) == 0 {
			if !started {
				continue // blank lines between frames
			}
			break
		}
		if !started && command {
			f.Line, started = string(line), true
			continue
		}
		started = true
		if len(r.spans) == MaxHeaders {
			return nil, frameErr(ErrTooLarge, "more than %d headers", MaxHeaders)
		}
		if !r.header(line) {
			return nil, frameErr(ErrMalformed, "header line %q has no name", truncate(string(line)))
		}
	}
	r.headers(f)
	return f, r.body(f, f == &r.shared)
}

// header notes a "Name: value" line of the block being read. The names and
// content types of the frames FreeSWITCH sends most are constants; other
// bytes are copied into r.text, which headers turns into one string for
// the whole block (a call's connect reply has some 140 headers).
func (r *Reader) header(line []byte) bool {
	i := bytes.IndexByte(line, ':')
	if i <= 0 {
		return false
	}
	name, value := line[:i], bytes.TrimLeft(line[i+1:], " \t")
	sp := headerSpan{name: knownName(name)}
	if sp.name == "" {
		sp.nameStart = len(r.text)
		r.text = append(r.text, name...)
		sp.nameEnd = len(r.text)
	} else {
		sp.value = knownValue(value)
	}
	if sp.value == "" {
		sp.valueStart = len(r.text)
		r.text = append(r.text, value...)
		sp.valueEnd = len(r.text)
	}
	r.spans = append(r.spans, sp)
	return true
}

// headers appends the block's headers to f.Headers, their text sharing one
// allocation.
func (r *Reader) headers(f *Frame) {
	text := string(r.text)
	for _, sp := range r.spans {
		h := Header{sp.name, sp.value}
		if h.Name == "" {
			h.Name = text[sp.nameStart:sp.nameEnd]
		}
		if h.Value == "" {
			h.Value = text[sp.valueStart:sp.valueEnd]
		}
		f.Headers = append(f.Headers, h)
	}
	if cap(r.text) > MaxHeaderBytes/4 { // a rare huge block: not kept
		r.text, r.spans = nil, nil
	}
}

func knownName(b []byte) string {
	for _, n := range [...]string{"Content-Type", "Content-Length", "Reply-Text", "Job-UUID", "Content-Disposition"} {
		if string(b) == n {
			return n
		}
	}
	return ""
}

func knownValue(b []byte) string {
	for _, v := range [...]string{TypeEventJSON, TypeEventPlain, TypeCommandReply, TypeAPIResponse,
		TypeDisconnectNotice, TypeAuthRequest, TypeEventXML, TypeRUDE, TypeLogData} {
		if string(b) == v {
			return v
		}
	}
	return ""
}

// line reads one line without its "\n" or "\r\n", counting bytes into n.
// The line is valid until the next read from r.br.
func (r *Reader) line(n *int) ([]byte, error) {
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
		return nil, frameErr(ErrTooLarge, "header line longer than %d bytes", MaxLineBytes)
	}
	if err != nil {
		if err == io.EOF && len(b) > 0 {
			return nil, frameErr(io.ErrUnexpectedEOF, "stream ended inside a header line")
		}
		return nil, err
	}
	*n += len(b)
	if *n > MaxHeaderBytes {
		return nil, frameErr(ErrTooLarge, "header block longer than %d bytes", MaxHeaderBytes)
	}
	return bytes.TrimSuffix(b[:len(b)-1], []byte{'\r'}), nil
}

func (r *Reader) body(f *Frame, shared bool) error {
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
	if shared && size <= r.br.Size() {
		// The body stays in br's buffer, skipped at the next read.
		body, err := r.br.Peek(size)
		if errors.Is(err, io.EOF) {
			return frameErr(io.ErrUnexpectedEOF, "stream ended inside a %d-byte body", size)
		}
		if err != nil {
			return err
		}
		f.Body, r.pending = body, size
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
