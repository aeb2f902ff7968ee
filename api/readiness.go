package api

import (
	"fmt"
	"sync"
)

// NodeState is one configured media node in the /readyz body.
type NodeState struct {
	Name string `json:"name"`
	Kind string `json:"kind"` // "freeswitch"
	// Up: the controller holds its event connection, so the node's calls
	// are driven. A down node is retried in the background.
	Up bool `json:"up"`
	// HoldMusicMissing: the configured hold music failed to play on this
	// node (none installed), so waiting and held callers hear a tone.
	HoldMusicMissing bool `json:"hold_music_missing,omitempty"`
}

// NodeStates reports every enabled node and whether it is up
// (cmd/switchboard asks the switch adapters).
type NodeStates interface {
	NodeStates() []NodeState
}

var nodesByServer sync.Map // *Server -> NodeStates

// UseNodes puts the nodes' states in /readyz; until then it lists none.
func (s *Server) UseNodes(n NodeStates) { nodesByServer.Store(s, n) }

// addNodes lists the nodes in out and warns of each one down, and when
// there is none to take calls. A node down does not make the controller
// unready: it still serves the API, xml_curl and the nodes that are up, and
// taking it out of a load balancer would not bring the node back.
func (s *Server) addNodes(out *Readiness) {
	v, ok := nodesByServer.Load(s)
	if !ok {
		return
	}
	out.Nodes = append([]NodeState{}, v.(NodeStates).NodeStates()...)
	up := 0
	for _, n := range out.Nodes {
		if n.HoldMusicMissing {
			out.Warnings = append(out.Warnings, fmt.Sprintf("node %q (%s) has no playable hold music: waiting and held callers hear a tone (install the music, docs/freeswitch-setup.md)", n.Name, n.Kind))
		}
		if n.Up {
			up++
			continue
		}
		out.Warnings = append(out.Warnings, fmt.Sprintf("node %q (%s) is down: its calls are not taken until it reconnects", n.Name, n.Kind))
	}
	out.NodesUp = &up
	switch {
	case len(out.Nodes) == 0:
		out.Warnings = append(out.Warnings, "no media node configured: no call can be taken (add one with POST /api/v1/nodes)")
	case up == 0:
		out.Warnings = append(out.Warnings, "no media node is up: no call can be taken")
	}
}
