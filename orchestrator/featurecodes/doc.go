// Package featurecodes serves the codes an agent dials on a plain SIP phone
// (AG-1, AG-2): log in, log out, ready, not ready with a reason, break,
// end after-call work, "what is my state". Each call changes the agent's
// state through the tenant's ACD owner, the same path the REST API takes
// (so desktops, the SSE stream and the state history see it), and answers
// with one spoken sentence in the tenant's language (en, zh-CN, zh-TW).
//
// The caller is the agent whose phone authenticated (the call path passes
// its tenant and agent, taken from the directory user FreeSWITCH checked);
// a code only ever acts on that agent, in that tenant.
//
// An application package: the call path (orchestrator/calls, through its
// FeatureCodes port) calls it; cmd/switchboard wires it to the ACD owners,
// the store and the TTS cache. Nothing else imports it.
package featurecodes
