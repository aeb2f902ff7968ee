package ivrflows

import (
	"slices"
	"strings"
)

// nodeKind is what the compiler knows about a node type: its params, how to
// check them, and its exits.
type nodeKind struct {
	newParams func() any
	compile   func(c *compiler, params any)
	exits     []string // required exits
	optional  []string // exits that may be left unconnected
	// dynamic exits, when not nil, decides other exit names (menu keys,
	// switch values).
	dynamic func(params any, exit string) bool
}

func (k nodeKind) required(any) []string { return k.exits }

func (k nodeKind) allows(params any, exit string) bool {
	if contains(k.exits, exit) || contains(k.optional, exit) {
		return true
	}
	return k.dynamic != nil && k.dynamic(params, exit)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func kind[P any](compile func(*compiler, *P), exits []string, optional ...string) nodeKind {
	return nodeKind{
		newParams: func() any { return new(P) },
		compile:   func(c *compiler, p any) { compile(c, p.(*P)) },
		exits:     exits,
		optional:  append(optional, ExitError),
	}
}

// Exit names shared by several node types.
const (
	ExitNext  = "next"
	ExitOK    = "ok"
	ExitFail  = "fail"
	ExitError = "error" // optional on every node: where runtime errors go
)

var nodeKinds = map[NodeType]nodeKind{}

func init() {
	nodeKinds[NodePlay] = kind(compilePlay, []string{ExitNext})
	nodeKinds[NodeCollect] = kind(compileCollect, []string{ExitOK, ExitFail})
	menu := kind(compileMenu, []string{ExitFail})
	menu.dynamic = func(_ any, e string) bool { return len(e) == 1 && strings.Contains(dtmfKeys, e) }
	nodeKinds[NodeMenu] = menu
	nodeKinds[NodeSet] = kind(compileSet, []string{ExitNext})
	nodeKinds[NodeCondition] = kind(compileCondition, []string{"true", "false"})
	sw := kind(compileSwitch, []string{"default"})
	sw.dynamic = func(_ any, e string) bool { return e != "" }
	nodeKinds[NodeSwitch] = sw
	nodeKinds[NodeHours] = kind(compileHours, []string{CalOpen, CalClosed}, CalHoliday)
	nodeKinds[NodeLanguage] = kind(compileLanguage, []string{ExitNext})
	nodeKinds[NodeHTTP] = kind(compileHTTP, []string{ExitOK, ExitError})
	nodeKinds[NodeSQL] = kind(compileSQL, []string{ExitOK, ExitError}, "empty")
	nodeKinds[NodeQueue] = kind(compileQueue, []string{"done", "failed"})
	nodeKinds[NodeTransfer] = kind(compileTransfer, nil, "failed")
	nodeKinds[NodeVoicemail] = kind(compileVoicemail, nil, ExitNext)
	nodeKinds[NodeSurvey] = kind(compileSurvey, []string{ExitNext})
	nodeKinds[NodeLookup] = kind(compileLookup, []string{"found", "not_found"})
	nodeKinds[NodeRecord] = kind(compileRecord, []string{ExitNext})
	hangup := kind(compileHangup, nil)
	hangup.optional = nil
	nodeKinds[NodeHangup] = hangup
}

const dtmfKeys = "0123456789*#ABCD"

func knownTypes() []string {
	var ts []string
	for _, t := range NodeTypes() {
		ts = append(ts, string(t))
	}
	return ts
}

// NodeTypes lists the node types the compiler knows, sorted: a flow's
// nodes, and so its traces, have one of these.
func NodeTypes() []NodeType {
	var ts []NodeType
	for t := range nodeKinds {
		ts = append(ts, t)
	}
	slices.Sort(ts)
	return ts
}
