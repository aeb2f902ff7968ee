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
	return c.q.out, nil
}
