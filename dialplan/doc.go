// Package dialplan is the number-plan core: access numbers to tenant and entry
// point, number normalisation, route tables with time conditions, site
// selection (pre-, post- and translation routing across sites, DIST-6) and the
// survivability fallback rules a site follows when it cannot reach the
// controller (DIST-10).
//
// Pure: standard library only, no I/O, no goroutines; the current time and the
// sites' health come in as arguments. A Plan is built once from a Config,
// validated whole, and then only read, so one Plan can serve any number of
// concurrent lookups; a configuration change builds a new Plan.
//
// Adapters render its decisions (orchestrator/freeswitch/xmlcurl turns a Route
// into FreeSWITCH dialplan XML); the orchestrator reads the same Route. Anyone
// may import it.
//
// Vocabulary:
//   - access number: a number callers dial; belongs to one tenant.
//   - entry: where a call starts inside the tenant, a queue or an IVR flow.
//   - rule: "while schedule S is open, go to entry E"; the first open rule wins.
//   - arrival site: the site whose switch received the call.
//   - target site: the site that should handle it (pre-routing); when it is
//     not the arrival site, the call is moved there (translation routing).
//   - fallback: what the arrival site does alone when the controller is gone.
package dialplan
