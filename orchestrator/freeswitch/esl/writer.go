package esl

import (
	"bufio"
	"io"
	"strconv"
	"strings"
)

// Writer writes frames. It is not safe for concurrent use; the connection
// serialises writes.
type Writer struct {
	bw *bufio.Writer
}

// NewWriter returns a Writer on w.
func NewWriter(w io.Writer) *Writer { return &Writer{bw: bufio.NewWriter(w)} }

// WriteFrame writes f and flushes. It writes Line first when set, then the
// headers in order; when f has a body it sets Content-Length to the body's
// byte length (replacing any Content-Length header f carries) and writes the
// body after the blank line. Header values must not contain newlines: use
// Escape where FreeSWITCH would.
func (w *Writer) WriteFrame(f *Frame) error {
	if err := w.write(f); err != nil {
		return err
	}
	return w.bw.Flush()
}

// WriteFrames writes several frames with one flush (one syscall under load).
func (w *Writer) WriteFrames(fs ...*Frame) error {
	for _, f := range fs {
		if err := w.write(f); err != nil {
			return err
		}
	}
	return w.bw.Flush()
}

// WriteCommand writes a raw command text (as rendered by eslgo's command
// values) followed by the blank line that ends it, and flushes. Lines ending
// in "\r\n" are accepted by FreeSWITCH as they are.
func (w *Writer) WriteCommand(text string) error {
	w.bw.WriteString(strings.TrimRight(text, "\r\n"))
	w.bw.WriteString("\n\n")
	return w.bw.Flush()
}

// WriteCommands writes several raw commands as WriteCommand does, with one
// flush (one syscall when they fit the buffer).
func (w *Writer) WriteCommands(texts []string) error {
	for _, text := range texts {
		w.bw.WriteString(strings.TrimRight(text, "\r\n"))
		w.bw.WriteString("\n\n")
	}
	return w.bw.Flush()
}

func (w *Writer) write(f *Frame) error {
	if err := validate(f); err != nil {
		return err
	}
	if f.Line != "" {
		w.bw.WriteString(f.Line)
		w.bw.WriteByte('\n')
	}
	for _, h := range f.Headers {
		if strings.EqualFold(h.Name, "Content-Length") {
			continue
		}
		w.bw.WriteString(h.Name)
		w.bw.WriteString(": ")
		w.bw.WriteString(h.Value)
		w.bw.WriteByte('\n')
	}
	if len(f.Body) > 0 {
		w.bw.WriteString("Content-Length: ")
		w.bw.WriteString(strconv.Itoa(len(f.Body)))
		w.bw.WriteByte('\n')
	}
	w.bw.WriteByte('\n')
	_, err := w.bw.Write(f.Body)
	return err
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
