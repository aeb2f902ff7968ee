package acd

import "fmt"

// SLDefinition is how a queue's service level is computed from a window's
// calls. Contact centres differ on what happens to callers who hang up while
// waiting; a figure without its definition cannot be read (a queue that
// answered its two calls quickly and lost eight callers after a minute is
// at 100% under SLAnswered and 20% under SLAnsweredAndAbandoned).
type SLDefinition uint8

// Service level definitions, with T the queue's threshold (ServiceLevel).
const (
	// SLAnsweredAndAbandoned is answered within T / (answered + abandoned
	// after T): callers who gave up after T count against the queue, those
	// who gave up sooner are not counted. The common one, and the default.
	SLAnsweredAndAbandoned SLDefinition = iota
	// SLAnswered is answered within T / answered: abandons do not count.
	SLAnswered
	numSLDefinitions
)

var slDefinitionNames = [numSLDefinitions]string{"answered_and_abandoned_after_threshold", "answered"}

func (s SLDefinition) String() string {
	if s < numSLDefinitions {
		return slDefinitionNames[s]
	}
	return fmt.Sprintf("sl_definition(%d)", uint8(s))
}

// SLDefinitionNames lists the definitions' names, the default first.
func SLDefinitionNames() []string { return slDefinitionNames[:] }

// ParseSLDefinition turns a definition's name into an SLDefinition; empty
// is the default.
func ParseSLDefinition(s string) (SLDefinition, error) {
	if s == "" {
		return SLAnsweredAndAbandoned, nil
	}
	for i, n := range slDefinitionNames {
		if n == s {
			return SLDefinition(i), nil
		}
	}
	return 0, fmt.Errorf("%w: unknown service level definition %q (want one of %v)", ErrInvalidConfig, s, slDefinitionNames)
}
