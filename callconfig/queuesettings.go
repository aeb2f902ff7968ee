package callconfig

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/switchboard-cc/switchboard/acd"
)

// QueueSettings are what a queue keeps in its JSON settings column beyond the
// typed columns (strategy, ring timeout, wrap-up, max wait): ACD tuning and
// what callers hear. Unknown fields are refused, so a misspelt setting is an
// error, not silently ignored.
type QueueSettings struct {
	AgingPerMinute      float64   `json:"aging_per_minute"`
	MaxWaiting          int       `json:"max_waiting"`
	ServiceLevelSeconds int       `json:"service_level_seconds"`
	PrimarySkill        string    `json:"primary_skill"`
	OnFull              *Overflow `json:"on_full"`
	OnMaxWait           *Overflow `json:"on_max_wait"`
	OnNoAgents          *Overflow `json:"on_no_agents"`
	Widening            []struct {
		AfterSeconds int `json:"after_seconds"`
		Relax        int `json:"relax"`
		Tier         int `json:"tier"`
	} `json:"widening"`
	// Record records answered calls of the queue (the recording is listed
	// per tenant with the call's CDR).
	Record bool `json:"record"`
	// AnnounceAgent plays the agent's extension to the caller before the
	// bridge (AG-2).
	AnnounceAgent bool `json:"announce_agent"`
	// AnnouncePositionSeconds tells waiting callers their position and
	// estimated wait at this interval; 0: never.
	AnnouncePositionSeconds int `json:"announce_position_seconds"`
}

// Overflow is where an overflowing call goes: kind none, queue, flow,
// number or voicemail, and its target.
type Overflow struct {
	Kind   string `json:"kind"`
	Target string `json:"target"`
}

// ACD converts to the ACD's type; nil is no overflow.
func (o *Overflow) ACD() (acd.OverflowTarget, error) {
	if o == nil {
		return acd.OverflowTarget{}, nil
	}
	for k := acd.OverflowNone; k <= acd.OverflowVoicemail; k++ {
		if k.String() == o.Kind {
			return acd.OverflowTarget{Kind: k, Target: o.Target}, nil
		}
	}
	return acd.OverflowTarget{}, fmt.Errorf("overflow kind %q is not none, queue, flow, number or voicemail", o.Kind)
}

// ParseQueueSettings decodes a queue's settings column; empty is all defaults.
func ParseQueueSettings(raw []byte) (QueueSettings, error) {
	var set QueueSettings
	if len(bytes.TrimSpace(raw)) == 0 {
		return set, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&set); err != nil {
		return set, fmt.Errorf("queue settings: %w", err)
	}
	if set.AnnouncePositionSeconds < 0 || set.MaxWaiting < 0 || set.ServiceLevelSeconds < 0 || set.AgingPerMinute < 0 {
		return set, fmt.Errorf("queue settings: negative value")
	}
	return set, nil
}
