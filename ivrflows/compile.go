package ivrflows

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// Limits on a flow document, so one tenant's flow cannot weigh on the
// controller (MT-2 counts loaded flows; these bound each one).
const (
	MaxFlowBytes = 1 << 20
	MaxFlowNodes = 1000
	MaxVariables = 200
)

// Program is a validated, compiled flow: what the interpreter runs. It is
// immutable and safe to share between calls.
type Program struct {
	Flow      string             `json:"flow"`
	StartNode string             `json:"start"`
	Language  string             `json:"language"`
	Vars      map[string]VarType `json:"vars"`
	Nodes     []*CompiledNode    `json:"nodes"`
	// Warnings do not stop publishing but deserve a look, such as a prompt
	// without a recording in a language callers can choose.
	Warnings []ValidationError `json:"warnings,omitempty"`

	start    int
	defaults map[string]any
	secret   map[string]bool
	cat      *Catalog
}

// CompiledNode is a node with its params checked, defaults filled in and
// exits resolved.
type CompiledNode struct {
	ID     string            `json:"id"`
	Type   NodeType          `json:"type"`
	Exits  map[string]string `json:"exits,omitempty"`
	Params any               `json:"params"`

	next map[string]int
}

var identRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,63}$`)

type compiler struct {
	f     *Flow
	cat   *Catalog
	vars  map[string]VarType
	env   map[string]any
	errs  ValidationErrors
	node  string
	cur   *Node
	index map[string]int
	queue bool // the flow has a queue node (a survey needs one)
	refs  []promptRef
}

func (c *compiler) errf(format string, args ...any) {
	c.errs = append(c.errs, ValidationError{Node: c.node, Message: fmt.Sprintf(format, args...)})
}

// Compile validates f against what the tenant has (cat) and compiles it. On
// failure the error is ValidationErrors listing every problem found. The
// program keeps reading cat at run time (voices, endpoint headers, computed
// transfer targets): treat a catalog as immutable once compiled against, and
// build a new one when the tenant's data change.
func Compile(f *Flow, cat *Catalog) (*Program, error) {
	if cat == nil {
		cat = &Catalog{}
	}
	c := &compiler{f: f, cat: cat, vars: map[string]VarType{}, env: map[string]any{}, index: map[string]int{}}
	p := &Program{Flow: f.ID, StartNode: f.Start, cat: cat, defaults: map[string]any{}, secret: map[string]bool{}}
	c.flowHeader(p)
	for i := range f.Nodes {
		p.Nodes = append(p.Nodes, c.compileNode(&f.Nodes[i]))
	}
	c.node = ""
	c.resolveExits(p)
	if len(c.errs) == 0 {
		c.checkGraph(p)
	}
	if len(c.errs) > 0 {
		return nil, c.errs
	}
	p.Vars = c.vars
	p.Warnings = c.languageWarnings(p)
	return p, nil
}

func (c *compiler) flowHeader(p *Program) {
	f := c.f
	if f.ID == "" {
		c.errf("the flow has no id")
	}
	if len(f.Nodes) == 0 {
		c.errf("the flow has no nodes")
	}
	if len(f.Nodes) > MaxFlowNodes {
		c.errf("the flow has %d nodes; at most %d are allowed", len(f.Nodes), MaxFlowNodes)
	}
	if len(f.Variables) > MaxVariables {
		c.errf("the flow has %d variables; at most %d are allowed", len(f.Variables), MaxVariables)
		f = &Flow{ID: f.ID, Start: f.Start, Nodes: f.Nodes} // do not compile against them all
		c.f = f
	}
	for i, n := range f.Nodes {
		c.node = n.ID
		switch _, dup := c.index[n.ID]; {
		case n.ID == "":
			c.node = fmt.Sprintf("#%d", i+1)
			c.errf("the node has no id")
		case dup:
			c.errf("two nodes have the id %q", n.ID)
		default:
			c.index[n.ID] = i
		}
	}
	c.node = ""
	if _, ok := c.index[f.Start]; !ok && len(f.Nodes) > 0 {
		c.errf("the start node %q does not exist%s", f.Start, DidYouMean(f.Start, c.index))
	}
	p.start = c.index[f.Start]
	c.declareVars(p)
	p.Language = f.Language
	if p.Language == "" {
		p.Language = c.cat.DefaultLanguage
	}
	if f.Language != "" && !c.cat.hasLanguage(f.Language) {
		c.errf("the flow language %q is not one of the tenant's languages%s", f.Language, choices(sortedKeys(c.cat.Languages)))
	}
}

func (c *compiler) declareVars(p *Program) {
	for name, t := range SystemVariables {
		c.env[name] = zeroOf(t)
	}
	for _, name := range sortedKeys(c.f.Variables) {
		v := c.f.Variables[name]
		switch {
		case !identRe.MatchString(name):
			c.errf("variable name %q must start with a letter and use only letters, digits and _", name)
			continue
		case SystemVariables[name] != "":
			c.errf("variable %q is a system variable and cannot be declared", name)
			continue
		case v.Type != TypeString && v.Type != TypeNumber && v.Type != TypeBool:
			c.errf("variable %q has unknown type %q (use string, number or bool)", name, v.Type)
			continue
		}
		def := zeroOf(v.Type)
		if v.Default != nil {
			d, err := coerce(v.Default, v.Type)
			if err != nil {
				c.errf("variable %q: default %v", name, err)
				continue
			}
			def = d
		}
		c.vars[name] = v.Type
		c.env[name] = zeroOf(v.Type)
		p.defaults[name] = def
		if v.Secret {
			p.secret[name] = true
		}
	}
}

// compileNode decodes and checks one node's params.
func (c *compiler) compileNode(n *Node) *CompiledNode {
	c.node, c.cur = n.ID, n
	cn := &CompiledNode{ID: n.ID, Type: n.Type, Exits: n.Exits}
	kind, ok := nodeKinds[n.Type]
	if !ok {
		c.errf("unknown node type %q (known types: %s)", n.Type, strings.Join(knownTypes(), ", "))
		return cn
	}
	params := kind.newParams()
	raw := n.Params
	if len(raw) == 0 {
		raw = []byte("{}")
	}
	if err := DecodeStrict(raw, params); err != nil {
		c.errf("settings of a %s node: %v", n.Type, err)
		return cn
	}
	kind.compile(c, params)
	cn.Params = params
	return cn
}

// resolveExits checks that each node has the exits its type needs, no exit
// its type does not know, and that every exit leads to an existing node.
func (c *compiler) resolveExits(p *Program) {
	for _, cn := range p.Nodes {
		c.node = cn.ID
		kind, known := nodeKinds[cn.Type]
		cn.next = map[string]int{}
		if !known || cn.ID == "" {
			continue // already reported
		}
		for _, e := range kind.required(cn.Params) {
			if _, ok := cn.Exits[e]; !ok {
				c.errf("exit %q is not connected", e)
			}
		}
		for _, e := range sortedKeys(cn.Exits) {
			target := cn.Exits[e]
			if !kind.allows(cn.Params, e) {
				c.errf("a %s node has no exit %q", cn.Type, e)
				continue
			}
			i, ok := c.index[target]
			if !ok {
				c.errf("exit %q leads to node %q, which does not exist%s", e, target, DidYouMean(target, c.index))
				continue
			}
			cn.next[e] = i
		}
	}
}

func jsonMessage(err error) string {
	msg := strings.TrimPrefix(err.Error(), "json: ")
	if f, ok := strings.CutPrefix(msg, "unknown field "); ok {
		return "unknown setting " + f
	}
	var te *json.UnmarshalTypeError
	if ok := asType(err, &te); ok && te.Field != "" {
		return fmt.Sprintf("setting %q must be a %s", te.Field, jsonKind(te.Type.Kind().String()))
	}
	return msg
}

func jsonKind(k string) string {
	switch {
	case strings.HasPrefix(k, "int") || strings.HasPrefix(k, "float"):
		return "number"
	case k == "slice":
		return "list"
	case k == "map" || k == "struct" || k == "ptr":
		return "object"
	}
	return k
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
