package tenancy

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// DesktopSettings are what a tenant sets for its agents' desktop: the
// not-ready reason codes an agent picks from (AG-2) and the link into the
// tenant's CRM that a screen pop opens (OPS-18, DIST-3).
type DesktopSettings struct {
	NotReadyReasons []ReasonCode `json:"not_ready_reasons"`
	// CRMURLTemplate is an http(s) URL with placeholders (CRMPlaceholders,
	// and {data.KEY} for the call's attached data); empty: no CRM link.
	CRMURLTemplate string `json:"crm_url_template" required:"false" doc:"an absolute http or https URL, at most 2048 characters, whose scheme and host are written out; placeholders {caller}, {access_number}, {queue_id}, {call_id}, {agent_id} and {data.KEY} (the call's attached data) are replaced by the call's values, URL-escaped; empty: no CRM link"`
}

// ReasonCode is one not-ready reason an agent may pick. Label is the
// tenant's own text; empty, the desktop shows its translation of the code
// (the defaults have none).
type ReasonCode struct {
	Code  string `json:"code" doc:"1 to 32 ASCII letters, digits, '.', '_' or '-'; not login, rejected or supervisor (the ACD sets those itself)"`
	Label string `json:"label,omitempty" doc:"what the desktop shows, any script, at most 100 characters; empty: the desktop's own name for the code"`
}

// DefaultNotReadyReasons are offered while a tenant has set none.
var DefaultNotReadyReasons = []ReasonCode{{Code: "meeting"}, {Code: "training"}, {Code: "admin"}, {Code: "personal"}}

// DefaultDesktopSettings are a tenant's settings until it stores its own.
func DefaultDesktopSettings() DesktopSettings {
	return DesktopSettings{NotReadyReasons: slices.Clone(DefaultNotReadyReasons)}
}

// maxReasonCodes bounds the list an agent picks from.
const maxReasonCodes = 32

// reservedReasons are the not-ready reasons the ACD sets itself (acd's
// Reason* constants): a tenant's code must not be mistaken for them.
var reservedReasons = []string{"login", "no answer", "rejected", "supervisor"}

var reasonCodeRe = regexp.MustCompile(`^[A-Za-z0-9._-]{1,32}$`)

// CheckDesktopSettings applies the rules of every field; the first broken
// one is a *FieldError naming it.
func CheckDesktopSettings(s DesktopSettings) error {
	if len(s.NotReadyReasons) > maxReasonCodes {
		return &FieldError{Field: "not_ready_reasons", Reason: fmt.Sprintf("at most %d reason codes (got %d)", maxReasonCodes, len(s.NotReadyReasons))}
	}
	seen := map[string]bool{}
	for i, r := range s.NotReadyReasons {
		field := fmt.Sprintf("not_ready_reasons[%d]", i)
		switch {
		case !reasonCodeRe.MatchString(r.Code):
			return &FieldError{Field: field + ".code", Reason: fmt.Sprintf("%q: 1 to 32 ASCII letters, digits, '.', '_' or '-'", r.Code)}
		case slices.Contains(reservedReasons, strings.ToLower(r.Code)):
			return &FieldError{Field: field + ".code", Reason: fmt.Sprintf("%q is set by the ACD itself", r.Code)}
		case seen[strings.ToLower(r.Code)]:
			return &FieldError{Field: field + ".code", Reason: fmt.Sprintf("%q is listed twice", r.Code)}
		}
		seen[strings.ToLower(r.Code)] = true
		if r.Label != "" {
			if err := CheckName(field+".label", r.Label); err != nil {
				return err
			}
		}
	}
	_, err := ParseCRMTemplate(s.CRMURLTemplate)
	return err
}

// CRMPlaceholders are the call's values a CRM link may carry, besides
// {data.KEY}.
var CRMPlaceholders = []string{"caller", "access_number", "queue_id", "call_id", "agent_id"}

// CRMValues are one screen pop's values for a CRM link.
type CRMValues struct {
	Caller, AccessNumber, QueueID, CallID, AgentID string
	Data                                           map[string]string
}

