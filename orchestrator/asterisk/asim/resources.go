package asim

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// mediaDuration is how long media plays; ok false: the node has no such
// sound. Tones play until stopped (capture 02, pb-tone-1).
func (s *Server) mediaDuration(media string) (d time.Duration, endless, ok bool) {
	total := time.Duration(0)
	for _, m := range strings.Split(media, ",") {
		switch {
		case strings.HasPrefix(m, "tone:"):
			return 0, true, true
		case strings.HasPrefix(m, "sound:sb-tone-"):
			ms, err := strconv.Atoi(strings.TrimPrefix(m, "sound:sb-tone-"))
			if err != nil {
				return 0, false, false
			}
			total += time.Duration(ms) * time.Millisecond
		case strings.HasPrefix(m, "sound:"):
			d, ok := s.cfg.Sounds[strings.TrimPrefix(m, "sound:")]
			if !ok {
				return 0, false, false
			}
			total += d
		case strings.HasPrefix(m, "silence:"):
			ms, _ := strconv.Atoi(strings.TrimPrefix(m, "silence:"))
			total += time.Duration(ms) * time.Millisecond
		default:
			return 0, false, false
		}
	}
	return total, false, true
}

func (s *Server) play(w http.ResponseWriter, r *http.Request, p map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.chanLocked(w, r)
	if c == nil {
		return
	}
	if p["media"] == "" {
		message(w, 400, "Missing parameter media")
		return
	}
	id := r.PathValue("pid")
	if id == "" {
		id = p["playbackId"]
	}
	if id == "" {
		id = uuid.NewString()
	}
	pb := &playback{ID: id, Media: p["media"], Target: "channel:" + c.json.ID, State: "queued"}
	s.playbacks[id] = pb
	reply(w, 201, pb.json())
	if c.playback != "" {
		c.queue = append(c.queue, pb)
		return
	}
	s.startPlaybackLocked(c, pb)
}

func (s *Server) startPlaybackLocked(c *channel, pb *playback) {
	c.playback = pb.ID
	pb.State = "playing"
	s.emitLocked(c.app, nil, s.playbackEvent("PlaybackStarted", pb))
	d, endless, ok := s.mediaDuration(pb.Media)
	if !ok {
		s.finishPlaybackLocked(c, pb, "failed")
		return
	}
	if endless {
		return
	}
	pb.timer = s.afterLocked(d, func() {
		pb.timer = nil
		if s.playbacks[pb.ID] == pb {
			s.finishPlaybackLocked(c, pb, "done")
		}
	})
}

func (s *Server) playbackEvent(typ string, pb *playback) map[string]any {
	ev := s.event(typ)
	ev["playback"] = pb.json()
	return ev
}

// finishPlaybackLocked ends pb with state (done, failed) and starts the
// next queued one.
func (s *Server) finishPlaybackLocked(c *channel, pb *playback, state string) {
	if pb.timer != nil && pb.timer.Stop() {
		s.timers.Done()
	}
	pb.timer = nil
	delete(s.playbacks, pb.ID)
	pb.State = state
	s.emitLocked(c.app, nil, s.playbackEvent("PlaybackFinished", pb))
	if c.playback == pb.ID {
		c.playback = ""
	}
	if len(c.queue) > 0 && !c.gone {
		next := c.queue[0]
		c.queue = c.queue[1:]
		s.startPlaybackLocked(c, next)
	}
}

func (s *Server) getPlayback(w http.ResponseWriter, r *http.Request, _ map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	pb := s.playbacks[r.PathValue("id")]
	if pb == nil {
		message(w, 404, "Playback not found")
		return
	}
	reply(w, 200, pb.json())
}

func (s *Server) stopPlayback(w http.ResponseWriter, r *http.Request, _ map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	pb := s.playbacks[r.PathValue("id")]
	if pb == nil {
		message(w, 404, "Playback not found")
		return
	}
	w.WriteHeader(204)
	c := s.chans[strings.TrimPrefix(pb.Target, "channel:")]
	if c == nil {
		delete(s.playbacks, pb.ID)
		return
	}
	if c.playback != pb.ID { // still queued
		for i, q := range c.queue {
			if q == pb {
				c.queue = append(c.queue[:i], c.queue[i+1:]...)
				break
			}
		}
		delete(s.playbacks, pb.ID)
		return
	}
	s.finishPlaybackLocked(c, pb, "done")
}

var formats = map[string]bool{"wav": true, "gsm": true, "ulaw": true, "alaw": true, "sln": true, "g722": true, "wav16": true}

