package ivrflows

import "time"

// Input is what happened on the call, fed to Step: the result of a Command,
// a key, or the caller hanging up.
type Input interface{ input() }

// PlayDone: a Play finished or was stopped.
type PlayDone struct{}

// Digit: the caller pressed Key ("0".."9", "*", "#", "A".."D").
type Digit struct{ Key string }

// Timeout: a Collect waited its Timeout without a key.
type Timeout struct{}

// HTTPResponse answers HTTPRequest. Err is set when no response came
// (connection refused, timeout).
type HTTPResponse struct {
	Status int
	Body   []byte
	Err    string
}

// QueryResult answers SQLQuery.
type QueryResult struct {
	Rows []map[string]any
	Err  string
}

// LookupResult answers Lookup.
type LookupResult struct{ Found bool }

// QueueResult answers Queue: whether an agent answered, who, or why not.
type QueueResult struct {
	Answered bool
	Agent    string
	Reason   string
}

// AgentLegEnded: the agent hung up and the caller is back in the flow.
type AgentLegEnded struct{}

// TransferResult answers Transfer.
type TransferResult struct {
	OK     bool
	Reason string
}

// RecordDone answers Record and Voicemail.
type RecordDone struct {
	Path     string
	Duration time.Duration
	Err      string
}

// CallerHangup: the caller hung up; the flow ends.
type CallerHangup struct{}

func (PlayDone) input()       {}
func (Digit) input()          {}
func (Timeout) input()        {}
func (HTTPResponse) input()   {}
func (QueryResult) input()    {}
func (LookupResult) input()   {}
func (QueueResult) input()    {}
func (AgentLegEnded) input()  {}
func (TransferResult) input() {}
func (RecordDone) input()     {}
func (CallerHangup) input()   {}
