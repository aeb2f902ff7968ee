package acd

import (
	"errors"
	"fmt"
)

// Sentinel errors; wrapped with %w so callers test with errors.Is.
var (
	ErrUnknownAgent       = errors.New("acd: unknown agent")
	ErrUnknownQueue       = errors.New("acd: unknown queue")
	ErrUnknownInteraction = errors.New("acd: unknown interaction")
	ErrUnknownSkill       = errors.New("acd: unknown skill")
	ErrWrongTenant        = errors.New("acd: belongs to another tenant")
	ErrDuplicate          = errors.New("acd: duplicate interaction")
	ErrNotOffered         = errors.New("acd: interaction is not offered to this agent")
	ErrInvalidConfig      = errors.New("acd: invalid configuration")
	ErrNoCapacity         = errors.New("acd: agent has no capacity left")
	ErrQueueBusy          = errors.New("acd: queue still has interactions")
)

// TransitionError is an illegal agent state change. It carries the state the
// agent is in so the API can answer 409 with it.
type TransitionError struct {
	Agent string
	State State
	Event Event
}

func (e *TransitionError) Error() string {
	return fmt.Sprintf("acd: agent %s: event %q is not allowed in state %q", e.Agent, e.Event, e.State)
}

// BreakCapError refuses a break because the agent's group is at its cap (AG-5).
type BreakCapError struct {
	Group   string
	OnBreak int
	Max     int
}

func (e *BreakCapError) Error() string {
	return fmt.Sprintf("acd: break refused: %d of max %d agents of group %q are on break", e.OnBreak, e.Max, e.Group)
}
