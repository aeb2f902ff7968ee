package asim

import (
	"fmt"
	"strings"
	"sync"
	"time"
)

// CallerSpec is a simulated SIP caller whose dialplan runs Stasis(App,
// Args...) (the captures' extension 7000 in context from-sipp).
type CallerSpec struct {
	// ID is the channel id; "" gives Asterisk's <epoch>.<n>.
	ID string
	// Name is the channel name; "" gives PJSIP/caller-<n>.
	Name               string
	Number, CallerName string
	Context, Exten     string // "" means from-sipp / 7000
	App                string // "" means switchboard
	Args               []string
	ProtocolID         string
	RemoteAddr         string // CHANNEL(pjsip,remote_addr); "" means 127.0.0.1:5070
	// Digits are pressed one by one, DigitGap apart, the first DigitGap
	// after the answer.
	Digits   string
	DigitGap time.Duration
}

// Call is the far end of a simulated caller.
type Call struct {
	s     *Server
	id    string
	spec  CallerSpec
	done  chan struct{}
	mu    sync.Mutex
	sent  string // DTMF the controller sent to the caller
	ended bool
}

// PlaceCall makes a caller arrive in Stasis: StasisStart (state Ring) on
// the app's WebSocket, if one is connected.
func (s *Server) PlaceCall(spec CallerSpec) (*Call, error) {
	if spec.App == "" {
		spec.App = "switchboard"
	}
	if spec.Context == "" {
		spec.Context = "from-sipp"
	}
	if spec.Exten == "" {
		spec.Exten = "7000"
	}
	if spec.RemoteAddr == "" {
		spec.RemoteAddr = "127.0.0.1:5070"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.apps[spec.App] == nil {
		return nil, ErrNoApp
	}
	n := s.seq
	s.seq++
	if spec.ID == "" {
		spec.ID = fmt.Sprintf("%d.%d", s.epoch, n)
	}
	if spec.Name == "" {
		spec.Name = fmt.Sprintf("PJSIP/caller-%08x", n)
	}
	if s.chans[spec.ID] != nil {
		return nil, fmt.Errorf("asim: channel %s exists", spec.ID)
	}
	c := s.newChannelLocked(spec.ID, spec.Name, originDialplan, spec.App)
	c.json.State = "Ring"
	c.json.ProtocolID = spec.ProtocolID
	c.json.Caller = callerID{Name: spec.CallerName, Number: spec.Number}
	c.json.Dialplan = dialplan{Context: spec.Context, Exten: spec.Exten, Priority: 2}
	c.vars["CHANNEL(pjsip,remote_addr)"] = spec.RemoteAddr
	call := &Call{s: s, id: spec.ID, spec: spec, done: make(chan struct{})}
	c.caller = call
	s.enterStasisLocked(c, append([]string{}, spec.Args...))
	return call, nil
}

// ID is the caller's channel id.
func (c *Call) ID() string { return c.id }

// Done is closed when the caller's channel is gone.
func (c *Call) Done() <-chan struct{} { return c.done }

// Hangup is the caller's BYE.
func (c *Call) Hangup() error {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	ch := c.s.chans[c.id]
	if ch == nil || ch.caller != c {
		return nil
	}
	c.s.hangupLocked(ch, hangupByFarEnd, 16)
	return nil
}

// Press sends one RFC 4733 digit: ChannelDtmfReceived (duration 280 ms as
// in capture 02).
func (c *Call) Press(digit string) error {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	return c.pressLocked(digit)
}

func (c *Call) pressLocked(digit string) error {
	ch := c.s.chans[c.id]
	if ch == nil || ch.caller != c {
		return fmt.Errorf("asim: call %s ended", c.id)
	}
	c.s.chanEventLocked(ch, "ChannelDtmfReceived", map[string]any{"digit": digit, "duration_ms": 280})
	return nil
}

// Received is the DTMF the controller sent to the caller so far.
func (c *Call) Received() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sent
}

func (c *Call) received(d string) {
	c.mu.Lock()
	c.sent += d
	c.mu.Unlock()
}

func (c *Call) answeredLocked() {
	ch := c.s.chans[c.id]
	if ch == nil || c.spec.Digits == "" {
		return
	}
	for i, d := range strings.Split(c.spec.Digits, "") {
		ch.timers = append(ch.timers, c.s.afterLocked(time.Duration(i+1)*c.spec.DigitGap, func() { c.pressLocked(d) }))
	}
}

func (c *Call) endedLocked() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.ended {
		c.ended = true
		close(c.done)
	}
}

// PhoneScript says how a registered phone answers.
type PhoneScript struct {
	AnswerAfter time.Duration
	NoAnswer    bool
	Busy        bool
	HangupAfter time.Duration // > 0: the phone hangs up that long after answering
}

type phone struct {
	script   PhoneScript
	contact  string
	answered int
}

// RegisterPhone registers PJSIP endpoint res (REGISTER with digest auth,
// capture 08): apps subscribed to it see EndpointStateChange online,
// PeerStatusChange Reachable and ContactStatusChange NonQualified.
func (s *Server) RegisterPhone(res string, script PhoneScript) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ep := "PJSIP/" + res
	s.knownEndpoint[ep] = true
	s.phones[ep] = &phone{script: script, contact: "sip:" + res + "@127.0.0.1:5095"}
	s.endpointEventsLocked(ep, "online", "Reachable", "NonQualified")
}

// Registered reports whether PJSIP endpoint res has a registered phone.
func (s *Server) Registered(res string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.phones["PJSIP/"+res] != nil
}

// UnregisterPhone is the REGISTER with Expires: 0.
func (s *Server) UnregisterPhone(res string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ep := "PJSIP/" + res
	ph := s.phones[ep]
	if ph == nil {
		return
	}
	delete(s.phones, ep)
	s.endpointEventsLocked(ep, "offline", "Unreachable", "Removed")
}

func (s *Server) endpointEventsLocked(ep, state, peer, contact string) {
	tech, res := splitEndpoint(ep)
	epj := s.endpointJSONLocked(ep)
	epj["state"] = state
	for name, a := range s.apps {
		if !a.subscribedEndpoint(ep) {
			continue
		}
		ev := s.event("EndpointStateChange")
		ev["endpoint"] = epj
		s.emitLocked(name, nil, ev)
		ev = s.event("PeerStatusChange")
		ev["endpoint"] = epj
		ev["peer"] = map[string]any{"peer_status": peer}
		s.emitLocked(name, nil, ev)
		ev = s.event("ContactStatusChange")
		ev["endpoint"] = epj
		ev["contact_info"] = map[string]any{"uri": "sip:" + res + "@127.0.0.1:5095", "contact_status": contact,
			"aor": res, "roundtrip_usec": "0"}
		_ = tech
		s.emitLocked(name, nil, ev)
	}
}

// Channels lists the ids of the channels the node has.
func (s *Server) Channels() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []string
	for id := range s.chans {
		ids = append(ids, id)
	}
	return ids
}

// FarHangup is a BYE from the far end of any channel (a phone hanging up).
func (s *Server) FarHangup(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.chans[id]; c != nil {
		s.hangupLocked(c, hangupByFarEnd, 16)
	}
}
