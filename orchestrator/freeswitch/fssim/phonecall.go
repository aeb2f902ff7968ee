package fssim

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/google/uuid"
)

// A call a registered phone places, as FreeSWITCH runs it with
// mod_xml_curl: mod_sofia challenges the INVITE and checks the digest
// against the directory user (a directory request, action sip_auth); on
// success it sets user_name and domain_name and the user's <variables> on
// the channel, and the call runs the dialplan of the user's user_context
// (sofia.c: no ACL context, so user_context wins), which mod_dialplan_xml
// fetches with a dialplan request carrying the channel's variables as
// variable_<name>. The phone's password is not simulated: the directory
// answering with the user stands for a good digest.

// XMLCurl is a node's mod_xml_curl binding: gateway-url and
// gateway-credentials.
type XMLCurl struct {
	URL, User, Password string
	Client              *http.Client // nil: xmlCurlClient
}

// xmlCurlClient opens a connection per fetch and closes it after, as
// FreeSWITCH's mod_xml_curl does (mod_xml_curl.c xml_url_fetch:
// switch_curl_easy_init per fetch, switch_curl_easy_cleanup after it; a
// real 1.10.12 here fetched three times from three client ports, with no
// Connection header). A keep-alive client would spare the controller the
// accept, the new server goroutine and the close that each real fetch
// costs it.
var xmlCurlClient = &http.Client{Transport: func() http.RoundTripper {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = -1 // no idle connection is kept: each is closed after its response
	return t
}()}

// ErrForbidden: the directory does not know the phone's user (FreeSWITCH
// answers the INVITE 403).
var ErrForbidden = errors.New("fssim: INVITE refused: no such directory user (403)")

// ErrNoRoute: xml_curl had no extension for the call and fssim has no static
// dialplan for the context (FreeSWITCH: NO_ROUTE_DESTINATION).
var ErrNoRoute = errors.New("fssim: no dialplan extension for the call")

// PhoneCall is what the phone dials.
type PhoneCall struct {
	User, Domain string // the directory user the phone authenticates as
	To           string // the dialled string (INVITE request user)
	UUID         string // "" picks one
}

// PlacePhoneCall places p through x: the directory lookup, then the
// extension xml_curl returns for the user's context, run in order: `set`
// actions before `socket` become the channel's variables, `socket` connects
// to the controller (PlaceCall), and the actions after it are the fallback.
// An extension without `socket` runs on the node (e.g. a refusal's hangup).
func (n *Node) PlacePhoneCall(ctx context.Context, x XMLCurl, p PhoneCall) (*Call, error) {
	if p.User == "" || p.Domain == "" || p.To == "" {
		return nil, errorf("phone call: User, Domain and To are required")
	}
	if p.UUID == "" {
		p.UUID = uuid.NewString()
	}
	vars, err := x.authenticate(ctx, n.cfg.Hostname, p)
	if err != nil {
		return nil, err
	}
	userContext := orDefault(vars["user_context"], "default")
	ext, err := x.extension(ctx, n.cfg.Hostname, userContext, p, vars)
	if err != nil {
		return nil, err
	}
	in := IncomingCall{From: p.User, To: p.To, UUID: p.UUID, Vars: map[string]string{}, Context: userContext,
		Profile: "internal", Host: p.Domain}
	for k, v := range vars {
		in.Vars[k] = v
	}
	return n.runExtension(ctx, in, ext)
}

// placeExtension runs steps on a new caller channel, as the dialplan does
// without a socket.
func (n *Node) placeExtension(in IncomingCall, steps []DialplanApp) (*Call, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.dropped || n.closed {
		return nil, ErrDropped
	}
	ch := n.newCallerLocked(in)
	n.fallBackLocked(ch, steps)
	return &Call{n: n, ch: ch}, nil
}

