package asim

import (
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

func (s *Server) newChannelLocked(id, name string, o origin, app string) *channel {
	now := s.now()
	c := &channel{origin: o, app: app, vars: map[string]string{}, created: now,
		json: channelJSON{ID: id, Name: name, State: "Down", Language: "en", CreationTime: now.Format(tsLayout)}}
	s.chans[id] = c
	return c
}

// enterStasisLocked hands c to its app: StasisStart with args.
func (s *Server) enterStasisLocked(c *channel, args []string) {
	c.inStasis = true
	c.args = args
	data := c.app
	if len(args) > 0 {
		data += "," + strings.Join(args, ",")
	}
	c.json.Dialplan.AppName, c.json.Dialplan.AppData = "Stasis", data
	s.chanEventLocked(c, "StasisStart", map[string]any{"args": args})
}

func (s *Server) setStateLocked(c *channel, state string) {
	if c.json.State == state {
		return
	}
	c.json.State = state
	s.chanEventLocked(c, "ChannelStateChange", nil)
}

// answerLocked answers c (a caller's 200 OK); its simulated caller starts
// pressing its digits.
func (s *Server) answerLocked(c *channel) {
	if c.json.State == "Up" {
		return
	}
	s.setStateLocked(c, "Up")
	if c.caller != nil {
		c.caller.answeredLocked()
	}
}

type hangupKind int

const (
	hangupByController hangupKind = iota + 1 // DELETE /channels/{id}
	hangupByFarEnd                           // BYE from the caller or the phone
	hangupRedirect                           // 302 after /redirect
	hangupFailed                             // an originate that never answered
)

// hangupLocked ends c as the captures show: ChannelHangupRequest (cause 32
// soft after DELETE, none after a BYE, 23/302 after redirect), a running
// playback fails, the bridge is left, StasisEnd; ChannelDestroyed with the
// real cause only for ARI-created channels and explicit subscriptions.
func (s *Server) hangupLocked(c *channel, kind hangupKind, cause int) {
	if c.gone {
		return
	}
	c.gone = true
	s.stopTimersLocked(c)
	switch kind {
	case hangupByController:
		s.chanEventLocked(c, "ChannelHangupRequest", map[string]any{"cause": 32, "soft": true})
	case hangupByFarEnd:
		s.chanEventLocked(c, "ChannelHangupRequest", nil)
	case hangupRedirect:
		s.chanEventLocked(c, "ChannelHangupRequest", map[string]any{"cause": 23, "tech_cause": 302})
	}
	for _, q := range c.queue {
		delete(s.playbacks, q.ID)
	}
	c.queue = nil
	if pb := s.playbacks[c.playback]; pb != nil {
		s.finishPlaybackLocked(c, pb, "failed")
	}
	for _, rec := range s.live {
		if rec.Target == "channel:"+c.json.ID {
			s.finishRecordingLocked(rec, c.app)
		}
	}
	if c.bridge != "" {
		s.leaveBridgeLocked(c)
	}
	if c.inStasis {
		c.inStasis = false
		s.chanEventLocked(c, "StasisEnd", nil)
	}
	switch {
	case c.origin == originARI:
		if kind == hangupByController && c.json.State != "Up" {
			cause = 16
		}
		c.json.Dialplan.AppName, c.json.Dialplan.AppData = "AppDial2", "(Outgoing Line)"
		if c.viaCreate { // capture 04b: a created channel left Stasis for no application
			c.json.Dialplan.AppName, c.json.Dialplan.AppData = "", ""
		}
		a := s.apps[c.app]
		sub := a != nil && a.subscribedEndpoint(c.endpoint)
		if sub && kind == hangupByFarEnd {
			cause = 0 // capture 08: "Unknown" with the endpoint subscription (09 likewise)
		}
		s.destroyedLocked(c, cause, kind == hangupFailed)
		if sub {
			delete(s.chans, c.json.ID)
			s.endpointChangeLocked(a, c.endpoint)
		}
	case c.dialCaller: // capture 04b: the caller named by /dial is destroyed with the cause
		s.chanEventLocked(c, "ChannelHangupRequest", map[string]any{"cause": 16, "soft": true})
		c.json.Dialplan.AppName, c.json.Dialplan.AppData = "", ""
		s.destroyedLocked(c, 16, false)
	case c.explicit: // capture 09: a second request with the real cause, then Destroyed with 0
		s.chanEventLocked(c, "ChannelHangupRequest", map[string]any{"cause": 16, "soft": true})
		c.json.Dialplan.AppName, c.json.Dialplan.AppData = "", ""
		s.destroyedLocked(c, 0, false)
	}
	delete(s.chans, c.json.ID)
	if a := s.apps[c.app]; a != nil {
		delete(a.channels, c.json.ID)
	}
	if c.caller != nil {
		c.caller.endedLocked()
	}
	for _, o := range s.chans { // a snoop ends with the channel it spies on
		if o.snoopOf == c.json.ID {
			s.hangupLocked(o, hangupByController, 16)
		}
	}
}

func (s *Server) destroyedLocked(c *channel, cause int, tech bool) {
	f := map[string]any{"cause": cause, "cause_txt": causeText(cause)}
	if tech {
		switch cause {
		case 19:
			f["tech_cause"] = 480
		case 17:
			f["tech_cause"] = 486
		}
	}
	s.chanEventLocked(c, "ChannelDestroyed", f)
}

// continueLocked leaves Stasis into the dialplan (capture 06: StasisEnd,
// then nothing more for the app); the channel plays its prompt and hangs
// up there, 2.8 s later.
func (s *Server) continueLocked(c *channel) {
	if c.bridge != "" {
		s.leaveBridgeLocked(c)
	}
	if c.inStasis {
		c.inStasis = false
		s.chanEventLocked(c, "StasisEnd", nil)
	}
	app := c.app
	c.app = "" // its events go to nobody now
	c.timers = append(c.timers, s.afterLocked(2800*time.Millisecond, func() {
		_ = app
		s.hangupLocked(c, hangupByFarEnd, 16)
	}))
}

var callerIDRe = regexp.MustCompile(`^\s*(?:"([^"]*)"\s*)?<([^>]*)>\s*$`)

func parseCallerID(s string) callerID {
	if m := callerIDRe.FindStringSubmatch(s); m != nil {
		return callerID{Name: m[1], Number: m[2]}
	}
	return callerID{Number: s}
}

// originate is POST /channels[/{id}]: a Down channel at once (200), then
// the dial plays out in events (captures 04, 05). Unknown endpoints,
// technologies and unregistered contacts are 500 Allocation failed.
func (s *Server) originate(w http.ResponseWriter, r *http.Request, p map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.allocateLocked(w, r, p)
	if c == nil {
		return
	}
	c.json.Dialplan = dialplan{Context: "agents", Exten: "s", Priority: 1}
	protocolID := c.json.ProtocolID
	c.json.ProtocolID = "" // not yet when ChannelCreated goes out (capture 08)
	sub := s.createdLocked(c)
	c.json.ProtocolID = protocolID
	c.json.Dialplan.AppName, c.json.Dialplan.AppData = "AppDial2", "(Outgoing Line)"
	if sub {
		s.chanEventLocked(c, "ChannelDialplan", map[string]any{"dialplan_app": "AppDial2", "dialplan_app_data": "(Outgoing Line)"})
	}
	reply(w, 200, c.json)
	timeout := 30 * time.Second
	if t, err := strconv.Atoi(p["timeout"]); err == nil && t != 0 {
		timeout = time.Duration(t) * time.Second
	}
	s.startDialLocked(c, splitArgs(p["appArgs"]), timeout, true)
}

// create is POST /channels/create: the channel enters Stasis at once, Down,
// and rings only on /dial (capture 04b).
func (s *Server) create(w http.ResponseWriter, r *http.Request, p map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.allocateLocked(w, r, p)
	if c == nil {
		return
	}
	c.json.Dialplan = dialplan{Context: "agents", Exten: "s", Priority: 1}
	c.viaCreate = true
	resp := c.json // the 201 shows the channel before it entered Stasis (capture 04b)
	c.json.Dialplan.AppName, c.json.Dialplan.AppData = "Stasis", c.app+joinArgs(splitArgs(p["appArgs"]))
	s.chanEventLocked(c, "ChannelDialplan", map[string]any{"dialplan_app": "Stasis", "dialplan_app_data": c.app + joinArgs(splitArgs(p["appArgs"]))})
	s.enterStasisLocked(c, splitArgs(p["appArgs"]))
	reply(w, 200, resp)
}

func joinArgs(a []string) string {
	if len(a) == 0 {
		return ""
	}
	return "," + strings.Join(a, ",")
}

func (s *Server) allocateLocked(w http.ResponseWriter, r *http.Request, p map[string]string) *channel {
	ep := p["endpoint"]
	if ep == "" {
		message(w, 400, "Endpoint must be specified")
		return nil
	}
	if p["app"] == "" {
		message(w, 400, "Application or extension must be specified")
		return nil
	}
	if !isPJSIP(ep) || (s.phones[ep] == nil && !s.endpoints[ep]) {
		reply(w, 500, map[string]string{"error": "Allocation failed"})
		return nil
	}
	id := r.PathValue("id")
	if id == "" {
		id = p["channelId"]
	}
	if id == "" {
		id = uuid.NewString()
	}
	if s.chans[id] != nil {
		message(w, 409, "Channel with given unique ID already exists")
		return nil
	}
	_, res := splitEndpoint(ep)
	c := s.newChannelLocked(id, fmt.Sprintf("%s-%08x", ep, s.seq), originARI, p["app"])
	s.seq++
	c.endpoint = ep
	c.phone = s.phones[ep]
	c.json.ProtocolID = uuid.NewString()
	if cid := p["callerId"]; cid != "" {
		c.json.Caller = parseCallerID(cid)
		c.json.Connected = c.json.Caller
	}
	for k, v := range p {
		if strings.HasPrefix(k, "var:") {
			c.vars[strings.TrimPrefix(k, "var:")] = v
		}
	}
	c.dialString = res
	return c
}

// createdLocked: an app subscribed to the channel's endpoint also sees the
// endpoint's new channel list and the creation (capture 08).
func (s *Server) createdLocked(c *channel) bool {
	a := s.apps[c.app]
	if a == nil || !a.subscribedEndpoint(c.endpoint) {
		return false
	}
	s.endpointChangeLocked(a, c.endpoint)
	s.chanEventLocked(c, "ChannelCreated", nil)
	return true
}

func (s *Server) endpointChangeLocked(a *app, ep string) {
	ev := s.event("EndpointStateChange")
	ev["endpoint"] = s.endpointJSONLocked(ep)
	s.emitLocked(a.name, nil, ev)
}

func (s *Server) dialLocked(w http.ResponseWriter, c *channel, p map[string]string) bool {
	if c.origin != originARI || c.dialling || c.json.State != "Down" {
		message(w, 409, "Channel is not in the 'Down' state")
		return false
	}
	timeout := 0 * time.Second
	if t, err := strconv.Atoi(p["timeout"]); err == nil {
		timeout = time.Duration(t) * time.Second
	}
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	if o := s.chans[p["caller"]]; o != nil {
		o.dialCaller = true
	}
	// The 204 is written by the caller of dialLocked; the dial goes on in
	// events after it.
	defer s.startDialLocked(c, nil, timeout, false)
	return true
}

func (s *Server) dialEventLocked(c *channel, status string) {
	ev := s.event("Dial")
	ev["dialstatus"] = status
	ev["forward"] = ""
	ev["dialstring"] = c.dialString
	ev["peer"] = c.json
	s.emitLocked(c.app, c, ev)
}

// startDialLocked rings the channel's phone: Dial "", Ringing, Dial RINGING,
// then the phone's script: answer (Up, Dial ANSWER, StasisStart for an
// originate), busy, or nothing until the timeout (ChannelDestroyed cause 19,
// tech_cause 480, capture 05).
func (s *Server) startDialLocked(c *channel, args []string, timeout time.Duration, enter bool) {
	c.dialling = true
	s.dialEventLocked(c, "")
	if !enter { // after a /dial only the first Dial names the dial string (capture 04b)
		c.dialString = ""
	}
	ph := c.phone
	c.timers = append(c.timers, s.afterLocked(timeout, func() { s.hangupLocked(c, hangupFailed, 19) }))
	if ph == nil { // a static contact nobody answers on (capture 05b): no 180 either
		return
	}
	c.timers = append(c.timers, s.afterLocked(2*time.Millisecond, func() {
		if c.gone {
			return
		}
		if ph.script.Busy {
			s.hangupLocked(c, hangupFailed, 17)
			return
		}
		s.setStateLocked(c, "Ringing")
		s.dialEventLocked(c, "RINGING")
		if ph.script.NoAnswer {
			return
		}
		c.timers = append(c.timers, s.afterLocked(ph.script.AnswerAfter, func() { s.phoneAnswersLocked(c, args, enter) }))
	}))
}

func (s *Server) phoneAnswersLocked(c *channel, args []string, enter bool) {
	if c.gone {
		return
	}
	s.stopTimersLocked(c) // the ring timeout
	c.dialling = false
	s.setStateLocked(c, "Up")
	s.dialEventLocked(c, "ANSWER")
	if enter {
		s.enterStasisLocked(c, args)
	}
	// An early-bridged caller still ringing is answered by the agent's
	// answer (capture 04b).
	if b := s.bridges[c.bridge]; b != nil {
		for _, id := range b.Channels {
			if o := s.chans[id]; o != nil && o.json.State == "Ring" {
				s.answerLocked(o)
			}
		}
	}
	ph := c.phone
	ph.answered++
	if ph.script.HangupAfter > 0 {
		c.timers = append(c.timers, s.afterLocked(ph.script.HangupAfter, func() { s.hangupLocked(c, hangupByFarEnd, 16) }))
	}
}
