package freeswitch

import "github.com/switchboard-cc/switchboard/orchestrator/freeswitch/esl"

// eventHeaders are the event headers the adapter reads; its connections
// decode only these (and Event-Name, and the body) of the 60-230 headers a
// FreeSWITCH event carries: decoding a 5.8 KB CHANNEL_ANSWER this way takes
// a third of the instructions building all 138 did. Reading any other
// header of a received event is a bug that reads as "absent": add the name
// here. TestMain fails the package's
// tests when a test made the adapter read a header not listed
// (esl.HeaderSet.Missed).
var eventHeaders = esl.NewHeaderSet(
	// Routing and order: calls.go, node.go.
	"Unique-ID", "Event-Sequence", "Event-Subclass",
	// BACKGROUND_JOB to its BgAPI: eslconn.
	"Job-UUID",
	// Application completion and its outcome: calls.go, exec.go, verbs_*.go.
	"Application-UUID", "Application-Response",
	// Call state confirmations: verbs_calls.go, verbs_media.go.
	"Answer-State", "Channel-State",
	// Hangup and bridge failure causes: calls.go, translate.go, verbs_calls.go.
	"Hangup-Cause", "variable_proto_specific_hangup_cause", "variable_DIALSTATUS",
	"variable_originate_failed_cause", "variable_last_bridge_hangup_cause", "variable_bridge_hangup_cause",
	// The port's typed events: translate.go, collect.go.
	"DTMF-Digit", "Playback-File-Path", "Playback-Status", "Record-File-Path",
	"Other-Leg-Unique-ID", "Bridge-A-Unique-ID", "Bridge-B-Unique-ID",
	// conference::maintenance: verbs_misc.go.
	"Action", "Conference-Name",
	// sofia::register, unregister, expire, gateway_state, gateway_add,
	// gateway_delete: node.go.
	"username", "realm", "contact", "Gateway", "State", "profile-name",
)
