package dialplan

import (
	"errors"
	"strings"
	"time"
)

// Fallback defaults.
const (
	DefaultRingTimeout = 30 * time.Second
	DefaultMaxAgents   = 20
)

// Fallback is a tenant's survivability rule: when a site cannot reach the
// controller, it plays Announcement (if any) and then rings all of the
// tenant's agents placed at that site at once (the switch skips phones that
// are not registered). It is deliberately simple: the site has no queue, no
// skills and no state, only its local directory.
type Fallback struct {
	// Announcement is played before ringing, e.g. a file on the node or a
	// tone_stream:// URL. Empty: no announcement, the caller hears ringback.
	Announcement string
	// RingTimeout bounds the ringing. Zero: DefaultRingTimeout.
	RingTimeout time.Duration
	// MaxAgents caps how many phones ring at once (the switch builds one leg
	// per phone). Zero: DefaultMaxAgents.
	MaxAgents int
	// MaxCalls is the tenant's concurrent call quota (MT-2) as each node
	// enforces it alone while the controller, which normally admits calls,
	// is gone. Zero: no limit.
	MaxCalls int
}

// Validate reports an announcement that carries switch syntax or bad limits.
func (f Fallback) Validate() error {
	if len(f.Announcement) > 512 {
		return errors.New("announcement longer than 512 bytes")
	}
	if strings.ContainsAny(f.Announcement, "${}\"'\r\n\t\x00") {
		return errors.New("announcement must not contain $ { } quotes or control characters")
	}
	if f.RingTimeout < 0 || f.RingTimeout > 10*time.Minute {
		return errors.New("ring timeout must be within 0 to 10 minutes")
	}
	if f.MaxAgents < 0 || f.MaxCalls < 0 {
		return errors.New("max agents and max calls must not be negative")
	}
	return nil
}

// FallbackPlan is what one site does for one call when the controller is
// unreachable.
type FallbackPlan struct {
	Announcement string
	Users        []string // ring these at once; empty: nobody to ring
	RingTimeout  time.Duration
	// MaxCalls caps the tenant's concurrent fallback calls on one node
	// (0: no cap); calls beyond it end with CauseUserBusy.
	MaxCalls int
	// Cause ends the call when nobody answers (or nobody can be rung).
	Cause Cause
}

// fallbackFor builds the plan for tenant t at site s. A suspended tenant's
// fallback rings nobody and refuses the call: its phones are not served.
func (p *Plan) fallbackFor(t Tenant, s SiteID) FallbackPlan {
	if t.Suspended {
		return FallbackPlan{RingTimeout: DefaultRingTimeout, Cause: CauseCallRejected}
	}
	f := t.Fallback
	fp := FallbackPlan{Announcement: f.Announcement, RingTimeout: f.RingTimeout, MaxCalls: f.MaxCalls, Cause: CauseNoAnswer}
	if fp.RingTimeout == 0 {
		fp.RingTimeout = DefaultRingTimeout
	}
	limit := f.MaxAgents
	if limit == 0 {
		limit = DefaultMaxAgents
	}
	fp.Users = p.AgentsAt(t.ID, s)
	if len(fp.Users) > limit {
		fp.Users = fp.Users[:limit]
	}
	if len(fp.Users) == 0 {
		fp.Cause = CauseNormalTemporaryFailure
	}
	return fp
}
