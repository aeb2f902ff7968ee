// Package fakefs is a tiny loopback Event Socket server for the adapter's own
// unit tests: it authenticates like FreeSWITCH and hands every command to a
// test-supplied handler, which answers with frames. It plays no channel life
// cycle (that is fssim's job); tests script exactly the frames they need.
// Only tests of orchestrator/freeswitch import it.
package fakefs

import (
	"errors"
	"io"
	"net"
	"strings"
	"sync"

	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/esl"
)

// Handler answers one command. It runs on the session's reader goroutine, so
// commands of one session are handled one at a time, in order, as FreeSWITCH
// does.
type Handler func(s *Session, cmd *esl.Frame)

// Server accepts inbound ESL connections on 127.0.0.1.
type Server struct {
	Password string
	ln       net.Listener
	handle   Handler
	wg       sync.WaitGroup

	mu       sync.Mutex
	sessions map[*Session]bool
	accepted int
}

// Start listens on a free loopback port.
func Start(password string, h Handler) (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{Password: password, ln: ln, handle: h, sessions: map[*Session]bool{}}
	s.wg.Add(1)
	go s.acceptLoop()
	return s, nil
}

// Addr is host:port to dial.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Accepted counts connections accepted so far.
func (s *Server) Accepted() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.accepted
}

// Close stops listening, closes every session and waits for their goroutines.
func (s *Server) Close() {
	s.ln.Close()
	s.DropAll()
	s.wg.Wait()
}

// DropAll closes every open session (a node restart, as the client sees it).
func (s *Server) DropAll() {
	s.mu.Lock()
	for ss := range s.sessions {
		ss.nc.Close()
	}
	s.mu.Unlock()
}

func (s *Server) acceptLoop() {
	defer s.wg.Done()
	for {
		nc, err := s.ln.Accept()
		if err != nil {
			return
		}
		ss := &Session{nc: nc, w: esl.NewWriter(nc)}
		s.mu.Lock()
		s.sessions[ss] = true
		s.accepted++
		s.mu.Unlock()
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.serve(ss)
			s.mu.Lock()
			delete(s.sessions, ss)
			s.mu.Unlock()
		}()
	}
}

func (s *Server) serve(ss *Session) {
	defer ss.nc.Close()
	rd := esl.NewReader(ss.nc)
	ss.Write(&esl.Frame{Headers: []esl.Header{{Name: "Content-Type", Value: esl.TypeAuthRequest}}})
	cmd, err := rd.ReadCommand()
	if err != nil {
		return
	}
	if cmd.Line != "auth "+s.Password {
		ss.Reply("-ERR invalid")
		ss.Write(&esl.Frame{Headers: []esl.Header{{Name: "Content-Type", Value: esl.TypeDisconnectNotice}},
			Body: []byte("Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n")})
		return
	}
	ss.Reply("+OK accepted")
	for {
		cmd, err := rd.ReadCommand()
		if err != nil {
			if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
				ss.Err = err
			}
			return
		}
		if cmd.Line == "exit" {
			ss.Reply("+OK bye")
			return
		}
		s.handle(ss, cmd)
	}
}

// Session is one client connection.
type Session struct {
	nc  net.Conn
	wmu sync.Mutex
	w   *esl.Writer
	Err error // a read error other than EOF, for tests to check
}

// Write sends frames; safe for concurrent use.
func (s *Session) Write(fs ...*esl.Frame) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	return s.w.WriteFrames(fs...)
}

// WriteRaw sends bytes as they are (pre-encoded frames, for benchmarks).
func (s *Session) WriteRaw(p []byte) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	_, err := s.nc.Write(p)
	return err
}

// Reply sends a command/reply with Reply-Text and extra headers (name, value pairs).
func (s *Session) Reply(text string, kv ...string) error {
	return s.Write(ReplyFrame(text, kv...))
}

// ReplyFrame builds a command/reply frame.
func ReplyFrame(text string, kv ...string) *esl.Frame {
	f := &esl.Frame{Headers: []esl.Header{{Name: "Content-Type", Value: esl.TypeCommandReply}, {Name: "Reply-Text", Value: text}}}
	for i := 0; i+1 < len(kv); i += 2 {
		f.Add(kv[i], kv[i+1])
	}
	return f
}

// APIResponseFrame builds an api/response frame.
func APIResponseFrame(body string) *esl.Frame {
	return &esl.Frame{Headers: []esl.Header{{Name: "Content-Type", Value: esl.TypeAPIResponse}}, Body: []byte(body)}
}

// EventFrame builds a text/event-json frame from name, value pairs.
func EventFrame(body string, kv ...string) *esl.Frame {
	return esl.NewEvent([]byte(body), kv...).Frame(esl.TypeEventJSON)
}

// Close drops the connection.
func (s *Session) Close() { s.nc.Close() }

// Arg returns the command line without its verb: "api status" -> "status".
func Arg(cmd *esl.Frame) string {
	_, a, _ := strings.Cut(cmd.Line, " ")
	return a
}

// ServeOutbound plays FreeSWITCH's side of an outbound `socket` connection on
// nc (already dialled to the controller): no auth, every command goes to h;
// "exit" is shown to h (which must not answer it), then answered with +OK bye and a disconnect notice, then nc closes.
// It returns when nc fails or after exit.
func ServeOutbound(nc net.Conn, h Handler) *Session {
	ss := &Session{nc: nc, w: esl.NewWriter(nc)}
	rd := esl.NewReader(nc)
	defer nc.Close()
	for {
		cmd, err := rd.ReadCommand()
		if err != nil {
			return ss
		}
		if cmd.Line == "exit" {
			h(ss, cmd) // lets the handler record it; it must not reply
			ss.Reply("+OK bye")
			ss.Write(&esl.Frame{Headers: []esl.Header{{Name: "Content-Type", Value: esl.TypeDisconnectNotice},
				{Name: "Content-Disposition", Value: "disconnect"}}, Body: []byte("Disconnected, goodbye.\n")})
			return ss
		}
		h(ss, cmd)
	}
}
