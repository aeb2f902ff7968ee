package freeswitch

import (
	"context"

	"github.com/switchboard-cc/switchboard/orchestrator"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/socketauth"
)

// Adopt starts tracking a call that already exists on its node but that the
// adapter does not track: one listed in NodeUp.Calls after a reconnect or a
// controller restart, or a bridge peer. Its events come from the node's
// inbound connection from now on; the returned stream ends with EventEnded.
// The call's existence is checked after interest is registered, so an event
// between the two is not lost, with a uuid_setvar that unsets the socket
// token: a call once handed to a socket (now gone: a controller restart, a
// failed connect) still carries it, and the node connection's filter
// (nodeFilters) would keep its events away.
func (a *Adapter) Adopt(ctx context.Context, key orchestrator.Key) (<-chan orchestrator.Event, error) {
	if err := checkArg("call ID", key.ID, " \t"); err != nil {
		return nil, err
	}
	conn, err := a.nodeConn(key.Node)
	if err != nil {
		return nil, err
	}
	c, err := a.track(key, nil)
	if err != nil {
		return nil, err
	}
	ctx, cancel := a.bound(ctx)
	defer cancel()
	if _, err := conn.API(ctx, "uuid_setvar "+key.ID+" "+socketauth.Var); err != nil {
		a.end(c, "")
		return nil, a.mapErr(nil, err)
	}
	// The switch has it (uuid_setvar found the channel): a resync that no
	// longer lists it ends it, as a call whose events were seen.
	c.mu.Lock()
	c.seen = true
	c.mu.Unlock()
	return c.q.out, nil
}

// NodeVar reads a channel variable of any channel of a node, tracked or not
// (uuid_getvar over the node's connection): what the controller left on a
// call it handed over before a restart. An unset variable reads as "";
// a channel that is gone is ErrNoSuchCall.
func (a *Adapter) NodeVar(ctx context.Context, key orchestrator.Key, name string) (string, error) {
	if err := checkArg("call ID", key.ID, " \t"); err != nil {
		return "", err
	}
	if err := checkArg("variable name", name, " \t="); err != nil {
		return "", err
	}
	conn, err := a.nodeConn(key.Node)
	if err != nil {
		return "", err
	}
	ctx, cancel := a.bound(ctx)
	defer cancel()
	out, err := conn.API(ctx, "uuid_getvar "+key.ID+" "+name)
	if err != nil {
		return "", a.mapErr(nil, err)
	}
	if out == "_undef_" {
		out = ""
	}
	return out, nil
}

// Detach lets go of a tracked call without ending it: when its session ends
// the adapter closes its outbound socket (exit) but does not hang it up, and
// the switch keeps it (a controller's graceful stop hands calls over:
// calls.Service.HandOver). FreeSWITCH then runs the application the socket
// application runs inside it (a bridge) to its end, and the extension's
// next action after it (mod_event_socket.c: socket_function parks the
// channel with switch_ivr_park, which loops while CF_CONTROLLED is set, and
// listener_run clears CF_CONTROLLED when the socket ends).
func (a *Adapter) Detach(key orchestrator.Key) error {
	c, err := a.lookup(key)
	if err != nil {
		return err
	}
	c.letGo.Store(true)
	return nil
}

// Park takes a call out of whatever it runs, its outbound socket's
// application included, into a plain park on its node (uuid_transfer to
// the inline dialplan "park"), where a controller drives it over the
// node's connection: a waiting caller handed over at a controller's stop,
// and taken back at the next start. A transfer sets CF_TRANSFER, which ends
// the socket application's park without the extension going on
// (switch_core_standard_on_execute runs the next action only while the
// state is still CS_EXECUTE), so its fallback never runs; the park outlives
// the socket's end (seen on 1.10.12: TestHandOverRealFreeSWITCH, the caller
// still parked 4 s after its socket closed).
func (a *Adapter) Park(ctx context.Context, key orchestrator.Key) error {
	return a.transferInline(ctx, key, "park")
}

func (a *Adapter) transferInline(ctx context.Context, key orchestrator.Key, apps string) error {
	if err := checkArg("call ID", key.ID, " \t"); err != nil {
		return err
	}
	conn, err := a.nodeConn(key.Node)
	if err != nil {
		return err
	}
	ctx, cancel := a.bound(ctx)
	defer cancel()
	_, err = conn.API(ctx, "uuid_transfer "+key.ID+" "+apps+" inline")
	return a.mapErr(nil, err)
}
