package flowtest

import (
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/switchboard-cc/switchboard/ivrflows"
)

// check compares a case's report with its expectations, adding one
// readable failure per mismatch.
func check(r *CaseReport, e Expect) {
	fail := func(format string, args ...any) { r.Failures = append(r.Failures, fmt.Sprintf(format, args...)) }
	if e.Outcome != "" && string(r.Outcome) != e.Outcome {
		fail("outcome %q, want %q%s", r.Outcome, e.Outcome, errorNote(r.Error))
	}
	if e.EndNode != "" && r.EndNode != e.EndNode {
		fail("ended in node %q, want %q", r.EndNode, e.EndNode)
	}
	if e.Visited != nil && !slices.Equal(r.Visited, e.Visited) {
		fail("visited %s, want %s", path(r.Visited), path(e.Visited))
	}
	if missing, ok := subsequence(r.Visited, e.Passes); !ok {
		fail("did not pass %q in order; visited %s", missing, path(r.Visited))
	}
	for _, n := range e.NotVisited {
		if slices.Contains(r.Visited, n) {
			fail("visited %q, which it should not", n)
		}
	}
	for _, name := range sortedKeys(e.Vars) {
		if got, ok := r.Vars[name]; !ok || !reflect.DeepEqual(got, e.Vars[name]) {
			fail("variable %s = %#v, want %#v", name, got, e.Vars[name])
		}
	}
	if missing, ok := subsequence(r.Prompts, e.Prompts); !ok {
		fail("prompt %q was not played in order; played %s", missing, strings.Join(r.Prompts, " | "))
	}
	if e.HTTPCalls != nil && len(r.HTTPCalls) != *e.HTTPCalls {
		fail("%d HTTP calls, want %d", len(r.HTTPCalls), *e.HTTPCalls)
	}
	checkHandOffs(r, e, fail)
}

func checkHandOffs(r *CaseReport, e Expect, fail func(string, ...any)) {
	if e.Queued != "" && !slices.ContainsFunc(r.Queued, func(q ivrQueue) bool { return q.Queue == e.Queued }) {
		fail("the call was not queued to %q", e.Queued)
	}
	if e.Transfer != "" {
		var got []string
		for _, t := range r.Transfers {
			got = append(got, t.To+":"+t.Target)
		}
		if !slices.Contains(got, e.Transfer) {
			fail("transfers %v, want %q", got, e.Transfer)
		}
	}
	for _, q := range sortedKeys(e.Surveys) {
		i := slices.IndexFunc(r.Surveys, func(s ivrSurvey) bool { return s.Question == q })
		if i < 0 || r.Surveys[i].Score != e.Surveys[q] {
			fail("survey %q score not stored as %d (stored: %v)", q, e.Surveys[q], r.Surveys)
		}
	}
	if e.HangupCode != "" && r.HangupCause != e.HangupCode {
		fail("hang-up cause %q, want %q", r.HangupCause, e.HangupCode)
	}
}

// unknownNodes is a failure for each node an expectation names that the
// flow does not have, with the nearest one it has: a misspelt not_visited
// would otherwise pass whatever the flow does.
func unknownNodes(p *ivrflows.Program, e Expect) []string {
	ids := make(map[string]bool, len(p.Nodes))
	for _, n := range p.Nodes {
		ids[n.ID] = true
	}
	var out []string
	for _, f := range []struct {
		field string
		nodes []string
	}{{"end_node", []string{e.EndNode}}, {"visited", e.Visited}, {"passes", e.Passes}, {"not_visited", e.NotVisited}} {
		for _, n := range f.nodes {
			if n != "" && !ids[n] {
				out = append(out, fmt.Sprintf("expect.%s: the flow has no node %q%s", f.field, n, ivrflows.DidYouMean(n, ids)))
			}
		}
	}
	return out
}

func errorNote(msg string) string {
	if msg == "" {
		return ""
	}
	return " (" + msg + ")"
}

func path(nodes []string) string { return strings.Join(nodes, " > ") }

// subsequence reports whether want appears in got in order, and if not the
// first item missing.
func subsequence(got, want []string) (string, bool) {
	i := 0
	for _, w := range want {
		for i < len(got) && got[i] != w {
			i++
		}
		if i == len(got) {
			return w, false
		}
		i++
	}
	return "", true
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