// authenticate is the INVITE's digest check: the directory's user variables
// plus what mod_sofia sets on success (sofia_reg.c, sofia_reg_parse_auth).
func (x XMLCurl) authenticate(ctx context.Context, hostname string, p PhoneCall) (map[string]string, error) {
	form := url.Values{"hostname": {hostname}, "section": {"directory"}, "tag_name": {"domain"}, "key_name": {"name"},
		"key_value": {p.Domain}, "key": {"id"}, "user": {p.User}, "domain": {p.Domain}, "action": {"sip_auth"},
		"sip_auth_username": {p.User}, "sip_auth_realm": {p.Domain}, "sip_auth_method": {"INVITE"}}
	body, err := x.post(ctx, form)
	if err != nil {
		return nil, err
	}
	var doc struct {
		Users []struct {
			ID   string `xml:"id,attr"`
			Vars []struct {
				Name  string `xml:"name,attr"`
				Value string `xml:"value,attr"`
			} `xml:"variables>variable"`
		} `xml:"section>domain>groups>group>users>user"`
	}
	if err := xml.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("fssim: directory answer: %w", err)
	}
	for _, u := range doc.Users {
		if u.ID != p.User {
			continue
		}
		vars := map[string]string{"sip_from_user": p.User, "sip_from_host": p.Domain, "sip_req_user": p.To,
			"sip_auth_username": p.User, "sip_auth_realm": p.Domain, "user_name": p.User, "domain_name": p.Domain}
		for _, v := range u.Vars {
			vars[v.Name] = v.Value
		}
		return vars, nil
	}
	return nil, ErrForbidden
}

// extension fetches the dialplan for the call and returns the actions of
// the first extension whose conditions match (destination_number and
// ${variable} fields; other fields are not simulated and never match).
func (x XMLCurl) extension(ctx context.Context, hostname, userContext string, p PhoneCall, vars map[string]string) ([]DialplanApp, error) {
	form := url.Values{"hostname": {hostname}, "section": {"dialplan"}, "Caller-Context": {userContext},
		"Caller-Destination-Number": {p.To}, "Caller-Caller-ID-Number": {p.User}, "Caller-Username": {p.User},
		"Unique-ID": {p.UUID}, "Hunt-Context": {userContext}}
	for k, v := range vars {
		form.Set("variable_"+k, v)
	}
	body, err := x.post(ctx, form)
	if err != nil {
		return nil, err
	}
	var doc struct {
		Contexts []struct {
			Name       string `xml:"name,attr"`
			Extensions []struct {
				Conditions []struct {
					Field      string `xml:"field,attr"`
					Expression string `xml:"expression,attr"`
					Actions    []struct {
						App  string `xml:"application,attr"`
						Data string `xml:"data,attr"`
					} `xml:"action"`
				} `xml:"condition"`
			} `xml:"extension"`
		} `xml:"section>context"`
	}
	if err := xml.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("fssim: dialplan answer: %w", err)
	}
	for _, c := range doc.Contexts {
		if c.Name != userContext {
			continue
		}
	next:
		for _, e := range c.Extensions {
			var acts []DialplanApp
			for _, cond := range e.Conditions {
				value, ok := p.To, cond.Field == "destination_number"
				if strings.HasPrefix(cond.Field, "${") && strings.HasSuffix(cond.Field, "}") {
					value, ok = vars[cond.Field[2:len(cond.Field)-1]], true
				}
				re, err := regexp.Compile(cond.Expression)
				if !ok || err != nil || !re.MatchString(value) {
					continue next
				}
				for _, a := range cond.Actions {
					acts = append(acts, DialplanApp{App: a.App, Arg: a.Data})
				}
			}
			return acts, nil
		}
	}
	return nil, ErrNoRoute
}

func (x XMLCurl) post(ctx context.Context, form url.Values) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, x.URL, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", "freeswitch-xml/1.0")
	req.SetBasicAuth(x.User, x.Password)
	cl := x.Client
	if cl == nil {
		cl = xmlCurlClient
	}
	resp, err := cl.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fssim: xml_curl: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil || resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fssim: xml_curl answered %d: %s %v", resp.StatusCode, body, err)
	}
	return body, nil
}
