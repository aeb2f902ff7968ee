package flowtest

import (
	"fmt"
	"slices"
	"time"

	"github.com/switchboard-cc/switchboard/ivrflows"
)

// sim is one simulated call: a clock, the caller's script and the stubs.
type sim struct {
	p       *ivrflows.Program
	c       Case
	s       *ivrflows.State
	now     time.Time
	start   time.Time
	rep     CaseReport
	presses []Press
	started bool // the first key of presses[0] was pressed
	used    map[string]int
	waiting ivrflows.Command // the command whose result the flow waits for
	prompt  bool             // the waiting Collect's prompt has played
	agent   *QueueStub       // an agent took the call; its leg is running
	waited  int              // ms already waited for the next key
	records int
	stop    string // why the simulation stopped early
}

func (sm *sim) run() {
	sm.start = sm.now
	call := ivrflows.Call{ID: "test-call", Tenant: "test", Caller: sm.c.Caller, Called: sm.c.Called, Vars: sm.c.Vars}
	s, res := sm.p.Start(call, sm.now)
	sm.s = s
	sm.absorb(res)
	for n := 0; !s.Done && sm.stop == ""; n++ {
		if n >= maxInputs {
			sm.stop = fmt.Sprintf("the flow did not end after %d inputs", maxInputs)
			break
		}
		in := sm.next()
		if in == nil {
			break
		}
		res, err := sm.p.Step(s, in, sm.now)
		if err != nil {
			sm.stop = err.Error()
			break
		}
		sm.absorb(res)
	}
	sm.finish()
}

func (sm *sim) finish() {
	r := &sm.rep
	if sm.stop != "" {
		r.Failures = append(r.Failures, sm.stop)
	}
	if n := len(sm.presses); n > 0 && sm.s.Done {
		r.Failures = append(r.Failures, fmt.Sprintf("%d scripted inputs were not used: the call ended before them", n))
	}
	r.Outcome, r.Error, r.Vars = sm.s.Outcome, sm.s.Error, sm.s.Vars
	r.Duration = sm.now.Sub(sm.start)
	for _, e := range r.Trace {
		r.Visited = append(r.Visited, e.Node)
		r.VarsSet = append(r.VarsSet, e.Set...)
	}
	if len(r.Trace) > 0 {
		r.EndNode = r.Trace[len(r.Trace)-1].Node
	}
	if !sm.s.Done {
		r.EndNode = sm.p.Nodes[sm.s.Node].ID
	}
}

// absorb records a step's commands and trace.
func (sm *sim) absorb(res ivrflows.Result) {
	r := &sm.rep
	r.Trace = append(r.Trace, res.Trace...)
	for _, cmd := range res.Commands {
		switch c := cmd.(type) {
		case ivrflows.Play:
			sm.played(c.Items)
		case ivrflows.Collect:
			sm.played(c.Prompt)
			sm.prompt = false
		case ivrflows.Record:
			sm.played(c.Prompt)
		case ivrflows.Voicemail:
			sm.played(c.Greeting)
		case ivrflows.HTTPRequest:
			r.HTTPCalls = append(r.HTTPCalls, c)
		case ivrflows.SQLQuery:
			r.SQLQueries = append(r.SQLQueries, c)
		case ivrflows.Lookup:
			r.Lookups = append(r.Lookups, c)
		case ivrflows.Queue:
			r.Queued = append(r.Queued, c)
		case ivrflows.Transfer:
			r.Transfers = append(r.Transfers, c)
		case ivrflows.SaveSurvey:
			r.Surveys = append(r.Surveys, c)
		case ivrflows.Hangup:
			r.HangupCause = c.Cause
		}
		if awaits(cmd) {
			sm.waiting = cmd
		}
	}
}

func awaits(cmd ivrflows.Command) bool {
	switch cmd.(type) {
	case ivrflows.StopPlay, ivrflows.SaveSurvey, ivrflows.Hangup:
		return false
	}
	return true
}

func (sm *sim) played(items []ivrflows.PlayItem) {
	for _, it := range items {
		if it.File != "" {
			sm.rep.Prompts = append(sm.rep.Prompts, it.File)
		} else {
			sm.rep.Prompts = append(sm.rep.Prompts, "tts:"+it.Text)
		}
	}
}

func (sm *sim) advance(ms int) { sm.now = sm.now.Add(time.Duration(ms) * time.Millisecond) }

