package freeswitch

import (
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/orchestrator"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/esl"
)

// TestOriginateShowsAnyDisplayName: a caller-ID name typed by a user (any
// script, braces, quotes, ${...}) never fails the originate: what would end
// the variable block or expand is dropped, the rest is quoted.
func TestOriginateShowsAnyDisplayName(t *testing.T) {
	for name, want := range map[string]string{
		"Dialing 王小明 1002":        "origination_caller_id_name='Dialing 王小明 1002'",
		"Dialing {Bob} ${uuid} 7": "origination_caller_id_name='Dialing Bob uuid 7'",
		"O'Brien":                 "origination_caller_id_name=OBrien",
	} {
		spec := orchestrator.OriginateSpec{ID: "u1", To: orchestrator.Endpoint{Kind: orchestrator.EndpointUser, User: "1000", Domain: "acme.test"}}
		spec.CallerID.Name, spec.CallerID.Number = name, "1002"
		cmd, err := originateCommand(spec)
		if err != nil || !strings.Contains(cmd, want) {
			t.Errorf("%q: %s, %v; want it to contain %s", name, cmd, err, want)
		}
	}
}

// TestHangupCarriesTheSIPStatus: on the real switch (captures 10 and 07) a
// leg whose far end sent BYE says sip:200 in proto_specific_hangup_cause,
// which becomes the event's SIPCause; a leg FreeSWITCH hung up itself (the
// other conference member of 10, the caller of 07 ended after the agent's
// BYE) has none.
func TestHangupCarriesTheSIPStatus(t *testing.T) {
	want := map[string]string{"d8ab96c5": "200", "713afe21": "", "44236202": ""} // by Unique-ID prefix
	for capture, conn := range map[string]string{"10-conference.jsonl": "esl", "07-outbound-bridge-agent.jsonl": "out"} {
		for _, f := range captureEvents(t, capture, conn) {
			ev, err := esl.ParseEvent(f)
			if err != nil || ev.Name() != "CHANNEL_HANGUP" {
				continue
			}
			id := ev.Get("Unique-ID")[:8]
			w, ok := want[id]
			if !ok {
				t.Fatalf("%s: unexpected CHANNEL_HANGUP of %s", capture, id)
			}
			delete(want, id)
			if e, _ := translate(orchestrator.Key{}, ev, time.Time{}); e.SIPCause != w {
				t.Errorf("%s: CHANNEL_HANGUP of %s: SIPCause %q, want %q", capture, id, e.SIPCause, w)
			}
		}
	}
	if len(want) != 0 {
		t.Errorf("hangups not found in the captures: %v", want)
	}
}
