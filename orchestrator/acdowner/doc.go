// Package acdowner runs one tenant's ACD: a single goroutine applies that
// tenant's ACD events in order, carries out the core's plans through small
// interfaces (offers, overflow, timers, history, snapshots) and streams state
// and statistics changes to subscribers of that tenant only.
//
// The orchestrator keeps a Registry (one Owner per tenant); the API layer
// calls an Owner's methods and subscribes to its stream. Nothing here knows a
// switch, HTTP or SQL: the call session layer implements Offerer and
// Overflower, the store implements HistoryStore and SnapshotStore:
//
//	AppendAgentStates(ctx, tenant string, recs []StateRecord) error
//	    one batch of "from -[event]-> to" transitions, all or none; called on
//	    the owner goroutine at most every FlushEvery or FlushSize records,
//	    retried with the same records after an error.
//	LoadACDSnapshot(ctx, tenant) (acd.Snapshot, found bool, error)
//	SaveACDSnapshot(ctx, tenant, acd.Snapshot) error
//	    the latest snapshot per tenant (replace), saved every SnapshotEvery
//	    and at Stop; loaded once at Start.
//
// store.Store.AppendAgentStates takes tenancy.TenantID and
// []store.AgentStateChange: the composition root adapts with
// State.String()/Event.String().
package acdowner
