// Package flowtest test-runs IVR flows before they are published: it plays a
// scripted caller (keys with timing, caller number, time of day) against a
// flow, answers the flow's HTTP, SQL and queue requests from stubs, and
// returns the full trace: nodes visited, prompts played, variables set,
// requests made and the outcome. Nothing is dialled and nothing leaves the
// process; like ivrflows it does no I/O of its own (files are read through
// a function the caller passes).
//
// `switchboard flows test FILE` runs a tenant's test file with RunFile; the
// API runs single cases with Run. Imported by cmd/switchboard and api.
package flowtest
