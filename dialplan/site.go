package dialplan

import "slices"

// RoutingMode says whether a call stays where it is or moves.
type RoutingMode uint8

const (
	// ModeLocal: the site where the call is handles it.
	ModeLocal RoutingMode = iota + 1
	// ModeTranslate: the call moves to Target; the controller carries its
	// data (tenant, entry, collected digits) across, keyed by the call ID, so
	// the receiving site continues the same interaction (translation routing).
	ModeTranslate
)

func (m RoutingMode) String() string {
	switch m {
	case ModeLocal:
		return "local"
	case ModeTranslate:
		return "translate"
	}
	return "unknown"
}

// SiteDecision is where a call should be handled.
type SiteDecision struct {
	Arrival SiteID // where the call is now
	Target  SiteID // where it should be handled
	Mode    RoutingMode
}

// PreRoute picks the site that handles a new call before it is queued: the
// first site of prefs that is up, or the arrival site when keepLocal is set
// and the arrival site is listed and up. An empty prefs list, or no listed
// site up, keeps the call where it arrived: a call is never sent to a site
// known to be down.
func PreRoute(arrival SiteID, prefs []SiteID, keepLocal bool, up func(SiteID) bool) SiteDecision {
	local := SiteDecision{Arrival: arrival, Target: arrival, Mode: ModeLocal}
	if keepLocal && slices.Contains(prefs, arrival) && up(arrival) {
		return local
	}
	for _, s := range prefs {
		if up(s) {
			return decide(arrival, s)
		}
	}
	return local
}

// PostRoute picks, for a call already waiting at current, a site with free
// agents: current first (media stays local), then prefs in order. ok is false
// when no listed site has a free agent: the call keeps waiting where it is.
func PostRoute(current SiteID, prefs []SiteID, free map[SiteID]int) (d SiteDecision, ok bool) {
	if free[current] > 0 {
		return decide(current, current), true
	}
	for _, s := range prefs {
		if free[s] > 0 {
			return decide(current, s), true
		}
	}
	return SiteDecision{Arrival: current, Target: current, Mode: ModeLocal}, false
}

func decide(from, to SiteID) SiteDecision {
	if from == to {
		return SiteDecision{Arrival: from, Target: to, Mode: ModeLocal}
	}
	return SiteDecision{Arrival: from, Target: to, Mode: ModeTranslate}
}
