package fssim

import (
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/esl"
)

// Capture 09 runs several channels at once (event json ALL), including
// loopback halves fssim does not simulate. The harness compares every
// reply (command/reply and api/response) in order, and for each channel
// the controller named (origination_uuid U1, U2, U3) the order of the
// events that matter for call control.

var controlUUIDs = map[string]string{
	"25dbfb5d-ef1d-4fe4-91c0-d877345963bd": "U1", // user/1000, park_after_bridge
	"0bd4392d-b692-4342-ac30-2d3df9ac1ead": "U2", // loopback/9102
	"f0a7e1cc-5a44-4b97-a47a-57c766bd79c4": "U3", // loopback/9103 &eavesdrop(U1)
}

var controlEvents = map[string]bool{}

func init() {
	for _, n := range strings.Fields(`CHANNEL_OUTGOING CHANNEL_CREATE CHANNEL_ORIGINATE CHANNEL_PROGRESS
		CHANNEL_ANSWER CHANNEL_PARK CHANNEL_UNPARK CHANNEL_BRIDGE CHANNEL_UNBRIDGE CHANNEL_HOLD
		CHANNEL_UNHOLD RECORD_START RECORD_STOP MEDIA_BUG_START MEDIA_BUG_STOP PLAYBACK_START
		PLAYBACK_STOP CHANNEL_EXECUTE CHANNEL_EXECUTE_COMPLETE CHANNEL_HANGUP
		CHANNEL_HANGUP_COMPLETE CHANNEL_DESTROY`) {
		controlEvents[n] = true
	}
}

func keepControl(s summary) bool {
	if s.kind == esl.TypeCommandReply || s.kind == esl.TypeAPIResponse || s.kind == esl.TypeAuthRequest ||
		s.kind == esl.TypeDisconnectNotice {
		return true
	}
	if strings.HasPrefix(s.name, "BACKGROUND_JOB") {
		return true
	}
	name, _, _ := strings.Cut(s.name, ":")
	return controlUUIDs[s.uuid] != "" && controlEvents[name]
}

func TestConformance09CallControl(t *testing.T) {
	t.Parallel()
	cfg := simConfig()
	cfg.Dialplan = map[string][]DialplanApp{"9199": {{"answer", ""},
		{"playback", "tone_stream://%(2000,0,440)"}, {"hangup", "NORMAL_CLEARING"}}}
	n := startSim(t, cfg)
	if err := n.RegisterPhone("1000", "127.0.0.1", PhoneScript{AnswerAfter: 500 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	sc := loadScript(t, "09-inbound-call-control.jsonl", "esl", keepControl)
	got := replay(t, dialSim(t, n), sc, keepControl, nil)
	compareFrames(t, only(sc.want, isReply), only(got, isReply))
	if testing.Verbose() {
		for i, s := range only(got, isReply) {
			t.Logf("got %d %s", i, s.key())
		}
	}
	for id, label := range controlUUIDs {
		want, have := eventNames(sc.want, id), eventNames(got, id)
		if strings.Join(want, " ") != strings.Join(have, " ") {
			t.Errorf("%s events:\n want %v\n  got %v", label, want, have)
			continue
		}
		t.Run(label, func(t *testing.T) {
			compareFrames(t, only(sc.want, ofUUID(id)), only(got, ofUUID(id)))
		})
	}
}

func isReply(s summary) bool { return s.name == "" || strings.HasPrefix(s.name, "BACKGROUND_JOB") }

func only(ss []summary, keep func(summary) bool) []summary {
	var out []summary
	for _, s := range ss {
		if keep(s) {
			out = append(out, s)
		}
	}
	return out
}

func ofUUID(id string) func(summary) bool {
	return func(s summary) bool { return s.uuid == id }
}

func eventNames(ss []summary, uuid string) []string {
	var out []string
	for _, s := range ss {
		if s.uuid == uuid {
			out = append(out, s.name)
		}
	}
	return out
}
