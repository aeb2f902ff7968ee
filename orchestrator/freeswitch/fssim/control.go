package fssim

import (
	"time"
)

// Control API for tests: what the node did to each call, recorded as it
// happened, so tests assert on behaviour instead of mocking the switch.

// AppRecord is one application a channel executed.
type AppRecord struct {
	Name     string    `json:"name"`
	Arg      string    `json:"arg,omitempty"`
	Source   string    `json:"source"`             // sendmsg, dialplan, api, originate
	Response string    `json:"response,omitempty"` // Application-Response ("" while running)
	At       time.Time `json:"at"`
}

// CallInfo is what happened to one channel.
type CallInfo struct {
	UUID         string            `json:"uuid"`
	Direction    string            `json:"direction"`
	From         string            `json:"from"`
	To           string            `json:"to"`
	Created      time.Time         `json:"created"`
	Answered     bool              `json:"answered"`
	HangupCause  string            `json:"hangup_cause,omitempty"` // "" while up
	Ended        bool              `json:"ended"`                  // torn down (CHANNEL_DESTROY)
	Apps         []AppRecord       `json:"apps,omitempty"`
	APIs         []string          `json:"apis,omitempty"` // uuid_* commands and sendmsg hangups that touched it
	Played       []string          `json:"played,omitempty"`
	DTMF         string            `json:"dtmf,omitempty"`      // digits the caller pressed
	SentDTMF     string            `json:"sent_dtmf,omitempty"` // digits sent to the caller (uuid_send_dtmf)
	Bridged      []string          `json:"bridged,omitempty"`
	Recordings   []string          `json:"recordings,omitempty"`
	Transfers    []string          `json:"transfers,omitempty"`
	Conferences  []string          `json:"conferences,omitempty"`
	Eavesdropped []string          `json:"eavesdropped,omitempty"`
	Muted        bool              `json:"muted,omitempty"`
	ReInvites    []string          `json:"reinvites,omitempty"` // SDP directions re-offered to its own endpoint: sendonly (uuid_hold), sendrecv (off)
	Hears        Hearing           `json:"hears"`               // what it hears when the record is read; zero once hung up
	Vars         map[string]string `json:"vars,omitempty"`      // at teardown

	script []Press
}

func (ci *CallInfo) clone() CallInfo {
	c := *ci
	c.Apps = append([]AppRecord(nil), ci.Apps...)
	c.APIs = append([]string(nil), ci.APIs...)
	c.Played = append([]string(nil), ci.Played...)
	c.Bridged = append([]string(nil), ci.Bridged...)
	c.Recordings = append([]string(nil), ci.Recordings...)
	c.Transfers = append([]string(nil), ci.Transfers...)
	c.Conferences = append([]string(nil), ci.Conferences...)
	c.Eavesdropped = append([]string(nil), ci.Eavesdropped...)
	c.ReInvites = append([]string(nil), ci.ReInvites...)
	c.script = nil
	return c
}

// Calls returns every channel the node has had, oldest first.
func (n *Node) Calls() []CallInfo {
	n.mu.Lock()
	defer n.mu.Unlock()
	out := make([]CallInfo, len(n.calls))
	for i, ci := range n.calls {
		out[i] = n.recordLocked(ci)
	}
	return out
}

// CallByUUID returns one channel's record.
func (n *Node) CallByUUID(uuid string) (CallInfo, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, ci := range n.calls {
		if ci.UUID == uuid {
			return n.recordLocked(ci), true
		}
	}
	return CallInfo{}, false
}

// Var reads a live channel's variable.
func (n *Node) Var(uuid, name string) (string, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	ch := n.channels[uuid]
	if ch == nil {
		return "", false
	}
	return ch.vars.get(name)
}

// Kill hangs a channel up as if its far end sent BYE (cause "" means
// NORMAL_CLEARING).
func (n *Node) Kill(uuid, cause string) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	ch := n.channels[uuid]
	if ch == nil || !n.hangupLocked(ch, cause) {
		return errorf("kill: no live channel %s", uuid)
	}
	return nil
}

// ActiveCalls counts live channels.
func (n *Node) ActiveCalls() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return len(n.channels)
}

// Call is a handle on a simulated caller placed with PlaceCall.
type Call struct {
	n  *Node
	ch *channel
}

// UUID is the channel's Unique-ID (the controller's call ID).
func (c *Call) UUID() string { return c.ch.uuid }

// Hangup makes the caller hang up (BYE) with cause ("" = NORMAL_CLEARING).
func (c *Call) Hangup(cause string) error {
	c.n.mu.Lock()
	defer c.n.mu.Unlock()
	if !c.n.byeLocked(c.ch, cause) {
		return errorf("hangup: no live channel %s", c.ch.uuid)
	}
	return nil
}

// Press makes the caller press digits now (nothing once it hung up).
func (c *Call) Press(digits string) { c.n.Press(c.ch.uuid, digits) }

// Done is closed when the channel is torn down.
func (c *Call) Done() <-chan struct{} { return c.ch.done }

// Info is the call's record so far.
func (c *Call) Info() CallInfo {
	c.n.mu.Lock()
	defer c.n.mu.Unlock()
	return c.n.recordLocked(c.ch.info)
}

// recordLocked copies a channel's record with what it hears now.
func (n *Node) recordLocked(ci *CallInfo) CallInfo {
	c := ci.clone()
	if ch := n.channels[ci.UUID]; ch != nil && ch.info == ci {
		c.Hears = hearingLocked(ch)
	}
	return c
}
