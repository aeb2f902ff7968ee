package xmlcurl

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
// capture: a1-hash instead of a password, user_context and sb_tenant
// variables, then the effective caller ID when set.
func renderUser(e DirectoryEntry) []byte {
	d := newDoc()
	d.open("section", "name", "directory")
	d.open("domain", "name", e.Domain)
	d.open("params")
	d.empty("param", "name", "dial-string", "value", dialString)
	d.close("params")
	d.open("groups")
	d.open("group", "name", "default")
	d.open("users")
	d.open("user", "id", e.User.ID)
	d.open("params")
	d.empty("param", "name", "a1-hash", "value", e.User.HA1)
	d.close("params")
	d.open("variables")
	d.empty("variable", "name", "user_context", "value", e.Context)
	d.empty("variable", "name", VarTenant, "value", string(e.Tenant))
	if e.User.CallerIDName != "" {
		d.empty("variable", "name", "effective_caller_id_name", "value", e.User.CallerIDName)
	}
	if e.User.CallerIDNumber != "" {
		d.empty("variable", "name", "effective_caller_id_number", "value", e.User.CallerIDNumber)
	}
	d.close("variables")
	d.close("user")
	d.close("users")
	d.close("group")
	d.close("groups")
	d.close("domain")
	d.close("section")
	return d.bytes()
}
