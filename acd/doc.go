// Package acd is the automatic call distributor core: agents, queues, skills,
// interactions of every medium, the agent state machine, routing strategies and
// real-time statistics. It is pure: it takes events and the current time and
// returns decisions (offer X to agent Y, start timer Z). No I/O, no goroutines,
// no locks; orchestrator owns one instance per tenant and applies its plans.
package acd
