package xmlcurl

import (
	"errors"
	"fmt"
)

// ErrBadRequest is wrapped by every error about a malformed xml_curl request.
var ErrBadRequest = errors.New("bad xml_curl request")

// Section is the part of the FreeSWITCH configuration asked for.
type Section string

// Sections FreeSWITCH can bind; this package answers dialplan and directory
// and says "not found" to the others, so the node's static XML serves them.
const (
	SectionDialplan      Section = "dialplan"
	SectionDirectory     Section = "directory"
	SectionConfiguration Section = "configuration"
	SectionPhrases       Section = "phrases"
	SectionLanguages     Section = "languages"
	SectionChatplan      Section = "chatplan"
)

// Request is the part of a mod_xml_curl POST this package uses. Every field
// is outside input.
type Request struct {
	Hostname string // the node's switchname
	Section  Section

	// Directory: the user and domain asked for, how (key: "id"), and why
	// (action: "sip_auth", "message-count", "user_call", ... or empty for
	// user_exists / user_data lookups).
	User, Domain, Key, Action string

	// Dialplan: the channel being routed.
	Destination string // Caller-Destination-Number
	Context     string // Caller-Context
	CallerID    string // Caller-Caller-ID-Number
	CallUUID    string // Unique-ID
	// AuthUser and AuthDomain are the directory user and domain a phone's
	// INVITE authenticated as (variable_user_name, variable_domain_name:
	// mod_sofia sets them only after a good digest; empty otherwise).
	AuthUser, AuthDomain string
}

// ParseRequest reads the form mod_xml_curl posts (see
// testdata/freeswitch/11-xml-curl-http.jsonl). It checks only what routing
// needs; everything else FreeSWITCH sends is ignored.
func ParseRequest(form Fields) (Request, error) {
	r := Request{
		Hostname: form.Get("hostname"),
		Section:  Section(form.Get("section")),
	}
	switch r.Section {
	case SectionDirectory:
		r.User, r.Domain = form.Get("user"), form.Get("domain")
		r.Key, r.Action = form.Get("key"), form.Get("action")
		if r.Domain == "" && form.Get("tag_name") == "domain" {
			r.Domain = form.Get("key_value")
		}
	case SectionDialplan:
		r.Destination = form.Get("Caller-Destination-Number")
		r.Context = form.Get("Caller-Context")
		r.CallerID = form.Get("Caller-Caller-ID-Number")
		r.CallUUID = form.Get("Unique-ID")
		r.AuthUser, r.AuthDomain = form.Get("variable_user_name"), form.Get("variable_domain_name")
		if r.Context == "" {
			return Request{}, fmt.Errorf("%w: dialplan request without Caller-Context", ErrBadRequest)
		}
	case SectionConfiguration, SectionPhrases, SectionLanguages, SectionChatplan:
	case "":
		return Request{}, fmt.Errorf("%w: no section", ErrBadRequest)
	default:
		return Request{}, fmt.Errorf("%w: unknown section %q", ErrBadRequest, string(r.Section))
	}
	return r, nil
}
