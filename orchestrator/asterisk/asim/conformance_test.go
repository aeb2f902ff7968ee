package asim

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// The conformance replay drives asim with each capture's requests, in the
// capture's order, plays the far ends the capture shows (a caller arriving
// in Stasis, pressing DTMF, hanging up; a phone hanging up) when the replay
// reaches them, and compares by VALUE:
//   - every HTTP answer: status and body (JSON compared as values);
//   - every resource's events (a channel's, a playback's, a recording's, a
//     bridge's), in order, with the whole JSON of each event.
//
// Events are compared per resource, not in one global order: between
// resources the order depends on timing (a playback's end against a
// caller's DTMF) and asim runs the captures' durations 20 times faster.
// Before each request the replay waits until asim has sent as many
// (compared) events as the capture had before that request was sent.
//
// What is ignored, and why:
//   - "timestamp", "creationtime" and the ping/info times: clocks.
//   - protocol_id when it is a UUID (the SIP Call-ID pjsip made up for an
//     originated leg); callers get the captured one.
//   - the 8-hex-digit counter at the end of originated and snoop channel
//     names (PJSIP/2001-00000007): a count over the node's lifetime.
//   - "build" in /asterisk/info (the build machine).
//   - recording "duration": it counts media frames, asim carries none.
//   - ChannelVarset events except for variables the replay sets itself:
//     the rest are RTP statistics (RTPAUDIOQOS*), bridge internals
//     (BRIDGEPEER, BRIDGEPVTCALLID) and STASISSTATUS, which asim does not
//     model and the adapter does not read.
//   - bridge "technology": simple_bridge or native_rtp depends on when
//     Asterisk's media negotiation settles, not on the requests.
//   - the raw header text Asterisk appended to the 400 body of a WebSocket
//     upgrade without app (the capture recorded the socket's bytes).
//   - GET requests are repeated until they match (2 s at most) when the
//     capture shows state that time changed (06: the channel continued
//     into the dialplan is gone 4 s later).
//
// Not replayed: 07 (app_queue with subscribeAll, no Stasis: asim plays no
// dialplan applications).
// 11 has its own test (two WebSockets).

type captureLine struct {
	T        float64         `json:"t"`
	Kind     string          `json:"kind"`
	Data     string          `json:"data"`
	Method   string          `json:"method"`
	Path     string          `json:"path"`
	Query    string          `json:"query"`
	Body     json.RawMessage `json:"request_body"`
	Status   int             `json:"status"`
	Response string          `json:"response_body"`
	Note     string          `json:"note"`
}

func readCapture(t *testing.T, name string) []captureLine {
	t.Helper()
	b, err := os.ReadFile("../../../testdata/asterisk/" + name)
	if err != nil {
		t.Fatal(err)
	}
	var out []captureLine
	for _, l := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
		var c captureLine
		if err := json.Unmarshal(l, &c); err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
	return out
}

const replaySpeed = 20

type scenario struct {
	file   string
	phones map[string]PhoneScript
	cfg    Config
	// unplug: before the request that originates channel id, the phone
	// named goes away, its static contact stays (05: nothing listens).
	unplug map[string]string
}

func TestConformanceReplay(t *testing.T) {
	scenarios := []scenario{
		{file: "01-basics.jsonl"},
		{file: "02-stasis-ivr.jsonl"},
		{file: "03-caller-hangup.jsonl"},
		{file: "04-bridge-agent.jsonl", phones: map[string]PhoneScript{"2001": {AnswerAfter: time.Second}}},
		{file: "04b-bridge-agent-create-dial.jsonl", phones: map[string]PhoneScript{"2001": {AnswerAfter: time.Second}}},
		{file: "05-bridge-noanswer.jsonl", phones: map[string]PhoneScript{"2001": {NoAnswer: true}},
			unplug: map[string]string{"sb-agent-unreach": "2001"}},
		{file: "06-call-control.jsonl"},
		{file: "08-registration.jsonl", cfg: Config{Endpoints: []string{"PJSIP/2001", "PJSIP/2002"},
			OfflineEndpoints: []string{"PJSIP/caller", "PJSIP/2003"}}},
		{file: "09-channel-subscribe.jsonl"},
		{file: "10-redirect.jsonl", phones: map[string]PhoneScript{"2002": {}}},
	}
	for _, sc := range scenarios {
		t.Run(strings.TrimSuffix(sc.file, ".jsonl"), func(t *testing.T) {
			t.Parallel()
			replay(t, sc)
		})
	}
}

