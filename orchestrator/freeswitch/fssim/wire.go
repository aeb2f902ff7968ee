package fssim

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/esl"
)

// The ESL wire as fssim sees it: commands are read with the shared codec
// (orchestrator/freeswitch/esl); frames are rendered here byte for byte as
// mod_event_socket writes them (header order and Content-Length placement
// differ between frame kinds, see the captures).

// header is one "Name: value" line; order matters on the wire.
type header struct{ name, value string }

// command is one ESL command read with the shared codec (esl.Reader).
type command struct {
	line    string            // e.g. "api status", "sendmsg", "event json ALL"
	raw     string            // the line as sent: `filter` keeps trailing spaces
	headers map[string]string // lower-cased names
	hdrs    []esl.Header      // as sent, in order (sendevent keeps them)
	body    string
}

// get returns a header by case-insensitive name.
func (c command) get(name string) string { return c.headers[strings.ToLower(name)] }

// readCommand reads one command with the ESL codec.
func readCommand(r *esl.Reader) (command, error) {
	f, err := r.ReadCommand()
	if err != nil {
		return command{}, err
	}
	c := command{line: strings.TrimSpace(f.Line), raw: f.Line, hdrs: f.Headers, headers: make(map[string]string, len(f.Headers)), body: string(f.Body)}
	for _, h := range f.Headers {
		c.headers[strings.ToLower(strings.TrimSpace(h.Name))] = strings.TrimSpace(h.Value)
	}
	return c, nil
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
