package flowrun

import (
	"context"
	"time"

	"github.com/switchboard-cc/switchboard/ivrflows"
	"github.com/switchboard-cc/switchboard/orchestrator"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// Switch is the part of the Switch port a flow needs. Keys and timeouts come
// from the call's events (orchestrator.InboundCall.Events), not from the
// port's DigitCollector, because the DTMF rules live in ivrflows.
type Switch interface {
	orchestrator.Answerer
	orchestrator.Player
	orchestrator.Recorder
	orchestrator.Hanger
}

// HTTPDoer calls a tenant's HTTP endpoint for an http node. The command
// carries the resolved URL; the doer makes one attempt (the interpreter
// issues retries as new commands). A transport failure is HTTPResponse.Err.
type HTTPDoer interface {
	Do(ctx context.Context, tenant tenancy.TenantID, req ivrflows.HTTPRequest) ivrflows.HTTPResponse
}

// SQLRunner runs a sql node's parameterised query on a tenant data source.
type SQLRunner interface {
	Query(ctx context.Context, tenant tenancy.TenantID, q ivrflows.SQLQuery) ([]map[string]any, error)
}

// Lists answers lookup nodes: is key on the tenant's list (blacklist, VIP)?
type Lists interface {
	Contains(ctx context.Context, tenant tenancy.TenantID, list, key string) (bool, error)
}

// Prompter turns text into a playable file (orchestrator/tts's Cache). With
// none, text is spoken by the switch's own TTS (Playback.Text).
type Prompter interface {
	Synthesize(ctx context.Context, text, voice string) (string, error)
}

// VoicemailMessage is a message left in a mailbox (IVR-10, OPS-5).
type VoicemailMessage struct {
	Tenant   tenancy.TenantID
	Mailbox  string
	Call     orchestrator.Key
	Caller   string
	Path     string // on the call's node
	Duration time.Duration
	Notify   bool // the mailbox owner is to be told
	At       time.Time
}

// VoicemailSink stores voicemail messages.
type VoicemailSink interface {
	SaveVoicemail(ctx context.Context, m VoicemailMessage) error
}

// SurveyResult is one satisfaction score for a call and agent (OPS-6).
type SurveyResult struct {
	Tenant   tenancy.TenantID
	CallID   string
	FlowID   string
	Version  int
	Question string
	Score    int
	Agent    string
	At       time.Time
}

// SurveySink stores survey scores.
type SurveySink interface {
	SaveSurvey(ctx context.Context, r SurveyResult) error
}

// TraceBatch is a run of trace entries of one call in one flow version, the
// shape of store.FlowTraceBatch (IVR-17).
type TraceBatch struct {
	CallID  string
	FlowID  string
	Version int
	Entries []ivrflows.TraceEntry
}

// TraceSink appends a call's trace entries in batches.
type TraceSink interface {
	AppendTrace(ctx context.Context, tenant tenancy.TenantID, b TraceBatch) error
}

// Clock is the runner's time: Now stamps interpreter steps, After paces
// digit timeouts and recording limits. Tests may pass a fake.
type Clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

type realClock struct{}

func (realClock) Now() time.Time                         { return time.Now().UTC() }
func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }
