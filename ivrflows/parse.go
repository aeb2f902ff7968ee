package ivrflows

import (
	"errors"
	"fmt"
)

// ErrBadJSON: the flow document is not well-formed or has unknown fields.
var ErrBadJSON = errors.New("flow document is not valid")

// Parse decodes a flow document. Unknown fields are rejected (a misspelt
// setting must not be silently ignored); node params are checked by Compile.
func Parse(data []byte) (*Flow, error) {
	if len(data) > MaxFlowBytes {
		return nil, fmt.Errorf("%w: larger than %d bytes", ErrBadJSON, MaxFlowBytes)
	}
	var f Flow
	if err := DecodeStrict(data, &f); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadJSON, err)
	}
	return &f, nil
}

// ParseAndCompile parses and compiles in one go: what `switchboard flows
// validate` and the API's validate call need.
func ParseAndCompile(data []byte, cat *Catalog) (*Program, error) {
	f, err := Parse(data)
	if err != nil {
		return nil, err
	}
	return Compile(f, cat)
}

// Validate checks a flow document and returns every problem as a list (empty
// when the flow is valid): what the API stores as a draft's errors and
// shows the business user. A document that is not even well-formed gives
// one error without a node.
func Validate(data []byte, cat *Catalog) []ValidationError {
	_, err := ParseAndCompile(data, cat)
	var ves ValidationErrors
	switch {
	case err == nil:
		return []ValidationError{}
	case errors.As(err, &ves):
		return ves
	}
	return []ValidationError{{Message: err.Error()}}
}
