package dialplan

import (
	"errors"
	"fmt"
	"strings"

	"github.com/switchboard-cc/switchboard/tenancy"
)

// ErrBadNumber is wrapped by every error about a malformed dialled number.
var ErrBadNumber = errors.New("bad number")

// MaxDigits is the longest normalised number accepted (E.164 allows 15):
// the same limit the API and the store hold access numbers to.
const MaxDigits = tenancy.MaxNumberDigits

// NumberFormat says how numbers are written on the trunks, so that
// "+33 1 23 45", "0033 1 23 45" and "01 23 45" all become the key "3312345".
// The zero value keeps numbers as dialled, minus a leading "+" and separators.
type NumberFormat struct {
	// CountryCode is put in front of national numbers (those starting with
	// TrunkPrefix), e.g. "33". Empty: national numbers keep their trunk prefix.
	CountryCode string
	// InternationalPrefix is stripped from the start, e.g. "00".
	InternationalPrefix string
	// TrunkPrefix marks a national number, e.g. "0". Only used with CountryCode.
	TrunkPrefix string
}

// Validate reports a format whose fields are not digit strings.
func (f NumberFormat) Validate() error {
	fields := [...]struct{ name, v string }{
		{"country code", f.CountryCode},
		{"international prefix", f.InternationalPrefix},
		{"trunk prefix", f.TrunkPrefix},
	}
	for _, fl := range fields {
		if fl.v != "" && !allDigits(fl.v) {
			return fmt.Errorf("number format: %s %q is not digits", fl.name, fl.v)
		}
	}
	return nil
}

// Normalize turns a dialled number into its plan key: digits only, with the
// country code, without "+", international or trunk prefix. Visual separators
// (space, '-', '.', '(', ')') are dropped. Anything else is an ErrBadNumber.
func (f NumberFormat) Normalize(raw string) (string, error) {
	s := stripSeparators(raw)
	switch {
	case s == "":
		return "", fmt.Errorf("%w: empty", ErrBadNumber)
	case strings.HasPrefix(s, "+"):
		s = s[1:]
	case f.InternationalPrefix != "" && strings.HasPrefix(s, f.InternationalPrefix):
		s = s[len(f.InternationalPrefix):]
	case f.CountryCode != "" && f.TrunkPrefix != "" && strings.HasPrefix(s, f.TrunkPrefix):
		s = f.CountryCode + s[len(f.TrunkPrefix):]
	}
	if i := strings.IndexFunc(s, notDigit); i >= 0 {
		return "", fmt.Errorf("%w: %q has a non-digit at byte %d", ErrBadNumber, raw, i)
	}
	if s == "" || len(s) > MaxDigits {
		return "", fmt.Errorf("%w: %q has %d digits, want 1 to %d", ErrBadNumber, raw, len(s), MaxDigits)
	}
	return s, nil
}

func stripSeparators(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', '.', '(', ')', '\t':
			return -1
		}
		return r
	}, strings.TrimSpace(s))
}

func notDigit(r rune) bool { return r < '0' || r > '9' }

func allDigits(s string) bool { return s != "" && strings.IndexFunc(s, notDigit) < 0 }

// MinOutsideDigits is the fewest digits of a number outside the platform, as
// normalised. Shorter strings are extensions: a tenant's own, or (never
// dialled) another tenant's, so they are not sent to the PSTN. Short
// service and emergency codes are not dialled out either.
const MinOutsideDigits = 7

// Outside reports whether raw, as a phone dialled it, is a number outside
// the platform, and returns it as dialled minus separators (what the
// gateway is sent: the trunk's own format, not the plan's key).
func (f NumberFormat) Outside(raw string) (string, bool) {
	key, err := f.Normalize(raw)
	if err != nil || len(key) < MinOutsideDigits {
		return "", false
	}
	return stripSeparators(raw), true
}
