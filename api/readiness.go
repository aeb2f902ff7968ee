package api

import (
	"fmt"
	"sync"
	"time"
)

// NodeState is one configured media node in the /readyz body.
type NodeState struct {
	Name string `json:"name"`
	Kind string `json:"kind"` // "freeswitch"
	// Up: the controller holds its event connection, so the node's calls
	// are driven. A down node is retried in the background.
	Up bool `json:"up"`
	// Since is when Up last changed (for a node never reached, when the
	// controller began trying it).
	Since *time.Time `json:"since,omitempty"`
	// Calls are the node's calls the controller tracks now.
	Calls int `json:"calls"`
	// LastEventAt is when the controller last read an event from the node
	// (FreeSWITCH sends a heartbeat every 20 s); absent before the first.
	LastEventAt *time.Time `json:"last_event_at,omitempty"`
	// HoldMusic is what the node answered when asked, at connect and every
	// 30 s after, whether it can play the hold music: "available",
	// "missing" or "unknown" (not asked yet, or a source that cannot be
	// checked, such as a file).
	HoldMusic string `json:"hold_music,omitempty"`
	// HoldMusicMissing: waiting and held callers on this node hear a tone
	// instead of the hold music, because the node answered that it lacks
	// it or because it failed to play there; HoldMusicDetail says which.
	HoldMusicMissing bool   `json:"hold_music_missing,omitempty"`
	HoldMusicDetail  string `json:"hold_music_detail,omitempty"`
	// Gateways are the node's SIP gateways with their registration state,
	// as the node last listed them; null while not known.
	Gateways []GatewayState `json:"gateways"`
	// GatewayMissing names the gateway calls to outside numbers go through
	// when the node is known to lack it: agents' dial-outs placed there are
	// refused (409 gateway_missing) before their phone rings.
	GatewayMissing string `json:"gateway_missing,omitempty"`
}

// GatewayState is one SIP gateway of a node.
type GatewayState struct {
	Name string `json:"name"`
	// State is as the switch says it (REGED, NOREG, FAIL_WAIT...), or
	// ADDED for a gateway the node just reported added, until its state is
	// read.
	State string `json:"state"`
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
		if n.GatewayMissing != "" {
			out.Warnings = append(out.Warnings, fmt.Sprintf("node %q (%s) has no gateway %q: agents' calls to outside numbers there are refused (add the gateway, docs/freeswitch-setup.md)", n.Name, n.Kind, n.GatewayMissing))
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
