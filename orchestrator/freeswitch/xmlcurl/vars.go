package xmlcurl

// Channel variables the generated dialplan sets before handing the call to
// the controller's outbound socket. The ESL adapter reads them from the
// socket's CHANNEL_DATA (as variable_<name>) into InboundCall.Vars.
const (
	VarTenant       = "sb_tenant"        // tenant ID
	VarAccessNumber = "sb_access_number" // normalised access number
	VarEntryKind    = "sb_entry_kind"    // "queue" or "flow"
	VarEntry        = "sb_entry"         // queue name or flow alias
	VarSchedule     = "sb_schedule"      // the open schedule that chose the entry; empty if none
	VarSite         = "sb_site"          // arrival site
	VarTargetSite   = "sb_target_site"   // site chosen by pre-routing
	VarRouteMode    = "sb_route_mode"    // "local" or "translate"
	VarNode         = "sb_node"          // node ID that asked (its xml_curl credentials user)
	VarFallback     = "sb_fallback"      // "true" once the survivability fallback runs
	// VarFallbackDial is what the fallback after the socket dials (set
	// before the socket; emptied by a controller that lets go of the call:
	// writeFallbackDial). calls.FallbackDialVar is the same name.
	VarFallbackDial = "sb_fallback_dial"
	// VarStatic is "true" when the call came through the static fallback
	// files (StaticFallback) instead of xml_curl: the entry, schedule and
	// target site are then not set, and the controller routes the call itself.
	VarStatic = "sb_static"
	// VarOrigin is OriginPhone on a call a tenant's registered phone placed
	// (context PhoneContext); the controller then runs its phone-call path.
	VarOrigin = "sb_origin"
	// VarPhoneUser is the directory user (extension) the calling phone
	// authenticated as, from FreeSWITCH's digest check, never from a header.
	VarPhoneUser = "sb_phone_user"
)

// OriginPhone is VarOrigin's value for calls placed from a phone.
const OriginPhone = "phone"
