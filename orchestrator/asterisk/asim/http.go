package asim

import (
	"encoding/json"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }

// reply writes v as compact JSON (pretty = no in the captures' ari.conf).
func reply(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if v != nil {
		b, _ := json.Marshal(v)
		w.Write(b)
	}
}

func message(w http.ResponseWriter, status int, msg string) {
	reply(w, status, map[string]string{"message": msg})
}

// params merges the query string and a JSON object body: ARI takes POST
// parameters from either (capture 06, SB_BODY).
func params(r *http.Request) map[string]string {
	p := map[string]string{}
	for k, v := range r.URL.Query() {
		p[k] = strings.Join(v, ",")
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	var obj map[string]any
	if len(body) > 0 && json.Unmarshal(body, &obj) == nil {
		for k, v := range obj {
			switch v := v.(type) {
			case string:
				p[k] = v
			case float64:
				p[k] = strconv.FormatFloat(v, 'f', -1, 64)
			case bool:
				p[k] = strconv.FormatBool(v)
			case map[string]any:
				if k == "variables" {
					for vk, vv := range v {
						if s, ok := vv.(string); ok {
							p["var:"+vk] = s
						}
					}
				}
			}
		}
	}
	return p
}

func (s *Server) authorized(r *http.Request) bool {
	if u, pw, ok := r.BasicAuth(); ok {
		return u == s.cfg.User && pw == s.cfg.Password
	}
	if k := r.URL.Query().Get("api_key"); k != "" {
		return k == s.cfg.User+":"+s.cfg.Password
	}
	return false
}

func (s *Server) routes() http.Handler {
	m := http.NewServeMux()
	h := func(pattern string, f func(http.ResponseWriter, *http.Request, map[string]string)) {
		m.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) { f(w, r, params(r)) })
	}
	m.HandleFunc("GET /ari/events", s.serveEvents)
	h("GET /ari/asterisk/info", s.info)
	h("GET /ari/asterisk/ping", s.ping)
	h("GET /ari/channels", s.listChannels)
	h("POST /ari/channels", s.originate)
	h("POST /ari/channels/create", s.create)
	h("POST /ari/channels/{id}", s.originate)
	h("GET /ari/channels/{id}", s.getChannel)
	h("DELETE /ari/channels/{id}", s.deleteChannel)
	for _, v := range []string{"answer", "ring", "hold", "moh", "silence", "mute", "dtmf", "continue", "redirect", "dial"} {
		h("POST /ari/channels/{id}/"+v, s.channelVerb(v, true))
		h("DELETE /ari/channels/{id}/"+v, s.channelVerb(v, false))
	}
	h("POST /ari/channels/{id}/play", s.play)
	h("POST /ari/channels/{id}/play/{pid}", s.play)
	h("POST /ari/channels/{id}/record", s.record)
	h("POST /ari/channels/{id}/variable", s.setVariable)
	h("GET /ari/channels/{id}/variable", s.getVariable)
	h("POST /ari/channels/{id}/snoop", s.snoop)
	h("POST /ari/channels/{id}/snoop/{sid}", s.snoop)
	h("GET /ari/bridges", s.listBridges)
	h("POST /ari/bridges", s.createBridge)
	h("POST /ari/bridges/{id}", s.createBridge)
	h("GET /ari/bridges/{id}", s.getBridge)
	h("DELETE /ari/bridges/{id}", s.deleteBridge)
	h("POST /ari/bridges/{id}/addChannel", s.addChannel)
	h("POST /ari/bridges/{id}/removeChannel", s.removeChannel)
	h("GET /ari/playbacks/{id}", s.getPlayback)
	h("DELETE /ari/playbacks/{id}", s.stopPlayback)
	h("GET /ari/recordings/live/{name}", s.getLive)
	h("POST /ari/recordings/live/{name}/stop", s.stopLive)
	h("GET /ari/recordings/stored", s.listStored)
	h("GET /ari/recordings/stored/{name}", s.getStored)
	h("DELETE /ari/recordings/stored/{name}", s.deleteStored)
	h("GET /ari/applications", s.listApps)
	h("GET /ari/applications/{app}", s.getApp)
	h("POST /ari/applications/{app}/subscription", s.subscribe)
	h("DELETE /ari/applications/{app}/subscription", s.unsubscribe)
	h("GET /ari/endpoints", s.listEndpoints)
	h("GET /ari/endpoints/{tech}/{res}", s.getEndpoint)
	h("GET /ari/sounds", s.listSounds)
	h("GET /ari/sounds/{id}", s.getSound)
	m.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) { message(w, 404, "Resource not found") })
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.authorized(r) {
			message(w, http.StatusUnauthorized, "Authentication required")
			return
		}
		s.mu.Lock()
		down := s.dropped
		s.mu.Unlock()
		if down {
			http.Error(w, "", http.StatusServiceUnavailable)
			return
		}
		m.ServeHTTP(w, r)
	})
}

