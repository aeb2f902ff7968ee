package freeswitch

import (
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/esl"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/internal/fakefs"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/socketauth"
)

// fakeNode is a scripted FreeSWITCH for the adapter's unit tests: enough of
// the api, bgapi and sendmsg behaviour, with the events each produces, to
// drive every verb. It is deliberately small; the full simulator is fssim.
type fakeNode struct {
	t   testing.TB
	srv *fakefs.Server
	seq atomic.Uint64

	mu      sync.Mutex
	subs    []*fakefs.Session          // inbound sessions subscribed to events
	sockets map[string]*fakefs.Session // outbound socket per call
	// extra are event names a socket subscribed beyond myevents (still only
	// its own call's, as mod_event_socket filters myevents listeners by UUID).
	extra    map[*fakefs.Session]map[string]bool
	channels map[string]bool
	vars     map[string]string
	// token is the socketauth.Var its dialplan sets before `socket`: the
	// harness node's (fs1, ClueCon) unless a test changes it.
	token    string
	playing  map[string]string // uuid -> Event-UUID of a long playback
	commands []string
	// silent makes uuid_hold answer +OK without any event (as for an unknown
	// call), to prove the adapter waits for the event.
	silent bool
	hung   bool // api commands get no reply at all (a wedged node)
	// refuseApps answers every sendmsg "-ERR invalid session id", as for a
	// channel gone.
	refuseApps bool
	// lingerFirst sends a socket call's linger notice before its hangup
	// events, as a real FreeSWITCH 1.10.12 sometimes does after uuid_kill.
	lingerFirst bool
	gateway     string // state of gateway external::carrier in sofia status
	// refuseExtra: a socket's `event` subscription (beyond myevents) gets
	// -ERR, so its call's socketMisses come by the node only.
	refuseExtra bool
}

func newFakeNode(t testing.TB) *fakeNode {
	n := &fakeNode{t: t, sockets: map[string]*fakefs.Session{}, channels: map[string]bool{},
		vars: map[string]string{}, playing: map[string]string{}, gateway: "REGED",
		token: socketauth.Token("fs1", "ClueCon")}
	srv, err := fakefs.Start("ClueCon", n.handle)
	if err != nil {
		t.Fatal(err)
	}
	n.srv = srv
	t.Cleanup(srv.Close)
	return n
}

func (n *fakeNode) log() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]string(nil), n.commands...)
}

// emit sends a channel event to every subscribed inbound session and, unless
// `myevents` leaves it out (as the captures show for PLAYBACK_*; see
// socketMisses), to the call's outbound socket.
func (n *fakeNode) emit(uuid, name string, kv ...string) {
	kv = append(kv, "Event-Name", name, "Unique-ID", uuid, "Event-Sequence", strconv.FormatUint(n.seq.Add(1), 10))
	f := fakefs.EventFrame("", kv...)
	n.mu.Lock()
	targets := append([]*fakefs.Session(nil), n.subs...)
	if s := n.sockets[uuid]; s != nil && (!socketMisses[name] || n.extra[s][name]) {
		targets = append(targets, s)
	}
	n.mu.Unlock()
	for _, s := range targets {
		s.Write(f)
	}
}

// isSocket reports whether s is a call's outbound socket (n.mu held).
func (n *fakeNode) isSocket(s *fakefs.Session) bool {
	for _, so := range n.sockets {
		if so == s {
			return true
		}
	}
	return false
}

var originUUID = regexp.MustCompile(`origination_uuid=([^,}]+)`)

func (n *fakeNode) handle(s *fakefs.Session, cmd *esl.Frame) {
	n.mu.Lock()
	line := cmd.Line
	if app := cmd.Get("execute-app-name"); app != "" {
		line += " " + app + " " + cmd.Get("execute-app-arg")
	}
	n.commands = append(n.commands, line)
	n.mu.Unlock()
	verb, rest, _ := strings.Cut(cmd.Line, " ")
	switch verb {
	case "event", "myevents":
		n.mu.Lock()
		if verb == "event" && n.isSocket(s) && n.refuseExtra {
			n.mu.Unlock()
			s.Reply("-ERR no keywords supplied")
			return
		}
		if verb == "event" && n.isSocket(s) {
			if n.extra == nil {
				n.extra = map[*fakefs.Session]map[string]bool{}
			}
			if n.extra[s] == nil {
				n.extra[s] = map[string]bool{}
			}
			for _, name := range strings.Fields(rest)[1:] { // after the format
				n.extra[s][name] = true
			}
		} else if verb == "event" {
			n.subs = append(n.subs, s)
		}
		n.mu.Unlock()
		s.Reply("+OK event listener enabled json")
	case "exit": // ServeOutbound answers it
	case "linger":
		s.Reply("+OK will linger")
	case "api":
		n.api(s, rest)
	case "bgapi":
		n.bgapi(s, cmd, rest)
	case "sendmsg":
		n.mu.Lock()
		refuse := n.refuseApps
		n.mu.Unlock()
		if refuse {
			s.Reply("-ERR invalid session id [" + rest + "]")
			return
		}
		s.Reply("+OK")
		n.execute(rest, cmd)
	default:
		s.Reply("-ERR command not found")
	}
}

