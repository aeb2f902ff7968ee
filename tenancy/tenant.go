package tenancy

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Language is a tenant's display language (MT-6), a BCP 47 tag.
type Language string

// Languages the product ships translations for.
const (
	LanguageEnglish            Language = "en"
	LanguageChineseSimplified  Language = "zh-CN"
	LanguageChineseTraditional Language = "zh-TW"
)

// Languages lists the supported languages (the API's enum of them).
var Languages = []Language{LanguageEnglish, LanguageChineseSimplified, LanguageChineseTraditional}

// ParseLanguage returns the supported Language named s.
func ParseLanguage(s string) (Language, error) {
	if l := Language(s); slices.Contains(Languages, l) {
		return l, nil
	}
	return "", fmt.Errorf("unsupported language %q (want en, zh-CN or zh-TW)", s)
}

// Tenant is one customer organisation of the platform.
type Tenant struct {
	ID        TenantID  `json:"id"`
	Name      string    `json:"name"`
	SIPDomain string    `json:"sip_domain"`
	Language  Language  `json:"language"`
	TimeZone  string    `json:"time_zone"`
	Status    Status    `json:"status"`
	Quotas    Quotas    `json:"quotas"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// ErrInvalid is matched (errors.Is) by every *FieldError.
var ErrInvalid = errors.New("invalid input")

// FieldError names the input field that is wrong and why. Safe to show.
type FieldError struct {
	Field  string
	Reason string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Reason }

// Is makes errors.Is(err, ErrInvalid) true.
func (e *FieldError) Is(target error) bool { return target == ErrInvalid }

// Validate checks the operator-editable fields of t. The time zone is only
// checked for shape here (cores do no I/O); the store loads it.
func (t Tenant) Validate() error {
	if err := CheckName("name", strings.TrimSpace(t.Name)); err != nil {
		return err
	}
	if err := ValidateSIPDomain(t.SIPDomain); err != nil {
		return err
	}
	if _, err := ParseLanguage(string(t.Language)); err != nil {
		return &FieldError{"language", err.Error()}
	}
	if t.TimeZone == "" || len(t.TimeZone) > 64 || strings.ContainsAny(t.TimeZone, " \t\n") {
		return &FieldError{"time_zone", "must be an IANA time zone such as Asia/Shanghai"}
	}
	if err := t.Quotas.Validate(); err != nil {
		return &FieldError{"quotas", err.Error()}
	}
	return nil
}

// ValidateSIPDomain checks that d is a lower-case DNS name (labels of a-z,
// 0-9 and '-', at least two labels), as FreeSWITCH directory domains must be.
func ValidateSIPDomain(d string) error {
	bad := &FieldError{"sip_domain", fmt.Sprintf("%q is not a lower-case DNS name like acme.example.com", d)}
	if len(d) == 0 || len(d) > 253 {
		return bad
	}
	labels := strings.Split(d, ".")
	if len(labels) < 2 {
		return bad
	}
	for _, l := range labels {
		if !validLabel(l) {
			return bad
		}
	}
	return nil
}

func validLabel(l string) bool {
	if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
		return false
	}
	for _, c := range l {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}
