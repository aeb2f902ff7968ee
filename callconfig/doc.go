// Package callconfig keeps the call path's read-only view of configuration:
// tenants, access numbers, queues and agents loaded from the store into an
// immutable Snapshot that is swapped atomically on reload, plus the live SIP
// registrations of agents' phones reported by the switches. It implements
// the lookups the call sessions need (calls.Router, calls.Agents) without a
// database round trip per call. Only cmd/switchboard wires it.
package callconfig
