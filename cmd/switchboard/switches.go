package main

import (
	"context"
	"fmt"

	"github.com/switchboard-cc/switchboard/orchestrator"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch"
	"github.com/switchboard-cc/switchboard/store"
)

// startSwitches connects to the configured FreeSWITCH nodes and accepts their
// calls. Nodes are read once at start: adding or changing a node takes a
// restart (logged when a reload sees a change).
func (c *controller) startSwitches(ctx context.Context) error {
	var nodes []freeswitch.Node
	for _, n := range c.conf.Snapshot().Nodes {
		if n.Kind == store.NodeFreeSWITCH {
			nodes = append(nodes, freeswitch.Node{Name: n.Name, Addr: n.Address, Password: n.Secret})
		}
	}
	if len(nodes) == 0 {
		c.log.Info("no FreeSWITCH node configured yet: add one with POST /api/v1/nodes and restart")
		return nil
	}
	fs, err := freeswitch.New(freeswitch.Options{Nodes: nodes, ListenAddr: c.cfg.ESLListen, Logger: c.log.With("adapter", "freeswitch")})
	if err != nil {
		return fmt.Errorf("freeswitch adapter: %w", err)
	}
	c.fs = fs
	fs.Start()
	c.goBG(func() {
		for {
			select {
			case <-ctx.Done():
				return
			case ev, ok := <-fs.NodeEvents():
				if !ok {
					return
				}
				c.conf.ApplyNodeEvent(ev)
				if ev.Kind == orchestrator.NodeDown {
					// Sessions release their own holds as their calls end;
					// this sweeps any a lost node left behind.
					if holds := c.adm.ReleaseNode(ev.Node); len(holds) > 0 {
						c.log.Warn("released admission holds of a lost node", "node", ev.Node, "holds", len(holds))
					}
				}
				c.log.Info("node event", "node", ev.Node, "kind", int(ev.Kind), "user", ev.User, "reason", ev.Reason)
			}
		}
	})
	return c.startCallPath(ctx, fs)
}
