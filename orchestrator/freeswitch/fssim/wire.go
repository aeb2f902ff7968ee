package fssim

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// The ESL wire as fssim sees it: the controller sends commands (a first line,
// optional "Name: value" headers, a blank line, and for sendmsg an optional
// body counted by Content-Length); fssim sends frames (headers, a blank line,
// and a body when Content-Length says so).

// maxCommandBytes bounds one command so a broken client cannot grow memory
// without limit. Real commands are a few hundred bytes.
const maxCommandBytes = 1 << 20

// ErrBadCommand wraps every reason a command could not be parsed.
var ErrBadCommand = errors.New("fssim: bad ESL command")

// header is one "Name: value" line; order matters on the wire.
type header struct{ name, value string }

// command is one parsed ESL command.
type command struct {
	line    string            // e.g. "api status", "sendmsg", "event json ALL"
	headers map[string]string // lower-cased names
	body    string
}

// get returns a header by case-insensitive name.
func (c command) get(name string) string { return c.headers[strings.ToLower(name)] }

// readCommand reads one command. Blank lines before a command are skipped,
// as FreeSWITCH does.
func readCommand(r *bufio.Reader) (command, error) {
	var c command
	total := 0
	for {
		line, err := r.ReadString('\n')
		total += len(line)
		if total > maxCommandBytes {
			return c, fmt.Errorf("%w: longer than %d bytes", ErrBadCommand, maxCommandBytes)
		}
		if err != nil {
			if err == io.EOF && (c.line != "" || line != "") {
				return c, fmt.Errorf("%w: %w", ErrBadCommand, io.ErrUnexpectedEOF)
			}
			return c, err
		}
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			if c.line == "" {
				continue
			}
			break
		}
		if c.line == "" {
			c.line = line
			continue
		}
		if err := c.addHeader(line); err != nil {
			return c, err
		}
	}
	return c, c.readBody(r)
}

func (c *command) addHeader(line string) error {
	name, value, ok := strings.Cut(line, ":")
	if !ok || name == "" {
		return fmt.Errorf("%w: header line %q has no name", ErrBadCommand, line)
	}
	if c.headers == nil {
		c.headers = make(map[string]string)
	}
	c.headers[strings.ToLower(strings.TrimSpace(name))] = strings.TrimSpace(value)
	return nil
}

func (c *command) readBody(r *bufio.Reader) error {
	cl := c.get("content-length")
	if cl == "" {
		return nil
	}
	n, err := strconv.Atoi(cl)
	if err != nil || n < 0 || n > maxCommandBytes {
		return fmt.Errorf("%w: Content-Length %q", ErrBadCommand, cl)
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(r, buf); err != nil {
		return fmt.Errorf("%w: body: %w", ErrBadCommand, err)
	}
	c.body = string(buf)
	return nil
}

// frame renders headers and an optional body. Content-Length is added last
// when body is not empty, as mod_event_socket does for api/response.
func frame(hs []header, body string) []byte {
	var b bytes.Buffer
	for _, h := range hs {
		b.WriteString(h.name)
		b.WriteString(": ")
		b.WriteString(h.value)
		b.WriteByte('\n')
	}
	if body != "" {
		b.WriteString("Content-Length: ")
		b.WriteString(strconv.Itoa(len(body)))
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.WriteString(body)
	return b.Bytes()
}

// replyFrame is a command/reply.
func replyFrame(text string) []byte {
	return frame([]header{{"Content-Type", "command/reply"}, {"Reply-Text", text}}, "")
}

// apiFrame is an api/response: Content-Type first, then Content-Length.
func apiFrame(body string) []byte {
	return frame([]header{{"Content-Type", "api/response"}}, body)
}

// disconnectBody is what FreeSWITCH says when it closes a connection.
const disconnectBody = "Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n"

func disconnectFrame() []byte {
	return frame([]header{{"Content-Type", "text/disconnect-notice"}}, disconnectBody)
}
