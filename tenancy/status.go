package tenancy

import (
	"errors"
	"fmt"
	"slices"
)

// Status is a tenant's life-cycle state. Nothing is ever deleted: suspension
// blocks writes, archival blocks everything, and both keep every row.
type Status string

const (
	StatusActive    Status = "active"
	StatusSuspended Status = "suspended"
	StatusArchived  Status = "archived"
)

// Statuses lists every tenant status in life-cycle order.
var Statuses = []Status{StatusActive, StatusSuspended, StatusArchived}

// ParseStatus returns the Status named s or an error naming the bad value.
func ParseStatus(s string) (Status, error) {
	if st := Status(s); slices.Contains(Statuses, st) {
		return st, nil
	}
	return "", fmt.Errorf("unknown tenant status %q (want active, suspended or archived)", s)
}

// Errors returned by the access and transition rules. Their messages are safe
// to show to users.
var (
	ErrTenantSuspended = errors.New("the tenant is suspended: changes are refused until it is resumed")
	ErrTenantArchived  = errors.New("the tenant is archived: all access is blocked")
	ErrBadTransition   = errors.New("tenant status transition not allowed")
)

// CheckRead says whether users of a tenant in status s may sign in and read.
// Suspended tenants can still read; archived ones cannot.
func CheckRead(s Status) error {
	if s == StatusArchived {
		return ErrTenantArchived
	}
	return nil
}

// CheckWrite says whether any change may be made inside a tenant in status s.
func CheckWrite(s Status) error {
	switch s {
	case StatusSuspended:
		return ErrTenantSuspended
	case StatusArchived:
		return ErrTenantArchived
	}
	return nil
}

// CheckAPIKey says whether an API key of a tenant in status s may be used at
// all: keys are machines acting on the tenant's behalf, so a suspended tenant's
// keys are refused outright, reads included.
func CheckAPIKey(s Status) error {
	if s == StatusActive {
		return nil
	}
	return CheckWrite(s)
}

// Transition returns the status reached by applying action ("suspend",
// "resume", "archive") to from, or ErrBadTransition. Archival is final.
func Transition(from Status, action string) (Status, error) {
	switch {
	case action == "suspend" && from == StatusActive:
		return StatusSuspended, nil
	case action == "resume" && from == StatusSuspended:
		return StatusActive, nil
	case action == "archive" && from != StatusArchived:
		return StatusArchived, nil
	}
	return "", fmt.Errorf("%w: cannot %s a tenant that is %s", ErrBadTransition, action, from)
}
