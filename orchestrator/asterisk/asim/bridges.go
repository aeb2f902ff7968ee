package asim

import (
	"net/http"
	"sort"
	"strings"

	"github.com/google/uuid"
)

// technologyLocked is what GET shows: two native-capable legs move a mixing
// bridge to native_rtp (capture 04); events sent while a leg enters or
// leaves still say simple_bridge.
func (b *bridge) tech(settled bool) string {
	if settled && len(b.Channels) == 2 {
		return "native_rtp"
	}
	return "simple_bridge"
}

func (s *Server) listBridges(w http.ResponseWriter, _ *http.Request, _ map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := []string{}
	for id := range s.bridges {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	out := []map[string]any{}
	for _, id := range ids {
		out = append(out, s.bridges[id].json(s.bridges[id].tech(true)))
	}
	reply(w, 200, out)
}

func (s *Server) createBridge(w http.ResponseWriter, r *http.Request, p map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := r.PathValue("id")
	if id == "" {
		id = p["bridgeId"]
	}
	if id == "" {
		id = uuid.NewString()
	}
	if b := s.bridges[id]; b != nil { // POST /bridges/{id} updates an existing one
		reply(w, 200, b.json(b.tech(true)))
		return
	}
	typ := p["type"]
	if typ == "" {
		typ = "mixing"
	}
	b := &bridge{ID: id, Name: p["name"], Type: typ, Channels: []string{}, Created: s.now()}
	s.bridges[id] = b
	reply(w, 200, b.json(b.tech(true)))
}

func (s *Server) bridgeLocked(w http.ResponseWriter, r *http.Request) *bridge {
	b := s.bridges[r.PathValue("id")]
	if b == nil {
		message(w, 404, "Bridge not found")
	}
	return b
}

func (s *Server) getBridge(w http.ResponseWriter, r *http.Request, _ map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if b := s.bridgeLocked(w, r); b != nil {
		reply(w, 200, b.json(b.tech(true)))
	}
}

func (s *Server) deleteBridge(w http.ResponseWriter, r *http.Request, _ map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.bridgeLocked(w, r)
	if b == nil {
		return
	}
	w.WriteHeader(204)
	app := ""
	for _, id := range append([]string{}, b.Channels...) {
		if c := s.chans[id]; c != nil {
			app = c.app
			s.leaveBridgeLocked(c)
		}
	}
	delete(s.bridges, b.ID)
	if app == "" {
		for n := range s.apps {
			app = n
		}
	}
	ev := s.event("BridgeDestroyed")
	ev["bridge"] = b.json(b.tech(false))
	s.emitLocked(app, nil, ev)
}

func (s *Server) addChannel(w http.ResponseWriter, r *http.Request, p map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.bridgeLocked(w, r)
	if b == nil {
		return
	}
	var cs []*channel
	for _, id := range strings.Split(p["channel"], ",") {
		c := s.chans[id]
		if c == nil {
			message(w, 404, "Channel not found")
			return
		}
		if !c.inStasis {
			message(w, 422, "Channel not in Stasis application")
			return
		}
		cs = append(cs, c)
	}
	w.WriteHeader(204)
	for _, c := range cs {
		if c.bridge == b.ID {
			continue
		}
		if c.bridge != "" {
			s.leaveBridgeLocked(c)
		}
		b.Channels = append(b.Channels, c.json.ID)
		c.bridge = b.ID
		ev := s.event("ChannelEnteredBridge")
		ev["bridge"] = b.json(b.tech(false))
		ev["channel"] = c.json
		s.emitLocked(c.app, c, ev)
	}
	s.connectedLineLocked(b)
}

// connectedLineLocked gives each of two bridged legs the other's caller ID
// as its connected line (ChannelConnectedLine, capture 04); a caller still
// ringing gets none (capture 04b).
func (s *Server) connectedLineLocked(b *bridge) {
	if len(b.Channels) != 2 {
		return
	}
	x, y := s.chans[b.Channels[0]], s.chans[b.Channels[1]]
	for _, pair := range [][2]*channel{{y, x}, {x, y}} {
		c, other := pair[0], pair[1]
		if c.origin == originSnoop || other.origin == originSnoop || c.json.State == "Ring" || c.json.Connected == other.json.Caller {
			continue
		}
		c.json.Connected = other.json.Caller
		s.chanEventLocked(c, "ChannelConnectedLine", nil)
	}
}

func (s *Server) removeChannel(w http.ResponseWriter, r *http.Request, p map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.bridgeLocked(w, r)
	if b == nil {
		return
	}
	var cs []*channel
	for _, id := range strings.Split(p["channel"], ",") {
		c := s.chans[id]
		if c == nil {
			message(w, 404, "Channel not found")
			return
		}
		if c.bridge != b.ID {
			message(w, 422, "Channel not in this bridge")
			return
		}
		cs = append(cs, c)
	}
	w.WriteHeader(204)
	for _, c := range cs {
		s.leaveBridgeLocked(c)
	}
}

func (s *Server) leaveBridgeLocked(c *channel) {
	b := s.bridges[c.bridge]
	c.bridge = ""
	if b == nil {
		return
	}
	for i, id := range b.Channels {
		if id == c.json.ID {
			b.Channels = append(b.Channels[:i], b.Channels[i+1:]...)
			break
		}
	}
	ev := s.event("ChannelLeftBridge")
	ev["bridge"] = b.json(b.tech(len(b.Channels) == 1))
	ev["channel"] = c.json
	s.emitLocked(c.app, c, ev)
}