// next is the input answering what the flow waits for.
func (sm *sim) next() ivrflows.Input {
	node := sm.p.Nodes[sm.s.Node].ID
	switch c := sm.waiting.(type) {
	case ivrflows.Play:
		if in := sm.duringPrompt(); in != nil {
			return in
		}
		sm.advance(sm.c.PlayMS * len(c.Items))
		return ivrflows.PlayDone{}
	case ivrflows.Collect:
		return sm.listen(c)
	case ivrflows.HTTPRequest:
		return sm.http(node)
	case ivrflows.SQLQuery:
		return sm.sql(node)
	case ivrflows.Lookup:
		return ivrflows.LookupResult{Found: slices.Contains(sm.c.Lists[c.List], c.Key)}
	case ivrflows.Queue:
		return sm.queue(node)
	case ivrflows.Transfer:
		if st, ok := take(sm.c.Transfer, sm.used, node); ok {
			return ivrflows.TransferResult{OK: st.OK, Reason: st.Reason}
		}
		return ivrflows.TransferResult{OK: true}
	case ivrflows.Record, ivrflows.Voicemail:
		sm.records++
		sm.advance(10000)
		return ivrflows.RecordDone{Path: fmt.Sprintf("recording-%d.wav", sm.records), Duration: 10 * time.Second}
	}
	sm.stop = fmt.Sprintf("the flow waits in node %q for something the test runner cannot give", node)
	return nil
}

// duringPrompt presses the next scripted key if it is meant for a prompt.
func (sm *sim) duringPrompt() ivrflows.Input {
	if len(sm.presses) == 0 || !sm.presses[0].DuringPrompt {
		return nil
	}
	if sm.presses[0].Hangup {
		sm.presses = sm.presses[1:]
		return ivrflows.CallerHangup{}
	}
	return sm.pressKey()
}

func (sm *sim) pressKey() ivrflows.Input {
	p := &sm.presses[0]
	k := p.Keys[:1]
	p.Keys = p.Keys[1:]
	sm.started = true
	if p.Keys == "" {
		sm.presses, sm.started = sm.presses[1:], false
	}
	return ivrflows.Digit{Key: k}
}

// listen answers a Collect: the next key if it comes within the timeout,
// else Timeout. Time waited counts towards the key's delay, so a key 7 s
// away comes after one 5 s timeout and 2 s into the retry.
func (sm *sim) listen(c ivrflows.Collect) ivrflows.Input {
	if in := sm.duringPrompt(); in != nil {
		return in
	}
	if !sm.prompt {
		sm.advance(sm.c.PlayMS * len(c.Prompt))
		sm.prompt = true
	}
	timeout := int(c.Timeout / time.Millisecond)
	if len(sm.presses) == 0 {
		sm.advance(timeout)
		return ivrflows.Timeout{}
	}
	p := sm.presses[0]
	delay := p.AfterMS
	if sm.started {
		delay = p.GapMS
		if delay == 0 {
			delay = 100
		}
	}
	if remaining := delay - sm.waited; remaining > timeout {
		sm.waited += timeout
		sm.advance(timeout)
		return ivrflows.Timeout{}
	} else {
		sm.advance(remaining)
	}
	sm.waited = 0
	if p.Hangup {
		sm.presses = sm.presses[1:]
		return ivrflows.CallerHangup{}
	}
	return sm.pressKey()
}

func take[T any](stubs map[string][]T, used map[string]int, node string) (T, bool) {
	var zero T
	i := used[node]
	if i >= len(stubs[node]) {
		return zero, false
	}
	used[node] = i + 1
	return stubs[node][i], true
}

func (sm *sim) http(node string) ivrflows.Input {
	st, ok := take(sm.c.HTTP, sm.used, node)
	if !ok {
		sm.stop = fmt.Sprintf("no HTTP stub left for node %q (request %d)", node, sm.used[node]+1)
		return nil
	}
	if st.Error != "" {
		return ivrflows.HTTPResponse{Err: st.Error}
	}
	return ivrflows.HTTPResponse{Status: st.Status, Body: st.Body}
}

func (sm *sim) sql(node string) ivrflows.Input {
	st, ok := take(sm.c.SQL, sm.used, node)
	if !ok {
		sm.stop = fmt.Sprintf("no SQL stub left for node %q", node)
		return nil
	}
	return ivrflows.QueryResult{Rows: st.Rows, Err: st.Error}
}

func (sm *sim) queue(node string) ivrflows.Input {
	if a := sm.agent; a != nil {
		sm.agent = nil
		sm.advance(a.TalkMS)
		if a.CallerHangsUp {
			return ivrflows.CallerHangup{}
		}
		return ivrflows.AgentLegEnded{}
	}
	st, ok := take(sm.c.Queue, sm.used, node)
	if !ok {
		sm.stop = fmt.Sprintf("no queue stub left for node %q", node)
		return nil
	}
	sm.advance(st.WaitMS)
	if st.Answered {
		sm.agent = &st
	}
	return ivrflows.QueueResult{Answered: st.Answered, Agent: st.Agent, Reason: st.Reason}
}