func (v CRMValues) get(name string) string {
	switch name {
	case "caller":
		return v.Caller
	case "access_number":
		return v.AccessNumber
	case "queue_id":
		return v.QueueID
	case "call_id":
		return v.CallID
	case "agent_id":
		return v.AgentID
	}
	return v.Data[strings.TrimPrefix(name, "data.")]
}

// CRMTemplate is a checked CRM link template.
type CRMTemplate struct {
	parts []crmPart
}

// crmPart is literal text or a placeholder, and whether it sits in the
// query or fragment (escaped as a query value) or in the path.
type crmPart struct {
	text        string
	placeholder bool
	query       bool
}

const maxCRMTemplate = 2048

var crmDataKeyRe = regexp.MustCompile(`^data\.[A-Za-z0-9._-]{1,64}$`)

// ParseCRMTemplate checks a CRM link template: an absolute http or https
// URL whose scheme and host are literal (a caller's number can never choose
// where the link goes), with known placeholders only. "" is no template.
func ParseCRMTemplate(s string) (CRMTemplate, error) {
	const field = "crm_url_template"
	if s == "" {
		return CRMTemplate{}, nil
	}
	if len(s) > maxCRMTemplate {
		return CRMTemplate{}, &FieldError{Field: field, Reason: fmt.Sprintf("at most %d characters (got %d)", maxCRMTemplate, len(s))}
	}
	var t CRMTemplate
	query := false
	for rest := s; rest != ""; {
		open := strings.IndexByte(rest, '{')
		if open < 0 {
			t.parts = append(t.parts, crmPart{text: rest})
			break
		}
		end := strings.IndexByte(rest[open:], '}')
		if end < 0 {
			return CRMTemplate{}, &FieldError{Field: field, Reason: "a '{' without its '}'"}
		}
		lit, name := rest[:open], rest[open+1:open+end]
		query = query || strings.ContainsAny(lit, "?#")
		if !slices.Contains(CRMPlaceholders, name) && !crmDataKeyRe.MatchString(name) {
			return CRMTemplate{}, &FieldError{Field: field, Reason: fmt.Sprintf("unknown placeholder {%s} (valid: {%s} and {data.KEY})",
				name, strings.Join(CRMPlaceholders, "}, {"))}
		}
		t.parts = append(t.parts, crmPart{text: lit}, crmPart{text: name, placeholder: true, query: query})
		rest = rest[open+end+1:]
	}
	// The URL with every placeholder filled must be an absolute http(s) URL
	// whose scheme and host come before any placeholder.
	u, err := url.Parse(t.expand(func(string) string { return "x" }))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return CRMTemplate{}, &FieldError{Field: field, Reason: "must be an absolute http or https URL without user information"}
	}
	if first := strings.IndexByte(s, '{'); first >= 0 && first < len(u.Scheme)+3+len(u.Host) {
		return CRMTemplate{}, &FieldError{Field: field, Reason: "the scheme and host must be written out, not placeholders"}
	}
	if strings.ContainsAny(s, " \t\r\n\"<>\\") {
		return CRMTemplate{}, &FieldError{Field: field, Reason: "spaces, quotes, '<', '>' and '\\' must be percent-encoded"}
	}
	return t, nil
}

// Empty reports whether the template makes no link.
func (t CRMTemplate) Empty() bool { return len(t.parts) == 0 }

// Expand fills the placeholders with v's values, escaped for where each
// sits; a missing value is empty.
func (t CRMTemplate) Expand(v CRMValues) string {
	return t.expand(v.get)
}

func (t CRMTemplate) expand(get func(string) string) string {
	var b strings.Builder
	for _, p := range t.parts {
		switch {
		case !p.placeholder:
			b.WriteString(p.text)
		case p.query:
			b.WriteString(url.QueryEscape(get(p.text)))
		default:
			b.WriteString(url.PathEscape(get(p.text)))
		}
	}
	return b.String()
}
