// Package calls runs the inbound call path: one goroutine per call with a
// sequential script (route, admit, answer, greet, queue, ring the offered
// agent, bridge, wrap up) whose context is cancelled at hangup. It talks to
// the switch only through orchestrator's role interfaces and to the tenant's
// ACD owner through the Queuer interface, so it runs the same on FreeSWITCH,
// Asterisk or a fake. cmd/switchboard wires it; nothing else imports it.
package calls
