package flowrun

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/ivrflows"
	"github.com/switchboard-cc/switchboard/orchestrator"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// fakeSwitch records the verbs a flow uses and plays a scripted caller:
// keys pressed when a given file starts playing or recording starts, and a
// hang-up when a given file starts. Like FreeSWITCH, StopPlay with nothing
// playing does nothing.
type fakeSwitch struct {
	playFor time.Duration

	mu           sync.Mutex
	log          []string
	onPlay       map[string]string // first file → keys pressed as it starts
	hangOn       string            // the caller hangs up when this file starts
	onRecord     string            // keys pressed when recording starts
	hangOnRecord bool              // the caller hangs up once recording has started
	stop         chan struct{}     // the active play's stop signal, nil if none
	events       chan orchestrator.Event
	cancel       context.CancelCauseFunc
	ended        bool
}

func newFakeSwitch() *fakeSwitch {
	return &fakeSwitch{playFor: 20 * time.Millisecond, onPlay: map[string]string{},
		events: make(chan orchestrator.Event, 256)}
}

// call returns the call to Run and its context, cancelled at hang-up.
func (f *fakeSwitch) call(t testing.TB) (context.Context, orchestrator.InboundCall) {
	ctx, cancel := context.WithCancelCause(context.Background())
	t.Cleanup(func() { cancel(nil) })
	f.cancel = cancel
	return ctx, orchestrator.InboundCall{Key: orchestrator.Key{Node: "fs1", ID: "call-1"}, From: "+8613800000001",
		To: "4000", Events: f.events}
}

func (f *fakeSwitch) record(s string) {
	f.mu.Lock()
	f.log = append(f.log, s)
	f.mu.Unlock()
}

func (f *fakeSwitch) Log() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.log...)
}

func (f *fakeSwitch) pressLocked(keys string) {
	for _, k := range keys {
		f.events <- orchestrator.Event{Kind: orchestrator.EventDTMF, Digit: string(k)}
	}
}

// press presses keys now.
func (f *fakeSwitch) press(keys string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pressLocked(keys)
}

// hangupLocked ends the call as the adapter does: events, then ctx.
func (f *fakeSwitch) hangupLocked(cause orchestrator.HangupCause) {
	if f.ended {
		return
	}
	f.ended = true
	f.events <- orchestrator.Event{Kind: orchestrator.EventHangup, Cause: cause}
	f.events <- orchestrator.Event{Kind: orchestrator.EventEnded, Cause: cause}
	close(f.events)
	if f.cancel != nil {
		f.cancel(orchestrator.ErrCallEnded)
	}
}

func (f *fakeSwitch) callerHangup() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.hangupLocked("NORMAL_CLEARING")
}

func (f *fakeSwitch) Answer(ctx context.Context, call orchestrator.Key) error {
	f.record("answer")
	return ctx.Err()
}

func (f *fakeSwitch) PreAnswer(ctx context.Context, call orchestrator.Key) error {
	f.record("pre_answer")
	return nil
}

func (f *fakeSwitch) Play(ctx context.Context, call orchestrator.Key, p orchestrator.Playback) error {
	if err := context.Cause(ctx); err != nil {
		return err
	}
	what := "play " + strings.Join(p.Files, ",")
	switch {
	case p.Text != "":
		what = "speak " + p.Voice + ":" + p.Text
	case p.Tone != orchestrator.ToneNone:
		what = "tone " + p.Tone.String()
	}
	stop := make(chan struct{})
	f.mu.Lock()
	f.log = append(f.log, what)
	f.stop = stop
	first := p.Text
	if len(p.Files) > 0 {
		first = p.Files[0]
	}
	f.pressLocked(f.onPlay[first])
	delete(f.onPlay, first) // each script entry is used once
	if f.hangOn != "" && first == f.hangOn {
		f.hangupLocked("NORMAL_CLEARING")
	}
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		if f.stop == stop {
			f.stop = nil
		}
		f.mu.Unlock()
	}()
	t := time.NewTimer(f.playFor * time.Duration(max(len(p.Files), 1)))
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-stop:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

func (f *fakeSwitch) StopPlay(ctx context.Context, call orchestrator.Key) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.stop != nil {
		f.log = append(f.log, "stop")
		close(f.stop)
		f.stop = nil
	}
	return nil
}

func (f *fakeSwitch) RecordStart(ctx context.Context, call orchestrator.Key, path string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.log = append(f.log, "record_start "+path)
	f.pressLocked(f.onRecord)
	if f.hangOnRecord {
		f.hangupLocked("NORMAL_CLEARING")
	}
	return nil
}