func (s *Server) record(w http.ResponseWriter, r *http.Request, p map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.chanLocked(w, r)
	if c == nil {
		return
	}
	name, format := p["name"], p["format"]
	if name == "" || format == "" {
		message(w, 400, "Missing parameter name or format")
		return
	}
	if !formats[format] {
		message(w, 422, "specified format is unknown on this system")
		return
	}
	ifExists := p["ifExists"]
	if ifExists == "" {
		ifExists = "fail"
	}
	if _, ok := s.live[name]; ok {
		message(w, 409, fmt.Sprintf("Recording '%s' already in progress", name))
		return
	}
	if _, ok := s.stored[name]; ok && ifExists == "fail" {
		message(w, 409, fmt.Sprintf("Recording '%s' already exists and can not be overwritten", name))
		return
	}
	rec := &recording{Name: name, Format: format, Target: "channel:" + c.json.ID, State: "recording", started: s.now()}
	s.live[name] = rec
	ev := s.event("RecordingStarted")
	ev["recording"] = rec.json()
	s.emitLocked(c.app, nil, ev)
	// The 201 of a snoop channel's recording said "queued" (capture 06),
	// a caller's "recording": the snoop's audiohook had not fed a frame yet.
	body := rec.json()
	if c.origin == originSnoop {
		body["state"] = "queued"
	}
	reply(w, 201, body)
}

func (s *Server) finishRecordingLocked(rec *recording, app string) {
	delete(s.live, rec.Name)
	rec.State = "done"
	s.stored[rec.Name] = rec
	ev := s.event("RecordingFinished")
	j := rec.json()
	j["duration"] = int(s.now().Sub(rec.started).Seconds() * s.cfg.Speed)
	ev["recording"] = j
	s.emitLocked(app, nil, ev)
}

func (s *Server) getLive(w http.ResponseWriter, r *http.Request, _ map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := s.live[r.PathValue("name")]
	if rec == nil {
		message(w, 404, "Recording not found")
		return
	}
	reply(w, 200, rec.json())
}

func (s *Server) stopLive(w http.ResponseWriter, r *http.Request, _ map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := s.live[r.PathValue("name")]
	if rec == nil {
		message(w, 404, "Recording not found")
		return
	}
	w.WriteHeader(204)
	app := ""
	if c := s.chans[strings.TrimPrefix(rec.Target, "channel:")]; c != nil {
		app = c.app
	}
	s.finishRecordingLocked(rec, app)
}

func (s *Server) listStored(w http.ResponseWriter, _ *http.Request, _ map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	names := []string{}
	for n := range s.stored {
		names = append(names, n)
	}
	sort.Strings(names)
	out := []map[string]string{}
	for _, n := range names {
		out = append(out, map[string]string{"name": n, "format": s.stored[n].Format})
	}
	reply(w, 200, out)
}

func (s *Server) getStored(w http.ResponseWriter, r *http.Request, _ map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := s.stored[r.PathValue("name")]
	if rec == nil {
		message(w, 404, "Recording not found")
		return
	}
	reply(w, 200, map[string]string{"name": rec.Name, "format": rec.Format})
}

func (s *Server) deleteStored(w http.ResponseWriter, r *http.Request, _ map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stored[r.PathValue("name")] == nil {
		message(w, 404, "Recording not found")
		return
	}
	delete(s.stored, r.PathValue("name"))
	w.WriteHeader(204)
}

func (s *Server) setVariable(w http.ResponseWriter, r *http.Request, p map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.chanLocked(w, r)
	if c == nil {
		return
	}
	name := p["variable"]
	if name == "" {
		message(w, 400, "Variable name is required")
		return
	}
	w.WriteHeader(204)
	c.vars[name] = p["value"]
	if !strings.Contains(name, "(") { // dialplan functions raise no ChannelVarset (capture 06, CDR(userfield))
		s.chanEventLocked(c, "ChannelVarset", map[string]any{"variable": name, "value": p["value"]})
	}
}

func (s *Server) getVariable(w http.ResponseWriter, r *http.Request, p map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.chanLocked(w, r)
	if c == nil {
		return
	}
	name := p["variable"]
	if name == "" {
		message(w, 400, "Variable name is required")
		return
	}
	var v string
	ok := true
	switch name {
	case "CALLERID(num)":
		v = c.json.Caller.Number
	case "CALLERID(name)":
		v = c.json.Caller.Name
	case "CHANNEL(pjsip,remote_addr)":
		v, ok = c.vars[name]
	default:
		v, ok = c.vars[name]
	}
	if !ok {
		message(w, 404, "Provided variable was not found")
		return
	}
	reply(w, 200, map[string]string{"value": v})
}

