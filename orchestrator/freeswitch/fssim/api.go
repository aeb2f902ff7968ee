package fssim

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// apiHandler runs an api command with the node lock held and returns the
// response body; events it emits follow the response on the wire.
type apiHandler func(n *Node, arg string, reply func(string))

var apiHandlers map[string]apiHandler

func init() {
	apiHandlers = map[string]apiHandler{
		"version":        func(n *Node, _ string, r func(string)) { r("FreeSWITCH Version " + version + " ( 64bit)\n") },
		"hostname":       func(n *Node, _ string, r func(string)) { r(n.cfg.Hostname) },
		"status":         apiStatus,
		"sofia":          apiSofia,
		"local_stream":   apiLocalStream,
		"show":           apiShow,
		"uuid_kill":      apiUUIDKill,
		"uuid_hold":      apiUUIDHold,
		"uuid_setvar":    apiUUIDSetvar,
		"uuid_getvar":    apiUUIDGetvar,
		"uuid_record":    apiUUIDRecord,
		"uuid_transfer":  apiUUIDTransfer,
		"uuid_bridge":    apiUUIDBridge,
		"uuid_break":     apiUUIDBreak,
		"uuid_broadcast": apiUUIDBroadcast,
		"uuid_answer":    apiUUIDAnswer,
		"uuid_pre_answer": func(n *Node, arg string, r func(string)) {
			withChannel(n, arg, r, func(ch *channel, _ []string) { r("+OK Success\n"); n.preAnswerLocked(ch) })
		},
		"uuid_send_dtmf": apiUUIDSendDTMF,
		"uuid_exists": func(n *Node, arg string, r func(string)) {
			_, ok := n.channels[strings.TrimSpace(arg)]
			r(fmt.Sprint(ok))
		},
		"uuid_audio": apiUUIDAudio,
		"conference": func(n *Node, arg string, r func(string)) { n.conferenceAPILocked(arg, r) },
	}
}

