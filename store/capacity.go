package store

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
)

// AgentCapacity is how much work of each medium an agent holds at once
// (ACC-10); nil fields keep the ACD's defaults (1 realtime interaction, 3
// chats, 3 SMS, 1 e-mail). VoiceOverChat lets a call reach an agent who is
// chatting.
type AgentCapacity struct {
	Voice         *int `json:"voice,omitempty"`
	WebCall       *int `json:"webcall,omitempty"`
	Chat          *int `json:"chat,omitempty"`
	Email         *int `json:"email,omitempty"`
	SMS           *int `json:"sms,omitempty"`
	Callback      *int `json:"callback,omitempty"`
	Preview       *int `json:"preview,omitempty"`
	VoiceOverChat bool `json:"voice_over_chat,omitempty"`
}

// MaxPerMedium bounds one medium's capacity.
const MaxPerMedium = 20

func (c *AgentCapacity) validate() error {
	if c == nil {
		return nil
	}
	for name, v := range map[string]*int{"voice": c.Voice, "webcall": c.WebCall, "chat": c.Chat, "email": c.Email,
		"sms": c.SMS, "callback": c.Callback, "preview": c.Preview} {
		if v != nil && (*v < 0 || *v > MaxPerMedium) {
			return invalid("capacity."+name, fmt.Sprintf("must be 0 to %d", MaxPerMedium))
		}
	}
	return nil
}

// capacityColumn stores an *AgentCapacity as JSON text ("" for none).
type capacityColumn struct{ c *AgentCapacity }

func (cc capacityColumn) Value() (driver.Value, error) {
	if cc.c == nil {
		return "", nil
	}
	b, err := json.Marshal(cc.c)
	return string(b), err
}

func (cc *capacityColumn) Scan(v any) error {
	var s string
	switch x := v.(type) {
	case nil:
	case string:
		s = x
	case []byte:
		s = string(x)
	default:
		return fmt.Errorf("store: capacity column holds %T", v)
	}
	if s == "" {
		cc.c = nil
		return nil
	}
	var c AgentCapacity
	if err := json.Unmarshal([]byte(s), &c); err != nil {
		return fmt.Errorf("store: capacity column: %w", err)
	}
	cc.c = &c
	return nil
}