func (f *fakeSwitch) RecordStop(ctx context.Context, call orchestrator.Key, path string) error {
	f.record("record_stop " + path)
	return nil
}

func (f *fakeSwitch) Hangup(ctx context.Context, call orchestrator.Key, cause orchestrator.HangupCause) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.log = append(f.log, "hangup "+string(cause))
	f.hangupLocked(cause)
	return nil
}

// sinks records what the flow saved.
type sinks struct {
	mu       sync.Mutex
	batches  []TraceBatch
	vms      []VoicemailMessage
	surveys  []SurveyResult
	failNext int // trace appends to fail
}

func (s *sinks) AppendTrace(ctx context.Context, tenant tenancy.TenantID, b TraceBatch) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failNext > 0 {
		s.failNext--
		return fmt.Errorf("store down")
	}
	s.batches = append(s.batches, b)
	return nil
}

func (s *sinks) SaveVoicemail(ctx context.Context, m VoicemailMessage) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.vms = append(s.vms, m)
	return nil
}

func (s *sinks) SaveSurvey(ctx context.Context, r SurveyResult) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.surveys = append(s.surveys, r)
	return nil
}

// nodes lists the trace's nodes in order over all batches.
func (s *sinks) nodes() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, b := range s.batches {
		for _, e := range b.Entries {
			out = append(out, e.Node)
		}
	}
	return out
}

// fakeLists is a tenant's lists.
type fakeLists map[string][]string

func (l fakeLists) Contains(ctx context.Context, tenant tenancy.TenantID, list, key string) (bool, error) {
	for _, k := range l[string(tenant)+"/"+list] {
		if k == key {
			return true, nil
		}
	}
	return false, nil
}

// fakeHTTP answers requests from a function and records them.
type fakeHTTP struct {
	mu   sync.Mutex
	reqs []ivrflows.HTTPRequest
	fn   func(ivrflows.HTTPRequest) ivrflows.HTTPResponse
}

func (h *fakeHTTP) Do(ctx context.Context, tenant tenancy.TenantID, req ivrflows.HTTPRequest) ivrflows.HTTPResponse {
	h.mu.Lock()
	h.reqs = append(h.reqs, req)
	h.mu.Unlock()
	return h.fn(req)
}

// fakeSQL answers queries with fixed rows.
type fakeSQL struct {
	rows []map[string]any
	got  []ivrflows.SQLQuery
}

func (q *fakeSQL) Query(ctx context.Context, tenant tenancy.TenantID, c ivrflows.SQLQuery) ([]map[string]any, error) {
	q.got = append(q.got, c)
	return q.rows, nil
}

// testCatalog is the tenant "acme" of the tests.
const testCatalog = `{
  "tenant": "acme", "default_language": "en",
  "languages": {"en": {"voice": "en"}},
  "prompts": {
    "welcome": {"en": "welcome.wav"}, "main": {"en": "main.wav"}, "sales": {"en": "sales.wav"},
    "support": {"en": "support.wav"}, "orders": {"en": "orders.wav"}, "bye": {"en": "bye.wav"},
    "invalid": {"en": "invalid.wav"}, "survey": {"en": "survey.wav"}, "vm": {"en": "vm.wav"},
    "v1": {"en": "v1.wav"}, "v2": {"en": "v2.wav"}
  },
  "queues": ["sales", "support"], "flows": ["main"], "mailboxes": ["general"],
  "lists": ["blacklist", "vip"],
  "datasources": {"crm": {}},
  "endpoints": {"crm_api": {"base_url": "http://crm.example/api"}}
}`

func compileFlow(t testing.TB, doc string) *ivrflows.Program {
	t.Helper()
	return compileWith(t, doc, testCatalog)
}

func compileWith(t testing.TB, doc, catalog string) *ivrflows.Program {
	t.Helper()
	cat, err := ivrflows.ParseCatalog([]byte(catalog))
	if err != nil {
		t.Fatal(err)
	}
	p, err := ivrflows.ParseAndCompile([]byte(doc), cat)
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	return p
}

func newTestRunner(t testing.TB, sw Switch, s *sinks, mod func(*Config)) *Runner {
	t.Helper()
	cfg := Config{Switch: sw, Traces: s, Voicemail: s, Surveys: s, RecordDir: "/rec", Ports: map[string]int{"fs1": 10}}
	if mod != nil {
		mod(&cfg)
	}
	r, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

var acme = Meta{Tenant: "acme", FlowID: "main", Version: 1}
