package asim

import (
	"context"
	"net/http"
	"sync"

	"github.com/coder/websocket"
)

// wsConn is one events WebSocket. Frames are queued without bound (a test
// instrument must not drop) and written in order by one writer goroutine,
// which ends when the connection closes.
type wsConn struct {
	ws   *websocket.Conn
	mu   sync.Mutex
	q    [][]byte
	wake chan struct{}
	done chan struct{}
	once sync.Once
}

func newWSConn(ws *websocket.Conn) *wsConn {
	return &wsConn{ws: ws, wake: make(chan struct{}, 1), done: make(chan struct{})}
}

func (c *wsConn) send(b []byte) {
	c.mu.Lock()
	c.q = append(c.q, b)
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

func (c *wsConn) close() { c.once.Do(func() { close(c.done) }) }

// writeLoop writes queued frames until the connection is closed (by the
// server or the peer).
func (c *wsConn) writeLoop(ctx context.Context) {
	for {
		c.mu.Lock()
		q := c.q
		c.q = nil
		c.mu.Unlock()
		for _, b := range q {
			if err := c.ws.Write(ctx, websocket.MessageText, b); err != nil {
				c.close()
				return
			}
		}
		select {
		case <-c.wake:
		case <-c.done:
			return
		case <-ctx.Done():
			return
		}
	}
}

const badAppBody = "<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\r\n<html><head>\r\n" +
	"<title>400 Bad Request</title>\r\n</head><body>\r\n<h1>Bad Request</h1>\r\n" +
	"<p>HTTP request is missing param: [app]</p>\r\n<hr />\r\n<address>Asterisk/22.10.1</address>\r\n</body></html>\r\n"

// serveEvents upgrades GET /ari/events. A second WebSocket for an app
// replaces the first, which gets ApplicationReplaced (capture 11).
func (s *Server) serveEvents(w http.ResponseWriter, r *http.Request) {
	appName := r.URL.Query().Get("app")
	if appName == "" {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadRequest)
		w.Write([]byte(badAppBody))
		return
	}
	s.mu.Lock()
	dropped := s.dropped || s.closed
	s.mu.Unlock()
	if dropped {
		http.Error(w, "", http.StatusServiceUnavailable)
		return
	}
	// The app is registered (and a previous WebSocket replaced) before the
	// upgrade completes, so a client that sees the 101 can rely on it.
	c := newWSConn(nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s.mu.Lock()
	if s.closed || s.dropped {
		s.mu.Unlock()
		http.Error(w, "", http.StatusServiceUnavailable)
		return
	}
	s.conns[c] = true
	a := s.apps[appName]
	if a == nil {
		a = &app{name: appName, endpoints: map[string]bool{}, channels: map[string]bool{}}
		s.apps[appName] = a
	}
	if old := a.conn; old != nil {
		ev := s.event("ApplicationReplaced")
		ev["asterisk_id"] = s.cfg.AsteriskID
		ev["application"] = appName
		b, _ := jsonMarshal(ev)
		old.send(b)
	}
	a.conn = c
	s.mu.Unlock()
	ws, err := websocket.Accept(w, r, nil)
	if err != nil {
		s.mu.Lock()
		delete(s.conns, c)
		if a.conn == c {
			a.conn = nil
		}
		s.mu.Unlock()
		return
	}
	c.ws = ws

	writerDone := make(chan struct{})
	go func() { defer close(writerDone); c.writeLoop(ctx) }()
	readDone := make(chan struct{})
	go func() { // reads until the peer goes; ARI ignores what clients send
		defer close(readDone)
		for {
			if _, _, err := ws.Read(ctx); err != nil {
				c.close()
				return
			}
		}
	}()
	<-c.done
	s.mu.Lock()
	delete(s.conns, c)
	if a.conn == c {
		a.conn = nil
	}
	s.mu.Unlock()
	cancel()
	<-writerDone
	ws.CloseNow()
	<-readDone
}
