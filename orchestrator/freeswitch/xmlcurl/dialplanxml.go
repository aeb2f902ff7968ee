package xmlcurl

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/switchboard-cc/switchboard/dialplan"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/socketauth"
)

// renderRoute writes the extension for a routed call: channel variables that
// identify the call for the controller, the `socket` to the controller, and
// after it the survivability fallback. A failed socket connect is not fatal
// in FreeSWITCH: the socket application returns and the next action runs
// (testdata/freeswitch/README.md, scenario 12), so the fallback only runs
// when the controller cannot be reached, or when it lets go of a live call.
// The controller therefore always ends its control by hanging up or
// transferring the call.
func renderRoute(context, dialled string, node Node, r dialplan.Route, domain string) []byte {
	d := newDoc()
	d.open("section", "name", "dialplan", "description", "switchboard")
	d.open("context", "name", context)
	d.open("extension", "name", "switchboard")
	// dialled passed Normalize: digits, '+' and separators, quoted for PCRE.
	d.open("condition", "field", "destination_number", "expression", "^"+regexp.QuoteMeta(dialled)+"$")
	set := func(name, value string) { d.empty("action", "application", "set", "data", name+"="+value) }
	set(VarTenant, string(r.Tenant))
	set(VarAccessNumber, r.Number)
	set(VarEntryKind, r.Entry.Kind.String())
	set(VarEntry, literal(r.Entry.Name)) // a queue name or flow alias: any script
	if r.Schedule != "" {
		set(VarSchedule, r.Schedule)
	}
	set(VarSite, string(r.Site.Arrival))
	set(VarTargetSite, string(r.Site.Target))
	set(VarRouteMode, r.Site.Mode.String())
	set(VarNode, node.ID)
	writeFallbackDial(d, r.Tenant, r.Fallback, domain)
	writeSocketHandoff(d, node)
	writeFallback(d, node, r.Tenant, r.Fallback, domain)
	d.close("condition")
	d.close("extension")
	d.close("context")
	d.close("section")
	return d.bytes()
}

// writeSocketHandoff writes the two actions that hand a call to the
// controller: `set` of the node's socket token (socketauth.Var), which the
// controller checks on connect and refuses the socket without, then
// `socket`. Every extension that sends a call to the controller uses it.
func writeSocketHandoff(d *xmlDoc, node Node) {
	d.empty("action", "application", "set", "data", socketauth.Var+"="+node.SocketToken)
	d.empty("action", "application", "socket", "data", node.SocketAddr+" async full")
}

// writeFallbackDial sets, before the socket, what the fallback's bridge
// dials (VarFallbackDial): the tenant's phones at this site. The fallback
// reads it when it runs (FreeSWITCH expands an application's data as it
// executes it: switch_core_session_execute_application_get_flags,
// switch_channel_expand_variables), so a controller that took the call and
// let go of it (a graceful stop hands calls over, a controller that takes
// a call back after a restart) empties it on the channel: a call whose
// controller vanished never rings the tenant's phones, whatever their
// agents' states (an empty bridge does nothing: mod_dptools.c
// audio_bridge_function, "if (zstr(data)) return;").
func writeFallbackDial(d *xmlDoc, tenant dialplan.TenantID, fb dialplan.FallbackPlan, domain string) {
	if len(fb.Users) == 0 || domain == "" {
		return
	}
	legs := make([]string, len(fb.Users))
	for i, u := range fb.Users {
		legs[i] = "user/" + u + "@" + domain
	}
	vars := "{originate_timeout=" + strconv.Itoa(int(fb.RingTimeout.Seconds())) +
		"," + VarTenant + "=" + string(tenant) + "," + VarFallback + "=true}"
	d.empty("action", "application", "set", "data", VarFallbackDial+"="+vars+strings.Join(legs, ","))
}

// writeFallback: announcement, then ring the tenant's phones at this site at
// once (VarFallbackDial, set before the socket by writeFallbackDial), then
// hang up with the plan's cause.
func writeFallback(d *xmlDoc, node Node, tenant dialplan.TenantID, fb dialplan.FallbackPlan, domain string) {
	d.empty("action", "application", "log", "data", "WARNING switchboard: controller unreachable from node "+
		node.ID+", local fallback for tenant "+string(tenant))
	d.empty("action", "application", "set", "data", VarFallback+"=true")
	if fb.MaxCalls > 0 {
		// Per node, in memory (mod_hash); over the quota: USER_BUSY (SIP 486).
		d.empty("action", "application", "limit", "data", "hash switchboard_fallback "+string(tenant)+" "+
			strconv.Itoa(fb.MaxCalls)+" !"+string(dialplan.CauseUserBusy))
	}
	if fb.Announcement != "" {
		d.empty("action", "application", "answer")
		d.empty("action", "application", "playback", "data", fb.Announcement)
	}
	if len(fb.Users) > 0 && domain != "" {
		// Without continue_on_fail a failed bridge hangs the caller up with
		// the failure cause (README scenario 08c); we want our own cause.
		d.empty("action", "application", "set", "data", "continue_on_fail=true")
		d.empty("action", "application", "set", "data", "hangup_after_bridge=true")
		d.empty("action", "application", "bridge", "data", "${"+VarFallbackDial+"}")
	}
	d.empty("action", "application", "hangup", "data", string(fallbackCause(fb, domain)))
}

// fallbackCause is the plan's cause, unless there are phones to ring but no
// domain to ring them in. (A suspended tenant's plan rings nobody and
// refuses the call with CALL_REJECTED.)
func fallbackCause(fb dialplan.FallbackPlan, domain string) dialplan.Cause {
	if len(fb.Users) > 0 && domain == "" {
		return dialplan.CauseNormalTemporaryFailure
	}
	return fb.Cause
}

// renderReject writes an extension that logs why and hangs up with the
// rejection's cause (UNALLOCATED_NUMBER: SIP 404; CALL_REJECTED: 603;
// INVALID_NUMBER_FORMAT: 484). It matches any destination: the dialled
// string is outside input and is never put into a pattern.
func renderReject(context string, rej *dialplan.Rejection) []byte {
	d := newDoc()
	d.open("section", "name", "dialplan", "description", "switchboard")
	d.open("context", "name", context)
	d.open("extension", "name", "switchboard_reject")
	d.open("condition", "field", "destination_number", "expression", "^.*$")
	d.empty("action", "application", "log", "data", "NOTICE switchboard: rejected call to "+
		logSafe(rej.Dialled)+" ("+string(rej.Cause)+"): "+logSafe(rej.Reason))
	d.empty("action", "application", "hangup", "data", string(rej.Cause))
	d.close("condition")
	d.close("extension")
	d.close("context")
	d.close("section")
	return d.bytes()
}

// logSafe keeps text that FreeSWITCH will not expand: the log application
// expands ${...} in its data, and the text may come from the caller.
func logSafe(s string) string {
	if len(s) > 120 {
		s = s[:120]
	}
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(" +*#._-:", r) {
			return r
		}
		return '?'
	}, s)
}
