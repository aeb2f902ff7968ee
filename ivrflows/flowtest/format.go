package flowtest

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/switchboard-cc/switchboard/ivrflows"
)

// File is a test file: the flow under test (inline, or a file next to the
// test file), the tenant catalog it is validated against, and the cases.
//
//	{
//	  "flow_file": "main.json",
//	  "catalog_file": "catalog.json",
//	  "cases": [{
//	    "name": "balance in English",
//	    "caller": "+8613800000001",
//	    "time": "2026-11-26T10:00:00+08:00",
//	    "input": [{"keys": "1", "after_ms": 800}, {"keys": "2"}, {"keys": "12345678", "gap_ms": 300}],
//	    "http": {"balance": [{"status": 200, "body": {"balance": 12.5}}]},
//	    "expect": {"outcome": "hangup", "passes": ["balance", "say_balance"], "vars": {"balance": 12.5}}
//	  }]
//	}
type File struct {
	Flow        json.RawMessage `json:"flow,omitempty"`
	FlowFile    string          `json:"flow_file,omitempty"`
	Catalog     json.RawMessage `json:"catalog,omitempty"`
	CatalogFile string          `json:"catalog_file,omitempty"`
	// Time is the default time of day of the cases (RFC 3339).
	Time  string `json:"time,omitempty"`
	Cases []Case `json:"cases"`
}

// Case is one scripted call.
type Case struct {
	Name   string         `json:"name"`
	Caller string         `json:"caller,omitempty"`
	Called string         `json:"called,omitempty"`
	Time   string         `json:"time,omitempty"` // RFC 3339; default 2026-01-05T10:00:00Z (a Monday)
	Vars   map[string]any `json:"vars,omitempty"` // presets, as data carried from another leg
	// PlayMS is how long each prompt item takes; default 0 (prompts are
	// instant, timings count from the end of the prompt).
	PlayMS int     `json:"play_ms,omitempty"`
	Input  []Press `json:"input,omitempty"`
	// Stubs by node ID, consumed in order (retries take the next one).
	HTTP     map[string][]HTTPStub     `json:"http,omitempty"`
	SQL      map[string][]SQLStub      `json:"sql,omitempty"`
	Queue    map[string][]QueueStub    `json:"queue,omitempty"`
	Transfer map[string][]TransferStub `json:"transfer,omitempty"` // default: the transfer succeeds
	// Lists are the tenant lists (blacklist, VIP...) for lookup nodes.
	Lists  map[string][]string `json:"lists,omitempty"`
	Expect Expect              `json:"expect"`
}

// Press is the caller doing something: pressing Keys (the first AfterMS
// after the flow starts listening, or after the previous key; later keys
// GapMS apart, default 100) or hanging up. With DuringPrompt the keys are
// pressed while a prompt plays (barge-in, type-ahead).
type Press struct {
	Keys         string `json:"keys,omitempty"`
	AfterMS      int    `json:"after_ms,omitempty"`
	GapMS        int    `json:"gap_ms,omitempty"`
	DuringPrompt bool   `json:"during_prompt,omitempty"`
	Hangup       bool   `json:"hangup,omitempty"`
}

// HTTPStub answers one HTTP request: Status and Body, or Error (no response).
type HTTPStub struct {
	Status int             `json:"status,omitempty"`
	Body   json.RawMessage `json:"body,omitempty"`
	Error  string          `json:"error,omitempty"`
}

// SQLStub answers one query.
type SQLStub struct {
	Rows  []map[string]any `json:"rows,omitempty"`
	Error string           `json:"error,omitempty"`
}

// QueueStub is what the ACD does with a queued call: an agent answers,
// talks TalkMS, then hangs up (or the caller does), or nobody answers.
type QueueStub struct {
	Answered      bool   `json:"answered,omitempty"`
	Agent         string `json:"agent,omitempty"`
	WaitMS        int    `json:"wait_ms,omitempty"`
	TalkMS        int    `json:"talk_ms,omitempty"`
	CallerHangsUp bool   `json:"caller_hangs_up,omitempty"`
	Reason        string `json:"reason,omitempty"`
}