// startReplaySim is asim configured like the capture machine.
func startReplaySim(t *testing.T, cfg Config) *Server {
	cfg.Speed = replaySpeed
	if cfg.Endpoints == nil {
		cfg.Endpoints = []string{"PJSIP/2001", "PJSIP/2002"}
		cfg.OfflineEndpoints = []string{"PJSIP/caller"}
	}
	s, err := Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// recorder is one events WebSocket and every frame it got.
type recorder struct {
	mu     sync.Mutex
	frames []map[string]any
	change chan struct{}
	cancel context.CancelFunc
	done   chan struct{}
	ws     *websocket.Conn
}

func listen(t *testing.T, s *Server, app string) *recorder {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ws, _, err := websocket.Dial(ctx, "ws://"+s.Addr()+"/ari/events?app="+app+"&api_key=sb:sbpass", nil)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	r := &recorder{change: make(chan struct{}), cancel: cancel, done: make(chan struct{}), ws: ws}
	go func() {
		defer close(r.done)
		for {
			_, b, err := ws.Read(ctx)
			if err != nil {
				return
			}
			var m map[string]any
			if err := json.Unmarshal(b, &m); err != nil {
				panic(err)
			}
			r.mu.Lock()
			r.frames = append(r.frames, m)
			close(r.change)
			r.change = make(chan struct{})
			r.mu.Unlock()
		}
	}()
	t.Cleanup(r.close)
	return r
}

func (r *recorder) close() {
	r.cancel()
	r.ws.CloseNow()
	<-r.done
}

// waitFor waits until cond holds over the frames (false after 5 s).
func (r *recorder) waitFor(cond func([]map[string]any) bool) bool {
	deadline := time.After(5 * time.Second)
	for {
		r.mu.Lock()
		ok := cond(r.frames)
		ch := r.change
		r.mu.Unlock()
		if ok {
			return true
		}
		select {
		case <-ch:
		case <-deadline:
			return false
		}
	}
}

func (r *recorder) all() []map[string]any {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]map[string]any(nil), r.frames...)
}

func replay(t *testing.T, sc scenario) {
	lines := readCapture(t, sc.file)
	s := startReplaySim(t, sc.cfg)
	for res, ph := range sc.phones {
		s.RegisterPhone(res, ph)
	}
	rec := listen(t, s, "switchboard")
	r := &replayer{t: t, s: s, rec: rec, sc: sc, callers: map[string]*Call{}, setVars: variablesSet(lines)}
	r.run(lines)
	r.check()
}

// replayer replays capture lines against one asim and one WebSocket.
type replayer struct {
	t       *testing.T
	s       *Server
	rec     *recorder
	sc      scenario
	callers map[string]*Call
	setVars map[string]bool
	want    []map[string]any
}

func variablesSet(lines []captureLine) map[string]bool {
	set := map[string]bool{}
	for _, l := range lines {
		if l.Kind == "http" && strings.HasSuffix(l.Path, "/variable") && l.Method == "POST" {
			set[variableName(l)] = true
		}
	}
	return set
}

func (r *replayer) compared(ev map[string]any) bool { return comparedEvent(ev, r.setVars) }

