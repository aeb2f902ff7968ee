package ivrflows

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
)

// Change kinds.
const (
	ChangeAdded   = "added"
	ChangeRemoved = "removed"
	ChangeChanged = "changed"
)

// Change is one difference between two flows: a node added, removed or
// changed, or (Node "") a change to the flow's own settings.
type Change struct {
	Node   string        `json:"node,omitempty"`
	Kind   string        `json:"kind"`
	Fields []FieldChange `json:"fields,omitempty"`
}

// FieldChange is one field that differs, by path (e.g.
// "params.prompts[0].prompt", "exits.1"). From or To is nil when the field
// was added or removed.
type FieldChange struct {
	Path string `json:"path"`
	From any    `json:"from,omitempty"`
	To   any    `json:"to,omitempty"`
}

// Diff compares flow a with flow b node by node, for review before
// publishing (`GET .../flows/{id}/diff?from=3&to=4`). Nodes are matched by
// ID; changes come in b's node order, then nodes removed from a.
func Diff(a, b *Flow) []Change {
	var out []Change
	if fields := diffValues("", flowHeader(a), flowHeader(b)); len(fields) > 0 {
		out = append(out, Change{Kind: ChangeChanged, Fields: fields})
	}
	old := map[string]any{}
	for _, n := range a.Nodes {
		old[n.ID] = generic(n)
	}
	seen := map[string]bool{}
	for _, n := range b.Nodes {
		seen[n.ID] = true
		before, ok := old[n.ID]
		switch {
		case !ok:
			out = append(out, Change{Node: n.ID, Kind: ChangeAdded})
		default:
			if fields := diffValues("", before, generic(n)); len(fields) > 0 {
				out = append(out, Change{Node: n.ID, Kind: ChangeChanged, Fields: fields})
			}
		}
	}
	for _, n := range a.Nodes {
		if !seen[n.ID] {
			out = append(out, Change{Node: n.ID, Kind: ChangeRemoved})
		}
	}
	return out
}

// flowHeader is the flow without its nodes.
func flowHeader(f *Flow) any {
	h := *f
	h.Nodes = nil
	return generic(h)
}

// generic turns a value into maps, slices and scalars via JSON, so that
// params (raw JSON) compare field by field.
func generic(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	var out any
	if json.Unmarshal(b, &out) != nil {
		return string(b)
	}
	return out
}

func diffValues(path string, a, b any) []FieldChange {
	switch av := a.(type) {
	case map[string]any:
		if bv, ok := b.(map[string]any); ok {
			return diffMaps(path, av, bv)
		}
	case []any:
		if bv, ok := b.([]any); ok {
			return diffSlices(path, av, bv)
		}
	}
	if reflect.DeepEqual(a, b) {
		return nil
	}
	return []FieldChange{{Path: path, From: a, To: b}}
}

func diffMaps(path string, a, b map[string]any) []FieldChange {
	keys := map[string]bool{}
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	var out []FieldChange
	for _, k := range sortedKeys(keys) {
		p := k
		if path != "" {
			p = path + "." + k
		}
		out = append(out, diffValues(p, a[k], b[k])...)
	}
	return out
}

func diffSlices(path string, a, b []any) []FieldChange {
	var out []FieldChange
	for i := range max(len(a), len(b)) {
		var x, y any
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		out = append(out, diffValues(path+"["+strconv.Itoa(i)+"]", x, y)...)
	}
	return out
}

// DiffDocs parses two flow documents (e.g. versions 3 and 4 as stored) and
// diffs them.
func DiffDocs(from, to []byte) ([]Change, error) {
	a, err := Parse(from)
	if err != nil {
		return nil, fmt.Errorf("from: %w", err)
	}
	b, err := Parse(to)
	if err != nil {
		return nil, fmt.Errorf("to: %w", err)
	}
	return Diff(a, b), nil
}