func (n *fakeNode) known(id string) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.channels[id]
}

func (n *fakeNode) api(s *fakefs.Session, cmd string) {
	n.mu.Lock()
	hung := n.hung
	n.mu.Unlock()
	if hung {
		return
	}
	f := strings.Fields(cmd)
	reply := func(t string) { s.Write(fakefs.APIResponseFrame(t + "\n")) }
	switch {
	case cmd == "show channels as json":
		reply(n.showChannels())
	case cmd == "sofia status":
		n.mu.Lock()
		gw := n.gateway
		n.mu.Unlock()
		reply("Name\tType\tData\tState\n====\n internal\tprofile\tsip:mod_sofia@127.0.0.1:5060\tRUNNING (0)\n" +
			" external::carrier\tgateway\tsip:carrier@192.0.2.9\t" + gw + "\n====\n1 profile 1 gateway")
	case f[0] == "uuid_hold":
		reply("+OK Success")
		id, name := f[len(f)-1], "CHANNEL_HOLD"
		if f[1] == "off" {
			name = "CHANNEL_UNHOLD"
		}
		if n.known(id) && !n.silent {
			n.emit(id, name)
		}
	case !n.known(f[1]) && strings.HasPrefix(f[0], "uuid_") && f[0] != "uuid_exists":
		reply("-ERR No such channel!")
	case f[0] == "uuid_record":
		reply("+OK Success")
		n.emit(f[1], map[string]string{"start": "RECORD_START", "stop": "RECORD_STOP"}[f[2]], "Record-File-Path", f[3])
	case f[0] == "uuid_kill":
		reply("+OK")
		n.hangup(f[1], append(f, "NORMAL_CLEARING")[2])
	case f[0] == "uuid_bridge":
		reply("+OK " + f[2])
		n.emit(f[1], "CHANNEL_BRIDGE", "Other-Leg-Unique-ID", f[2])
	case f[0] == "uuid_break":
		reply("+OK")
		n.mu.Lock()
		app := n.playing[f[1]]
		delete(n.playing, f[1])
		n.mu.Unlock()
		if app != "" {
			n.emit(f[1], "PLAYBACK_STOP")
			n.emit(f[1], "CHANNEL_EXECUTE_COMPLETE", "Application", "playback", "Application-UUID", app,
				"Application-Response", "FILE PLAYED")
		}
	case f[0] == "uuid_setvar":
		n.mu.Lock()
		n.vars[f[1]+"/"+f[2]] = strings.Join(f[3:], " ")
		n.mu.Unlock()
		reply("+OK")
	case f[0] == "uuid_getvar":
		n.mu.Lock()
		v, ok := n.vars[f[1]+"/"+f[2]]
		n.mu.Unlock()
		if !ok {
			v = "_undef_"
		}
		reply(v)
	case f[0] == "uuid_transfer":
		reply("+OK")
		n.emit(f[1], "CHANNEL_STATE", "Channel-State", "CS_ROUTING")
	case f[0] == "uuid_exists":
		reply(strconv.FormatBool(n.known(f[1])))
	default:
		reply("+OK")
	}
}

func (n *fakeNode) showChannels() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	if len(n.channels) == 0 {
		return `{"row_count": 0}`
	}
	var rows []string
	for id := range n.channels {
		rows = append(rows, fmt.Sprintf(`{"uuid":%q,"direction":"inbound","name":"sofia/x"}`, id))
	}
	return fmt.Sprintf(`{"row_count":%d,"rows":[%s]}`, len(rows), strings.Join(rows, ","))
}

func (n *fakeNode) bgapi(s *fakefs.Session, cmd *esl.Frame, rest string) {
	job := cmd.Get("Job-UUID")
	s.Reply("+OK Job-UUID: "+job, "Job-UUID", job)
	m := originUUID.FindStringSubmatch(rest)
	out := "+OK\n"
	switch {
	case m == nil:
	case strings.Contains(rest, "user/1019@"):
		out = "-ERR USER_NOT_REGISTERED\n"
	case strings.Contains(rest, "user/slow@"):
		n.addChannel(m[1]) // rings on; the job result never comes
		return
	case strings.Contains(rest, "user/mute@"):
		n.addChannel(m[1]) // answered, but its events never come
		out = "+OK " + m[1] + "\n"
	default:
		n.addChannel(m[1])
		n.emit(m[1], "CHANNEL_CREATE")
		n.emit(m[1], "CHANNEL_PROGRESS")
		n.emit(m[1], "CHANNEL_ANSWER")
		out = "+OK " + m[1] + "\n"
	}
	s.Write(fakefs.EventFrame(out, "Event-Name", "BACKGROUND_JOB", "Job-UUID", job))
}

