package ivrflows

import (
	"regexp"
	"strings"
	"time"
)

// The DTMF rules of IVR-4, kept in the core so every switch behaves the same:
// the session only reports single keys and timeouts.
//
//   - single: the first key is the entry.
//   - fixed: the entry is complete at Max keys; the terminator ends it early
//     (too short: invalid).
//   - variable: the entry ends at Max keys, at the terminator, or at the
//     inter-digit timeout; valid with Min..Max keys.
//   - The reset key clears the keys entered so far and waits again with the
//     first-digit timeout.
//   - The first-digit timeout runs from the end of the prompt; later keys
//     get the inter-digit timeout.
//   - A failed attempt (invalid entry or no input) plays the invalid-input or
//     no-input prompt, then the prompt again; after Tries attempts the node
//     takes its "fail" exit. Keys typed ahead are dropped after a failure.
//
// The terminator is not part of the entry.

// collectSpec is a compiled collection, shared by collect, menu and survey.
type collectSpec struct {
	Mode                   string        `json:"mode"`
	Min, Max               int           `json:"-"`
	Terminator, ResetKey   string        `json:"-"`
	FirstDigit, InterDigit time.Duration `json:"-"`
	Tries                  int           `json:"-"`
	Keys                   string        `json:"-"` // menu/survey: the keys that are valid
	pattern                *regexp.Regexp
	prompts, invalid       []Prompt
	noInput                []Prompt
}

type collectStatus int

const (
	collectPending collectStatus = iota
	collectValid
	collectFailed
)

// collectStart begins the first attempt, using keys typed ahead first.
func (r *run) collectStart(c *collectSpec) (collectStatus, error) {
	r.s.Digits, r.s.Try = "", 1
	r.ask = &Collect{Timeout: c.FirstDigit}
	typed := r.s.TypeAhead != ""
	for r.s.TypeAhead != "" {
		k := r.s.TypeAhead[:1]
		r.s.TypeAhead = r.s.TypeAhead[1:]
		if st, err := r.collectKey(c, k); st != collectPending || err != nil {
			r.ask = nil
			return st, err
		}
	}
	if !typed {
		items, err := r.items(c.prompts)
		if err != nil {
			return collectPending, err
		}
		r.ask.Prompt = items
	}
	r.emitAsk()
	return collectPending, nil
}

// collectInput handles a Digit or Timeout while collecting.
func (r *run) collectInput(c *collectSpec, in Input) (collectStatus, error) {
	var st collectStatus
	var err error
	switch in := in.(type) {
	case Digit:
		st, err = r.collectKey(c, in.Key)
	case Timeout:
		st, err = r.attemptEnd(c)
	default:
		return collectPending, ErrUnexpectedInput
	}
	if st == collectPending && err == nil {
		r.emitAsk()
	}
	return st, err
}

func (r *run) collectKey(c *collectSpec, k string) (collectStatus, error) {
	switch {
	case c.Mode == ModeSingle:
		r.s.Digits = k
		return r.attemptEnd(c)
	case k == c.ResetKey:
		r.s.Digits = ""
		r.ask = &Collect{Timeout: c.FirstDigit}
		return collectPending, nil
	case k == c.Terminator:
		return r.attemptEnd(c)
	}
	r.s.Digits += k
	if len(r.s.Digits) >= c.Max {
		return r.attemptEnd(c)
	}
	r.ask = &Collect{Timeout: c.InterDigit}
	return collectPending, nil
}

func (c *collectSpec) valid(d string) bool {
	if len(d) < c.Min || len(d) > c.Max {
		return false
	}
	if c.Keys != "" && !strings.Contains(c.Keys, d) {
		return false
	}
	return c.pattern == nil || c.pattern.MatchString(d)
}

// attemptEnd judges the entry; on failure it starts the next attempt.
func (r *run) attemptEnd(c *collectSpec) (collectStatus, error) {
	if r.s.Digits != "" && c.valid(r.s.Digits) {
		return collectValid, nil
	}
	r.s.Try++
	if r.s.Try > c.Tries {
		return collectFailed, nil
	}
	again := c.invalid
	if r.s.Digits == "" && len(c.noInput) > 0 {
		again = c.noInput
	}
	r.s.Digits, r.s.TypeAhead = "", ""
	items, err := r.items(append(append([]Prompt{}, again...), c.prompts...))
	if err != nil {
		return collectPending, err
	}
	r.ask = &Collect{Prompt: items, Timeout: c.FirstDigit}
	return collectPending, nil
}

func (r *run) emitAsk() {
	if r.ask != nil {
		r.emit(*r.ask)
		r.ask = nil
	}
}
