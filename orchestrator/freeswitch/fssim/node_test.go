package fssim

import (
	"context"
	"net"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/esl"
)

func fastNode(t testing.TB) *Node {
	t.Helper()
	n, err := Start(Config{Heartbeat: -1, Speed: 20})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Close)
	return n
}

func TestOriginateOutcomes(t *testing.T) {
	n := fastNode(t)
	n.RegisterPhone("1000", "dom", PhoneScript{AnswerAfter: time.Second})
	n.RegisterPhone("1001", "dom", PhoneScript{Busy: true})
	n.RegisterPhone("1002", "dom", PhoneScript{NoAnswer: true})
	c := inbound(t, n)
	c.send("event json BACKGROUND_JOB CHANNEL_PARK")
	c.frame()
	cases := []struct{ dial, want string }{
		{"{origination_uuid=u-1}user/1000@dom &park()", "+OK u-1\n"},
		{"user/1001@dom &park()", "-ERR USER_BUSY\n"},
		{"{originate_timeout=2}user/1002@dom &park()", "-ERR NO_ANSWER\n"},
		{"user/1009@dom &park()", "-ERR USER_NOT_REGISTERED\n"},
	}
	for i, tc := range cases {
		job := "job-" + string(rune('a'+i))
		c.send("bgapi originate " + tc.dial + "\nJob-UUID: " + job)
		f, _ := c.until(func(f *esl.Frame, _ *esl.Event) bool { return f.ContentType() == esl.TypeCommandReply })
		if f.Get("Job-UUID") != job {
			t.Errorf("%s: reply Job-UUID %q, want the client's %q", tc.dial, f.Get("Job-UUID"), job)
		}
		e := c.event("BACKGROUND_JOB")
		if e.Get("Job-UUID") != job || string(e.Body) != tc.want {
			t.Errorf("%s: BACKGROUND_JOB %q body %q, want %q", tc.dial, e.Get("Job-UUID"), e.Body, tc.want)
		}
		if i == 0 { // the app runs after the job reports
			if e := c.event("CHANNEL_PARK"); e.UUID() != "u-1" {
				t.Errorf("park on %q, want u-1", e.UUID())
			}
		}
	}
}

func TestAPIQuirks(t *testing.T) {
	n := fastNode(t)
	c := inbound(t, n)
	for cmd, want := range map[string]string{
		"uuid_hold 00000000-0000-0000-0000-000000000000": "+OK Success\n",
		"uuid_kill 00000000-0000-0000-0000-000000000000": "-ERR No such channel!\n",
		"show channels as json":                          "{\"row_count\": 0}\n",
		"show registrations as json":                     "{\"row_count\": 0}\n",
		"this_is_not_a_command":                          "-ERR this_is_not_a_command Command not found!\n",
		"conference nope list":                           "-ERR Conference nope not found\n",
	} {
		if got := c.api(cmd); got != want {
			t.Errorf("api %s = %q, want %q", cmd, got, want)
		}
	}
}

func TestRegistrationEvents(t *testing.T) {
	n := fastNode(t)
	c := inbound(t, n)
	c.send("event json CUSTOM sofia::register sofia::unregister sofia::expire")
	c.frame()
	n.RegisterPhone("1000", "dom", PhoneScript{})
	if e := c.event("CUSTOM"); e.Subclass() != "sofia::register" || e.Get("username") != "1000" {
		t.Errorf("got %s %s", e.Subclass(), e.Get("username"))
	}
	if body := c.api("sofia status profile internal reg"); !strings.Contains(body, "User:       \t1000@dom") || !strings.Contains(body, "Total items returned: 1") {
		t.Errorf("sofia reg:\n%s", body)
	}
	n.ExpirePhone("1000", "dom")
	if e := c.event("CUSTOM"); e.Subclass() != "sofia::expire" {
		t.Errorf("got %s, want sofia::expire", e.Subclass())
	}
	if err := n.UnregisterPhone("1000", "dom"); err == nil {
		t.Error("unregistering an expired phone must fail")
	}
}

// controller accepts one outbound socket and does connect + myevents json.
func controller(t testing.TB, n *Node, in IncomingCall) (*eslClient, *Call) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	call, err := n.PlaceCall(context.Background(), ln.Addr().String(), in)
	if err != nil {
		t.Fatal(err)
	}
	nc, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	c := newClient(t, nc)
	c.send("connect")
	if f := c.frame(); f.Get("Unique-ID") != call.UUID() || f.Get("Reply-Text") != "%2BOK%0A" {
		t.Fatalf("connect reply Unique-ID %q Reply-Text %q", f.Get("Unique-ID"), f.Get("Reply-Text"))
	}
	c.send("myevents json")
	c.frame()
	return c, call
}