// TransferStub says whether a transfer works.
type TransferStub struct {
	OK     bool   `json:"ok"`
	Reason string `json:"reason,omitempty"`
}

// Expect is what a case asserts. Empty fields are not checked.
type Expect struct {
	Outcome    string         `json:"outcome,omitempty"`
	EndNode    string         `json:"end_node,omitempty"`
	Visited    []string       `json:"visited,omitempty"` // the exact node path
	Passes     []string       `json:"passes,omitempty"`  // nodes passed in this order, others between
	NotVisited []string       `json:"not_visited,omitempty"`
	Vars       map[string]any `json:"vars,omitempty"`
	Prompts    []string       `json:"prompts,omitempty"` // played in this order: a file, or "tts:<text>"
	HTTPCalls  *int           `json:"http_calls,omitempty"`
	Queued     string         `json:"queued,omitempty"`      // queue name
	Transfer   string         `json:"transferred,omitempty"` // "<to>:<target>", e.g. "number:+862112345678"
	Surveys    map[string]int `json:"surveys,omitempty"`     // question -> score
	HangupCode string         `json:"hangup_cause,omitempty"`
}

// ErrBadTestFile: the test file cannot be used.
var ErrBadTestFile = errors.New("bad flow test file")

// defaultTime is a Monday morning, so hours nodes see an ordinary work day.
var defaultTime = time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)

// ParseFile decodes a test file; unknown fields are rejected so a misspelt
// expectation cannot pass silently.
func ParseFile(data []byte) (*File, error) {
	var f File
	if err := ivrflows.DecodeStrict(data, &f); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadTestFile, err)
	}
	if (len(f.Flow) == 0) == (f.FlowFile == "") {
		return nil, fmt.Errorf("%w: give exactly one of flow or flow_file", ErrBadTestFile)
	}
	if len(f.Catalog) > 0 && f.CatalogFile != "" {
		return nil, fmt.Errorf("%w: give at most one of catalog or catalog_file", ErrBadTestFile)
	}
	if len(f.Cases) == 0 {
		return nil, fmt.Errorf("%w: no cases", ErrBadTestFile)
	}
	for i := range f.Cases {
		c := &f.Cases[i]
		if c.Time == "" {
			c.Time = f.Time
		}
		if err := c.check(); err != nil {
			return nil, fmt.Errorf("%w: case %d (%q): %v", ErrBadTestFile, i+1, c.Name, err)
		}
	}
	return &f, nil
}

func (c Case) check() error {
	if c.Name == "" {
		return errors.New("the case has no name")
	}
	if c.Time != "" {
		if _, err := time.Parse(time.RFC3339, c.Time); err != nil {
			return fmt.Errorf("time %q is not RFC 3339 (2026-11-26T10:00:00+08:00)", c.Time)
		}
	}
	for i, p := range c.Input {
		if (p.Keys == "") == !p.Hangup {
			return fmt.Errorf("input %d: give keys or hangup", i+1)
		}
		for _, k := range p.Keys {
			if !isKey(k) {
				return fmt.Errorf("input %d: %q is not a phone key", i+1, k)
			}
		}
		if p.AfterMS < 0 || p.GapMS < 0 {
			return fmt.Errorf("input %d: negative time", i+1)
		}
	}
	if c.PlayMS < 0 {
		return errors.New("negative play_ms")
	}
	if o := ivrflows.Outcome(c.Expect.Outcome); o != "" && !slices.Contains(ivrflows.Outcomes, o) {
		// a misspelt outcome would fail every run with a puzzling mismatch
		var valid []string
		for _, v := range ivrflows.Outcomes {
			valid = append(valid, string(v))
		}
		return fmt.Errorf("expect.outcome %q is not one of %s", o, strings.Join(valid, ", "))
	}
	return nil
}

func isKey(r rune) bool {
	return r >= '0' && r <= '9' || r == '*' || r == '#' || r >= 'A' && r <= 'D'
}

func (c Case) start() time.Time {
	if c.Time == "" {
		return defaultTime
	}
	t, _ := time.Parse(time.RFC3339, c.Time)
	return t
}
