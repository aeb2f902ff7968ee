package freeswitch

import (
	"regexp"
	"strings"
	"time"

	"github.com/switchboard-cc/switchboard/orchestrator"
)

// Digit collection runs in the controller, fed by DTMF events, rather than
// with play_and_get_digits, because the port's CollectSpec has a reset key
// ("*" clears what was entered) that FreeSWITCH's app does not offer.
//
// collector is one attempt's state, pure: it is fed digits and timeouts and
// says when the attempt is over.
type collector struct {
	spec     orchestrator.CollectSpec
	digits   string
	term     string
	timedOut bool
	done     bool
}

const (
	defaultFirstDigit = 5 * time.Second
	defaultInterDigit = 3 * time.Second
)

// digit feeds one key press and reports whether the attempt is over.
func (k *collector) digit(d string) bool {
	switch {
	case k.done:
	case d != "" && strings.Contains(k.spec.Terminators, d):
		k.term, k.done = d, true
	case d != "" && d == k.spec.ResetKey:
		k.digits = ""
	default:
		k.digits += d
		k.done = k.spec.Max > 0 && len(k.digits) >= k.spec.Max
	}
	return k.done
}

// timeout ends the attempt on a first-digit or inter-digit timeout.
func (k *collector) timeout() {
	if !k.done {
		k.timedOut, k.done = true, true
	}
}

// wait is how long to wait for the next digit.
func (k *collector) wait() time.Duration {
	first, inter := k.spec.FirstDigitTimeout, k.spec.InterDigitTimeout
	if first <= 0 {
		first = defaultFirstDigit
	}
	if inter <= 0 {
		inter = defaultInterDigit
	}
	if k.digits == "" {
		return first
	}
	return inter
}

func (k *collector) result(pattern *regexp.Regexp) orchestrator.CollectResult {
	n := len(k.digits)
	valid := n > 0 && n >= k.spec.Min && (k.spec.Max <= 0 || n <= k.spec.Max)
	if pattern != nil && !pattern.MatchString(k.digits) {
		valid = false
	}
	return orchestrator.CollectResult{Digits: k.digits, Terminator: k.term, TimedOut: k.timedOut, Valid: valid}
}

// compilePattern anchors the spec's pattern to the whole entry.
func compilePattern(p string) (*regexp.Regexp, error) {
	if p == "" {
		return nil, nil
	}
	re, err := regexp.Compile("^(?:" + p + ")$")
	if err != nil {
		return nil, errorf(ErrBadArgument, "collect pattern %q: %v", p, err)
	}
	return re, nil
}
