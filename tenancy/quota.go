package tenancy

import (
	"errors"
	"fmt"
)

// Resource is something a tenant's quotas limit.
type Resource string

const (
	ResourceAgents         Resource = "agents"
	ResourcePSTNCalls      Resource = "pstn_calls"
	ResourceWebCalls       Resource = "web_calls"
	ResourceChats          Resource = "chats"
	ResourcePublishedFlows Resource = "published_flows"
)

// Resources lists every quota-limited resource, in display order.
var Resources = []Resource{ResourceAgents, ResourcePSTNCalls, ResourceWebCalls, ResourceChats, ResourcePublishedFlows}

// Quotas are the operator-set limits of one tenant (MT-2). A limit of 0 means
// none allowed; limits are never negative.
type Quotas struct {
	MaxAgents         int `json:"max_agents" doc:"agents the tenant may have; 0: none"`
	MaxPSTNCalls      int `json:"max_pstn_calls" doc:"calls over the phone network at once: inbound to the tenant's numbers and calls its agents dial out; 0: none (every call is refused)"`
	MaxWebCalls       int `json:"max_web_calls" doc:"browser calls at once; stored, not used yet (there is no web-call channel)"`
	MaxChats          int `json:"max_chats" doc:"chats at once; stored, not used yet (there is no chat channel)"`
	MaxPublishedFlows int `json:"max_published_flows" doc:"published IVR flow versions; 0: none"`
}

// Field returns the JSON name of the quota limiting r (e.g. "max_agents").
func (r Resource) Field() string {
	switch r {
	case ResourceAgents:
		return "max_agents"
	case ResourcePSTNCalls:
		return "max_pstn_calls"
	case ResourceWebCalls:
		return "max_web_calls"
	case ResourceChats:
		return "max_chats"
	case ResourcePublishedFlows:
		return "max_published_flows"
	}
	return "max_" + string(r)
}

// Limit returns the limit q sets on r, or -1 for an unknown resource.
func (q Quotas) Limit(r Resource) int {
	switch r {
	case ResourceAgents:
		return q.MaxAgents
	case ResourcePSTNCalls:
		return q.MaxPSTNCalls
	case ResourceWebCalls:
		return q.MaxWebCalls
	case ResourceChats:
		return q.MaxChats
	case ResourcePublishedFlows:
		return q.MaxPublishedFlows
	}
	return -1
}

// Validate reports the first negative limit.
func (q Quotas) Validate() error {
	for _, r := range Resources {
		if q.Limit(r) < 0 {
			return fmt.Errorf("%s must not be negative (got %d)", r.Field(), q.Limit(r))
		}
	}
	return nil
}

// ErrOverQuota is matched (errors.Is) by every *OverQuotaError.
var ErrOverQuota = errors.New("over quota")

// OverQuotaError says one more r would exceed the tenant's limit.
type OverQuotaError struct {
	Resource Resource
	InUse    int
	Limit    int
}

func (e *OverQuotaError) Error() string {
	return fmt.Sprintf("over quota: %s is %d and %d %s are in use", e.Resource.Field(), e.Limit, e.InUse, e.Resource)
}

// Is makes errors.Is(err, ErrOverQuota) true.
func (e *OverQuotaError) Is(target error) bool { return target == ErrOverQuota }

// Admit is the one counting rule: one more r may be taken when inUse is below
// limit.
func Admit(r Resource, inUse, limit int) error {
	if inUse < limit {
		return nil
	}
	return &OverQuotaError{Resource: r, InUse: inUse, Limit: limit}
}

// ErrQuotaBelowUsage is matched by every *QuotaBelowUsageError.
var ErrQuotaBelowUsage = errors.New("quota below usage")

// QuotaBelowUsageError refuses a quota change that would leave more in use
// than allowed.
type QuotaBelowUsageError struct {
	Resource Resource
	Limit    int
	InUse    int
}

func (e *QuotaBelowUsageError) Error() string {
	return fmt.Sprintf("%s %d is below the %d %s in use", e.Resource.Field(), e.Limit, e.InUse, e.Resource)
}

// Is makes errors.Is(err, ErrQuotaBelowUsage) true.
func (e *QuotaBelowUsageError) Is(target error) bool { return target == ErrQuotaBelowUsage }

// Usage is how much of each resource a tenant uses now.
type Usage map[Resource]int

// CheckQuotas validates next and refuses it if any limit is below usage.
// Resources absent from usage are not checked (e.g. live calls when the
// caller only counts rows).
func CheckQuotas(next Quotas, usage Usage) error {
	if err := next.Validate(); err != nil {
		return err
	}
	for _, r := range Resources {
		inUse, ok := usage[r]
		if ok && next.Limit(r) < inUse {
			return &QuotaBelowUsageError{Resource: r, Limit: next.Limit(r), InUse: inUse}
		}
	}
	return nil
}
