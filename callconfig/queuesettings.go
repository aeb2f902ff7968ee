package callconfig

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	"github.com/switchboard-cc/switchboard/acd"
)

// QueueSettings are what a queue keeps in its JSON settings column beyond the
// typed columns (strategy, ring timeout, wrap-up, max wait): ACD tuning and
// what callers hear. Unknown fields are refused, so a misspelt setting is an
// error, not silently ignored.
type QueueSettings struct {
	// Every key is optional: absent (or 0, false) is the default each
	// `doc` tag names. The tags describe the keys in the OpenAPI document.
	AgingPerMinute      float64 `json:"aging_per_minute" required:"false" doc:"raise a waiting call's priority by this much per minute waited; 0: no aging"`
	MaxWaiting          int     `json:"max_waiting" required:"false" doc:"at most this many calls wait; the next goes to on_full; 0: no cap"`
	ServiceLevelSeconds int     `json:"service_level_seconds" required:"false" doc:"the service level's answer-time threshold T in seconds; 0: 20"`
	// ServiceLevelDefinition is how the service level is computed:
	// "answered_and_abandoned_after_threshold" (default: answered within
	// the threshold / (answered + abandoned after it)) or "answered"
	// (answered within the threshold / answered).
	ServiceLevelDefinition string    `json:"service_level_definition" required:"false" doc:"answered_and_abandoned_after_threshold (the default): answered within T / (answered + abandoned after T); answered: answered within T / answered"`
	PrimarySkill           string    `json:"primary_skill" required:"false" doc:"the skill (name) strategy best_skill ranks agents by; without it that strategy picks the longest idle"`
	OnFull                 *Overflow `json:"on_full" doc:"where a call goes when max_waiting calls already wait; absent or kind none: the call is refused"`
	OnMaxWait              *Overflow `json:"on_max_wait" doc:"where a call goes after waiting the queue's max_wait_seconds; absent or kind none: it keeps waiting"`
	OnNoAgents             *Overflow `json:"on_no_agents" doc:"where calls go when no agent of the queue is logged in (on arrival, and waiting calls when the last one logs out); absent: they wait"`
	Widening               []struct {
		AfterSeconds int `json:"after_seconds" required:"false" doc:"seconds after the call entered the queue; each step later than the one before"`
		Relax        int `json:"relax" required:"false" doc:"lower the required skill levels by this much (never less than the step before)"`
		Tier         int `json:"tier" required:"false" doc:"admit agents whose queue membership tier is at most this (never less than the step before); the API gives every membership tier 0, so only relax widens today"`
	} `json:"widening" required:"false" doc:"bullseye steps that widen who may take a call as it waits"`
	// Record records answered calls of the queue (the recording is listed
	// per tenant with the call's CDR).
	Record bool `json:"record" required:"false" doc:"record answered calls (GET .../recordings lists them)"`
	// AnnounceAgent plays the agent's extension to the caller before the
	// bridge (AG-2).
	AnnounceAgent bool `json:"announce_agent" required:"false" doc:"tell the caller the agent's extension before connecting"`
	// AnnouncePositionSeconds tells waiting callers their position and
	// estimated wait at this interval; 0: never.
	AnnouncePositionSeconds int `json:"announce_position_seconds" required:"false" doc:"tell waiting callers their position and estimated wait every this many seconds; 0: never"`
}

// Overflow is where an overflowing call goes: kind none, queue, flow,
// number or voicemail, and its target.
type Overflow struct {
	Kind   string `json:"kind"`
	Target string `json:"target" required:"false" doc:"the queue ID, flow, number or mailbox; required unless kind is none"`
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

// ParseQueueSettings decodes a queue's settings column; empty is all
// defaults. It is the one parser of queue settings: the API refuses what it
// refuses (422), and the call path and the ACD read settings through it.
// A key it does not know is an *UnknownSettingError naming it.
func ParseQueueSettings(raw []byte) (QueueSettings, error) {
	var set QueueSettings
	if len(bytes.TrimSpace(raw)) == 0 {
		return set, nil
	}
	if err := checkKeys(raw, reflect.TypeFor[QueueSettings](), ""); err != nil {
		return set, fmt.Errorf("queue settings: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&set); err != nil {
		return set, fmt.Errorf("queue settings: %w", err)
	}
	if set.AnnouncePositionSeconds < 0 || set.MaxWaiting < 0 || set.ServiceLevelSeconds < 0 || set.AgingPerMinute < 0 {
		return set, fmt.Errorf("queue settings: negative value")
	}
	if _, err := acd.ParseSLDefinition(set.ServiceLevelDefinition); err != nil {
		return set, fmt.Errorf("queue settings: service_level_definition: unknown value %q (valid: %s)",
			set.ServiceLevelDefinition, strings.Join(acd.SLDefinitionNames(), ", "))
	}
	for name, o := range map[string]*Overflow{"on_full": set.OnFull, "on_max_wait": set.OnMaxWait, "on_no_agents": set.OnNoAgents} {
		if _, err := o.ACD(); err != nil {
			return set, fmt.Errorf("queue settings: %s: %w", name, err)
		}
	}
	return set, nil
}

// UnknownSettingError is a settings key the parser does not know (often a
// typo: "primary_skil"). Key is its path, e.g. "on_full.kindd"; Valid lists
// the keys allowed at that level.
type UnknownSettingError struct {
	Key   string
	Valid []string
}

func (e *UnknownSettingError) Error() string {
	return fmt.Sprintf("unknown key %q (valid keys: %s)", e.Key, strings.Join(e.Valid, ", "))
}

// checkKeys walks raw against the JSON fields of t and reports the first
// key (in sorted order) that t does not have. encoding/json's own unknown
// field error names neither the path nor the valid keys. Type errors are
// left to the decoder.
func checkKeys(raw []byte, t reflect.Type, prefix string) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		var obj map[string]json.RawMessage
		if json.Unmarshal(raw, &obj) != nil {
			return nil
		}
		fields := map[string]reflect.Type{}
		for i := range t.NumField() {
			name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
			fields[name] = t.Field(i).Type
		}
		for _, k := range slices.Sorted(maps.Keys(obj)) {
			ft, ok := fields[k]
			if !ok {
				return &UnknownSettingError{Key: prefix + k, Valid: slices.Sorted(maps.Keys(fields))}
			}
			if err := checkKeys(obj[k], ft, prefix+k+"."); err != nil {
				return err
			}
		}
	case reflect.Slice:
		var items []json.RawMessage
		if json.Unmarshal(raw, &items) != nil {
			return nil
		}
		for i, it := range items {
			if err := checkKeys(it, t.Elem(), fmt.Sprintf("%s[%d].", strings.TrimSuffix(prefix, "."), i)); err != nil {
				return err
			}
		}
	}
	return nil
}
