package fssim

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// legs originates one parked leg per extension (user/EXT@dom, answered at
// once) named by its extension, e.g. "a" for "a", and returns once each is
// parked: originate answers when the leg is up, and the park application
// starts a moment later on the leg's own thread (a park still to come
// would take the leg out of a bridge made meanwhile).
func legs(t *testing.T, n *Node, c *eslClient, exts ...string) {
	t.Helper()
	parks := inbound(t, n)
	parks.send("event json CHANNEL_PARK")
	parks.frame()
	for _, e := range exts {
		if err := n.RegisterPhone(e, "dom", PhoneScript{}); err != nil {
			t.Fatal(err)
		}
		if got := c.api("originate {origination_uuid=" + e + "}user/" + e + "@dom &park()"); got != "+OK "+e+"\n" {
			t.Fatalf("originate %s: %q", e, got)
		}
		if p := parks.event("CHANNEL_PARK"); p.UUID() != e {
			t.Fatalf("CHANNEL_PARK on %s, want %s", p.UUID(), e)
		}
	}
}

func hears(t *testing.T, n *Node, uuid string) Hearing {
	t.Helper()
	h, ok := n.Hears(uuid)
	if !ok {
		t.Fatalf("%s is not live", uuid)
	}
	return h
}

func mustAPI(t *testing.T, c *eslClient, cmd, want string) {
	t.Helper()
	if got := c.api(cmd); got != want {
		t.Fatalf("api %s = %q, want %q", cmd, got, want)
	}
}

// TestHoldPlaysTheHeldLegsMusicToItsPartner: uuid_hold X re-INVITEs X, X's
// partner hears X's hold_music and neither hears the other; unhold restores
// the conversation. Holding twice and unholding twice fail as in
// switch_ivr_hold / switch_ivr_unhold.
func TestHoldPlaysTheHeldLegsMusicToItsPartner(t *testing.T) {
	n := fastNode(t)
	c := inbound(t, n)
	legs(t, n, c, "agent", "caller")
	mustAPI(t, c, "uuid_bridge agent caller", "+OK caller\n")
	if h := hears(t, n, "caller"); h.Peer != "agent" {
		t.Fatalf("bridged caller hears %+v, want the agent", h)
	}
	mustAPI(t, c, "uuid_setvar agent hold_music tone_stream://%(1000,0,350)", "+OK\n")
	mustAPI(t, c, "uuid_hold agent", "+OK Success\n")
	if h := hears(t, n, "caller"); h.Media != "tone_stream://%(1000,0,350)" {
		t.Errorf("partner of the held leg hears %+v, want the held leg's hold_music", h)
	}
	if h := hears(t, n, "agent"); !h.Silent() {
		t.Errorf("held leg hears %+v, want silence", h)
	}
	agent, _ := n.CallByUUID("agent")
	caller, _ := n.CallByUUID("caller")
	if !slices.Equal(agent.ReInvites, []string{"sendonly"}) || len(caller.ReInvites) != 0 {
		t.Errorf("re-INVITEs: held leg %v, partner %v; want only the held leg's endpoint re-INVITEd", agent.ReInvites, caller.ReInvites)
	}
	mustAPI(t, c, "uuid_hold agent", "-ERR Operation failed\n")
	mustAPI(t, c, "uuid_hold off agent", "+OK Success\n")
	if h := hears(t, n, "caller"); h.Peer != "agent" {
		t.Errorf("after unhold the caller hears %+v, want the agent", h)
	}
	if h := hears(t, n, "agent"); h.Peer != "caller" {
		t.Errorf("after unhold the agent hears %+v, want the caller", h)
	}
	mustAPI(t, c, "uuid_hold off agent", "-ERR Operation failed\n")
	if agent, _ := n.CallByUUID("agent"); !slices.Equal(agent.ReInvites, []string{"sendonly", "sendrecv"}) {
		t.Errorf("re-INVITEs of the held leg: %v", agent.ReInvites)
	}
}

// TestHoldWithoutPartnerPlaysNothing: a leg that was never bridged has no
// signal_bond, so hold fires CHANNEL_HOLD and plays no music anywhere.
func TestHoldWithoutPartnerPlaysNothing(t *testing.T) {
	n := fastNode(t)
	c := inbound(t, n)
	c.send("event json CHANNEL_HOLD PLAYBACK_START")
	c.frame()
	legs(t, n, c, "alone")
	mustAPI(t, c, "uuid_hold alone", "+OK Success\n")
	if e := c.event("CHANNEL_HOLD"); e.UUID() != "alone" {
		t.Fatalf("CHANNEL_HOLD on %s", e.UUID())
	}
	if h := hears(t, n, "alone"); !h.Silent() {
		t.Errorf("held lone leg hears %+v", h)
	}
	for _, ci := range n.Calls() {
		if len(ci.Played) > 0 {
			t.Errorf("%s played %v", ci.UUID, ci.Played)
		}
	}
}

