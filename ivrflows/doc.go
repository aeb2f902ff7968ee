// Package ivrflows is the IVR flow core: the JSON flow model, its validation
// into a compiled form, versioning rules, and a step interpreter
// (state, input) -> (state, commands) that never blocks or does I/O. The call
// session in orchestrator drives it over the Switch port.
package ivrflows