func execute(c *eslClient, app, arg string) {
	c.send("sendmsg\ncall-command: execute\nexecute-app-name: " + app + "\nexecute-app-arg: " + arg)
}

func TestCollectDigitsAndRecorder(t *testing.T) {
	n := fastNode(t)
	c, call := controller(t, n, IncomingCall{From: "100", To: "9100", Vars: map[string]string{"sb_tenant": "acme"},
		DTMF: Presses("12#", 200*time.Millisecond)})
	execute(c, "answer", "")
	// The '#' ends the collection, so the timeouts never elapse when the
	// node works. They are 200 simulated seconds (10 s at speed 20, within
	// the connection's 30 s deadline) because the presses come from a
	// goroutine of their own: with 5 s (250 ms) a loaded machine once paused
	// it between two presses long enough for the inter-digit timeout to end
	// the collection at "1".
	execute(c, "play_and_get_digits", "1 4 1 200000 # tone_stream://%(1000,0,350) silence_stream://250 digits \\d+")
	_, e := c.until(func(_ *esl.Frame, e *esl.Event) bool {
		return e != nil && e.Name() == "CHANNEL_EXECUTE_COMPLETE" && e.Get("Application") == "play_and_get_digits"
	})
	if e.Get("variable_digits") != "12" || e.Get("variable_read_terminator_used") != "#" {
		t.Errorf("digits %q terminator %q", e.Get("variable_digits"), e.Get("variable_read_terminator_used"))
	}
	if e.Get("variable_sb_tenant") != "acme" {
		t.Errorf("sb_tenant = %q", e.Get("variable_sb_tenant"))
	}
	c.send("sendmsg\ncall-command: hangup\nhangup-cause: NORMAL_CLEARING")
	c.until(func(f *esl.Frame, _ *esl.Event) bool { return f.ContentType() == esl.TypeDisconnectNotice })
	<-call.Done()
	info := call.Info()
	var names []string
	for _, a := range info.Apps {
		names = append(names, a.Name)
	}
	if strings.Join(names, ",") != "answer,play_and_get_digits" || info.DTMF != "12#" || info.HangupCause != "NORMAL_CLEARING" {
		t.Errorf("recorded %v dtmf %q cause %q", names, info.DTMF, info.HangupCause)
	}
}

func TestDropRefusesConnections(t *testing.T) {
	n := fastNode(t)
	c := inbound(t, n)
	n.Drop()
	if _, err := c.r.ReadFrame(); err == nil {
		t.Error("inbound connection still open after Drop")
	}
	if nc, err := net.Dial("tcp", n.Addr()); err == nil {
		nc.Close()
		t.Error("node accepted a connection while dropped")
	}
	if err := n.Restore(); err != nil {
		t.Fatal(err)
	}
	inbound(t, n)
}