// TestHoldMusicFollowsTheStaleBond: uuid_bridge moves a leg away without
// clearing its old partner's signal_bond, so holding the leg left behind
// plays the music to the leg that moved on, not to anyone it could hear.
// This is why a controller must not hold a caller whose agent consults.
func TestHoldMusicFollowsTheStaleBond(t *testing.T) {
	n := fastNode(t)
	c := inbound(t, n)
	legs(t, n, c, "caller", "agent", "expert")
	mustAPI(t, c, "uuid_setvar caller park_after_bridge true", "+OK\n") // left parked, like a socket caller
	mustAPI(t, c, "uuid_bridge caller agent", "+OK agent\n")
	mustAPI(t, c, "uuid_bridge agent expert", "+OK expert\n")
	mustAPI(t, c, "uuid_hold caller", "+OK Success\n")
	if h := hears(t, n, "agent"); !strings.HasPrefix(h.Media, "local_stream://") {
		t.Errorf("the agent (the caller's stale partner) hears %+v, want the music", h)
	}
	if h := hears(t, n, "expert"); !h.Silent() {
		t.Errorf("the consulted party hears %+v, want silence (the agent's bridge is suspended by the broadcast)", h)
	}
	if h := hears(t, n, "caller"); !h.Silent() {
		t.Errorf("the held caller hears %+v, want silence", h)
	}
	mustAPI(t, c, "uuid_hold off caller", "+OK Success\n")
	if h := hears(t, n, "expert"); h.Peer != "agent" {
		t.Errorf("after unhold the consulted party hears %+v, want the agent", h)
	}
}

// TestTransferClearsTheBond: after uuid_transfer neither leg has a partner
// for hold music.
func TestTransferClearsTheBond(t *testing.T) {
	n := fastNode(t)
	c := inbound(t, n)
	legs(t, n, c, "a", "b")
	mustAPI(t, c, "uuid_setvar a park_after_bridge true", "+OK\n")
	mustAPI(t, c, "uuid_bridge a b", "+OK b\n")
	mustAPI(t, c, "uuid_transfer b 9999", "+OK\n")
	mustAPI(t, c, "uuid_hold a", "+OK Success\n")
	if h := hears(t, n, "b"); h.Media != "" {
		t.Errorf("transferred leg hears %+v, want no hold music", h)
	}
}

// TestHeldLegLeavingABridgeTakesThePartner: when a held leg leaves its
// bridge (hangs up, is transferred, is bridged elsewhere) FreeSWITCH hangs
// up the partner that stays (audio_bridge_thread with CF_LEG_HOLDING); a
// held leg whose partner leaves stays up and is marked unheld.
func TestHeldLegLeavingABridgeTakesThePartner(t *testing.T) {
	for _, tc := range []struct {
		name        string
		leave       func(t *testing.T, n *Node, c *eslClient)
		stays       string // the leg that stays in the ended bridge
		staysHungUp bool
	}{
		{"held leg hangs up", func(t *testing.T, n *Node, c *eslClient) { n.Kill("agent", "") }, "caller", true},
		{"held leg bridged elsewhere", func(t *testing.T, n *Node, c *eslClient) {
			mustAPI(t, c, "uuid_bridge agent expert", "+OK expert\n")
		}, "caller", true},
		{"held leg transferred", func(t *testing.T, n *Node, c *eslClient) { mustAPI(t, c, "uuid_transfer agent 9999", "+OK\n") }, "caller", true},
		{"partner hangs up", func(t *testing.T, n *Node, c *eslClient) { n.Kill("caller", "") }, "agent", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := fastNode(t)
			c := inbound(t, n)
			c.send("event json CHANNEL_UNHOLD")
			c.frame()
			legs(t, n, c, "agent", "caller", "expert")
			mustAPI(t, c, "uuid_setvar agent park_after_bridge true", "+OK\n")
			mustAPI(t, c, "uuid_bridge agent caller", "+OK caller\n")
			mustAPI(t, c, "uuid_hold agent", "+OK Success\n")
			tc.leave(t, n, c)
			if e := c.event("CHANNEL_UNHOLD"); e.UUID() != "agent" {
				t.Errorf("CHANNEL_UNHOLD on %s, want the held leg", e.UUID())
			}
			if st, _ := n.CallByUUID(tc.stays); tc.staysHungUp != (st.HangupCause != "") {
				t.Errorf("%s (stays) hangup cause %q, want hung up = %v", tc.stays, st.HangupCause, tc.staysHungUp)
			}
		})
	}
}

// TestTalkForCountsFromTheBridge: a phone scripted with TalkFor stays up
// while its answered leg waits to be bridged and hangs up TalkFor after the
// bridge; HangupAfter counts from the answer. A leg that hangs up on its
// own after 2 s (HangupAfter) is the clock: when it goes, the TalkFor leg
// of 1 s, still unbridged, must be up.
func TestTalkForCountsFromTheBridge(t *testing.T) {
	n := fastNode(t)
	c := inbound(t, n)
	c.send("event json CHANNEL_HANGUP CHANNEL_BRIDGE")
	c.frame()
	for ext, s := range map[string]PhoneScript{"clock": {HangupAfter: 2 * time.Second},
		"agent": {TalkFor: time.Second}, "caller": {}} {
		if err := n.RegisterPhone(ext, "dom", s); err != nil {
			t.Fatal(err)
		}
		mustAPI(t, c, "originate {origination_uuid="+ext+"}user/"+ext+"@dom &park()", "+OK "+ext+"\n")
	}
	if e := c.event("CHANNEL_HANGUP"); e.UUID() != "clock" {
		t.Fatalf("%s hung up first; the unbridged TalkFor leg must wait for its bridge", e.UUID())
	}
	mustAPI(t, c, "uuid_bridge agent caller", "+OK caller\n")
	c.event("CHANNEL_BRIDGE")
	if e := c.event("CHANNEL_HANGUP"); e.UUID() != "agent" || e.Get("Hangup-Cause") != "NORMAL_CLEARING" {
		t.Fatalf("after the bridge %s hung up (%s), want the agent's phone, NORMAL_CLEARING", e.UUID(), e.Get("Hangup-Cause"))
	}
}
