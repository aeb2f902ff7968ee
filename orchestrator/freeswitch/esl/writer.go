package esl

import (
	"io"
	"strconv"
	"strings"
)

// Writer writes frames. It is not safe for concurrent use; the connection
// serialises writes. Each WriteX call is rendered into one buffer and
// handed to the underlying writer in one Write (one syscall on a socket).
// The buffer starts small and grows with the frames written, so a
// connection that sends a few short commands (an outbound socket, one per
// call) does not carry a 4 KiB bufio.Writer. A write error is sticky, as
// bufio.Writer's: the stream is broken.
type Writer struct {
	w   io.Writer
	buf []byte
	err error
}

// writerKeep bounds the buffer a Writer keeps between writes; a larger
// frame's buffer is let go after it is written.
const writerKeep = 64 << 10

// NewWriter returns a Writer on w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

// WriteFrame writes f and flushes. It writes Line first when set, then the
// headers in order; when f has a body it sets Content-Length to the body's
// byte length (replacing any Content-Length header f carries) and writes the
// body after the blank line. Header values must not contain newlines: use
// Escape where FreeSWITCH would.
func (w *Writer) WriteFrame(f *Frame) error {
	if err := validate(f); err != nil {
		return err
	}
	w.render(f)
	return w.flush()
}

// WriteFrames writes several frames with one flush (one syscall). A frame
// that does not validate fails the call before anything is written.
func (w *Writer) WriteFrames(fs ...*Frame) error {
	for _, f := range fs {
		if err := validate(f); err != nil {
			return err
		}
	}
	for _, f := range fs {
		w.render(f)
	}
	return w.flush()
}

// WriteCommand writes a raw command text (as rendered by eslgo's command
// values) followed by the blank line that ends it, and flushes. Lines ending
// in "\r\n" are accepted by FreeSWITCH as they are.
func (w *Writer) WriteCommand(text string) error {
	w.buf = append(append(w.buf, strings.TrimRight(text, "\r\n")...), "\n\n"...)
	return w.flush()
}

// WriteCommands writes several raw commands as WriteCommand does, with one
// flush (one syscall).
func (w *Writer) WriteCommands(texts []string) error {
	for _, text := range texts {
		w.buf = append(append(w.buf, strings.TrimRight(text, "\r\n")...), "\n\n"...)
	}
	return w.flush()
}

// flush writes the buffer out and empties it.
func (w *Writer) flush() error {
	if w.err == nil && len(w.buf) > 0 {
		_, w.err = w.w.Write(w.buf)
	}
	if cap(w.buf) > writerKeep {
		w.buf = nil
	} else {
		w.buf = w.buf[:0]
	}
	return w.err
}

// render appends f, validated, to the buffer.
func (w *Writer) render(f *Frame) {
	b := w.buf
	if f.Line != "" {
		b = append(append(b, f.Line...), '\n')
	}
	for _, h := range f.Headers {
		if strings.EqualFold(h.Name, "Content-Length") {
			continue
		}
		b = append(append(append(append(b, h.Name...), ": "...), h.Value...), '\n')
	}
	if len(f.Body) > 0 {
		b = strconv.AppendInt(append(b, "Content-Length: "...), int64(len(f.Body)), 10)
		b = append(b, '\n')
	}
	w.buf = append(append(b, '\n'), f.Body...)
}

// validate refuses frames that would not read back as themselves.
func validate(f *Frame) error {
	if f.Line == "" && len(f.Body) == 0 && !hasHeaderBesides(f, "Content-Length") {
		return frameErr(ErrMalformed, "frame is empty: no command line, headers or body")
	}
	if strings.ContainsAny(f.Line, "\r\n") {
		return frameErr(ErrMalformed, "command line %q contains a newline", truncate(f.Line))
	}
	for _, h := range f.Headers {
		if h.Name == "" || strings.ContainsAny(h.Name, ":\r\n") {
			return frameErr(ErrMalformed, "header name %q is empty or contains ':' or a newline", truncate(h.Name))
		}
		if strings.ContainsAny(h.Value, "\r\n") {
			return frameErr(ErrMalformed, "header %s value %q contains a newline", h.Name, truncate(h.Value))
		}
	}
	return nil
}

func hasHeaderBesides(f *Frame, name string) bool {
	for _, h := range f.Headers {
		if !strings.EqualFold(h.Name, name) {
			return true
		}
	}
	return false
}
