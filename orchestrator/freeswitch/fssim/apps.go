package fssim

import (
	"strings"
	"time"

	"github.com/google/uuid"
)

// appReq is an application queued on a channel (sendmsg execute, dialplan).
type appReq struct {
	name, arg string
	eventUUID string // Event-UUID from sendmsg; comes back as Application-UUID
	source    string // "sendmsg", "dialplan", "api"
	loops     int
}

// runningApp is the application a channel executes now.
type runningApp struct {
	name, arg, uuid string
	stop            chan struct{} // closed by uuid_break / park release
	completed       bool          // EXECUTE_COMPLETE already sent (park released by uuid_bridge)
}

// stopped reports whether the app was told to end early.
func (a *runningApp) stopped() bool {
	select {
	case <-a.stop:
		return true
	default:
		return false
	}
}

// stopLocked ends the app early, once.
func (a *runningApp) stopLocked() {
	select {
	case <-a.stop:
	default:
		close(a.stop)
	}
}

// appFunc runs an application without the node lock and returns its
// Application-Response.
type appFunc func(n *Node, ch *channel, app *runningApp) string

var apps map[string]appFunc

func init() {
	apps = map[string]appFunc{
		"limit": limitApp,
		"answer": func(n *Node, ch *channel, _ *runningApp) string {
			n.locked(func() { n.answerLocked(ch) })
			return "_none_"
		},
		"pre_answer": func(n *Node, ch *channel, _ *runningApp) string {
			n.locked(func() { n.preAnswerLocked(ch) })
			return "_none_"
		},
		"playback":            appPlayback,
		"endless_playback":    appEndlessPlayback,
		"speak":               appSpeak,
		"play_and_get_digits": appPlayAndGetDigits,
		"set":                 appSet,
		"export":              appSet,
		"unset": func(n *Node, ch *channel, a *runningApp) string {
			n.locked(func() { ch.vars.unset(a.arg) })
			return "_none_"
		},
		"hangup":              appHangup,
		"park":                appPark,
		"bridge":              appBridge,
		"sleep":               appSleep,
		"conference":          appConference,
		"eavesdrop":           appEavesdrop,
		"record_session":      appRecordSession,
		"stop_record_session": appStopRecordSession,
		"transfer":            appTransfer,
		"intercept":           appIntercept,
		"log":                 func(*Node, *channel, *runningApp) string { return "_none_" },
		"info":                func(*Node, *channel, *runningApp) string { return "_none_" },
		"send_dtmf":           func(*Node, *channel, *runningApp) string { return "_none_" },
		// break sets CF_BREAK: inside a media application it ends it
		// (runNested); at the top of the queue it has nothing to break, and
		// the next application's start clears it.
		"break": func(n *Node, ch *channel, _ *runningApp) string {
			n.locked(func() { ch.breakFlag = true })
			return "_none_"
		},
		"multiset": appMultiset,
	}
}

// appMultiset is multiset: "a=1 b=2", or "^^Xa=1Xb=2" with X as the
// delimiter (mod_dptools multiset_function).
func appMultiset(n *Node, ch *channel, a *runningApp) string {
	arg, delim := a.arg, " "
	if rest, ok := strings.CutPrefix(arg, "^^"); ok && rest != "" {
		delim, arg = rest[:1], rest[1:]
	}
	n.locked(func() {
		for _, kv := range strings.Split(arg, delim) {
			if name, value, ok := strings.Cut(kv, "="); ok && strings.TrimSpace(name) != "" {
				ch.vars.set(strings.TrimSpace(name), value)
			}
		}
	})
	return "_none_"
}

// runInsideLocked makes what was just queued on ch run inside the media
// application ch runs now (playback, speak, play_and_get_digits,
// endless_playback), at its next frame (20 ms), as FreeSWITCH does
// (switch_ivr_play_file parses the channel's events each frame; captures 14
// and 14b, and FreeSWITCH's log: `Command Execute [depth=2]`): the media
// pauses while they run and goes on after them, unless one of them was
// break, or a bridge application that parked the channel (both end it).
// An application that ends first leaves the queue to run in order. Inside
// other applications (a bridge's ringing and its bridge, which FreeSWITCH
// parses too) fssim does not run them: they wait their turn.
func (n *Node) runInsideLocked(ch *channel) {
	a := ch.app
	if a == nil || !mediaApps[a.name] || !ch.live() {
		return
	}
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		if !n.sleep(20*time.Millisecond, ch.hungup) {
			return
		}
		n.locked(func() {
			if ch.app == a && len(ch.queue) > 0 {
				select {
				case ch.nest <- struct{}{}:
				default:
				}
			}
		})
	}()
}

// runNested runs the queued applications inside the media application a
// (see runInsideLocked), then gives a back its place. It reports whether a
// goes on: not after a break, a hangup or a park.
func (n *Node) runNested(ch *channel, a *runningApp) bool {
	for {
		n.mu.Lock()
		if len(ch.queue) == 0 || !ch.live() || ch.breakFlag || ch.parkPending {
			goOn := ch.live() && !ch.breakFlag && !ch.parkPending
			ch.breakFlag = false
			n.mu.Unlock()
			return goOn
		}
		req := ch.queue[0]
		ch.queue = ch.queue[1:]
		ch.outer = a
		n.mu.Unlock()
		n.execApp(ch, req)
		n.locked(func() { ch.app, ch.outer = a, nil })
	}
}

// locked runs f with the node lock held.
func (n *Node) locked(f func()) {
	n.mu.Lock()
	defer n.mu.Unlock()
	f()
}

