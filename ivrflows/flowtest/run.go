package flowtest

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/switchboard-cc/switchboard/ivrflows"
)

// maxInputs bounds one case, so a flow that loops on stubbed answers ends.
const maxInputs = 10000

// Options for RunFile.
type Options struct {
	// ReadFile reads flow_file and catalog_file (the CLI resolves names
	// relative to the test file). Nil: only inline flows and catalogs.
	ReadFile func(name string) ([]byte, error)
	// LoadLocation resolves calendar time zones (time.LoadLocation).
	LoadLocation func(name string) (*time.Location, error)
}

// Report is the result of a test file.
type Report struct {
	Flow   string       `json:"flow"`
	Cases  []CaseReport `json:"cases"`
	Passed int          `json:"passed"`
	Failed int          `json:"failed"`
}

// OK reports whether every case passed; the CLI exits non-zero otherwise.
func (r Report) OK() bool { return r.Failed == 0 && len(r.Cases) > 0 }

// CaseReport is everything one scripted call did.
type CaseReport struct {
	Name        string                 `json:"name"`
	Passed      bool                   `json:"passed"`
	Failures    []string               `json:"failures,omitempty"`
	Outcome     ivrflows.Outcome       `json:"outcome,omitempty"` // absent when the run stopped before the flow ended (see Failures)
	Error       string                 `json:"error,omitempty"`
	EndNode     string                 `json:"end_node"`
	HangupCause string                 `json:"hangup_cause,omitempty"`
	Duration    time.Duration          `json:"duration"` // simulated call time
	Visited     []string               `json:"visited"`
	Prompts     []string               `json:"prompts,omitempty"`
	Vars        map[string]any         `json:"vars"`
	VarsSet     []ivrflows.VarChange   `json:"vars_set,omitempty"` // in the order the flow set them
	HTTPCalls   []ivrflows.HTTPRequest `json:"http_calls,omitempty"`
	SQLQueries  []ivrflows.SQLQuery    `json:"sql_queries,omitempty"`
	Lookups     []ivrflows.Lookup      `json:"lookups,omitempty"`
	Queued      []ivrflows.Queue       `json:"queued,omitempty"`
	Transfers   []ivrflows.Transfer    `json:"transfers,omitempty"`
	Surveys     []ivrflows.SaveSurvey  `json:"surveys,omitempty"`
	Trace       []ivrflows.TraceEntry  `json:"trace"`
}

// RunFile reads a test file, validates its flow against its catalog and
// runs every case. The error is for a file that cannot be run (bad JSON, a
// flow that does not validate: ivrflows.ValidationErrors); failed cases are
// in the report.
func RunFile(r io.Reader, opts Options) (Report, error) {
	data, err := io.ReadAll(io.LimitReader(r, 8<<20))
	if err != nil {
		return Report{}, err
	}
	f, err := ParseFile(data)
	if err != nil {
		return Report{}, err
	}
	p, err := f.program(opts)
	if err != nil {
		return Report{}, err
	}
	rep := Report{Flow: p.Flow}
	for _, c := range f.Cases {
		rep.add(Run(p, c))
	}
	return rep, nil
}

func (f *File) program(opts Options) (*ivrflows.Program, error) {
	flowDoc, err := inlineOrFile(f.Flow, f.FlowFile, opts)
	if err != nil {
		return nil, err
	}
	cat := &ivrflows.Catalog{}
	if catDoc, err := inlineOrFile(f.Catalog, f.CatalogFile, opts); err != nil {
		return nil, err
	} else if len(catDoc) > 0 {
		if cat, err = ivrflows.ParseCatalog(catDoc); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrBadTestFile, err)
		}
	}
	cat.LoadLocation = opts.LoadLocation
	return ivrflows.ParseAndCompile(flowDoc, cat)
}

func inlineOrFile(inline json.RawMessage, name string, opts Options) ([]byte, error) {
	if name == "" {
		return inline, nil
	}
	if opts.ReadFile == nil {
		return nil, fmt.Errorf("%w: %s cannot be read here; put it inline", ErrBadTestFile, name)
	}
	data, err := opts.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadTestFile, err)
	}
	return data, nil
}

// Run plays one case against a compiled flow.
func Run(p *ivrflows.Program, c Case) CaseReport {
	sm := &sim{p: p, c: c, now: c.start(), presses: slices.Clone(c.Input), used: map[string]int{}}
	sm.run()
	sm.rep.Name = c.Name
	sm.rep.Failures = append(sm.rep.Failures, unknownNodes(p, c.Expect)...)
	check(&sm.rep, c.Expect)
	sm.rep.Passed = len(sm.rep.Failures) == 0
	return sm.rep
}

// RunDoc validates a flow document against a catalog and runs cases on it:
// the API's test-run of a draft before it is published. The error is the
// flow's ValidationErrors (or ErrBadJSON) or a bad case.
func RunDoc(doc []byte, cat *ivrflows.Catalog, cases []Case) (Report, error) {
	if len(cases) == 0 {
		return Report{}, fmt.Errorf("%w: no cases", ErrBadTestFile)
	}
	for i, c := range cases {
		if err := c.check(); err != nil {
			return Report{}, fmt.Errorf("%w: case %d (%q): %v", ErrBadTestFile, i+1, c.Name, err)
		}
	}
	p, err := ivrflows.ParseAndCompile(doc, cat)
	if err != nil {
		return Report{}, err
	}
	rep := Report{Flow: p.Flow}
	for _, c := range cases {
		rep.add(Run(p, c))
	}
	return rep, nil
}

func (r *Report) add(c CaseReport) {
	r.Cases = append(r.Cases, c)
	if c.Passed {
		r.Passed++
	} else {
		r.Failed++
	}
}
