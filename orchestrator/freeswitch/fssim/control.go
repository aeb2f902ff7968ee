package fssim

import (
	"time"
)

// Control API for tests: what the node did to each call, recorded as it
// happened, so tests assert on behaviour instead of mocking the switch.

// AppRecord is one application a channel executed.
type AppRecord struct {
	Name, Arg string
	Source    string // sendmsg, dialplan, api, originate
	Response  string // Application-Response ("" while running)
	At        time.Time
}

// CallInfo is what happened to one channel.
type CallInfo struct {
	UUID, Direction, From, To string
	Created                   time.Time
	Answered                  bool
	HangupCause               string // "" while up
	Ended                     bool   // torn down (CHANNEL_DESTROY)
	Apps                      []AppRecord
	APIs                      []string // uuid_* commands and sendmsg hangups that touched it
	Played                    []string
	DTMF                      string // digits the caller pressed
	SentDTMF                  string // digits sent to the caller (uuid_send_dtmf)
	Bridged                   []string
	Recordings                []string
	Transfers                 []string
	Conferences               []string
	Eavesdropped              []string
	Muted                     bool
	Vars                      map[string]string // at teardown

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
	c.script = nil
	return c
}

// Calls returns every channel the node has had, oldest first.
func (n *Node) Calls() []CallInfo {
	n.mu.Lock()
	defer n.mu.Unlock()
	out := make([]CallInfo, len(n.calls))
	for i, ci := range n.calls {
		out[i] = ci.clone()
	}
	return out
}

// CallByUUID returns one channel's record.
func (n *Node) CallByUUID(uuid string) (CallInfo, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, ci := range n.calls {
		if ci.UUID == uuid {
			return ci.clone(), true
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
func (c *Call) Hangup(cause string) error { return c.n.Kill(c.ch.uuid, cause) }

// Press makes the caller press digits now.
func (c *Call) Press(digits string) {
	c.n.mu.Lock()
	defer c.n.mu.Unlock()
	for i := 0; i < len(digits); i++ {
		c.n.pressLocked(c.ch, digits[i])
	}
}

// Done is closed when the channel is torn down.
func (c *Call) Done() <-chan struct{} { return c.ch.done }

// Info is the call's record so far.
func (c *Call) Info() CallInfo {
	c.n.mu.Lock()
	defer c.n.mu.Unlock()
	return c.ch.info.clone()
}