// TestCloseStopsEverything: every goroutine the node started (connections,
// channels, timers, watchers) ends with Close.
func TestCloseStopsEverything(t *testing.T) {
	before := runtime.NumGoroutine()
	n, err := Start(Config{Heartbeat: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	n.RegisterPhone("1000", "dom", PhoneScript{NoAnswer: true})
	lc := newLoadController(t)
	for i := 0; i < 20; i++ {
		if _, err := n.PlaceCall(context.Background(), lc.ln.Addr().String(), IncomingCall{From: "x", To: "y"}); err != nil {
			t.Fatal(err)
		}
	}
	c := inbound(t, n)
	c.send("bgapi originate user/1000@dom &park()")
	waitFor(t, 5*time.Second, func() bool { return lc.answered.Load() == 20 })
	n.Close()
	lc.close()
	c.nc.Close()
	waitFor(t, 5*time.Second, func() bool { return runtime.NumGoroutine() <= before })
}

// TestSocketLossContinuesDialplan: when the controller drops the outbound
// socket of a call it controls, FreeSWITCH does not hang it up: the socket
// application returns and the extension goes on with its next action, the
// fallback (none: the call is cleared as an extension that ran out).
func TestSocketLossContinuesDialplan(t *testing.T) {
	for _, fb := range [][]DialplanApp{nil, {{"playback", "fallback.wav"}, {"hangup", "NORMAL_TEMPORARY_FAILURE"}}} {
		n := fastNode(t)
		c, call := controller(t, n, IncomingCall{From: "100", To: "9100", Fallback: fb})
		execute(c, "answer", "")
		c.event("CHANNEL_ANSWER")
		c.nc.Close()
		select {
		case <-call.Done():
		case <-time.After(5 * time.Second):
			t.Fatal("call still up after its socket closed")
		}
		info := call.Info()
		if fb == nil && (info.HangupCause != "NORMAL_CLEARING" || len(info.Played) != 0) {
			t.Errorf("no fallback: cause %q, played %v", info.HangupCause, info.Played)
		}
		if fb != nil && (info.HangupCause != "NORMAL_TEMPORARY_FAILURE" || len(info.Played) != 1) {
			t.Errorf("fallback: cause %q, played %v: want the fallback to run", info.HangupCause, info.Played)
		}
	}
}

// TestSocketLossKeepsBridge: a caller whose bridge application runs when its
// socket closes stays bridged; when the agent hangs up the caller falls into
// the fallback (issue 13, seen on a real 1.10.12), unless
// hangup_after_bridge is set by then: it is hung up with the bridge.
func TestSocketLossKeepsBridge(t *testing.T) {
	for _, hup := range []bool{false, true} {
		n := fastNode(t)
		n.RegisterPhone("1000", "dom", PhoneScript{})
		c, call := controller(t, n, IncomingCall{From: "100", To: "9100",
			Fallback: []DialplanApp{{"playback", "fallback.wav"}, {"hangup", "NORMAL_TEMPORARY_FAILURE"}}})
		execute(c, "answer", "")
		execute(c, "bridge", "user/1000@dom")
		br := c.event("CHANNEL_BRIDGE")
		api := inbound(t, n)
		if hup {
			if got := api.api("uuid_setvar " + call.UUID() + " hangup_after_bridge true"); got != "+OK\n" {
				t.Fatalf("uuid_setvar: %q", got)
			}
		}
		c.nc.Close()
		waitFor(t, 5*time.Second, func() bool { return slices.Contains(call.Info().APIs, "socket lost") })
		if info := call.Info(); info.HangupCause != "" || len(info.Played) != 0 {
			t.Fatalf("socket lost: caller %+v, want it bridged still", info)
		}
		if got := api.api("uuid_kill " + br.Get("Bridge-B-Unique-ID")); got != "+OK\n" {
			t.Fatalf("uuid_kill: %q", got)
		}
		select {
		case <-call.Done():
		case <-time.After(5 * time.Second):
			t.Fatal("caller still up after the agent hung up")
		}
		info := call.Info()
		if hup && (info.HangupCause != "NORMAL_CLEARING" || len(info.Played) != 0) {
			t.Errorf("hangup_after_bridge: cause %q, played %v: want hung up with the bridge", info.HangupCause, info.Played)
		}
		if !hup && (info.HangupCause != "NORMAL_TEMPORARY_FAILURE" || len(info.Played) != 1) {
			t.Errorf("cause %q, played %v: want the fallback after the bridge", info.HangupCause, info.Played)
		}
	}
}

// TestTransferBLegKeepsCaller: uuid_transfer of the dialled leg ends the
// caller's bridge application; the caller stays up.
func TestTransferBLegKeepsCaller(t *testing.T) {
	n := fastNode(t)
	n.RegisterPhone("1000", "dom", PhoneScript{})
	c, call := controller(t, n, IncomingCall{From: "100", To: "9100"})
	execute(c, "answer", "")
	execute(c, "bridge", "user/1000@dom")
	br := c.event("CHANNEL_BRIDGE")
	api := inbound(t, n)
	if got := api.api("uuid_transfer " + br.Get("Bridge-B-Unique-ID") + " 9300"); got != "+OK\n" {
		t.Fatalf("uuid_transfer: %q", got)
	}
	c.event("CHANNEL_UNBRIDGE")
	_, e := c.until(func(_ *esl.Frame, e *esl.Event) bool {
		return e != nil && e.Name() == "CHANNEL_EXECUTE_COMPLETE" && e.Get("Application") == "bridge"
	})
	if e.UUID() != call.UUID() {
		t.Fatalf("bridge completed on %s", e.UUID())
	}
	if info := call.Info(); info.HangupCause != "" {
		t.Errorf("caller hung up with %s", info.HangupCause)
	}
	if v, _ := n.Var(br.Get("Bridge-B-Unique-ID"), "uuid"); v == "" {
		t.Error("transferred leg is gone")
	}
}

func TestSpeakAndEndlessPlayback(t *testing.T) {
	n := fastNode(t)
	c, call := controller(t, n, IncomingCall{From: "100", To: "9100"})
	execute(c, "answer", "")
	execute(c, "speak", "flite|kal|Welcome to Switchboard")
	_, e := c.until(func(_ *esl.Frame, e *esl.Event) bool {
		return e != nil && e.Name() == "CHANNEL_EXECUTE_COMPLETE" && e.Get("Application") == "speak"
	})
	if e.Get("Application-Response") != "_none_" {
		t.Errorf("speak response %q", e.Get("Application-Response"))
	}
	execute(c, "endless_playback", "silence_stream://0")
	c.event("CHANNEL_EXECUTE")
	if got := inbound(t, n).api("uuid_break " + call.UUID() + " all"); got != "+OK\n" {
		t.Fatalf("uuid_break: %q", got)
	}
	_, e = c.until(func(_ *esl.Frame, e *esl.Event) bool {
		return e != nil && e.Name() == "CHANNEL_EXECUTE_COMPLETE" && e.Get("Application") == "endless_playback"
	})
	if info := call.Info(); len(info.Played) == 0 || info.Played[0] != "speak:Welcome to Switchboard" {
		t.Errorf("played %v", info.Played)
	}
}

// TestSocketLossRunsFallback: with `resume`, the actions after `socket`
// run when the controller goes away mid-call; after a transfer, closing the
// socket changes nothing.
func TestSocketLossRunsFallback(t *testing.T) {
	n := fastNode(t)
	c, call := controller(t, n, IncomingCall{From: "100", To: "9100",
		Fallback: []DialplanApp{{"playback", "fallback.wav"}, {"hangup", "NORMAL_TEMPORARY_FAILURE"}}})
	c.send("resume")
	if f := c.frame(); f.ReplyText() != "+OK" {
		t.Fatalf("resume: %q", f.ReplyText())
	}
	execute(c, "answer", "")
	c.event("CHANNEL_ANSWER")
	c.nc.Close()
	<-call.Done()
	info := call.Info()
	if len(info.Played) != 1 || info.Played[0] != "fallback.wav" || info.HangupCause != "NORMAL_TEMPORARY_FAILURE" {
		t.Errorf("played %v, cause %q: want the fallback to run", info.Played, info.HangupCause)
	}

	c2, call2 := controller(t, n, IncomingCall{From: "101", To: "9100"})
	execute(c2, "answer", "")
	c2.event("CHANNEL_ANSWER")
	if got := inbound(t, n).api("uuid_transfer " + call2.UUID() + " 9300"); got != "+OK\n" {
		t.Fatalf("uuid_transfer: %q", got)
	}
	c2.event("CHANNEL_PARK")
	c2.nc.Close()
	time.Sleep(100 * time.Millisecond)
	if info := call2.Info(); info.HangupCause != "" {
		t.Errorf("transferred call cleared (%s) when the old socket closed", info.HangupCause)
	}
}

// TestSocketEventsBeyondMyevents: myevents does not carry PLAYBACK_* or
// CHANNEL_HOLD (captures 04, 05); an `event` subscription on the socket
// adds them, still only for the socket's own channel.
func TestSocketEventsBeyondMyevents(t *testing.T) {
	n := fastNode(t)
	controller(t, n, IncomingCall{From: "200", To: "9100"}) // another socket call: its events stay away
	c, call := controller(t, n, IncomingCall{From: "100", To: "9100"})
	execute(c, "answer", "")
	execute(c, "playback", "tone_stream://%(100,0,440)")
	c.until(func(_ *esl.Frame, e *esl.Event) bool {
		if e != nil && strings.HasPrefix(e.Name(), "PLAYBACK_") {
			t.Fatalf("%s reached the socket with myevents only", e.Name())
		}
		return e != nil && e.Name() == "CHANNEL_EXECUTE_COMPLETE" && e.Get("Application") == "playback"
	})
	c.send("event json PLAYBACK_START PLAYBACK_STOP CHANNEL_HOLD CHANNEL_UNHOLD")
	c.until(func(f *esl.Frame, _ *esl.Event) bool { return f.ContentType() == esl.TypeCommandReply })
	execute(c, "playback", "tone_stream://%(100,0,440)")
	if e := c.event("PLAYBACK_START"); e.UUID() != call.UUID() {
		t.Errorf("PLAYBACK_START of %s", e.UUID())
	}
	inbound(t, n).api("uuid_hold " + call.UUID())
	if e := c.event("CHANNEL_HOLD"); e.UUID() != call.UUID() {
		t.Errorf("CHANNEL_HOLD of %s", e.UUID())
	}
}

func TestConfigErrorsNameTheProblem(t *testing.T) {
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{Config{Speed: -1}, "Speed"},
		{Config{FileDuration: -time.Second}, "FileDuration"},
		{Config{Dialplan: map[string][]DialplanApp{"9199": {{App: "anwser"}}}}, `unknown application "anwser"`},
		{Config{Listen: "256.0.0.1:0"}, "256.0.0.1"},
	} {
		n, err := Start(tc.cfg)
		if err == nil {
			n.Close()
			t.Errorf("%+v: no error", tc.cfg)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: error %q does not name %q", tc.cfg, err, tc.want)
		}
	}
}