func (r *replayer) run(lines []captureLine) {
	t := r.t
	for i, l := range lines {
		if l.Kind == "ws" && !farEnd(decode(t, l.Data)) {
			if ev := decode(t, l.Data); r.compared(ev) {
				r.want = append(r.want, ev)
			}
			continue
		}
		// A request, or a far end's action: first what the capture had
		// received before it was sent.
		before := 0
		for _, o := range lines[:i] {
			if o.Kind == "ws" && o.T < l.T && r.compared(decode(t, o.Data)) {
				before++
			}
		}
		if !r.rec.waitFor(func(f []map[string]any) bool { return countCompared(f, r.compared) >= before }) {
			t.Fatalf("line %d: asim sent %d compared events before it, the capture %d\n%s", i+1,
				countCompared(r.rec.all(), r.compared), before, diffEvents(r.want, r.rec.all(), r.compared))
		}
		if l.Kind == "ws" {
			ev := decode(t, l.Data)
			if r.compared(ev) {
				r.want = append(r.want, ev)
			}
			playFarEnd(t, r.s, ev, r.callers)
			continue
		}
		if ph, ok := r.sc.unplug[parseQuery(l.Query)["channelId"]]; ok {
			r.s.UnregisterPhone(ph)
		}
		replayHTTP(t, r.s, i+1, l)
	}
}

// check waits for every event the capture had and compares them.
func (r *replayer) check() {
	total := countCompared(r.want, r.compared)
	if !r.rec.waitFor(func(f []map[string]any) bool { return countCompared(f, r.compared) >= total }) {
		r.t.Errorf("asim sent fewer events than the capture")
	}
	if d := diffEvents(r.want, r.rec.all(), r.compared); d != "" {
		r.t.Errorf("events differ from the capture by resource:\n%s", d)
	}
}

// TestConformanceWebSocketReplaced replays capture 11: a second WebSocket
// for the app replaces the first (ApplicationReplaced), the caller's
// StasisStart goes to the second only, the caller stays in Stasis with every
// WebSocket closed, and a third WebSocket gets nothing replayed but can
// answer and hang the caller up.
func TestConformanceWebSocketReplaced(t *testing.T) {
	lines := readCapture(t, "11-ws-reconnect.jsonl")
	second := readCapture(t, "11-ws-second.jsonl")
	s := startReplaySim(t, Config{})
	ws1 := listen(t, s, "switchboard")
	ws2 := listen(t, s, "switchboard")
	r1 := &replayer{t: t, s: s, rec: ws1, callers: map[string]*Call{}, setVars: map[string]bool{}}
	r1.run(lines[:2]) // ApplicationReplaced, GET /applications/switchboard
	r1.check()
	r2 := &replayer{t: t, s: s, rec: ws2, callers: r1.callers, setVars: map[string]bool{}}
	r2.run(second)
	r2.check()
	if n := len(ws1.all()); n != 1 {
		t.Errorf("the replaced WebSocket got %d messages, want only ApplicationReplaced", n)
	}
	ws1.close()
	ws2.close()
	split := 0
	for i, l := range lines {
		if l.Kind == "http" && l.T > 5000 {
			split = i
			break
		}
	}
	r1.run(lines[2:split]) // the caller is still there, in Ring, listed by the app
	ws3 := listen(t, s, "switchboard")
	r3 := &replayer{t: t, s: s, rec: ws3, callers: r1.callers, setVars: variablesSet(lines)}
	r3.run(lines[split:])
	r3.check()
}

func variableName(l captureLine) string {
	q := parseQuery(l.Query)
	if v := q["variable"]; v != "" {
		return v
	}
	var b map[string]string
	json.Unmarshal(l.Body, &b)
	return b["variable"]
}

