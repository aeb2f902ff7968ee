package main

import (
	"context"
	"fmt"
	"maps"
	"net"
	"slices"
	"time"

	"github.com/switchboard-cc/switchboard/api"
	"github.com/switchboard-cc/switchboard/callconfig"
	"github.com/switchboard-cc/switchboard/orchestrator"
	"github.com/switchboard-cc/switchboard/orchestrator/calls"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch"
	"github.com/switchboard-cc/switchboard/store"
)

// startSwitches builds the FreeSWITCH adapter and the call path on it, also
// with no node configured yet (its outbound socket listener then waits for
// the first one), and keeps the adapter's nodes in step with the
// configuration: a node added, edited, disabled or deleted through the API is
// connected, reconnected or dropped within a reload or two, with no restart.
func (c *controller) startSwitches(ctx context.Context) error {
	// Each node is asked whether it can play the hold music when it
	// connects, so callers there get the fallback tone at once if not.
	opts := freeswitch.Options{ListenAddr: c.cfg.ESLListen, Logger: c.log.With("adapter", "freeswitch"), CheckMedia: holdMusic.Files}
	// Bind the outbound socket address now, so a call that arrives as soon as
	// start returns is queued until ServeCalls accepts it. If the address is
	// taken, ServeCalls tries again and logs why.
	if ln, err := net.Listen("tcp", c.cfg.ESLListen); err == nil {
		opts.Listener = ln
	}
	fs, err := freeswitch.New(opts)
	if err != nil {
		closeListener(opts.Listener)
		return fmt.Errorf("freeswitch adapter: %w", err)
	}
	c.fs = fs
	if err := c.reg.Register(fs.Collector()); err != nil {
		closeListener(opts.Listener)
		return fmt.Errorf("freeswitch metrics: %w", err)
	}
	c.api.UseNodes(fsNodeStates{fs: fs, c: c})
	snap := c.conf.Snapshot()
	if c.applyNodes(snap) == 0 {
		c.log.Info("no FreeSWITCH node configured yet: add one with POST /api/v1/nodes")
	}
	fs.Start()
	c.goBG(func() { c.watchSwitch(ctx, fs, snap) })
	if err := c.startCallPath(ctx, fs); err != nil {
		closeListener(opts.Listener) // ServeCalls will not run
		return err
	}
	return nil
}

func closeListener(ln net.Listener) {
	if ln != nil {
		ln.Close()
	}
}

// watchSwitch applies node events (registrations, node loss) and, on the
// reload cadence, the node list of each new configuration snapshot.
func (c *controller) watchSwitch(ctx context.Context, fs *freeswitch.Adapter, applied *callconfig.Snapshot) {
	every := c.cfg.ReloadEvery
	if every <= 0 {
		every = 2 * time.Second
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			// The snapshot is replaced only when the configuration changed.
			if s := c.conf.Snapshot(); s != applied {
				applied = s
				c.applyNodes(s)
			}
		case ev, ok := <-fs.NodeEvents():
			if !ok {
				return
			}
			c.onNodeEvent(ev)
		}
	}
}

func (c *controller) onNodeEvent(ev orchestrator.NodeEvent) {
	c.conf.ApplyNodeEvent(ev)
	c.readopt(ev)
	if ev.Kind == orchestrator.NodeDown {
		// Sessions release their own holds as their calls end;
		// this sweeps any a lost (or removed) node left behind.
		if holds := c.adm.ReleaseNode(ev.Node); len(holds) > 0 {
			c.log.Warn("released admission holds of a lost node", "node", ev.Node, "holds", len(holds))
		}
	}
	c.log.Info("node event", "node", ev.Node, "kind", int(ev.Kind), "user", ev.User, "reason", ev.Reason)
}

// applyNodes hands the snapshot's FreeSWITCH nodes to the adapter, logs what
// changed, and returns how many nodes are configured.
func (c *controller) applyNodes(s *callconfig.Snapshot) int {
	nodes := fsNodes(s)
	ch, err := c.fs.SetNodes(nodes)
	if err != nil {
		c.log.Error("FreeSWITCH node list refused; keeping the current nodes", "err", err)
		return len(nodes)
	}
	for _, n := range nodes {
		switch {
		case slices.Contains(ch.Added, n.Name):
			c.log.Info("FreeSWITCH node added: connecting", "node", n.Name, "addr", n.Addr)
		case slices.Contains(ch.Changed, n.Name):
			c.log.Info("FreeSWITCH node changed: reconnecting with its new settings", "node", n.Name, "addr", n.Addr)
		}
	}
	for _, name := range ch.Removed {
		c.log.Info("FreeSWITCH node removed or disabled: disconnecting", "node", name)
	}
	return len(nodes)
}

// fsNodes are the snapshot's enabled FreeSWITCH nodes (the snapshot leaves
// disabled ones out).
func fsNodes(s *callconfig.Snapshot) []freeswitch.Node {
	var nodes []freeswitch.Node
	for _, n := range s.Nodes {
		if n.Kind == store.NodeFreeSWITCH {
			nodes = append(nodes, freeswitch.Node{Name: n.Name, Addr: n.Address, Password: n.Secret})
		}
	}
	return nodes
}

// fsNodeStates lists the adapter's nodes for /readyz: up or down, what the
// adapter's checks learned of their hold music and gateways, and what the
// call path concluded (the tone instead of music, dial-outs refused).
type fsNodeStates struct {
	fs *freeswitch.Adapter
	c  *controller
}

func (n fsNodeStates) NodeStates() []api.NodeState {
	var out []api.NodeState
	for _, h := range n.fs.Nodes() {
		st := api.NodeState{Name: h.Node, Kind: string(store.NodeFreeSWITCH), Up: h.Up, Calls: h.Calls,
			HoldMusic: mediaState(h, holdMusic.Files).String()}
		if !h.Since.IsZero() {
			since := h.Since.UTC()
			st.Since = &since
		}
		if !h.LastEvent.IsZero() {
			last := h.LastEvent.UTC()
			st.LastEventAt = &last
		}
		if h.Gateways != nil {
			st.Gateways = []api.GatewayState{}
			for _, name := range slices.Sorted(maps.Keys(h.Gateways)) {
				st.Gateways = append(st.Gateways, api.GatewayState{Name: name, State: h.Gateways[name]})
			}
		}
		if svc := n.c.callService(); svc != nil {
			st.HoldMusicMissing, st.HoldMusicDetail = svc.HoldMusicMissing(h.Node)
			if gw := svc.OutsideGateway(); h.Gateway(gw) == orchestrator.Missing {
				st.GatewayMissing = gw
			}
		}
		if st.HoldMusicDetail == "" && len(holdMusic.Files) > 0 {
			st.HoldMusicDetail = h.MediaDetail[holdMusic.Files[0]]
		}
		out = append(out, st)
	}
	return out
}

// mediaState sums up sources on a node: missing if one is, available if
// all are, else unknown.
func mediaState(h orchestrator.NodeHealth, sources []string) orchestrator.Availability {
	all := len(sources) > 0
	for _, src := range sources {
		switch h.MediaState(src) {
		case orchestrator.Missing:
			return orchestrator.Missing
		case orchestrator.Unknown:
			all = false
		}
	}
	if all {
		return orchestrator.Available
	}
	return orchestrator.Unknown
}

// callService is the call path once started, else nil.
func (c *controller) callService() *calls.Service { return c.callSvc.Load() }
