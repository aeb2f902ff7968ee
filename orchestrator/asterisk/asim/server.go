package asim

import (
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
)

// Config sets up a simulated Asterisk.
type Config struct {
	// User and Password are the ari.conf user; "" means sb / sbpass, the
	// captures' user.
	User, Password string
	// AsteriskID is the asterisk_id of every WebSocket message; "" means the
	// captures' 02:fc:00:00:00:01.
	AsteriskID string
	// Speed divides every simulated duration (sounds, ring times, timeouts);
	// 0 means 1 (real time).
	Speed float64
	// Sounds are the sound files the node has and how long each lasts; nil
	// means the captures' three prompts. A sound named sb-tone-<N> lasts N ms
	// whatever this says (the contract harness's media).
	Sounds map[string]time.Duration
	// Clock stamps events; nil means time.Now.
	Clock func() time.Time
	// Endpoints are PJSIP endpoints that exist without a phone (originate to
	// them allocates a channel that never answers, like the captures' 2001
	// with nobody on its contact); registered phones are added to them.
	Endpoints []string
	// OfflineEndpoints exist with no contact (the captures' caller).
	OfflineEndpoints []string
}

// Server is one simulated Asterisk: ARI over HTTP plus the events
// WebSocket. One lock guards all state; events are queued under it, so every
// resource's events leave in the order they happened.
type Server struct {
	cfg   Config
	ln    net.Listener
	srv   *http.Server
	start time.Time

	mu            sync.Mutex
	closed        bool
	dropped       bool
	chans         map[string]*channel
	bridges       map[string]*bridge
	playbacks     map[string]*playback
	live          map[string]*recording
	stored        map[string]*recording
	apps          map[string]*app
	phones        map[string]*phone // by endpoint, "PJSIP/2001"
	endpoints     map[string]bool   // endpoints with a static contact (online)
	knownEndpoint map[string]bool   // endpoints that exist, online or not
	conns         map[*wsConn]bool
	seq           int // channel name suffixes (PJSIP/2001-00000007)
	snoopSeq      int
	epoch         int // dialplan channel ids <epoch>.<n>
	timers        sync.WaitGroup
}

type app struct {
	name      string
	conn      *wsConn
	endpoints map[string]bool // endpoint:PJSIP/2003 subscriptions ("PJSIP" for a whole technology)
	channels  map[string]bool // explicit channel: subscriptions
}

// Start runs a simulated Asterisk on a free 127.0.0.1 port.
func Start(cfg Config) (*Server, error) {
	if cfg.User == "" {
		cfg.User, cfg.Password = "sb", "sbpass"
	}
	if cfg.AsteriskID == "" {
		cfg.AsteriskID = "02:fc:00:00:00:01"
	}
	if cfg.Speed <= 0 {
		cfg.Speed = 1
	}
	if cfg.Sounds == nil {
		cfg.Sounds = map[string]time.Duration{"sb-welcome": 4700 * time.Millisecond,
			"sb-long": 15100 * time.Millisecond, "sb-goodbye": 800 * time.Millisecond}
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, ln: ln, start: cfg.Clock(), chans: map[string]*channel{}, bridges: map[string]*bridge{},
		playbacks: map[string]*playback{}, live: map[string]*recording{}, stored: map[string]*recording{},
		apps: map[string]*app{}, phones: map[string]*phone{}, endpoints: map[string]bool{}, knownEndpoint: map[string]bool{}, conns: map[*wsConn]bool{},
		epoch: int(cfg.Clock().Unix())}
	for _, ep := range cfg.Endpoints {
		s.endpoints[ep] = true
		s.knownEndpoint[ep] = true
	}
	for _, ep := range cfg.OfflineEndpoints {
		s.knownEndpoint[ep] = true
	}
	s.srv = &http.Server{Handler: s.routes(), ReadHeaderTimeout: 10 * time.Second}
	go s.srv.Serve(ln)
	return s, nil
}

// URL is the ARI base URL, http://127.0.0.1:PORT/ari.
func (s *Server) URL() string { return "http://" + s.ln.Addr().String() + "/ari" }

// Addr is the listener's host:port.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// User and Password are the ARI credentials.
func (s *Server) User() string     { return s.cfg.User }
func (s *Server) Password() string { return s.cfg.Password }

