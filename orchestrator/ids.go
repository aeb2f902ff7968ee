package orchestrator

import "github.com/google/uuid"

// NewCallID returns a fresh controller-chosen call ID (a UUIDv7, so IDs sort by
// creation time) for OriginateSpec.ID and similar.
func NewCallID() string { return uuid.Must(uuid.NewV7()).String() }
