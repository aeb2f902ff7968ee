package ivrflows

import "time"

// Command is what the interpreter asks the call session to do. Commands are
// plain values; the session carries them out over the Switch port and feeds
// the result back as an Input. Commands that expect a result say which.
type Command interface{ command() }

// PlayItem is one thing to play: a file, or Text for TTS in Voice.
type PlayItem struct {
	File  string `json:"file,omitempty"`
	Text  string `json:"text,omitempty"`
	Voice string `json:"voice,omitempty"`
}

// Play plays items in order. Result: PlayDone. With BargeIn a key stops the
// playing (the session answers StopPlay with PlayDone).
type Play struct {
	Items   []PlayItem `json:"items"`
	BargeIn bool       `json:"barge_in,omitempty"`
}

// StopPlay stops the current Play (barge-in). The Play still ends in PlayDone.
type StopPlay struct{}

// Collect plays Prompt (a key stops it), then waits up to Timeout for one
// key. Result: one Digit, or Timeout. Keys pressed at any time are fed as
// Digit inputs in order; the interpreter keeps the ones it does not yet need.
// Digit rules (length, terminator, reset key, retries) live in the
// interpreter so they are the same on every switch.
type Collect struct {
	Prompt  []PlayItem    `json:"prompt,omitempty"`
	Timeout time.Duration `json:"timeout"`
}

// HTTPRequest calls a tenant endpoint. Result: HTTPResponse. Retries are
// issued by the interpreter as new requests with a higher Attempt.
type HTTPRequest struct {
	Node    string            `json:"node"`
	Method  string            `json:"method"`
	URL     string            `json:"url"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    []byte            `json:"body,omitempty"`
	Timeout time.Duration     `json:"timeout"`
	Attempt int               `json:"attempt"`
}

// SQLQuery runs a parameterised query. Result: QueryResult. ReadOnly asks the
// session to run it in a read-only transaction.
type SQLQuery struct {
	Node       string        `json:"node"`
	DataSource string        `json:"datasource"`
	Query      string        `json:"query"`
	Args       []any         `json:"args,omitempty"`
	Timeout    time.Duration `json:"timeout"`
	MaxRows    int           `json:"max_rows"`
	ReadOnly   bool          `json:"read_only"`
}

// Lookup checks Key against a tenant list. Result: LookupResult.
type Lookup struct {
	List string `json:"list"`
	Key  string `json:"key"`
}

// Queue hands the call to the ACD with its data. Result: QueueResult, then
// AgentLegEnded if an agent took it.
type Queue struct {
	Queue    string            `json:"queue"`
	Priority int               `json:"priority"`
	Skills   []string          `json:"skills,omitempty"`
	Data     map[string]string `json:"data,omitempty"`
	Timeout  time.Duration     `json:"timeout,omitempty"`
}

// Transfer sends the call to an agent, queue, flow or number. Result:
// TransferResult.
type Transfer struct {
	To     string `json:"to"`
	Target string `json:"target"`
}

// Record records the caller after Prompt. Result: RecordDone.
type Record struct {
	Prompt    []PlayItem    `json:"prompt,omitempty"`
	MaxLength time.Duration `json:"max_length"`
	Beep      bool          `json:"beep,omitempty"`
}

// Voicemail records a message into a mailbox and notifies its owner. Result:
// RecordDone.
type Voicemail struct {
	Mailbox   string        `json:"mailbox"`
	Greeting  []PlayItem    `json:"greeting,omitempty"`
	MaxLength time.Duration `json:"max_length"`
	Notify    bool          `json:"notify,omitempty"`
}

// SaveSurvey stores a satisfaction score for the call and agent. No result.
type SaveSurvey struct {
	Question string `json:"question"`
	Score    int    `json:"score"`
	Agent    string `json:"agent"`
	CallID   string `json:"call_id"`
}

// Hangup ends the call. No result; the flow has ended.
type Hangup struct {
	Cause string `json:"cause"`
}

func (Play) command()        {}
func (StopPlay) command()    {}
func (Collect) command()     {}
func (HTTPRequest) command() {}
func (SQLQuery) command()    {}
func (Lookup) command()      {}
func (Queue) command()       {}
func (Transfer) command()    {}
func (Record) command()      {}
func (Voicemail) command()   {}
func (SaveSurvey) command()  {}
func (Hangup) command()      {}
