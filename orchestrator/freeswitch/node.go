package freeswitch

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/percipia/eslgo/command"

	"github.com/switchboard-cc/switchboard/orchestrator"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/esl"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/eslconn"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/socketauth"
)

// subscribed are the events the controller needs from every node.
var subscribed = []string{
	"CHANNEL_PROGRESS", "CHANNEL_PROGRESS_MEDIA", "CHANNEL_ANSWER",
	"CHANNEL_BRIDGE", "CHANNEL_UNBRIDGE", "CHANNEL_HOLD", "CHANNEL_UNHOLD",
	"CHANNEL_EXECUTE", "CHANNEL_EXECUTE_COMPLETE", "CHANNEL_STATE",
	"CHANNEL_HANGUP", "CHANNEL_HANGUP_COMPLETE", "CHANNEL_DESTROY",
	"DTMF", "PLAYBACK_START", "PLAYBACK_STOP", "RECORD_START", "RECORD_STOP",
	"BACKGROUND_JOB", "HEARTBEAT",
	"CUSTOM", "sofia::register", "sofia::unregister", "sofia::expire",
	"sofia::gateway_state", "sofia::gateway_add", "sofia::gateway_delete", "conference::maintenance",
}

// nodeFilters are the `filter` commands that keep from the node connection
// what the controller would read only to drop (mod_event_socket sends an
// event when a positive filter matches and no negative one does):
//   - positive: the name of every subscribed event but CHANNEL_STATE, and
//     CHANNEL_STATE only in CS_ROUTING, the one state the controller waits
//     for (BlindTransfer);
//   - negative: the node's socket token as a channel variable. The dialplan
//     sets it right before `socket` (socketauth), so it marks the calls whose
//     events their own outbound socket delivers; those events would be
//     dropped here (routeNodeEvent).
//
// Only events that carry channel variables can be told apart that way:
// CHANNEL_STATE (in CS_ROUTING) and DTMF of socket calls still come, and are
// dropped here; conference::maintenance (no variables either) still comes
// and is used, the socket not subscribing it. Equality filters only: FreeSWITCH compiles a /regex/ filter
// anew for every event it tries it on. The filters go on the node connection
// only: every listener's filters run on every event, before the myevents
// test, so filters on each call's socket would cost the switch per event
// times calls.
func nodeFilters(token string) []command.Command {
	var cmds []command.Command
	for _, name := range subscribed {
		if name != "CHANNEL_STATE" && !strings.Contains(name, "::") {
			cmds = append(cmds, command.Filter{EventHeader: "Event-Name", FilterValue: name})
		}
	}
	return append(cmds,
		command.Filter{EventHeader: "Channel-State", FilterValue: "CS_ROUTING"},
		command.Filter{EventHeader: "variable_" + socketauth.Var, FilterValue: "-" + token})
}

// runNode keeps one inbound connection to n up until n stops (the adapter
// closes, or SetNodes removes or replaces n): dial, subscribe, resynchronise,
// check its health (health.go), report NodeUp; on loss report NodeDown and
// retry with doubling backoff.
func (a *Adapter) runNode(n *node) {
	backoff, everUp := a.opts.BackoffMin, false
	for {
		conn, calls, err := a.connectNode(n)
		if err == nil {
			if everUp {
				a.st.reconnects.Add(1)
			}
			everUp, backoff = true, a.opts.BackoffMin
			states := map[string]string{}
			changes := a.checkNode(n, conn, states)
			a.emitNode(orchestrator.NodeEvent{Kind: orchestrator.NodeUp, Node: n.cfg.Name, Calls: calls})
			a.emitNodes(changes)
			a.announceRegistrations(n.cfg.Name, conn)
			err = a.holdNode(n, conn, states)
			a.emitNode(orchestrator.NodeEvent{Kind: orchestrator.NodeDown, Node: n.cfg.Name, Reason: errText(err)})
		} else {
			a.log.Warn("freeswitch: node connect failed", "node", n.cfg.Name, "addr", n.cfg.Addr, "err", err, "retry_in", backoff)
		}
		select {
		case <-n.ctx.Done():
			return
		case <-a.clock.After(backoff):
		}
		backoff = min(backoff*2, a.opts.BackoffMax)
	}
}