// Close stops the server, its timers and every WebSocket.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	for _, c := range s.chans {
		s.stopTimersLocked(c)
	}
	for _, p := range s.playbacks {
		if p.timer != nil && p.timer.Stop() {
			s.timers.Done()
		}
	}
	conns := s.conns
	s.conns = map[*wsConn]bool{}
	s.mu.Unlock()
	for c := range conns {
		c.close()
	}
	// Close, not Shutdown: a client's spare connection that never sent a
	// request counts as active to Shutdown for 5 s.
	s.srv.Close()
	s.timers.Wait()
}

// Drop plays node loss: every WebSocket is closed and new ones are refused
// (the HTTP side answers 503) until Restore.
func (s *Server) Drop() {
	s.mu.Lock()
	s.dropped = true
	conns := s.conns
	s.conns = map[*wsConn]bool{}
	for _, a := range s.apps {
		a.conn = nil
	}
	s.mu.Unlock()
	for c := range conns {
		c.close()
	}
}

// Restore ends a Drop.
func (s *Server) Restore() {
	s.mu.Lock()
	s.dropped = false
	s.mu.Unlock()
}

func (s *Server) now() time.Time { return s.cfg.Clock().UTC() }

func (s *Server) simTime(d time.Duration) time.Duration {
	return time.Duration(float64(d) / s.cfg.Speed)
}

// after runs f under the lock after d of simulated time, unless the server
// closed first; the timer is owned by the server (Close waits for it).
func (s *Server) afterLocked(d time.Duration, f func()) *time.Timer {
	if s.closed { // a handler still running after Close: nothing more happens
		t := time.NewTimer(time.Hour)
		t.Stop()
		return t
	}
	s.timers.Add(1)
	return time.AfterFunc(s.simTime(d), func() {
		defer s.timers.Done()
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.closed {
			return
		}
		f()
	})
}

func (s *Server) stopTimersLocked(c *channel) {
	for _, t := range c.timers {
		if t.Stop() {
			s.timers.Done()
		}
	}
	c.timers = nil
}

// event builds an event of type typ with the timestamp; fields are added by
// the caller.
func (s *Server) event(typ string) map[string]any {
	return map[string]any{"type": typ, "timestamp": s.now().Format(tsLayout)}
}

// duplicated are the event types Asterisk sends twice when an app holds an
// endpoint subscription and the channel on that endpoint (capture 08).
var duplicated = map[string]bool{"Dial": true, "ChannelStateChange": true, "ChannelHangupRequest": true,
	"ChannelDestroyed": true}

// emitLocked sends ev to appName's WebSocket, if one is connected (nothing
// is replayed to a later one, capture 11). c, if set, is the channel the
// event is about; an endpoint subscription on its endpoint doubles some
// events (capture 08).
func (s *Server) emitLocked(appName string, c *channel, ev map[string]any) {
	a := s.apps[appName]
	if a == nil || a.conn == nil {
		return
	}
	ev["asterisk_id"] = s.cfg.AsteriskID
	ev["application"] = appName
	b, err := json.Marshal(ev)
	if err != nil {
		panic(err)
	}
	a.conn.send(b)
	if c != nil && c.endpoint != "" && duplicated[ev["type"].(string)] && a.subscribedEndpoint(c.endpoint) {
		a.conn.send(b)
	}
}

func (a *app) subscribedEndpoint(ep string) bool {
	tech, _ := splitEndpoint(ep)
	return a.endpoints[ep] || a.endpoints[tech]
}

// chanEventLocked emits an event carrying c's snapshot.
func (s *Server) chanEventLocked(c *channel, typ string, fields map[string]any) {
	ev := s.event(typ)
	for k, v := range fields {
		ev[k] = v
	}
	ev["channel"] = c.json
	s.emitLocked(c.app, c, ev)
}

func (s *Server) appJSONLocked(a *app) map[string]any {
	chans := []string{}
	for id, c := range s.chans {
		if c.app == a.name && c.inStasis {
			chans = append(chans, id)
		}
	}
	for id := range a.channels {
		if !contains(chans, id) {
			chans = append(chans, id)
		}
	}
	sort.Strings(chans)
	bridges := []string{}
	eps := []string{}
	for ep := range a.endpoints {
		eps = append(eps, ep)
	}
	sort.Strings(eps)
	return map[string]any{"name": a.name, "channel_ids": chans, "bridge_ids": bridges, "endpoint_ids": eps,
		"device_names": []string{}, "events_allowed": []string{}, "events_disallowed": []string{}}
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// ErrNoApp is returned by PlaceCall for an app no WebSocket ever
// registered: Stasis() fails on the real switch.
var ErrNoApp = errors.New("asim: Stasis application not registered")

func isPJSIP(ep string) bool { return strings.HasPrefix(ep, "PJSIP/") }
