// Package ivrflows is the IVR flow core: the JSON flow model, its validation
// into a compiled form, versioning rules, and a step interpreter
// (state, input) -> (state, commands) that never blocks or does I/O. The call
// session in orchestrator drives it over the Switch port; README.md has the
// picture, the node reference and the command/input contract.
//
// A core: it imports the standard library and expr-lang/expr only, takes
// time as an argument and starts no goroutine. Anyone may import it
// (orchestrator, api, store, cmd); it imports no other Switchboard package.
package ivrflows