func (s *Server) info(w http.ResponseWriter, _ *http.Request, _ map[string]string) {
	t := s.start.UTC().Format(tsLayout)
	reply(w, 200, map[string]any{
		"build":  map[string]any{"os": "Linux", "kernel": "asim", "machine": "x86_64", "options": "OPTIONAL_API", "date": t, "user": "asim"},
		"system": map[string]any{"version": "22.10.1", "entity_id": s.cfg.AsteriskID},
		"config": map[string]any{"name": "", "default_language": "en", "setid": map[string]string{"user": "", "group": ""}},
		"status": map[string]any{"startup_time": t, "last_reload_time": t}})
}

func (s *Server) ping(w http.ResponseWriter, _ *http.Request, _ map[string]string) {
	reply(w, 200, map[string]any{"asterisk_id": s.cfg.AsteriskID, "ping": "pong", "timestamp": s.now().Format(tsLayout)})
}

func (s *Server) listChannels(w http.ResponseWriter, _ *http.Request, _ map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var cs []*channel
	for _, c := range s.chans {
		cs = append(cs, c)
	}
	sort.Slice(cs, func(i, j int) bool { return cs[i].created.Before(cs[j].created) })
	out := []channelJSON{}
	for _, c := range cs {
		out = append(out, c.json)
	}
	reply(w, 200, out)
}

// chanLocked finds the channel or answers 404 Channel not found.
func (s *Server) chanLocked(w http.ResponseWriter, r *http.Request) *channel {
	c := s.chans[r.PathValue("id")]
	if c == nil {
		message(w, 404, "Channel not found")
	}
	return c
}

func (s *Server) getChannel(w http.ResponseWriter, r *http.Request, _ map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.chanLocked(w, r); c != nil {
		reply(w, 200, c.json)
	}
}

func (s *Server) deleteChannel(w http.ResponseWriter, r *http.Request, p map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.chanLocked(w, r)
	if c == nil {
		return
	}
	cause := 16
	if rc, err := strconv.Atoi(p["reason_code"]); err == nil {
		cause = rc
	} else if n, ok := reasonCause[p["reason"]]; ok {
		cause = n
	}
	w.WriteHeader(204)
	s.hangupLocked(c, hangupByController, cause)
}

func (s *Server) channelVerb(verb string, post bool) func(http.ResponseWriter, *http.Request, map[string]string) {
	return func(w http.ResponseWriter, r *http.Request, p map[string]string) {
		s.mu.Lock()
		defer s.mu.Unlock()
		c := s.chanLocked(w, r)
		if c == nil {
			return
		}
		switch verb {
		case "mute":
			if d := p["direction"]; d != "" && d != "in" && d != "out" && d != "both" {
				message(w, 400, "Invalid direction specified")
				return
			}
		case "dial":
			if !post {
				message(w, 404, "Resource not found")
				return
			}
			if !s.dialLocked(w, c, p) {
				return
			}
		case "redirect", "continue":
			if !post {
				message(w, 404, "Resource not found")
				return
			}
		}
		w.WriteHeader(204)
		switch {
		case verb == "answer" && post:
			s.answerLocked(c)
		case verb == "hold":
			c.held = post
		case verb == "dtmf" && post && c.caller != nil:
			c.caller.received(p["dtmf"])
		case verb == "continue":
			s.continueLocked(c)
		case verb == "redirect":
			s.hangupLocked(c, hangupRedirect, 23)
		}
	}
}
