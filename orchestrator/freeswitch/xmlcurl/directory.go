package xmlcurl

import "github.com/switchboard-cc/switchboard/dialplan"

// dialString is the domain's dial-string param, as in the FreeSWITCH
// default configuration and the capture: it rings every registered contact
// of the user. The ${} here are FreeSWITCH's own, not tenant data.
const dialString = "{^^:sip_invite_domain=${dialed_domain}:presence_id=${dialed_user}@${dialed_domain}}" +
	"${sofia_contact(*/${dialed_user}@${dialed_domain})}"

// directoryActions are the directory request variants answered with the
// user document: REGISTER/INVITE digest auth, voicemail's message count,
// bridging to user/..., and the action-less lookups of user_exists and
// user_data. Others (group_call, reverse-auth-lookup, gateway or network-list
// purposes) get "not found" and the node's static XML.
var directoryActions = map[string]bool{"": true, "sip_auth": true, "message-count": true, "user_call": true}

// directoryFor answers a directory request; ok is false for "not found".
func directoryFor(dir Directory, req Request) (doc []byte, ok bool) {
	if !directoryActions[req.Action] || req.User == "" || req.Domain == "" ||
		(req.Key != "" && req.Key != "id") {
		return nil, false
	}
	e, found := dir.LookupUser(req.Domain, req.User)
	if !found {
		return nil, false
	}
	return renderUser(e), true
}

// renderUser writes the user document in the shape FreeSWITCH accepted in the
// capture.
func renderUser(e DirectoryEntry) []byte {
	d := newDoc()
	d.open("section", "name", "directory")
	writeDomain(d, e.Domain, e.Context, e.Tenant, []User{e.User})
	d.close("section")
	return d.bytes()
}

// writeDomain writes a tenant domain with its users: a1-hash instead of a
// password, user_context and sb_tenant variables, then the effective caller
// ID when set.
func writeDomain(d *xmlDoc, domain, context string, tenant dialplan.TenantID, users []User) {
	d.open("domain", "name", domain)
	d.open("params")
	d.empty("param", "name", "dial-string", "value", dialString)
	d.close("params")
	d.open("groups")
	d.open("group", "name", "default")
	d.open("users")
	for _, u := range users {
		writeUser(d, context, tenant, u)
	}
	d.close("users")
	d.close("group")
	d.close("groups")
	d.close("domain")
}

func writeUser(d *xmlDoc, context string, tenant dialplan.TenantID, u User) {
	d.open("user", "id", u.ID)
	d.open("params")
	d.empty("param", "name", "a1-hash", "value", u.HA1)
	d.close("params")
	d.open("variables")
	d.empty("variable", "name", "user_context", "value", context)
	d.empty("variable", "name", VarTenant, "value", string(tenant))
	if u.CallerIDName != "" {
		d.empty("variable", "name", "effective_caller_id_name", "value", literal(u.CallerIDName))
	}
	if u.CallerIDNumber != "" {
		d.empty("variable", "name", "effective_caller_id_number", "value", literal(u.CallerIDNumber))
	}
	d.close("variables")
	d.close("user")
}
