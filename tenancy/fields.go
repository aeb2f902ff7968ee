package tenancy

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The rules below are the one check of each field a tenant configures that
// reaches the call path. The API answers 422 with them, the store refuses
// writes with them, and the builders of call configuration (callconfig,
// dialplan, xmlcurl) check rows with them and drop a row that fails, so
// nothing the API accepted is refused further down. A stricter copy
// elsewhere would bring back that gap.

// MaxNameChars is the longest name people type (display names, tenant,
// queue and skill names, entry aliases), counted in characters, not bytes:
// names are legal in any script.
const MaxNameChars = 100

// MaxNumberDigits is the longest access number: E.164 allows 15 digits.
const MaxNumberDigits = 15

// CheckName checks a required name people type and read: valid UTF-8, not
// blank, at most MaxNameChars characters, no control characters (they would
// end a SIP header or a log line). Any script is fine; adapters quote or
// escape names for their switch instead of refusing them.
func CheckName(field, s string) error {
	switch n := utf8.RuneCountInString(s); {
	case !utf8.ValidString(s):
		return &FieldError{field, "must be valid UTF-8"}
	case strings.TrimSpace(s) == "":
		return &FieldError{field, "is required"}
	case n > MaxNameChars:
		return &FieldError{field, fmt.Sprintf("must be at most %d characters (got %d)", MaxNameChars, n)}
	case strings.ContainsFunc(s, isControl):
		return &FieldError{field, "must not contain control characters or line breaks"}
	}
	return nil
}

// CheckOptionalName is CheckName for a name that may be empty.
func CheckOptionalName(field, s string) error {
	if s == "" {
		return nil
	}
	return CheckName(field, s)
}

// isControl is true for C0/C1 controls and the Unicode line and paragraph
// separators.
func isControl(r rune) bool {
	return unicode.IsControl(r) || r == '\u2028' || r == '\u2029'
}

// CheckNumber checks an access number as stored: an optional '+' then 1 to
// MaxNumberDigits digits, nothing else (no separators: the number is a key).
func CheckNumber(field, s string) error {
	digits := strings.TrimPrefix(s, "+")
	if digits == "" || len(digits) > MaxNumberDigits || strings.Trim(digits, "0123456789") != "" {
		return &FieldError{field, fmt.Sprintf("%q is not a phone number: an optional + then 1 to %d digits", s, MaxNumberDigits)}
	}
	return nil
}

// NumberKey is what makes two access numbers the same number: "+8620..."
// and "8620..." reach the same tenant, so only one of them may exist on the
// platform.
func NumberKey(s string) string { return strings.TrimPrefix(s, "+") }

// CheckExtension checks a SIP extension (the user part of an agent's phone
// address): 1 to 32 ASCII letters, digits, '.', '_' or '-', safe as a
// directory user ID and in a dial string.
func CheckExtension(field, s string) error {
	if len(s) == 0 || len(s) > 32 || strings.Trim(s, "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_.-") != "" {
		return &FieldError{field, fmt.Sprintf("%q must be 1 to 32 letters, digits, '.', '_' or '-'", s)}
	}
	return nil
}
