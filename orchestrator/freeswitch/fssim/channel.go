package fssim

import (
	"strconv"
	"time"
)

// channel is one simulated call leg. All fields are guarded by Node.mu; the
// channel's goroutine (run) waits for media and timers without the lock.
type channel struct {
	uuid       string
	name       string // e.g. sofia/external/1001@127.0.0.1
	presenceID string // user@domain for legs to registered users
	direction  string // inbound (caller) or outbound (originated leg)
	created    time.Time

	profile profile
	vars    vars

	state       string // CS_*
	callState   string // DOWN, RINGING, EARLY, ACTIVE, HELD, HANGUP
	answerState string // ringing, early, answered, hangup
	media       bool   // codec negotiated: codec headers appear
	answeredAt  time.Time
	hangupCause string
	held        bool // uuid_hold: its endpoint was re-INVITEd sendonly, its bridge carries no audio
	muted       bool // uuid_audio start read mute (or a muted conference member): its voice reaches nobody
	deaf        bool // uuid_audio start write mute: nothing reaches it

	eavesdroppers []*eavesdrop // eavesdrop media bugs on this channel
	eavesdrop     *eavesdrop   // the eavesdrop this channel runs, as the eavesdropper

	peer          *channel // bridged with
	other         *channel // the last leg it was bridged with: Other-Leg-* stays after the bridge
	bond          *channel // signal_bond: the partner of its last bridge, where its hold music goes; a transfer clears it
	otherIsB      bool
	bridgeA       bool   // this leg is Bridge-A (the one that called bridge)
	bridgeApp     bool   // the bridge belongs to a running bridge app, which ends it
	sock          *conn  // outbound socket controlling the channel, if any
	socketApp     string // the dialplan socket app's data, for EXECUTE_COMPLETE(socket)
	socketAppUUID string
	lastResponse  string // Application-Response of the last app
	parked        bool
	// intercepted: taken into a bridge by intercept (CF_INTERCEPTED);
	// when that bridge ends the channel is hung up unless it parks.
	intercepted bool
	dialplan    bool        // runs an extension of Config.Dialplan: hangs up when it runs out
	app         *runningApp // the app executing now
	holdApp     *runningApp // a broadcast playing to it: hold music while its partner is held
	ringback    string      // what its bridge application plays to it while the dialled leg rings
	// nest is signalled when applications were queued while a media
	// application runs: FreeSWITCH runs them inside it, at its next frame
	// (runInsideLocked).
	nest chan struct{}
	// outer is the media application running the current one inside it.
	outer *runningApp
	// breakFlag is CF_BREAK as the break application sets it; the next
	// application's start clears it.
	breakFlag bool
	// parkPending: a bridge application ended with park_after_bridge; the
	// channel parks once the applications it ran inside have returned.
	parkPending bool
	// socketGone: the outbound socket closed while the socket application
	// ran an application inside it; the dialplan goes on when it returns
	// (socketLost).
	socketGone bool
	limits     []string // the limit application's resources this channel holds (limit.go)
	recording  map[string]bool
	conf       *member

	queue             []appReq      // apps waiting to run (sendmsg execute, dialplan)
	wake              chan struct{} // signals run that queue or hangup changed
	hungup            chan struct{} // closed at hangup
	done              chan struct{} // closed when the channel is destroyed
	digits            []byte        // DTMF received and not consumed
	digitCh           chan struct{} // signalled on each digit
	phone             *phone        // for legs to a simulated phone
	callerHangupAfter time.Duration
	talkFor           time.Duration // PhoneScript.TalkFor, until the first bridge starts it
	fallback          []DialplanApp // after the socket application (IncomingCall.Fallback)
	info              *CallInfo     // what tests observe
}

// profile is the caller profile FreeSWITCH prints as Caller-*, Channel-*
// (CHANNEL_DATA) and Other-Leg-*.
type profile struct {
	username, callerName, callerNumber, ani, dest, context, source, network string
	calleeName, calleeNumber                                                string
	hasCallee                                                               bool // set once the channel dialled out
	transferSource, rdnis, dialplan                                         string
	original                                                                *profile // caller id before a swap
	created                                                                 time.Time
}

// orig is the profile as created (Orig-Caller-ID-* never change).
func (p *profile) orig() *profile {
	if p.original != nil {
		return p.original
	}
	return p
}

// vars keeps channel variables in insertion order, as FreeSWITCH prints them.
type vars struct {
	names []string
	vals  map[string]string
}

func (v *vars) set(name, value string) {
	if v.vals == nil {
		v.vals = make(map[string]string)
	}
	if _, ok := v.vals[name]; !ok {
		v.names = append(v.names, name)
	}
	v.vals[name] = value
}

func (v *vars) unset(name string) {
	if _, ok := v.vals[name]; !ok {
		return
	}
	delete(v.vals, name)
	for i, n := range v.names {
		if n == name {
			v.names = append(v.names[:i], v.names[i+1:]...)
			return
		}
	}
}

func (v *vars) get(name string) (string, bool) {
	s, ok := v.vals[name]
	return s, ok
}

func (v *vars) truthy(name string) bool { return truthy(v.vals[name]) }

// truthy is switch_true.
func truthy(s string) bool {
	switch s {
	case "true", "yes", "on", "1", "enabled", "active", "allow", "t", "y":
		return true
	}
	return false
}