func decode(t *testing.T, s string) map[string]any {
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func comparedEvent(ev map[string]any, setVars map[string]bool) bool {
	if ev["type"] == "ChannelVarset" {
		return setVars[ev["variable"].(string)]
	}
	return true
}

func countCompared(f []map[string]any, compared func(map[string]any) bool) int {
	n := 0
	for _, e := range f {
		if compared(e) {
			n++
		}
	}
	return n
}

// farEnd reports whether the event is a far end's action the replay plays.
func farEnd(ev map[string]any) bool {
	ch, _ := ev["channel"].(map[string]any)
	switch ev["type"] {
	case "StasisStart":
		return ch != nil && strings.HasPrefix(ch["name"].(string), "PJSIP/caller")
	case "ChannelDtmfReceived", "EndpointStateChange":
		return true
	case "ChannelHangupRequest":
		_, ok := ev["cause"]
		return !ok
	}
	return false
}

// playFarEnd plays what the capture shows the far ends doing.
func playFarEnd(t *testing.T, s *Server, ev map[string]any, callers map[string]*Call) {
	if ev["type"] == "EndpointStateChange" { // 08: the phone registers, later unregisters
		ep := ev["endpoint"].(map[string]any)
		if ep["state"] == "online" && !s.Registered(ep["resource"].(string)) {
			s.RegisterPhone(ep["resource"].(string), PhoneScript{AnswerAfter: time.Second})
		} else if ep["state"] == "offline" {
			s.UnregisterPhone(ep["resource"].(string))
		}
		return
	}
	ch, _ := ev["channel"].(map[string]any)
	if ch == nil {
		return
	}
	id := ch["id"].(string)
	switch ev["type"] {
	case "StasisStart":
		if !strings.HasPrefix(ch["name"].(string), "PJSIP/caller") {
			return
		}
		dp := ch["dialplan"].(map[string]any)
		cl := ch["caller"].(map[string]any)
		c, err := s.PlaceCall(CallerSpec{ID: id, Name: ch["name"].(string), Number: cl["number"].(string),
			CallerName: cl["name"].(string), Context: dp["context"].(string), Exten: dp["exten"].(string),
			ProtocolID: ch["protocol_id"].(string)})
		if err != nil {
			t.Fatal(err)
		}
		callers[id] = c
	case "ChannelDtmfReceived":
		if err := callers[id].Press(ev["digit"].(string)); err != nil {
			t.Fatal(err)
		}
	case "ChannelHangupRequest":
		if _, ok := ev["cause"]; ok {
			return
		}
		if c := callers[id]; c != nil {
			c.Hangup()
		} else {
			s.FarHangup(id)
		}
	}
}

func parseQuery(q string) map[string]string {
	out := map[string]string{}
	for _, kv := range strings.Split(q, "&") {
		k, v, _ := strings.Cut(kv, "=")
		k, _ = urlUnescape(k)
		v, _ = urlUnescape(v)
		out[k] = v
	}
	return out
}

func replayHTTP(t *testing.T, s *Server, n int, l captureLine) {
	t.Helper()
	url := "http://" + s.Addr() + l.Path
	if l.Query != "" {
		url += "?" + l.Query
	}
	var body io.Reader
	if len(l.Body) > 0 && string(l.Body) != "null" {
		var str string
		if json.Unmarshal(l.Body, &str) == nil {
			body = strings.NewReader(str)
		} else {
			body = bytes.NewReader(l.Body)
		}
	}
	deadline := time.Now().Add(2 * time.Second)
	for {
		req, _ := http.NewRequest(l.Method, url, body)
		if l.Status != 401 && !strings.Contains(l.Query, "api_key=") {
			req.SetBasicAuth("sb", "sbpass")
		}
		if l.Path == "/ari/events" {
			req.Header.Set("Connection", "Upgrade")
			req.Header.Set("Upgrade", "websocket")
			req.Header.Set("Sec-WebSocket-Version", "13")
			req.Header.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		diff := compareHTTP(l, resp.StatusCode, string(got))
		if diff == "" {
			return
		}
		if l.Method != "GET" || time.Now().After(deadline) {
			t.Errorf("line %d %s %s?%s: %s", n, l.Method, l.Path, l.Query, diff)
			return
		}
		time.Sleep(10 * time.Millisecond) // polling a state time changes, see above
	}
}

func compareHTTP(l captureLine, status int, body string) string {
	if status != l.Status {
		return fmt.Sprintf("status %d, capture %d (body %s)", status, l.Status, body)
	}
	if l.Path == "/ari/events" && l.Status == 400 {
		if !strings.HasPrefix(l.Response, body) || body == "" {
			return fmt.Sprintf("body %q is not the start of the capture's %q", body, l.Response)
		}
		return ""
	}
	if l.Response == "" || body == "" {
		if l.Response != body {
			return fmt.Sprintf("body %q, capture %q", body, l.Response)
		}
		return ""
	}
	var want, got any
	if err := json.Unmarshal([]byte(l.Response), &want); err != nil {
		return "capture body not JSON"
	}
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		return fmt.Sprintf("body %q not JSON", body)
	}
	if strings.HasPrefix(l.Path, "/ari/asterisk/") {
		want, got = scrubInfo(want), scrubInfo(got)
	}
	key := ""
	if strings.Contains(l.Path, "/play") {
		key = "playback"
	}
	want, got = normalize(want, key), normalize(got, key)
	if !reflect.DeepEqual(want, got) {
		w, _ := json.Marshal(want)
		g, _ := json.Marshal(got)
		return fmt.Sprintf("body\n  asim    %s\n  capture %s", g, w)
	}
	return ""
}

func scrubInfo(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	delete(m, "build")
	delete(m, "status")
	return m
}

var (
	uuidRe    = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	counterRe = regexp.MustCompile(`-[0-9a-f]{8}$`)
)

// normalize drops and rewrites what the comparison ignores (see the list
// at the top of this file).
func normalize(v any, key string) any {
	switch v := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, x := range v {
			switch k {
			case "timestamp", "creationtime", "technology", "duration":
				continue
			case "id":
				if s, _ := x.(string); uuidRe.MatchString(s) && key == "playback" {
					continue // a playback id asim made up, as Asterisk did
				}
			case "protocol_id":
				if s, _ := x.(string); uuidRe.MatchString(s) {
					continue
				}
			case "name":
				if s, _ := x.(string); strings.HasPrefix(s, "Snoop/") || (strings.HasPrefix(s, "PJSIP/") && !strings.HasPrefix(s, "PJSIP/caller")) {
					x = counterRe.ReplaceAllString(s, "-N")
				}
			}
			out[k] = normalize(x, k)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = normalize(x, key)
		}
		return out
	}
	return v
}