// execAPIReply runs name with arg. Originate blocks (it waits for the far
// end), so it runs without the lock; every other command runs locked, with
// its reply sent (through respond) before the events it causes. after, if
// not nil, runs locked after the caller sent the reply or BACKGROUND_JOB.
func (n *Node) execAPIReply(name, arg string, respond func(string)) (string, func()) {
	if name == "originate" {
		out, after := n.originate(arg)
		if respond != nil {
			respond(out)
		}
		return out, after
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	out, sent := "", false
	reply := func(s string) {
		if sent {
			return
		}
		sent, out = true, s
		if respond != nil {
			respond(s)
		}
		n.apiEventLocked(name, arg)
	}
	h := apiHandlers[name]
	if h == nil {
		reply("-ERR " + name + " Command not found!\n")
		return out, nil
	}
	h(n, arg, reply)
	reply("+OK\n")
	return out, nil
}

func (n *Node) apiEventLocked(name, arg string) {
	e := n.newEventLocked("API", "", "switch_loadable_module.c", "switch_api_execute", 0)
	e.add("API-Command", name)
	if arg != "" {
		e.add("API-Command-Argument", arg)
	}
	n.emitLocked(e)
}

// withChannel finds the channel named by the first argument or replies
// with FreeSWITCH's "-ERR No such channel!".
func withChannel(n *Node, arg string, reply func(string), f func(ch *channel, rest []string)) {
	fields := strings.Fields(arg)
	if len(fields) == 0 {
		reply("-USAGE: <uuid> ...\n")
		return
	}
	ch := n.channels[fields[0]]
	if ch == nil || !ch.live() {
		reply("-ERR No such channel!\n")
		return
	}
	f(ch, fields[1:])
}

func apiStatus(n *Node, _ string, r func(string)) {
	up := time.Since(n.started)
	r(fmt.Sprintf("UP %s\nFreeSWITCH (Version %s  64bit) is ready\n%d session(s) since startup\n%d session(s) - peak 0, last 5min 0 \n0 session(s) per Sec out of max 30, peak 0, last 5min 0 \n1000 session(s) max\nmin idle cpu 0.00/99.00\nCurrent Stack Size/Max 240K/8192K\n",
		upTime(up), strings.TrimSuffix(version, "~64bit"), n.sessions, len(n.channels)))
}

func apiSofia(n *Node, arg string, r func(string)) {
	f := strings.Fields(arg)
	switch {
	case len(f) >= 4 && f[0] == "status" && f[1] == "profile" && f[3] == "reg":
		r(n.sofiaRegLocked())
	case len(f) == 1 && f[0] == "status":
		r(n.sofiaStatusLocked())
	case len(f) == 3 && f[0] == "status" && f[1] == "gateway":
		r(n.sofiaGatewayLocked(f[2]))
	default:
		r("-ERR fssim supports sofia status, sofia status gateway <name> and sofia status profile <name> reg\n")
	}
}

// apiShow is `show channels as json` ({"row_count": 0} with a space when
// empty, compact otherwise) and `show registrations as json`, which real
// FreeSWITCH answers {"row_count": 0} even with registrations (capture 06).
func apiShow(n *Node, arg string, r func(string)) {
	f := strings.Fields(arg)
	if len(f) == 0 {
		r("-USAGE: show channels|registrations [as json]\n")
		return
	}
	switch f[0] {
	case "registrations":
		r("{\"row_count\": 0}\n")
	case "channels", "calls":
		rows := n.channelRowsLocked()
		if len(rows) == 0 {
			r("{\"row_count\": 0}\n")
			return
		}
		r(fmt.Sprintf("{\"row_count\":%d,\"rows\":[%s]}\n", len(rows), strings.Join(rows, ",")))
	default:
		r("-ERR fssim supports show channels and show registrations\n")
	}
}

// channelColumns are `show channels` columns in FreeSWITCH's order.
var channelColumns = strings.Fields(`uuid direction created created_epoch name state cid_name
	cid_num ip_addr dest application application_data dialplan context read_codec read_rate
	read_bit_rate write_codec write_rate write_bit_rate secure hostname presence_id presence_data
	accountcode callstate callee_name callee_num callee_direction call_uuid sent_callee_name
	sent_callee_num initial_cid_name initial_cid_num initial_ip_addr initial_dest
	initial_dialplan initial_context`)

// channelRowsLocked renders one JSON object per live channel, oldest first,
// keys in FreeSWITCH's column order.
func (n *Node) channelRowsLocked() []string {
	var rows []string
	for _, ch := range n.orderedChannelsLocked() {
		app, data := "", ""
		if ch.app != nil {
			app, data = ch.app.name, ch.app.arg
		}
		v := map[string]string{"uuid": ch.uuid, "direction": ch.direction,
			"created": ch.created.Format("2006-01-02 15:04:05"), "created_epoch": fmt.Sprint(ch.created.Unix()),
			"name": ch.name, "state": ch.state, "cid_name": ch.profile.callerName, "cid_num": ch.profile.callerNumber,
			"ip_addr": ch.profile.network, "dest": ch.profile.dest, "application": app, "application_data": data,
			"dialplan": "XML", "context": ch.profile.context, "read_codec": "PCMU", "read_rate": "8000",
			"read_bit_rate": "64000", "write_codec": "PCMU", "write_rate": "8000", "write_bit_rate": "64000",
			"hostname": n.cfg.Hostname, "callstate": ch.callState, "call_uuid": ch.uuid,
			"initial_cid_name": ch.profile.callerName, "initial_cid_num": ch.profile.callerNumber,
			"initial_ip_addr": ch.profile.network, "initial_dest": ch.profile.dest,
			"initial_dialplan": "XML", "initial_context": ch.profile.context}
		var b strings.Builder
		b.WriteByte('{')
		for i, col := range channelColumns {
			if i > 0 {
				b.WriteByte(',')
			}
			kb, _ := json.Marshal(col)
			vb, _ := json.Marshal(v[col])
			b.Write(kb)
			b.WriteByte(':')
			b.Write(vb)
		}
		b.WriteByte('}')
		rows = append(rows, b.String())
	}
	return rows
}

func (n *Node) orderedChannelsLocked() []*channel {
	var out []*channel
	for _, ch := range n.channels {
		out = append(out, ch)
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].created.Before(out[j-1].created); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

func apiUUIDKill(n *Node, arg string, r func(string)) {
	withChannel(n, arg, r, func(ch *channel, rest []string) {
		cause := "NORMAL_CLEARING"
		if len(rest) > 0 {
			cause = rest[0]
		}
		r("+OK\n")
		ch.info.APIs = append(ch.info.APIs, "uuid_kill "+cause)
		n.hangupLocked(ch, cause)
	})
}

func apiUUIDSetvar(n *Node, arg string, r func(string)) {
	withChannel(n, arg, r, func(ch *channel, rest []string) {
		if len(rest) == 0 {
			r("-USAGE: uuid_setvar <uuid> <var> [value]\n")
			return
		}
		if len(rest) == 1 {
			ch.vars.unset(rest[0])
		} else {
			ch.vars.set(rest[0], strings.Join(rest[1:], " "))
		}
		r("+OK\n")
	})
}

// apiUUIDGetvar answers the bare value (no newline), _undef_ when unset.
func apiUUIDGetvar(n *Node, arg string, r func(string)) {
	withChannel(n, arg, r, func(ch *channel, rest []string) {
		if len(rest) == 0 {
			r("-USAGE: uuid_getvar <uuid> <var>\n")
			return
		}
		v, ok := ch.vars.get(rest[0])
		if !ok {
			v = "_undef_"
		}
		r(v)
	})
}

func apiUUIDRecord(n *Node, arg string, r func(string)) {
	withChannel(n, arg, r, func(ch *channel, rest []string) {
		if len(rest) < 2 || rest[0] != "start" && rest[0] != "stop" {
			r("-USAGE: <uuid> [start|stop|mask|unmask] <path> [<limit>]\n")
			return
		}
		r("+OK Success\n")
		ch.info.APIs = append(ch.info.APIs, "uuid_record "+rest[0]+" "+rest[1])
		if rest[0] == "start" {
			n.recordStartLocked(ch, rest[1])
		} else {
			n.recordStopLocked(ch, rest[1])
		}
	})
}

func apiUUIDTransfer(n *Node, arg string, r func(string)) {
	withChannel(n, arg, r, func(ch *channel, rest []string) {
		if len(rest) > 0 && strings.HasPrefix(rest[0], "-") {
			if rest[0] == "-bleg" && ch.peer != nil {
				ch = ch.peer
			}
			rest = rest[1:]
		}
		if len(rest) == 0 {
			r("-USAGE: <uuid> [-bleg|-both] <dest-exten> [<dialplan>] [<context>]\n")
			return
		}
		r("+OK\n")
		n.transferLocked(ch, rest)
	})
}

// apiUUIDBridge joins two channels; parked legs leave park first.
func apiUUIDBridge(n *Node, arg string, r func(string)) {
	f := strings.Fields(arg)
	if len(f) != 2 {
		r("-USAGE: <uuid> <other_uuid>\n")
		return
	}
	a, b := n.channels[f[0]], n.channels[f[1]]
	if a == nil || b == nil || !a.live() || !b.live() {
		r("-ERR Invalid uuid\n")
		return
	}
	r("+OK " + b.uuid + "\n")
	a.other, b.other, a.otherIsB, b.otherIsB = b.snapshot(), a.snapshot(), true, false
	for _, ch := range []*channel{a, b} {
		ch.profile.transferSource = "uuid_bridge"
		n.stopBroadcastLocked(ch) // switch_ivr_uuid_bridge stops broadcasts on both legs
		n.leaveAppLocked(ch)
		if ch.peer != nil {
			n.endBridgeLocked(ch)
		}
	}
	for _, ch := range []*channel{a, b} {
		n.chanEventLocked(ch, "CHANNEL_EXECUTE", true, header{"Application", "uuid_bridge"},
			header{"Application-Data", a.uuid + " " + b.uuid})
	}
	n.bridgeLocked(a, b, false)
}

// leaveAppLocked ends a park at once (UNPARK and EXECUTE_COMPLETE before
// CHANNEL_BRIDGE, as in capture 09) and stops any other application.
func (n *Node) leaveAppLocked(ch *channel) {
	a := ch.app
	if ch.parked && a == nil {
		ch.parked = false
		n.chanEventLocked(ch, "CHANNEL_UNPARK", true)
		return
	}
	if a == nil {
		return
	}
	if a.name == "park" {
		ch.parked = false
		n.chanEventLocked(ch, "CHANNEL_UNPARK", true)
		n.appCompleteLocked(ch, a, "_none_")
		a.completed = true
	}
	a.stopLocked()
	if ch.outer != nil { // the media application it ran inside ends too
		ch.outer.stopLocked()
	}
}

func apiUUIDBreak(n *Node, arg string, r func(string)) {
	withChannel(n, arg, r, func(ch *channel, _ []string) {
		r("+OK\n")
		ch.info.APIs = append(ch.info.APIs, "uuid_break")
		if ch.app != nil && ch.app.name != "park" && ch.app.name != "bridge" && ch.app.name != "conference" {
			ch.app.stopLocked()
		}
	})
}

func apiUUIDBroadcast(n *Node, arg string, r func(string)) {
	withChannel(n, arg, r, func(ch *channel, rest []string) {
		if len(rest) == 0 {
			r("-USAGE: <uuid> <path> [aleg|bleg|holdb|both]\n")
			return
		}
		r("+OK Message sent\n")
		app, appArg := "playback", rest[0]
		if name, a, ok := strings.Cut(rest[0], "::"); ok {
			app, appArg = name, a
		}
		ch.queue = append([]appReq{{name: app, arg: appArg, source: "api"}}, ch.queue...)
		ch.signal()
	})
}

func apiUUIDAnswer(n *Node, arg string, r func(string)) {
	withChannel(n, arg, r, func(ch *channel, _ []string) {
		r("+OK\n")
		n.answerLocked(ch)
	})
}

// apiUUIDSendDTMF sends digits to the channel's far end; fssim records them.
func apiUUIDSendDTMF(n *Node, arg string, r func(string)) {
	withChannel(n, arg, r, func(ch *channel, rest []string) {
		if len(rest) == 0 {
			r("-USAGE: <uuid> <dtmf_data>\n")
			return
		}
		ch.info.SentDTMF += rest[0]
		r("+OK Success\n")
	})
}

// apiUUIDAudio is mod_commands' uuid_audio: `start read|write mute|level
// LEVEL` or `stop`. A read mute (LEVEL not 0) silences the channel's voice
// toward everyone, a write mute silences what it hears (switch_ivr_session_audio);
// stop ends both. Levels are accepted and not modelled.
func apiUUIDAudio(n *Node, arg string, r func(string)) {
	withChannel(n, arg, r, func(ch *channel, rest []string) {
		switch {
		case len(rest) >= 1 && rest[0] == "stop":
			ch.muted, ch.deaf = false, false
		case len(rest) >= 4 && rest[0] == "start" && (rest[1] == "read" || rest[1] == "write") && (rest[2] == "mute" || rest[2] == "level"):
			if on := atoiDefault(rest[3], 0) != 0; rest[2] == "mute" && rest[1] == "read" {
				ch.muted = on
			} else if rest[2] == "mute" {
				ch.deaf = on
			}
		default:
			r("-USAGE: <uuid> [start [read|write] [mute|level <level>]|stop]\n")
			return
		}
		ch.info.Muted = ch.muted
		ch.info.APIs = append(ch.info.APIs, "uuid_audio "+strings.Join(rest, " "))
		r("+OK\n")
	})
}
