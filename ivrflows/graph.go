package ivrflows

import (
	"errors"
	"strings"
)

func asType[T error](err error, target *T) bool { return errors.As(err, target) }

// waitsForCaller says whether a node type takes caller input (or hands the
// call to someone else), which breaks a loop: a loop through such a node
// advances only as fast as the caller, a loop without one spins.
var waitsForCaller = map[NodeType]bool{
	NodeCollect: true, NodeMenu: true, NodeSurvey: true, NodeRecord: true,
	NodeVoicemail: true, NodeQueue: true,
}

func (c *compiler) checkGraph(p *Program) {
	for _, n := range p.Nodes {
		if n.Type == NodeSurvey && !c.queue {
			c.node = n.ID
			c.errf("a survey rates an agent, but the flow never hands the call to a queue")
		}
	}
	seen := make([]bool, len(p.Nodes))
	stack := []int{p.start}
	seen[p.start] = true
	for len(stack) > 0 {
		i := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, j := range p.Nodes[i].next {
			if !seen[j] {
				seen[j] = true
				stack = append(stack, j)
			}
		}
	}
	for i, ok := range seen {
		if !ok {
			c.node = p.Nodes[i].ID
			c.errf("no path from the start node reaches this node")
		}
	}
	c.node = ""
	for _, cycle := range spinningLoops(p) {
		c.node = cycle[0]
		c.errf("the loop %s never waits for the caller and could repeat forever; add a menu or collect node to it", strings.Join(cycle, " -> "))
	}
	c.node = ""
}

// spinningLoops finds loops made only of nodes that do not wait for the
// caller, one per strongly connected group (Tarjan), each as node IDs.
func spinningLoops(p *Program) [][]string {
	n := len(p.Nodes)
	index, low := make([]int, n), make([]int, n)
	onStack := make([]bool, n)
	for i := range index {
		index[i] = -1
	}
	var stack []int
	var loops [][]string
	counter := 0
	var visit func(v int)
	visit = func(v int) {
		index[v], low[v] = counter, counter
		counter++
		stack = append(stack, v)
		onStack[v] = true
		for _, w := range p.spinEdges(v) {
			if index[w] < 0 {
				visit(w)
				low[v] = min(low[v], low[w])
			} else if onStack[w] {
				low[v] = min(low[v], index[w])
			}
		}
		if low[v] != index[v] {
			return
		}
		var group []int
		for {
			w := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			onStack[w] = false
			group = append(group, w)
			if w == v {
				break
			}
		}
		if len(group) > 1 || selfLoop(p, v) {
			loops = append(loops, loopIDs(p, group))
		}
	}
	for v := range n {
		if index[v] < 0 && !waitsForCaller[p.Nodes[v].Type] {
			visit(v)
		}
	}
	return loops
}

func (p *Program) spinEdges(v int) []int {
	var out []int
	for _, e := range sortedKeys(p.Nodes[v].next) {
		w := p.Nodes[v].next[e]
		if !waitsForCaller[p.Nodes[w].Type] {
			out = append(out, w)
		}
	}
	return out
}

func selfLoop(p *Program, v int) bool {
	for _, w := range p.Nodes[v].next {
		if w == v {
			return true
		}
	}
	return false
}

func loopIDs(p *Program, group []int) []string {
	ids := make([]string, 0, len(group)+1)
	for i := len(group) - 1; i >= 0; i-- {
		ids = append(ids, p.Nodes[group[i]].ID)
	}
	return append(ids, ids[0])
}