// resource is what an event is about, for the per-resource comparison.
func resource(ev map[string]any) string {
	switch {
	case ev["type"] == "Dial":
		return "channel " + ev["peer"].(map[string]any)["id"].(string)
	case ev["channel"] != nil:
		return "channel " + ev["channel"].(map[string]any)["id"].(string)
	case ev["playback"] != nil:
		id := ev["playback"].(map[string]any)["id"].(string)
		if uuidRe.MatchString(id) {
			id = "(made up)"
		}
		return "playback " + id
	case ev["recording"] != nil:
		return "recording " + ev["recording"].(map[string]any)["name"].(string)
	case ev["bridge"] != nil:
		return "bridge " + ev["bridge"].(map[string]any)["id"].(string)
	case ev["endpoint"] != nil:
		return "endpoint " + ev["endpoint"].(map[string]any)["resource"].(string)
	}
	return "application"
}

func diffEvents(want, got []map[string]any, compared func(map[string]any) bool) string {
	group := func(evs []map[string]any) map[string][]string {
		m := map[string][]string{}
		for _, e := range evs {
			if !compared(e) {
				continue
			}
			b, _ := json.Marshal(normalize(e, ""))
			m[resource(e)] = append(m[resource(e)], string(b))
		}
		return m
	}
	w, g := group(want), group(got)
	var keys []string
	for k := range w {
		keys = append(keys, k)
	}
	for k := range g {
		if _, ok := w[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var out strings.Builder
	for _, k := range keys {
		ws, gs := w[k], g[k]
		for i := 0; i < len(ws) || i < len(gs); i++ {
			var a, b string
			if i < len(ws) {
				a = ws[i]
			}
			if i < len(gs) {
				b = gs[i]
			}
			if a != b {
				fmt.Fprintf(&out, "%s event %d:\n  asim    %s\n  capture %s\n", k, i+1, b, a)
				break
			}
		}
	}
	return out.String()
}
