package acdowner

import (
	"context"
	"time"

	"github.com/switchboard-cc/switchboard/acd"
)

// Offer is one offer the owner asks the session layer to present.
type Offer struct {
	Tenant      string
	Interaction string
	Agent       string
	Queue       string
	Medium      acd.Medium
	Attempt     uint32
	Deadline    time.Time         // RONA deadline; the owner enforces it
	Data        map[string]string // the interaction's attached data (screen pop); do not modify
}

// Offerer presents offers to agents (ring the phone, pop the chat). Calls are
// made on the owner goroutine: return quickly (hand the work to the agent's
// session). An error is treated as the agent rejecting the offer.
type Offerer interface {
	Offer(ctx context.Context, o Offer) error
	CancelOffer(ctx context.Context, o Offer) error
}

// Overflow is an interaction leaving the ACD for a flow, a number or voicemail
// (or refused: Target.Kind none). Queue-to-queue overflow stays inside.
type Overflow struct {
	Tenant      string
	Interaction string
	Queue       string
	Target      acd.OverflowTarget
	Reason      acd.OverflowReason
	At          time.Time
}

// Overflower carries out overflows; the call session owns the interaction.
type Overflower interface {
	Overflow(ctx context.Context, o Overflow) error
}

// StateRecord is one agent state transition, as persisted (agent_state_history).
type StateRecord struct {
	Tenant string
	Agent  string
	From   acd.State
	To     acd.State
	Event  acd.Event
	Reason string
	Medium acd.Medium
	At     time.Time
}

// HistoryStore persists agent state history in batches.
type HistoryStore interface {
	AppendAgentStates(ctx context.Context, tenant string, recs []StateRecord) error
}

// SnapshotStore keeps the ACD state needed after a restart. Load returns
// found=false when there is none.
type SnapshotStore interface {
	LoadACDSnapshot(ctx context.Context, tenant string) (snap acd.Snapshot, found bool, err error)
	SaveACDSnapshot(ctx context.Context, tenant string, snap acd.Snapshot) error
}

// Clock is time for the owner; tests use a manual one.
type Clock interface {
	Now() time.Time
	// AfterFunc calls f once, on any goroutine, after d.
	AfterFunc(d time.Duration, f func()) Timer
}

// Timer is a pending AfterFunc.
type Timer interface {
	Stop() bool
}

// SystemClock is the real clock, in UTC.
type SystemClock struct{}

// Now is time.Now in UTC.
func (SystemClock) Now() time.Time { return time.Now().UTC() }

// AfterFunc is time.AfterFunc.
func (SystemClock) AfterFunc(d time.Duration, f func()) Timer { return time.AfterFunc(d, f) }
