package tenancy

import (
	"fmt"
	"strings"
)

// Feature codes are what an agent with a plain SIP phone dials to work
// without the desktop (AG-1, AG-2): log in, log out, ready, not ready with a
// reason, break, end after-call work, "what is my state". Each tenant sets
// its own codes (FeatureCodes); DefaultFeatureCodes apply until it does.
//
// A code starts with '*' or '#' and is followed by digits, '*' or '#', so it
// can never be mistaken for an extension or an outside number. not_ready and
// break take reason digits after the code ("*24" then "2": the tenant's
// second not-ready reason); since no code may be a prefix of another, a
// dialled string matches at most one code.

// FeatureAction is what a feature code does.
type FeatureAction string

// Feature actions.
const (
	FeatureLogin    FeatureAction = "login"     // log in to all the agent's queues
	FeatureLogout   FeatureAction = "logout"    // log out of them
	FeatureReady    FeatureAction = "ready"     // ready (ends a break first)
	FeatureNotReady FeatureAction = "not_ready" // not ready, reason digits optional
	FeatureBreak    FeatureAction = "break"     // break request, reason digits optional
	FeatureEndWrap  FeatureAction = "end_wrap"  // end after-call work
	FeatureState    FeatureAction = "state"     // say the agent's state
)

// FeatureActions lists every action in the order the API shows them.
var FeatureActions = []FeatureAction{FeatureLogin, FeatureLogout, FeatureReady, FeatureNotReady, FeatureBreak,
	FeatureEndWrap, FeatureState}

// TakesReason reports whether digits may follow the action's code.
func (a FeatureAction) TakesReason() bool { return a == FeatureNotReady || a == FeatureBreak }

// FeatureCodes are a tenant's codes, one per action; "" disables the action.
type FeatureCodes struct {
	Login    string `json:"login" doc:"log in to all the agent's queues (default *21)"`
	Logout   string `json:"logout" doc:"log out of them (default *22)"`
	Ready    string `json:"ready" doc:"ready; on break it ends the break (default *23)"`
	NotReady string `json:"not_ready" doc:"not ready; followed by digits N: with the tenant's N-th not-ready reason (default *24)"`
	Break    string `json:"break" doc:"break request, granted or refused with the reason; digits N after it: the N-th not-ready reason as the break's reason (default *25)"`
	EndWrap  string `json:"end_wrap" doc:"end after-call work (default *26)"`
	State    string `json:"state" doc:"say the agent's state and reason (default *27)"`
}

// DefaultFeatureCodes are a tenant's codes until it sets its own.
func DefaultFeatureCodes() FeatureCodes {
	return FeatureCodes{Login: "*21", Logout: "*22", Ready: "*23", NotReady: "*24", Break: "*25", EndWrap: "*26", State: "*27"}
}

// Code returns the code of action.
func (f FeatureCodes) Code(a FeatureAction) string {
	switch a {
	case FeatureLogin:
		return f.Login
	case FeatureLogout:
		return f.Logout
	case FeatureReady:
		return f.Ready
	case FeatureNotReady:
		return f.NotReady
	case FeatureBreak:
		return f.Break
	case FeatureEndWrap:
		return f.EndWrap
	case FeatureState:
		return f.State
	}
	return ""
}

// Feature code lengths: the shortest code is a prefix and one digit.
const (
	minFeatureCode = 2
	maxFeatureCode = 8
	// maxReasonDigits bounds the digits after a code (a reason's position).
	maxReasonDigits = 3
)

// LooksLikeFeatureCode reports whether dialled has a feature code's shape
// (starts with '*' or '#'): such a string is never an extension or a
// number, so a phone's call to it is served as a feature code, known or not.
func LooksLikeFeatureCode(dialled string) bool {
	return dialled != "" && (dialled[0] == '*' || dialled[0] == '#')
}

func checkFeatureCode(field, code string) error {
	switch {
	case code == "":
		return nil
	case len(code) < minFeatureCode || len(code) > maxFeatureCode:
		return &FieldError{Field: field, Reason: fmt.Sprintf("%q: %d to %d characters", code, minFeatureCode, maxFeatureCode)}
	case code[0] != '*' && code[0] != '#':
		return &FieldError{Field: field, Reason: fmt.Sprintf("%q must start with * or # (so it is never an extension or a number)", code)}
	case strings.Trim(code, "0123456789*#") != "":
		return &FieldError{Field: field, Reason: fmt.Sprintf("%q: only digits, * and # may be dialled", code)}
	}
	return nil
}

// CheckFeatureCodes applies the rules: each code empty or 2 to 8 of digits,
// '*' and '#' starting with '*' or '#'; no two codes equal, and none a prefix
// of another (the longer one could never be dialled, or reason digits would
// be ambiguous). The first broken rule is a *FieldError naming the field.
func CheckFeatureCodes(f FeatureCodes) error {
	for _, a := range FeatureActions {
		if err := checkFeatureCode(string(a), f.Code(a)); err != nil {
			return err
		}
	}
	for i, a := range FeatureActions {
		ca := f.Code(a)
		if ca == "" {
			continue
		}
		for _, b := range FeatureActions[i+1:] {
			cb := f.Code(b)
			switch {
			case cb == "":
			case ca == cb:
				return &FieldError{Field: string(b), Reason: fmt.Sprintf("%q is already the code of %s", cb, a)}
			case strings.HasPrefix(cb, ca):
				return &FieldError{Field: string(b), Reason: fmt.Sprintf("%q starts with %q, the code of %s", cb, ca, a)}
			case strings.HasPrefix(ca, cb):
				return &FieldError{Field: string(a), Reason: fmt.Sprintf("%q starts with %q, the code of %s", ca, cb, b)}
			}
		}
	}
	return nil
}

// FeatureRequest is a dialled string read against a tenant's codes.
type FeatureRequest struct {
	Action FeatureAction
	// Reason is the position (1-based) the digits after the code name; 0:
	// none dialled.
	Reason int
}

// ParseFeatureCode reads dialled against f (checked by CheckFeatureCodes).
// ok is false when dialled is no code of f, or digits follow a code that
// takes none, or the digits are not a position 1..999. A trailing '#' that
// makes it no code is read as the phone's "send" key (many desk phones
// send what was dialled on '#'): "*23#" is "*23", unless "*23#" is itself
// a code.
func (f FeatureCodes) ParseFeatureCode(dialled string) (FeatureRequest, bool) {
	if r, ok := f.parseFeatureCode(dialled); ok {
		return r, true
	}
	if sent, ok := strings.CutSuffix(dialled, "#"); ok && len(sent) > 1 {
		return f.parseFeatureCode(sent)
	}
	return FeatureRequest{}, false
}

func (f FeatureCodes) parseFeatureCode(dialled string) (FeatureRequest, bool) {
	for _, a := range FeatureActions {
		code := f.Code(a)
		if code == "" || !strings.HasPrefix(dialled, code) {
			continue
		}
		rest := dialled[len(code):]
		if rest == "" {
			return FeatureRequest{Action: a}, true
		}
		if !a.TakesReason() || len(rest) > maxReasonDigits || strings.Trim(rest, "0123456789") != "" {
			return FeatureRequest{}, false
		}
		n := 0
		for _, c := range rest {
			n = n*10 + int(c-'0')
		}
		if n == 0 {
			return FeatureRequest{}, false
		}
		return FeatureRequest{Action: a, Reason: n}, true
	}
	return FeatureRequest{}, false
}