var stateNumbers = map[string]int{
	"CS_NEW": 0, "CS_INIT": 1, "CS_ROUTING": 2, "CS_SOFT_EXECUTE": 3, "CS_EXECUTE": 4,
	"CS_EXCHANGE_MEDIA": 5, "CS_PARK": 6, "CS_CONSUME_MEDIA": 7, "CS_HIBERNATE": 8,
	"CS_RESET": 9, "CS_HANGUP": 10, "CS_REPORTING": 11, "CS_DESTROY": 12,
}

// channelData appends the headers switch_channel_event_set_basic_data and
// caller-profile data add: state, identity, codec (once media is up), the
// caller profile, the other leg when bridged, and optionally the variables.
func (c *channel) channelData(e *event, withVars bool) {
	e.add("Channel-State", c.state)
	e.add("Channel-Call-State", c.callState)
	e.add("Channel-State-Number", strconv.Itoa(stateNumbers[c.state]))
	e.add("Channel-Name", c.name)
	e.add("Unique-ID", c.uuid)
	e.add("Call-Direction", c.direction)
	e.add("Presence-Call-Direction", c.direction)
	e.add("Channel-HIT-Dialplan", strconv.FormatBool(c.direction == "inbound"))
	e.add("Channel-Presence-ID", c.presenceID)
	e.add("Channel-Call-UUID", c.uuid)
	e.add("Answer-State", c.answerState)
	if c.hangupCause != "" {
		e.add("Hangup-Cause", c.hangupCause)
	}
	if c.media {
		c.codecHeaders(e, "Channel-")
	}
	c.profileHeaders(e, "Caller-", true)
	if c.other != nil {
		if c.otherIsB {
			e.add("Other-Type", "originatee")
		} else {
			e.add("Other-Type", "originator")
		}
		c.other.profileHeaders(e, "Other-Leg-", false)
	}
	if withVars {
		c.varHeaders(e)
	}
}

func (c *channel) codecHeaders(e *event, prefix string) {
	e.add(prefix+"Read-Codec-Name", "PCMU")
	e.add(prefix+"Read-Codec-Rate", "8000")
	e.add(prefix+"Read-Codec-Bit-Rate", "64000")
	e.add(prefix+"Write-Codec-Name", "PCMU")
	e.add(prefix+"Write-Codec-Rate", "8000")
	e.add(prefix+"Write-Codec-Bit-Rate", "64000")
}

func (c *channel) varHeaders(e *event) {
	for _, n := range c.vars.names {
		e.add("variable_"+n, c.vars.vals[n])
	}
}

// profileHeaders prints the caller profile with prefix. The channel's own
// profile has Profile-Index; the other leg's has the callee fields instead.
func (c *channel) profileHeaders(e *event, prefix string, own bool) {
	p := c.profile
	micros := func(t time.Time) string {
		if t.IsZero() {
			return "0"
		}
		return strconv.FormatInt(t.UnixMicro(), 10)
	}
	e.add(prefix+"Direction", c.direction)
	e.add(prefix+"Logical-Direction", c.direction)
	e.add(prefix+"Username", p.username)
	e.add(prefix+"Dialplan", p.dialplan)
	e.add(prefix+"Caller-ID-Name", p.callerName)
	e.add(prefix+"Caller-ID-Number", p.callerNumber)
	e.add(prefix+"Orig-Caller-ID-Name", p.orig().callerName)
	e.add(prefix+"Orig-Caller-ID-Number", p.orig().callerNumber)
	if !own || p.hasCallee {
		e.add(prefix+"Callee-ID-Name", p.calleeName)
		e.add(prefix+"Callee-ID-Number", p.calleeNumber)
	}
	e.add(prefix+"Network-Addr", p.network)
	e.add(prefix+"ANI", p.ani)
	e.add(prefix+"Destination-Number", p.dest)
	e.add(prefix+"Unique-ID", c.uuid)
	e.add(prefix+"Source", p.source)
	if own {
		e.add(prefix+"Transfer-Source", p.transferSource)
	}
	e.add(prefix+"Context", p.context)
	if own {
		e.add(prefix+"RDNIS", p.rdnis)
	}
	e.add(prefix+"Channel-Name", c.name)
	if own {
		e.add(prefix+"Profile-Index", "1")
	}
	e.add(prefix+"Profile-Created-Time", micros(p.created))
	e.add(prefix+"Channel-Created-Time", micros(c.created))
	e.add(prefix+"Channel-Answered-Time", micros(c.answeredAt))
	for _, f := range []string{"Progress-Time", "Progress-Media-Time", "Hangup-Time",
		"Transfer-Time", "Resurrect-Time", "Bridged-Time", "Last-Hold", "Hold-Accum"} {
		e.add(prefix+"Channel-"+f, "0")
	}
	e.add(prefix+"Screen-Bit", "true")
	e.add(prefix+"Privacy-Hide-Name", "false")
	e.add(prefix+"Privacy-Hide-Number", "false")
}

// snapshot copies what Other-Leg-* shows of c: FreeSWITCH keeps a copy of
// the other leg's profile, later changes (a transfer) do not show.
func (c *channel) snapshot() *channel {
	return &channel{uuid: c.uuid, name: c.name, direction: c.direction, created: c.created,
		answeredAt: c.answeredAt, profile: c.profile}
}

// live reports whether the channel has not hung up yet.
func (c *channel) live() bool { return c.hangupCause == "" }

// signal wakes the channel goroutine without blocking.
func (c *channel) signal() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}
