package ivrflows

import (
	"errors"
	"strings"
)

// Errors callers test with errors.Is.
var (
	// ErrInvalidFlow is matched by every validation failure (ValidationErrors).
	ErrInvalidFlow = errors.New("invalid flow")
	// ErrUnexpectedInput: the session fed an input the flow is not waiting for.
	ErrUnexpectedInput = errors.New("unexpected input")
	// ErrFlowEnded: Step was called after the flow ended.
	ErrFlowEnded = errors.New("flow already ended")
)

// ValidationError is one problem of a flow, worded for the business user who
// edits it. Node is empty for problems of the flow as a whole.
type ValidationError struct {
	Node    string `json:"node,omitempty"`
	Message string `json:"message"`
}

func (e ValidationError) Error() string {
	if e.Node == "" {
		return e.Message
	}
	return "node " + e.Node + ": " + e.Message
}

// ValidationErrors is every problem found in a flow. They are safe to show to
// the tenant's users.
type ValidationErrors []ValidationError

func (es ValidationErrors) Error() string {
	msgs := make([]string, len(es))
	for i, e := range es {
		msgs[i] = e.Error()
	}
	return "invalid flow: " + strings.Join(msgs, "; ")
}

// Is makes errors.Is(err, ErrInvalidFlow) true.
func (es ValidationErrors) Is(target error) bool { return target == ErrInvalidFlow }
