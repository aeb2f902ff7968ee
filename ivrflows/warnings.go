package ivrflows

import (
	"fmt"
	"strings"
)

// promptRef is a prompt as the compiler met it, for the language check.
type promptRef struct {
	node, what string
	p          *Prompt
}

// languageWarnings finds prompts that lack a recording or wording in a
// language the caller may be in. Callers then hear the flow's language, or,
// when that is missing too, the node fails: the first is a warning, the
// second is said plainly in the warning.
func (c *compiler) languageWarnings(p *Program) []ValidationError {
	langs := c.languagesAt(p)
	var out []ValidationError
	for _, ref := range c.refs {
		var have map[string]bool
		kind := "recording"
		switch {
		case ref.p.files != nil:
			have = keysOf(ref.p.files)
		case ref.p.text != nil:
			have, kind = keysOf(ref.p.text), "wording"
		default:
			continue // say: worded in any language
		}
		if have["*"] {
			continue
		}
		want := langs[c.index[ref.node]]
		if ref.p.Language != "" {
			want = []string{ref.p.Language}
		}
		var missing []string
		for _, l := range want {
			if !have[l] {
				missing = append(missing, l)
			}
		}
		if len(missing) == 0 {
			continue
		}
		msg := fmt.Sprintf("%s has no %s in %s; those callers hear %s", ref.what, kind, strings.Join(missing, ", "), p.Language)
		if !have[p.Language] {
			msg = fmt.Sprintf("%s has no %s in %s, nor in the flow's language %s: the node fails for those callers",
				ref.what, kind, strings.Join(missing, ", "), p.Language)
		}
		out = append(out, ValidationError{Node: ref.node, Message: msg})
	}
	return out
}

// languagesAt gives, per node, the languages a caller can be in there: the
// flow's at the start, then whatever language nodes on the way set (all the
// tenant's when one computes it). Sets only grow, so the worklist ends.
func (c *compiler) languagesAt(p *Program) [][]string {
	at := make([]map[string]bool, len(p.Nodes))
	for i := range at {
		at[i] = map[string]bool{}
	}
	at[p.start][p.Language] = true
	work := []int{p.start}
	for len(work) > 0 {
		i := work[len(work)-1]
		work = work[:len(work)-1]
		out := at[i]
		if lp, ok := p.Nodes[i].Params.(*LanguageParams); ok {
			out = map[string]bool{lp.Language: true}
			if lp.Language == "" {
				out = keysOf(c.cat.Languages)
			}
		}
		for _, j := range p.Nodes[i].next {
			grew := false
			for l := range out {
				if !at[j][l] {
					at[j][l], grew = true, true
				}
			}
			if grew {
				work = append(work, j)
			}
		}
	}
	lists := make([][]string, len(at))
	for i, set := range at {
		lists[i] = sortedKeys(set)
	}
	return lists
}

func keysOf[V any](m map[string]V) map[string]bool {
	out := make(map[string]bool, len(m))
	for k := range m {
		out[k] = true
	}
	return out
}
