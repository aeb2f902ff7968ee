package fssim

import (
	"slices"
	"testing"
	"time"
)

// eavesdropOn starts leg sup (registered user sup) running eavesdrop on the
// target with the given channel variables, as mod_dptools reads them, and
// waits until the eavesdrop runs.
func eavesdropOn(t *testing.T, n *Node, c *eslClient, target string, vars string) {
	t.Helper()
	if err := n.RegisterPhone("sup", "dom", PhoneScript{}); err != nil {
		t.Fatal(err)
	}
	mustAPI(t, c, "originate {origination_uuid=sup"+vars+"}user/sup@dom &eavesdrop("+target+")", "+OK sup\n")
	waitFor(t, 5*time.Second, func() bool {
		ci, ok := n.CallByUUID("sup")
		return ok && slices.Contains(ci.Eavesdropped, target)
	})
}

// TestEavesdropModesDecideWhoHearsTheEavesdropper follows FreeSWITCH 1.10's
// switch_ivr_eavesdrop_session: the eavesdropper always hears both sides;
// eavesdrop_whisper_bleg (ED_MUX_WRITE) lets the target hear it,
// eavesdrop_whisper_aleg (ED_MUX_READ) lets the target's peer hear it.
func TestEavesdropModesDecideWhoHearsTheEavesdropper(t *testing.T) {
	cases := []struct {
		name, vars              string
		agentHears, callerHears bool
	}{
		{"listen", "", false, false},
		{"listen, explicit", ",eavesdrop_whisper_aleg=false,eavesdrop_whisper_bleg=false", false, false},
		{"whisper to the target", ",eavesdrop_whisper_bleg=true", true, false},
		{"whisper to the target's peer", ",eavesdrop_whisper_aleg=true", false, true},
		{"barge", ",eavesdrop_whisper_aleg=true,eavesdrop_whisper_bleg=true", true, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n := fastNode(t)
			c := inbound(t, n)
			legs(t, n, c, "agent", "caller")
			mustAPI(t, c, "uuid_bridge agent caller", "+OK caller\n")
			eavesdropOn(t, n, c, "agent", tc.vars)
			if h := hears(t, n, "sup"); !h.HearsVoice("agent") || !h.HearsVoice("caller") {
				t.Errorf("eavesdropper hears %+v, want agent and caller", h)
			}
			agent, caller := hears(t, n, "agent"), hears(t, n, "caller")
			if agent.Peer != "caller" || caller.Peer != "agent" {
				t.Errorf("the eavesdrop broke the conversation: agent %+v, caller %+v", agent, caller)
			}
			if agent.HearsVoice("sup") != tc.agentHears || caller.HearsVoice("sup") != tc.callerHears {
				t.Errorf("agent hears the eavesdropper %v (want %v), caller %v (want %v)",
					agent.HearsVoice("sup"), tc.agentHears, caller.HearsVoice("sup"), tc.callerHears)
			}
			mustAPI(t, c, "uuid_kill sup", "+OK\n")
			waitFor(t, 5*time.Second, func() bool {
				return !hears(t, n, "agent").HearsVoice("sup") && !hears(t, n, "caller").HearsVoice("sup")
			})
		})
	}
}

// TestUUIDAudioMute: a read mute silences the leg's voice toward its peer
// (and an eavesdropper) while it still hears; a write mute makes it deaf;
// stop restores both (mod_commands uuid_audio, switch_ivr_session_audio).
func TestUUIDAudioMute(t *testing.T) {
	n := fastNode(t)
	c := inbound(t, n)
	legs(t, n, c, "agent", "caller")
	mustAPI(t, c, "uuid_bridge agent caller", "+OK caller\n")
	mustAPI(t, c, "uuid_audio agent start read mute -4", "+OK\n")
	if h := hears(t, n, "caller"); h.HearsVoice("agent") {
		t.Errorf("caller hears the read-muted agent: %+v", h)
	}
	if h := hears(t, n, "agent"); h.Peer != "caller" {
		t.Errorf("read-muted agent hears %+v, want the caller", h)
	}
	mustAPI(t, c, "uuid_audio agent stop", "+OK\n")
	if h := hears(t, n, "caller"); h.Peer != "agent" {
		t.Errorf("after stop the caller hears %+v, want the agent", h)
	}
	mustAPI(t, c, "uuid_audio agent start write mute 1", "+OK\n")
	if h := hears(t, n, "agent"); !h.Silent() {
		t.Errorf("write-muted agent hears %+v, want silence", h)
	}
	if h := hears(t, n, "caller"); h.Peer != "agent" {
		t.Errorf("caller of a write-muted agent hears %+v, want the agent", h)
	}
	mustAPI(t, c, "uuid_audio agent start read mute 0", "+OK\n") // level 0: no read mute
	if h := hears(t, n, "caller"); h.Peer != "agent" {
		t.Errorf("read mute 0 silenced the agent: caller hears %+v", h)
	}
	mustAPI(t, c, "uuid_audio agent start", "-USAGE: <uuid> [start [read|write] [mute|level <level>]|stop]\n")
}