// holdNode keeps watch on a node until its connection ends or the node
// stops: it checks the node's health every HealthInterval (wall time) and
// reports profile and gateway state changes. states are the states reported
// so far.
func (a *Adapter) holdNode(n *node, conn *eslconn.Conn, states map[string]string) error {
	tick := time.NewTicker(a.opts.HealthInterval)
	defer tick.Stop()
	for done := false; !done; {
		select {
		case <-conn.Done():
			done = true
		case <-n.ctx.Done():
			conn.Close()
			done = true
		case <-tick.C:
			a.emitNodes(a.checkNode(n, conn, states))
		}
	}
	n.mu.Lock()
	n.conn, n.since = nil, a.clock.Now()
	n.mu.Unlock()
	err := conn.Err()
	if cause := stopCause(n); cause != nil {
		err = cause
	}
	a.log.Warn("freeswitch: node down", "node", n.cfg.Name, "err", err)
	return err
}

func (a *Adapter) connectNode(n *node) (*eslconn.Conn, []orchestrator.Key, error) {
	ctx, cancel := context.WithTimeout(n.ctx, a.opts.CommandTimeout)
	defer cancel()
	conn, err := eslconn.Dial(ctx, n.cfg.Addr, n.cfg.Password, a.instrument(eslconn.Options{
		ReplyTimeout: a.opts.CommandTimeout,
		Logger:       a.log.With("node", n.cfg.Name),
		OnEvent:      func(ev *esl.Event) { a.onNodeEvent(n, ev) },
		Events:       eventHeaders,
	}))
	if err != nil {
		return nil, nil, err
	}
	if err := subscribe(ctx, conn, n, a.log); err != nil {
		conn.Close()
		return nil, nil, err
	}
	calls, err := a.resync(ctx, n.cfg.Name, conn)
	if err != nil {
		conn.Close()
		return nil, nil, err
	}
	n.mu.Lock()
	n.conn, n.since = conn, a.clock.Now()
	n.mu.Unlock()
	a.log.Info("freeswitch: node up", "node", n.cfg.Name, "calls", len(calls))
	return conn, calls, nil
}

// subscribe sets the node connection's filters (in one write), then
// subscribes: filters first, so no event of the subscription reaches the
// connection unfiltered. A node that refuses a filter has them all deleted
// and sends every subscribed event (routeNodeEvent still drops what the
// sockets deliver).
func subscribe(ctx context.Context, conn *eslconn.Conn, n *node, log *slog.Logger) error {
	_, errs := conn.RunAll(ctx, nodeFilters(n.token)...)
	for _, err := range errs {
		var refused *eslconn.ReplyError
		if err != nil && !errors.As(err, &refused) {
			return err
		}
		if err != nil {
			log.Warn("freeswitch: node refused an event filter; it sends every subscribed event", "node", n.cfg.Name, "err", err)
			if _, err := conn.Run(ctx, command.Filter{Delete: true, EventHeader: "all"}); err != nil && !errors.As(err, &refused) {
				return err
			}
			break
		}
	}
	_, err := conn.Run(ctx, command.Event{Format: "json", Listen: subscribed})
	return err
}

