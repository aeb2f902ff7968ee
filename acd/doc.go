// Package acd is the automatic call distributor core: agents, queues, skills,
// interactions of every medium, the agent state machine, routing strategies and
// real-time statistics. It is pure: it takes events and the current time and
// returns decisions (offer X to agent Y, start timer Z). No I/O, no goroutines,
// no locks.
//
// Who imports it: orchestrator/acdowner runs one ACD per tenant on its own
// goroutine and applies the plans; api and the composition root use its value
// types (settings, views, errors). README.md describes the algorithm, the
// state table and the tie-break rules.
package acd
