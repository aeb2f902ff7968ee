package dialplan

import (
	"errors"
	"strconv"
	"time"
)

// Cause is a Q.850-style cause name as the switches use them; adapters map it
// to SIP (FreeSWITCH: UNALLOCATED_NUMBER is 404, CALL_REJECTED 603,
// INVALID_NUMBER_FORMAT 484, NORMAL_TEMPORARY_FAILURE 503).
type Cause string

// Causes the plan produces.
const (
	CauseUnallocatedNumber      Cause = "UNALLOCATED_NUMBER"
	CauseInvalidNumberFormat    Cause = "INVALID_NUMBER_FORMAT"
	CauseCallRejected           Cause = "CALL_REJECTED"
	CauseNoAnswer               Cause = "NO_ANSWER"
	CauseUserBusy               Cause = "USER_BUSY"
	CauseNormalTemporaryFailure Cause = "NORMAL_TEMPORARY_FAILURE"
	// CauseOutgoingCallBarred refuses what a caller may not dial: SIP 403
	// (mod_sofia's hangup_cause_to_sip; CALL_REJECTED would be 603).
	CauseOutgoingCallBarred Cause = "OUTGOING_CALL_BARRED"
)

// ErrUnallocated is what a Rejection of an unknown number unwraps to.
var ErrUnallocated = errors.New("unallocated number")

// Rejection is the typed refusal of a call: the cause to hang up with and a
// reason for the log. It unwraps to ErrUnallocated or ErrBadNumber.
type Rejection struct {
	Dialled string // as received: outside input, log it quoted
	Cause   Cause
	Reason  string
	err     error
}

func (r *Rejection) Error() string {
	return "dialplan: reject " + strconv.Quote(r.Dialled) + " (" + string(r.Cause) + "): " + r.Reason
}

func (r *Rejection) Unwrap() error { return r.err }

// Call is what the plan needs to route one call.
type Call struct {
	Dialled string // the destination number as the switch saw it
	Arrival SiteID
	Now     time.Time
	// SiteUp reports a site's health as the controller sees it. Nil: all up.
	SiteUp func(SiteID) bool
}

// Route is the plan's decision for a call.
type Route struct {
	Tenant TenantID
	Number string // normalised access number: the plan's key
	// Configured is the access number as the tenant configured it (e.g.
	// "+8620...", where Number is "8620..."), for records people read.
	Configured string
	Entry      Entry
	// Schedule names the schedule whose rule chose Entry; empty for the
	// unconditional rule.
	Schedule string
	Site     SiteDecision
	// Fallback is what the arrival site does if the controller is unreachable.
	Fallback FallbackPlan
	// Suspended is true when the tenant is suspended. The call still goes to
	// the controller, which tells the caller why before hanging up; the
	// fallback then rings nobody and refuses the call (CALL_REJECTED).
	Suspended bool
}

// Route decides where a call goes, or returns a *Rejection.
func (p *Plan) Route(c Call) (Route, error) {
	key, err := p.format.Normalize(c.Dialled)
	if err != nil {
		return Route{}, &Rejection{Dialled: c.Dialled, Cause: CauseInvalidNumberFormat,
			Reason: err.Error(), err: err}
	}
	n, ok := p.numbers[key]
	if !ok {
		return Route{}, &Rejection{Dialled: c.Dialled, Cause: CauseUnallocatedNumber,
			Reason: "no access number " + key, err: ErrUnallocated}
	}
	t := p.tenants[n.Tenant]
	up := c.SiteUp
	if up == nil {
		up = func(SiteID) bool { return true }
	}
	r := Route{Tenant: t.ID, Number: key, Configured: n.Number, Fallback: p.fallbackFor(t, c.Arrival),
		Site: PreRoute(c.Arrival, n.Sites, n.KeepLocal, up), Suspended: t.Suspended}
	r.Entry, r.Schedule = pickRule(t, n.Rules, c.Now)
	return r, nil
}

// pickRule returns the entry of the first rule whose schedule is open at now
// in the tenant's time zone. NewPlan guarantees an unconditional last rule.
func pickRule(t Tenant, rules []Rule, now time.Time) (Entry, string) {
	local := now.In(t.Location)
	for _, r := range rules {
		if r.Schedule == "" || t.Schedules[r.Schedule].OpenAt(local) {
			return r.Entry, r.Schedule
		}
	}
	return rules[len(rules)-1].Entry, ""
}
