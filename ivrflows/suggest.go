package ivrflows

import (
	"regexp"
	"sort"
)

var unknownNameRe = regexp.MustCompile(`unknown name (\w+)`)

// DidYouMean suggests the known name closest to a misspelt one (at most two
// edits away, and fewer than half its letters), as
// ` (did you mean "account"?)`, or "": for variables, node IDs, and the
// node names of flow tests.
func DidYouMean[V any](name string, known map[string]V) string {
	best, bestDist := "", 3
	keys := make([]string, 0, len(known))
	for k := range known {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if d := editDistance(name, k); d < bestDist && 2*d < len(name) {
			best, bestDist = k, d
		}
	}
	if best == "" {
		return ""
	}
	return ` (did you mean "` + best + `"?)`
}

// editDistance is the Levenshtein distance, for short names.
func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 99
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
