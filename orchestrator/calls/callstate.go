package calls

// CallState says where a live call is, as the live-call list shows it.
type CallState string

const (
	// StateIVR: an inbound call in an IVR flow (CallView.Flow and FlowNode
	// say which flow and node), before any queue or after an agent left
	// (a survey).
	StateIVR CallState = "ivr"
	// StateVoicemail: an inbound caller leaving a message (a flow's
	// voicemail node).
	StateVoicemail CallState = "voicemail"
	// StateQueued: an inbound call waiting for an agent of CallView.Queue,
	// from the queue's greeting on.
	StateQueued CallState = "queued"
	// StateRinging: an inbound call whose offered agent's phone rings (it
	// still waits in its queue), or an agent-placed call not yet answered.
	StateRinging CallState = "ringing"
	// StateTalking: connected to an agent, or an agent-placed call answered.
	StateTalking CallState = "talking"
	// StateExternal: an inbound caller bridged (or being bridged) to an
	// outside number through the gateway (CallView.External): a transfer
	// or an overflow to a number.
	StateExternal CallState = "external"
)

// CallStates lists every state, for documentation.
func CallStates() []CallState {
	return []CallState{StateIVR, StateVoicemail, StateQueued, StateRinging, StateTalking, StateExternal}
}

func (s CallState) String() string { return string(s) }
