package freeswitch

import (
	"context"
	"errors"
	"fmt"

	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/socketauth"
)

// The node set changes while the adapter runs: the operator adds, edits and
// removes nodes through the API, and the controller hands each new list to
// SetNodes. A node's settings are fixed for the life of its runNode, so a
// change is a stop of the old node followed by a start of a new one.

// ErrAdapterClosed is returned by SetNodes after Close.
var ErrAdapterClosed = errors.New("freeswitch: adapter closed")

// Causes of a node's stop, reported as NodeDown's Reason.
var (
	errNodeRemoved = errors.New("node removed from the configuration")
	errNodeChanged = errors.New("node settings changed; reconnecting")
)

// nodeSet is the adapter's nodes at one moment. It is never modified once
// published, so readers use it without a lock.
type nodeSet struct {
	byName map[string]*node
	order  []*node // as configured; the first is the default for sockets that name no node
}

func (s *nodeSet) add(n *node) {
	s.byName[n.cfg.Name] = n
	s.order = append(s.order, n)
}

// NodeChanges says, by node name, what SetNodes did.
type NodeChanges struct {
	Added, Changed, Removed []string
}

// SetNodes makes nodes the adapter's node set: a new node is connected, a
// node whose settings changed is disconnected and connected again with the
// new ones, and a node no longer listed is disconnected. A node that was up
// reports NodeDown when it is stopped, as on connection loss; calls followed
// over a removed node's connection end (EventEnded), since no reconnect will
// resynchronise them; calls with their own outbound socket keep it. Nodes
// listed unchanged are left alone. The whole list is validated first: on
// error nothing changes. Before Start the list is only recorded.
//
// SetNodes returns once every stopped node's goroutine has returned, so a
// changed node's NodeDown always comes before its next NodeUp.
func (a *Adapter) SetNodes(nodes []Node) (NodeChanges, error) {
	if err := validateNodes(nodes); err != nil {
		return NodeChanges{}, err
	}
	a.nodesMu.Lock()
	defer a.nodesMu.Unlock()
	if a.closed {
		return NodeChanges{}, ErrAdapterClosed
	}
	old := a.nodes.Load()
	ch := diffNodes(old, nodes)
	for _, name := range ch.Changed {
		a.stopNode(old.byName[name], errNodeChanged)
	}
	for _, name := range ch.Removed {
		a.stopNode(old.byName[name], errNodeRemoved)
	}
	next := &nodeSet{byName: map[string]*node{}}
	var fresh []*node
	for _, cfg := range nodes {
		n := old.byName[cfg.Name]
		if n == nil || n.cfg != cfg {
			n = a.newNode(cfg)
			fresh = append(fresh, n)
		}
		next.add(n)
	}
	a.nodes.Store(next)
	for _, name := range ch.Removed {
		a.endNodeCalls(name)
	}
	if a.started {
		for _, n := range fresh {
			a.startNode(n)
		}
	}
	return ch, nil
}

// diffNodes names the nodes of list that old lacks, those whose settings
// differ from old's, and those of old that list leaves out.
func diffNodes(old *nodeSet, list []Node) NodeChanges {
	var ch NodeChanges
	listed := map[string]bool{}
	for _, cfg := range list {
		listed[cfg.Name] = true
		switch prev := old.byName[cfg.Name]; {
		case prev == nil:
			ch.Added = append(ch.Added, cfg.Name)
		case prev.cfg != cfg:
			ch.Changed = append(ch.Changed, cfg.Name)
		}
	}
	for _, n := range old.order {
		if !listed[n.cfg.Name] {
			ch.Removed = append(ch.Removed, n.cfg.Name)
		}
	}
	return ch
}

func (a *Adapter) newNode(cfg Node) *node {
	n := &node{cfg: cfg, peers: a.nodePeers(cfg), token: socketauth.Token(cfg.Name, cfg.Password), since: a.clock.Now()}
	n.ctx, n.stop = context.WithCancelCause(a.ctx)
	return n
}

// startNode runs n's connection loop; nodesMu is held.
func (a *Adapter) startNode(n *node) {
	n.done = make(chan struct{})
	a.goRun(func() {
		defer close(n.done)
		a.runNode(n)
	})
}

// stopNode stops n's connection loop with cause and waits for it (its
// NodeDown, if it was up, is emitted by then); nodesMu is held.
func (a *Adapter) stopNode(n *node, cause error) {
	n.stop(cause)
	if n.done != nil {
		<-n.done
	}
}

// endNodeCalls ends the calls of a removed node that have no socket of their
// own: their events came over the node's connection, which is gone for good.
func (a *Adapter) endNodeCalls(name string) {
	var orphans []*call
	a.mu.Lock()
	for k, c := range a.calls {
		if k.Node == name && c.socket == nil {
			orphans = append(orphans, c)
		}
	}
	a.mu.Unlock()
	for _, c := range orphans {
		a.log.Warn("freeswitch: call ends with its node's removal", "call", c.key.String())
		a.end(c, "")
	}
}

// stopCause is why n stopped, if SetNodes stopped it (nil otherwise).
func stopCause(n *node) error {
	if err := context.Cause(n.ctx); errors.Is(err, errNodeRemoved) || errors.Is(err, errNodeChanged) {
		return err
	}
	return nil
}

// validateNodes checks names and addresses; the list may be empty.
func validateNodes(nodes []Node) error {
	seen := map[string]bool{}
	for i, n := range nodes {
		if n.Name == "" || n.Addr == "" {
			return fmt.Errorf("%w: node %d needs a name and an address", ErrConfig, i)
		}
		if seen[n.Name] {
			return fmt.Errorf("%w: node name %q used twice", ErrConfig, n.Name)
		}
		seen[n.Name] = true
	}
	return nil
}