func (s *Server) snoop(w http.ResponseWriter, r *http.Request, p map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	target := s.chanLocked(w, r)
	if target == nil {
		return
	}
	spy, whisper := p["spy"], p["whisper"]
	for _, d := range []string{spy, whisper} {
		if d != "" && d != "none" && d != "in" && d != "out" && d != "both" {
			message(w, 400, "Invalid direction specified")
			return
		}
	}
	if p["app"] == "" {
		message(w, 400, "Missing parameter app")
		return
	}
	id := r.PathValue("sid")
	if id == "" {
		id = p["snoopId"]
	}
	if id == "" {
		id = uuid.NewString()
	}
	if s.chans[id] != nil {
		message(w, 409, "Channel with given unique ID already exists")
		return
	}
	name := fmt.Sprintf("Snoop/%s-%08x", target.json.ID, s.snoopSeq)
	s.snoopSeq++
	c := s.newChannelLocked(id, name, originSnoop, p["app"])
	c.json.State = "Up"
	c.json.Dialplan = dialplan{Context: "default", Exten: "s", Priority: 1}
	c.snoopOf = target.json.ID
	reply(w, 200, c.json)
	s.enterStasisLocked(c, splitArgs(p["appArgs"]))
}

func splitArgs(a string) []string {
	if a == "" {
		return []string{}
	}
	return strings.Split(a, ",")
}

func (s *Server) listApps(w http.ResponseWriter, _ *http.Request, _ map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	names := []string{}
	for n := range s.apps {
		names = append(names, n)
	}
	sort.Strings(names)
	out := []map[string]any{}
	for _, n := range names {
		out = append(out, s.appJSONLocked(s.apps[n]))
	}
	reply(w, 200, out)
}

func (s *Server) getApp(w http.ResponseWriter, r *http.Request, _ map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.apps[r.PathValue("app")]
	if a == nil {
		message(w, 404, "Application not found")
		return
	}
	reply(w, 200, s.appJSONLocked(a))
}

func (s *Server) subscribe(w http.ResponseWriter, r *http.Request, p map[string]string) {
	s.subscription(w, r, p, true)
}

func (s *Server) unsubscribe(w http.ResponseWriter, r *http.Request, p map[string]string) {
	s.subscription(w, r, p, false)
}

func (s *Server) subscription(w http.ResponseWriter, r *http.Request, p map[string]string, on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.apps[r.PathValue("app")]
	if a == nil {
		message(w, 404, "Application not found")
		return
	}
	for _, src := range strings.Split(p["eventSource"], ",") {
		kind, id, _ := strings.Cut(src, ":")
		switch kind {
		case "endpoint":
			if on {
				a.endpoints[id] = true
			} else {
				delete(a.endpoints, id)
			}
		case "channel":
			c := s.chans[id]
			if c == nil {
				message(w, 422, "Event source does not exist")
				return
			}
			c.explicit = on
			if on {
				a.channels[id] = true
			} else {
				delete(a.channels, id)
			}
		default:
			message(w, 400, "Invalid event source URI scheme")
			return
		}
	}
	reply(w, 200, s.appJSONLocked(a))
}

func (s *Server) endpointJSONLocked(ep string) map[string]any {
	tech, res := splitEndpoint(ep)
	state := "offline"
	if s.phones[ep] != nil || s.endpoints[ep] {
		state = "online"
	}
	ids := []string{}
	for id, c := range s.chans {
		if c.endpoint == ep {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return map[string]any{"technology": tech, "resource": res, "state": state, "channel_ids": ids}
}

func (s *Server) listEndpoints(w http.ResponseWriter, _ *http.Request, _ map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	set := map[string]bool{}
	for ep := range s.knownEndpoint {
		set[ep] = true
	}
	for ep := range s.phones {
		set[ep] = true
	}
	eps := []string{}
	for ep := range set {
		eps = append(eps, ep)
	}
	sort.Strings(eps)
	out := []map[string]any{}
	for _, ep := range eps {
		out = append(out, s.endpointJSONLocked(ep))
	}
	reply(w, 200, out)
}

func (s *Server) getEndpoint(w http.ResponseWriter, r *http.Request, _ map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ep := r.PathValue("tech") + "/" + r.PathValue("res")
	if !s.endpoints[ep] && s.phones[ep] == nil && !s.knownEndpoint[ep] {
		message(w, 404, "Endpoint not found")
		return
	}
	reply(w, 200, s.endpointJSONLocked(ep))
}

func (s *Server) listSounds(w http.ResponseWriter, _ *http.Request, _ map[string]string) {
	names := []string{}
	for n := range s.cfg.Sounds {
		names = append(names, n)
	}
	sort.Strings(names)
	out := []map[string]any{}
	for _, n := range names {
		out = append(out, soundJSON(n))
	}
	reply(w, 200, out)
}

func soundJSON(n string) map[string]any {
	return map[string]any{"id": n, "formats": []map[string]string{{"language": "en", "format": "slin"}}}
}

func (s *Server) getSound(w http.ResponseWriter, r *http.Request, _ map[string]string) {
	if _, ok := s.cfg.Sounds[r.PathValue("id")]; !ok {
		message(w, 404, "Sound not found")
		return
	}
	reply(w, 200, soundJSON(r.PathValue("id")))
}