// execApp runs one application: CHANNEL_EXECUTE, the app, then
// CHANNEL_EXECUTE_COMPLETE with its response. An unknown application hangs
// the channel up with DESTINATION_OUT_OF_ORDER, as FreeSWITCH does.
func (n *Node) execApp(ch *channel, req appReq) {
	fn := apps[req.name]
	n.mu.Lock()
	if req.source == "dialplan" && strings.Contains(req.arg, "${") {
		// FreeSWITCH expands every application's data; only the
		// dialplan's is expanded here (expandVars)
		req.arg = expandVars(ch, req.arg)
	}
	ch.info.Apps = append(ch.info.Apps, AppRecord{Name: req.name, Arg: req.arg, Source: req.source, At: time.Now()})
	if fn == nil || !ch.live() {
		if fn == nil {
			n.hangupLocked(ch, "DESTINATION_OUT_OF_ORDER")
		}
		n.mu.Unlock()
		return
	}
	ch.breakFlag = false // switch_core_session_exec clears CF_BREAK
	app := &runningApp{name: req.name, arg: req.arg, uuid: req.eventUUID, stop: make(chan struct{})}
	if app.uuid == "" {
		app.uuid = uuid.NewString()
	}
	ch.app = app
	ch.vars.set("current_application_data", req.arg)
	ch.vars.set("current_application", req.name)
	e := n.newEventLocked("CHANNEL_EXECUTE", "", "switch_core_session.c", "switch_core_session_exec", 2944)
	e.uuid = ch.uuid
	ch.channelData(e, true)
	e.add("Application", app.name)
	if app.arg != "" {
		e.add("Application-Data", app.arg)
	}
	e.add("Application-UUID", app.uuid)
	n.emitLocked(e)
	n.mu.Unlock()

	resp := fn(n, ch, app)

	n.mu.Lock()
	defer n.mu.Unlock()
	ch.app = nil
	if !app.completed {
		n.appCompleteLocked(ch, app, resp)
	}
	rec := &ch.info.Apps[len(ch.info.Apps)-1]
	rec.Response = resp
}

// appCompleteLocked emits CHANNEL_EXECUTE_COMPLETE.
func (n *Node) appCompleteLocked(ch *channel, app *runningApp, resp string) {
	ch.lastResponse = resp
	e := n.newEventLocked("CHANNEL_EXECUTE_COMPLETE", "", "switch_core_session.c", "switch_core_session_exec", 2974)
	e.uuid = ch.uuid
	ch.channelData(e, true)
	e.add("Application", app.name)
	if app.arg != "" {
		e.add("Application-Data", app.arg)
	}
	e.add("Application-Response", resp)
	e.add("Application-UUID", app.uuid)
	n.emitLocked(e)
}

// interrupted returns a channel closed when the app must end early
// (hangup, uuid_break, node shutdown) and a release func that ends the
// watcher when the app finished normally.
func (n *Node) interrupted(ch *channel, app *runningApp) (<-chan struct{}, func()) {
	stop, done := make(chan struct{}), make(chan struct{})
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		select {
		case <-ch.hungup:
		case <-app.stop:
		case <-n.ctx.Done():
		case <-done:
			return
		}
		close(stop)
	}()
	return stop, func() { close(done) }
}

func appSet(n *Node, ch *channel, a *runningApp) string {
	name, value, _ := strings.Cut(a.arg, "=")
	n.locked(func() { ch.vars.set(strings.TrimSpace(name), value) })
	return "_none_"
}

func appHangup(n *Node, ch *channel, a *runningApp) string {
	n.locked(func() { n.hangupLocked(ch, strings.TrimSpace(a.arg)) })
	return "_none_"
}

func appSleep(n *Node, ch *channel, a *runningApp) string {
	ms := atoiDefault(strings.TrimSpace(a.arg), 0)
	n.sleep(time.Duration(ms)*time.Millisecond, ch.hungup)
	return "_none_"
}

// appPark holds the channel until it is hung up or taken (uuid_bridge,
// uuid_transfer), then reports CHANNEL_UNPARK. Like switch_ivr_park it runs
// applications queued meanwhile (sendmsg, uuid_broadcast) and stays parked
// (capture 09: uuid_broadcast plays on a parked channel without UNPARK).
func appPark(n *Node, ch *channel, a *runningApp) string {
	n.locked(func() {
		ch.parked = true
		n.chanEventLocked(ch, "CHANNEL_PARK", true)
	})
	for n.parkedStep(ch, a) {
	}
	n.locked(func() {
		// A park ended by uuid_bridge (leaveAppLocked: completed) was
		// unparked there; the channel may be parked again since by
		// park_after_bridge, which is not this app's to undo.
		if ch.parked && !a.completed {
			ch.parked = false
			n.chanEventLocked(ch, "CHANNEL_UNPARK", true)
		}
	})
	return "_none_"
}

// parkedStep runs one queued application or waits; false ends the park.
func (n *Node) parkedStep(ch *channel, park *runningApp) bool {
	n.mu.Lock()
	if len(ch.queue) > 0 && ch.live() && !park.completed {
		req := ch.queue[0]
		ch.queue = ch.queue[1:]
		n.mu.Unlock()
		n.execApp(ch, req)
		n.locked(func() {
			n.parkIfPendingLocked(ch)
			if ch.app == nil && ch.parked {
				ch.app = park
			}
		})
		return true
	}
	n.mu.Unlock()
	select {
	case <-ch.hungup:
		return false
	case <-park.stop:
		return false
	case <-n.ctx.Done():
		return false
	case <-ch.wake:
		return true
	}
}