func (n *fakeNode) addChannel(id string) {
	n.mu.Lock()
	n.channels[id] = true
	n.mu.Unlock()
}

func (n *fakeNode) hangup(id, cause string) {
	n.mu.Lock()
	s, first := n.sockets[id], n.lingerFirst
	n.mu.Unlock()
	if s != nil && first {
		s.Write(&esl.Frame{Headers: []esl.Header{{Name: "Content-Type", Value: "text/disconnect-notice"},
			{Name: "Controlled-Session-UUID", Value: id}, {Name: "Content-Disposition", Value: "linger"}}})
	}
	n.emit(id, "CHANNEL_HANGUP", "Hangup-Cause", cause)
	n.emit(id, "CHANNEL_HANGUP_COMPLETE", "Hangup-Cause", cause)
	n.emit(id, "CHANNEL_DESTROY")
	n.mu.Lock()
	delete(n.channels, id)
	n.mu.Unlock()
}

// execute plays an app run with sendmsg: CHANNEL_EXECUTE, its effects, then
// CHANNEL_EXECUTE_COMPLETE with the caller's Event-UUID as Application-UUID.
func (n *fakeNode) execute(id string, cmd *esl.Frame) {
	app, arg, ev := cmd.Get("execute-app-name"), cmd.Get("execute-app-arg"), cmd.Get("Event-UUID")
	n.emit(id, "CHANNEL_EXECUTE", "Application", app, "Application-UUID", ev)
	done := []string{"Application", app, "Application-Data", arg, "Application-UUID", ev}
	switch app {
	case "answer":
		n.emit(id, "CHANNEL_ANSWER")
		done = append(done, "Answer-State", "answered")
	case "playback", "endless_playback":
		n.emit(id, "PLAYBACK_START", "Playback-File-Path", arg)
		if strings.Contains(arg, "long") || app == "endless_playback" {
			n.mu.Lock()
			n.playing[id] = ev
			n.mu.Unlock()
			return
		}
		n.emit(id, "PLAYBACK_STOP", "Playback-File-Path", arg)
		done = append(done, "Application-Response", "FILE PLAYED")
	case "bridge":
		if strings.Contains(arg, "user/1019@") {
			done = append(done, "variable_originate_failed_cause", "USER_NOT_REGISTERED", "Application-Response", "_none_")
			break
		}
		n.emit(id, "CHANNEL_BRIDGE", "Other-Leg-Unique-ID", "peer-"+id)
		return
	case "hangup":
		n.hangup(id, arg)
	case "conference":
		room, _, _ := strings.Cut(arg, "@")
		n.emit(id, "CUSTOM", "Event-Subclass", "conference::maintenance", "Action", "add-member", "Conference-Name", room)
		return // stays in the conference
	case "eavesdrop", "park":
		return // runs until the call ends
	}
	n.emit(id, "CHANNEL_EXECUTE_COMPLETE", done...)
}

// dialSocket plays FreeSWITCH's socket app: it connects to the adapter's
// listener for call id and serves the connection with the node's handler.
// connect is answered with channel data for id.
func (n *fakeNode) dialSocket(addr, id string, vars ...string) {
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		n.t.Error(err)
		return
	}
	n.addChannel(id)
	go fakefs.ServeOutbound(nc, func(s *fakefs.Session, cmd *esl.Frame) {
		switch cmd.Line {
		case "connect":
			f := fakefs.ReplyFrame(esl.Escape("+OK\n"), "Socket-Mode", "async", "Control", "full")
			data := []esl.Header{{Name: "Event-Name", Value: "CHANNEL_DATA"}, {Name: "Unique-ID", Value: id},
				{Name: "Caller-Caller-ID-Number", Value: "sipp"}, {Name: "Caller-Destination-Number", Value: "9100"}}
			if n.token != "" {
				data = append(data, esl.Header{Name: "variable_" + socketauth.Var, Value: n.token})
			}
			for i := 0; i+1 < len(vars); i += 2 {
				data = append(data, esl.Header{Name: "variable_" + vars[i], Value: esl.Escape(vars[i+1])})
			}
			f.Headers = append(data, f.Headers...)
			s.Write(f)
		case "myevents json":
			n.mu.Lock()
			n.sockets[id] = s
			n.mu.Unlock()
			n.handle(s, cmd)
		default:
			n.handle(s, cmd)
		}
	})
}