// resync asks the node which calls it still has (subscribed first, so no
// event falls between the list and the stream), ends tracked calls of this
// node that are gone, and returns the node's calls for NodeUp. Only a call
// tracked before the list was asked for, and seen on the switch (an event),
// can be gone: a leg tracked before it exists (a socket call's bridge
// application dials it under the controller's ID, at the caller's next
// media frame) may not exist yet when the node answers, even if the node's
// connection came back after it was tracked; its originator waits for its
// outcome on the caller's socket, and its events come on the subscribed
// stream.
func (a *Adapter) resync(ctx context.Context, nodeName string, conn *eslconn.Conn) ([]orchestrator.Key, error) {
	a.mu.Lock()
	listed := a.trackSeq
	a.mu.Unlock()
	out, err := conn.API(ctx, "show channels as json")
	if err != nil {
		return nil, err
	}
	rows, err := ParseChannels(out)
	if err != nil {
		return nil, err
	}
	live := map[string]bool{}
	keys := make([]orchestrator.Key, 0, len(rows))
	for _, r := range rows {
		live[r.UUID] = true
		keys = append(keys, orchestrator.Key{Node: nodeName, ID: r.UUID})
	}
	var gone []*call
	a.mu.Lock()
	for k, c := range a.calls {
		if k.Node == nodeName && c.socket == nil && !live[k.ID] && c.tracked <= listed {
			gone = append(gone, c)
		}
	}
	a.mu.Unlock()
	for _, c := range gone {
		if !c.wasSeen() {
			continue
		}
		a.log.Warn("freeswitch: call vanished while the node was unreachable", "call", c.key.String())
		a.end(c, "")
	}
	return keys, nil
}

// onNodeEvent runs on a node connection's reader: node-level events become
// NodeEvents, channel events go to their call.
func (a *Adapter) onNodeEvent(n *node, ev *esl.Event) {
	nodeName := n.cfg.Name
	n.lastEvent.Store(a.clock.Now().UnixNano())
	switch ev.Name() {
	case "HEARTBEAT":
		a.emitNode(orchestrator.NodeEvent{Kind: orchestrator.NodeHeartbeat, Node: nodeName})
		return
	case "CUSTOM":
		if a.onCustom(n, ev) {
			return
		}
	}
	a.routeNodeEvent(nodeName, ev)
}

func (a *Adapter) onCustom(n *node, ev *esl.Event) bool {
	nodeName := n.cfg.Name
	reg := orchestrator.NodeEvent{Node: nodeName, User: strings.Clone(ev.Get("username")),
		Domain: strings.Clone(ev.Get("realm")), Contact: strings.Clone(ev.Get("contact"))}
	switch ev.Subclass() {
	case "sofia::register":
		reg.Kind = orchestrator.NodeRegistered
	case "sofia::unregister":
		reg.Kind, reg.Reason = orchestrator.NodeUnregistered, "unregister"
	case "sofia::expire":
		reg.Kind, reg.Reason = orchestrator.NodeUnregistered, "expire"
	case "sofia::gateway_state":
		a.log.Info("freeswitch: gateway state", "node", nodeName, "gateway", ev.Get("Gateway"), "state", ev.Get("State"))
		n.gatewayEvent(ev.Subclass(), ev.Get("Gateway"), ev.Get("State"))
		a.emitNode(orchestrator.NodeEvent{Kind: orchestrator.NodeGatewayState, Node: nodeName,
			Gateway: strings.Clone(ev.Get("Gateway")), State: strings.Clone(ev.Get("State")), Reason: "gateway"})
		return true
	case "sofia::gateway_add", "sofia::gateway_delete":
		a.log.Info("freeswitch: "+ev.Subclass()[len("sofia::"):], "node", nodeName, "gateway", ev.Get("Gateway"), "profile", ev.Get("profile-name"))
		n.gatewayEvent(ev.Subclass(), ev.Get("Gateway"), "")
		return true
	default:
		return false
	}
	a.emitNode(reg)
	return true
}

// nodeConn returns the node's inbound connection or ErrNodeDown.
func (a *Adapter) nodeConn(name string) (*eslconn.Conn, error) {
	n := a.nodes.Load().byName[name]
	if n == nil {
		return nil, errors.New("freeswitch: unknown node " + name)
	}
	if c := n.current(); c != nil {
		return c, nil
	}
	return nil, errorf(orchestrator.ErrNodeDown, "node %s", name)
}

// stopContext is a context cancelled when the adapter stops or after d.
func (a *Adapter) stopContext(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(a.ctx, d)
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return strings.TrimPrefix(err.Error(), "eslconn: ")
}
