package xmlcurl

import (
	"log/slog"
	"strconv"

	"github.com/switchboard-cc/switchboard/dialplan"
)

// PhoneContext is the user_context the directory gives every tenant's phones
// (unless DomainConfig.Context names another): calls agents place from their
// phones run in it, so FreeSWITCH asks this endpoint for them and they reach
// the controller, which applies the tenant's scope, caller ID and quota and
// writes a CDR. A context named otherwise is left to the node's static XML.
const PhoneContext = "sb-phones"

// phoneRingTimeout is how long the fallback rings an internal extension.
const phoneRingTimeout = 30

// phoneDialplan answers a dialplan request from a phone. The tenant and the
// calling extension come from the user the INVITE authenticated as
// (variable_user_name@variable_domain_name, which mod_sofia sets after a good
// digest), looked up in the directory, never from anything the phone sends
// in its headers. A call without such a user, or from a tenant not active,
// is refused here with OUTGOING_CALL_BARRED (SIP 403).
func (h *Handler) phoneDialplan(node Node, req Request, log *reqLog) []byte {
	log.with(slog.String("call", req.CallUUID), slog.String("dialled", logSafe(req.Destination)), slog.String("context", req.Context),
		slog.String("user", logSafe(req.AuthUser)), slog.String("domain", logSafe(req.AuthDomain)))
	e, ok := h.c.Directory.LookupUser(req.AuthDomain, req.AuthUser)
	if req.AuthUser == "" || !ok {
		log.Warn("xml_curl: phone call refused: the caller is no authenticated phone of an active tenant")
		return renderReject(req.Context, &dialplan.Rejection{Dialled: req.Destination, Cause: dialplan.CauseOutgoingCallBarred,
			Reason: "caller is no authenticated phone of an active tenant"})
	}
	internal := ""
	if _, ok := h.c.Directory.LookupUser(e.Domain, req.Destination); ok {
		internal = req.Destination // a user ID of the same domain: it passed ValidName
	}
	log.Info("xml_curl: phone call to the controller", "tenant", e.Tenant)
	return renderPhone(req.Context, node, e, internal)
}

// renderPhone writes the extension of a phone's call: variables that tell
// the controller who calls (tenant, extension, origin), the `socket`, then
// the fallback for when the controller cannot be reached: internal calls
// within the tenant only (internal is the dialled extension when it is a
// user of the caller's domain, checked here, so the phone cannot steer the
// bridge elsewhere); everything else gets NORMAL_TEMPORARY_FAILURE (503).
// Outside calls never bypass the controller's quota.
func renderPhone(context string, node Node, e DirectoryEntry, internal string) []byte {
	d := newDoc()
	d.open("section", "name", "dialplan", "description", "switchboard")
	d.open("context", "name", context)
	d.open("extension", "name", "switchboard_phone")
	// The dialled string is outside input: it is never put into a pattern.
	d.open("condition", "field", "destination_number", "expression", "^.*$")
	set := func(name, value string) { d.empty("action", "application", "set", "data", name+"="+value) }
	set(VarTenant, string(e.Tenant))
	set(VarOrigin, OriginPhone)
	set(VarPhoneUser, e.User.ID)
	set(VarSite, string(node.Site))
	set(VarNode, node.ID)
	writeSocketHandoff(d, node)
	d.empty("action", "application", "log", "data", "WARNING switchboard: controller unreachable from node "+
		node.ID+", phone fallback for tenant "+string(e.Tenant)+" (internal calls only)")
	set(VarFallback, "true")
	if internal != "" {
		set("continue_on_fail", "true")
		set("hangup_after_bridge", "true")
		d.empty("action", "application", "bridge", "data", "{originate_timeout="+strconv.Itoa(phoneRingTimeout)+
			","+VarTenant+"="+string(e.Tenant)+","+VarFallback+"=true}user/"+internal+"@"+e.Domain)
	}
	d.empty("action", "application", "hangup", "data", string(dialplan.CauseNormalTemporaryFailure))
	d.close("condition")
	d.close("extension")
	d.close("context")
	d.close("section")
	return d.bytes()
}
