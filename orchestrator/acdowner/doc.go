// Package acdowner runs one tenant's ACD: a single goroutine applies that
// tenant's ACD events in order, carries out the core's plans through small
// interfaces (offers, overflow, timers, history, snapshots) and streams state
// and statistics changes to subscribers of that tenant only.
//
// The orchestrator creates one Owner per tenant; the API layer calls the
// Owner's methods and subscribes to its stream. Nothing here knows a switch,
// HTTP or SQL: the call session layer implements Offerer and Overflower, the
// store implements HistoryStore and SnapshotStore.
package acdowner
