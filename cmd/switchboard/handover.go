package main

import (
	"context"
	"time"

	"github.com/switchboard-cc/switchboard/acd"
	"github.com/switchboard-cc/switchboard/orchestrator"
)

// A restart loses no call (issue 13): at a stop the controller hands its
// connected calls over to the switch before anything else closes, and on
// start, and on every node reconnect, it takes back what it handed over
// (calls.Service.HandOver, Readopt).
//
// The grace period (-shutdown-timeout) is the HTTP server's only: at SIGTERM
// the call path stops at once. Connected calls are handed over (left up on
// the switch, their records open), the outbound socket listener closes, so
// a new call's `socket` fails and the node's dialplan goes on to its
// fallback as when the controller is down, and calls not yet connected to
// an agent end with their records (node_lost); then HTTP requests drain
// within the grace period.

// handOverTimeout bounds the handover's commands to the switch at a stop.
const handOverTimeout = 5 * time.Second

// handOver hands connected calls over and stops the call path; once, at
// the signal or at Close, whichever comes first, while the switch adapter
// is still connected.
func (c *controller) handOver() {
	c.handOnce.Do(func() {
		if c.call != nil {
			ctx, cancel := context.WithTimeout(context.Background(), handOverTimeout)
			n := c.call.HandOver(ctx)
			cancel()
			c.log.Info("stopping: connected calls handed over to the switch", "calls", n)
		}
		if c.stopCalls != nil {
			c.stopCalls()
		}
	})
}

// readopt takes back the calls a node that came up has from an earlier run
// (or from before the connection was lost), once the tenants' ACDs run;
// once every configured node has been through it after a start, the ACDs'
// work restored from their snapshots that no call carries any more is
// finished (reconcile).
func (c *controller) readopt(ev orchestrator.NodeEvent) {
	if ev.Kind != orchestrator.NodeUp || c.callsCtx == nil {
		return
	}
	c.goBG(func() {
		select {
		case <-c.callsReady:
		case <-c.callsCtx.Done():
			return
		}
		svc := c.callService()
		if svc == nil {
			return
		}
		c.adoptMu.Lock()
		defer c.adoptMu.Unlock()
		if n := svc.Readopt(c.callsCtx, ev.Calls); n > 0 {
			c.log.Info("calls taken back from the switch", "node", ev.Node, "calls", n)
		}
		if c.readopted == nil {
			c.readopted = map[string]bool{}
		}
		c.readopted[ev.Node] = true
		if c.reconciled {
			return
		}
		for _, n := range fsNodes(c.conf.Snapshot()) {
			if !c.readopted[n.Name] {
				return
			}
		}
		c.reconciled = true
		c.reconcile(svc)
	})
}

// reconcile finishes the work agents were restored busy with (the ACDs'
// snapshots keep a handed-over call's work) whose call is no longer on any
// node: it ended while no controller ran. Its agent goes on to after-call
// work instead of staying busy; its records are not written (the switch
// alone saw its end).
func (c *controller) reconcile(svc interface{ Running(string) bool }) {
	ctx, cancel := context.WithTimeout(c.callsCtx, handOverTimeout)
	defer cancel()
	for _, o := range c.acds.all() {
		work, err := o.Handling(ctx)
		if err != nil {
			c.log.Warn("ACD work not checked after the start", "tenant", o.Tenant(), "err", err)
			continue
		}
		for _, w := range work {
			if w.Medium != acd.Voice || w.Outbound || svc.Running(w.Interaction) {
				continue
			}
			c.log.Warn("call ended while no controller ran: its agent's work finished, its records are lost",
				"tenant", o.Tenant(), "call", w.Interaction, "agent", w.Agent, "answered", w.Accepted)
			if err := o.Finish(ctx, w.Interaction); err != nil {
				c.log.Warn("ACD finish failed", "tenant", o.Tenant(), "call", w.Interaction, "err", err)
			}
		}
	}
}
