package api

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/switchboard-cc/switchboard/tenancy"
)

// checker collects every field problem of one request so the caller learns
// them all at once.
type checker struct{ errs []FieldError }

func (v *checker) add(field, format string, args ...any) {
	v.errs = append(v.errs, FieldError{Field: field, Problem: fmt.Sprintf(format, args...)})
}

// text checks a required (or optional when min is 0) string's length in characters.
func (v *checker) text(field, s string, min, max int) {
	n := utf8.RuneCountInString(s)
	switch {
	case !utf8.ValidString(s):
		v.add(field, "must be valid UTF-8")
	case min > 0 && strings.TrimSpace(s) == "":
		v.add(field, "is required")
	case n < min:
		v.add(field, "must be at least %d characters", min)
	case n > max:
		v.add(field, "must be at most %d characters (got %d)", max, n)
	}
}

// optText checks an optional string pointer in a PATCH body.
func (v *checker) optText(field string, s *string, min, max int) {
	if s != nil {
		v.text(field, *s, min, max)
	}
}

// rule records the verdict of one of tenancy's field rules (tenancy.Check*),
// the same ones the store and the call configuration builders apply.
func (v *checker) rule(err error) {
	var fe *tenancy.FieldError
	switch {
	case errors.As(err, &fe):
		v.add(fe.Field, "%s", fe.Reason)
	case err != nil:
		v.add("", "%v", err)
	}
}

func (v *checker) intRange(field string, n, min, max int) {
	if n < min || n > max {
		v.add(field, "must be between %d and %d (got %d)", min, max, n)
	}
}

var slugRe = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$`)

// slug checks a lower-case DNS-label-like identifier used in URLs and SIP domains.
func (v *checker) slug(field, s string) {
	if !slugRe.MatchString(s) {
		v.add(field, "must be 1-63 lower-case letters, digits or '-', not starting or ending with '-'")
	}
}

func (v *checker) email(field, s string) {
	at := strings.IndexByte(s, '@')
	if at < 1 || at == len(s)-1 || strings.ContainsAny(s, " \t\r\n") || len(s) > 254 {
		v.add(field, "must be an e-mail address")
	}
}

// locale checks a display language (MT-6) against the ones tenancy ships.
func (v *checker) locale(field, s string) {
	if _, err := tenancy.ParseLanguage(s); err != nil {
		v.add(field, "%s", err.Error())
	}
}

func (v *checker) password(field, s string) {
	v.text(field, s, 12, 256)
}

// err returns nil or one 422 naming every failed field.
func (v *checker) err() error {
	if len(v.errs) == 0 {
		return nil
	}
	return errInvalid(v.errs...)
}
