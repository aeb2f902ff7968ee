// Package flowrun runs a compiled IVR flow (ivrflows.Program) on one live
// call over the Switch port: it feeds the pure interpreter the call's keys,
// timeouts and the results of the commands it carries out (play, collect,
// HTTP, SQL, list lookups, recordings, voicemail, surveys), and hands the call
// back to the call session at a queue hand-off, a transfer or the end.
//
//	session ──Run(call, program, meta)──▶ Runner ──Start/Step──▶ ivrflows
//	   ▲                                    │  commands → Switch port, HTTP, SQL, sinks
//	   │◀── Outcome{Queue|Transfer, Suspended} ─┘  (ACD, agent leg: the session's part)
//	   └──Resume(suspended, QueueResult / AgentLegEnded / TransferResult)──▶ survey ...
//
// One goroutine per call (the session's) runs the loop; a playback runs on a
// goroutine the loop owns and always joins before it returns. Every piece of
// I/O sits behind a small interface (ports.go) so tests use fakes.
//
// Publish and rollback safety: a call keeps the Program it started with. The
// session resolves the flow's "live" alias once, when the call arrives, and
// passes that Program to Run; Resume continues with the same Program, so a
// version published or rolled back meanwhile only affects new calls.
//
// Imported by the call session (orchestrator/calls) and cmd/switchboard,
// which wires the database/sql data sources and the store's sinks.
package flowrun
