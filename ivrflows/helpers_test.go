package ivrflows

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

// t0 is a Thursday 10:00 in UTC+8 (open hours in the test catalog).
var t0 = time.Date(2026, 11, 26, 2, 0, 0, 0, time.UTC)

// driver runs one flow instance in a test and keeps what it produced.
type driver struct {
	t     *testing.T
	p     *Program
	s     *State
	now   time.Time
	last  Result
	trace []TraceEntry
}

// flowJSON builds a flow document: vars is the "variables" object body, nodes
// the node objects; the first node starts.
func flowJSON(vars string, nodes ...string) string {
	start := ""
	if len(nodes) > 0 {
		i := strings.Index(nodes[0], `"id": "`) + len(`"id": "`)
		start = nodes[0][i : i+strings.IndexByte(nodes[0][i:], '"')]
	}
	return `{"id": "t", "start": "` + start + `", "variables": {` + vars + `}, "nodes": [` + strings.Join(nodes, ",") + `]}`
}

func compileJSON(t testing.TB, doc string) *Program {
	t.Helper()
	p, err := ParseAndCompile([]byte(doc), loadCatalog(t))
	if err != nil {
		t.Fatalf("compile: %v\n%s", err, doc)
	}
	return p
}

func startFlow(t *testing.T, doc string) *driver {
	t.Helper()
	return startCall(t, doc, Call{ID: "call-1", Tenant: "acme", Caller: "+8613800000001", Called: "4001"})
}

func startCall(t *testing.T, doc string, call Call) *driver {
	t.Helper()
	d := &driver{t: t, p: compileJSON(t, doc), now: t0}
	d.s, d.last = d.p.Start(call, d.now)
	d.trace = append(d.trace, d.last.Trace...)
	return d
}

func (d *driver) feed(in Input) Result {
	d.t.Helper()
	d.now = d.now.Add(time.Second)
	res, err := d.p.Step(d.s, in, d.now)
	if err != nil {
		d.t.Fatalf("step %T: %v", in, err)
	}
	d.last = res
	d.trace = append(d.trace, res.Trace...)
	return res
}

// keys feeds each key as a Digit.
func (d *driver) keys(ks string) Result {
	d.t.Helper()
	for _, k := range ks {
		d.feed(Digit{Key: string(k)})
	}
	return d.last
}

// want checks the commands of the last step.
func (d *driver) want(cmds ...Command) {
	d.t.Helper()
	if len(cmds) == 0 && len(d.last.Commands) == 0 {
		return
	}
	if !reflect.DeepEqual(d.last.Commands, cmds) {
		d.t.Fatalf("commands:\n got %#v\nwant %#v", d.last.Commands, cmds)
	}
}

// at checks the node the flow waits in.
func (d *driver) at(node string) {
	d.t.Helper()
	if d.s.Done {
		d.t.Fatalf("flow ended (%s, %s), want it waiting in %s", d.s.Outcome, d.s.Error, node)
	}
	if got := d.p.Nodes[d.s.Node].ID; got != node {
		d.t.Fatalf("waiting in %s, want %s", got, node)
	}
}

func (d *driver) ended(o Outcome) {
	d.t.Helper()
	if !d.s.Done || d.s.Outcome != o {
		d.t.Fatalf("done=%v outcome=%q (%s), want %q", d.s.Done, d.s.Outcome, d.s.Error, o)
	}
}

func (d *driver) visited() []string {
	var ids []string
	for _, e := range d.trace {
		ids = append(ids, e.Node+":"+e.Exit)
	}
	return ids
}

func (d *driver) wantErr(in Input, target error) {
	d.t.Helper()
	if _, err := d.p.Step(d.s, in, d.now); !errors.Is(err, target) {
		d.t.Fatalf("Step(%T) error %v, want %v", in, err, target)
	}
}

func file(f string) PlayItem { return PlayItem{File: f} }

func tts(text, voice string) PlayItem { return PlayItem{Text: text, Voice: voice} }

const hangupNode = `{"id": "end", "type": "hangup"}`
