// Package freeswitch is the FreeSWITCH adapter: Event Socket (inbound to each
// node, outbound `socket` per call) implementing the orchestrator Switch
// port, InboundAcceptor and NodeWatcher, and the mod_xml_curl HTTP handlers
// (dialplan, directory, in xmlcurl/).
//
// Layers, imported one way:
//
//	esl/       wire codec: frames, reader/writer, URL escaping, event bodies
//	eslconn/   one connection: FIFO-correlated replies, Job-UUID bgapi,
//	           one in-order reader that never blocks
//	.          the adapter: node loops (dial, filter, subscribe, resync, backoff,
//	           health), outbound sockets, per-call queues, the Switch verbs
//
// Construction (also in tests, e.g. against fssim):
//
//	a, err := freeswitch.New(freeswitch.Options{
//		Nodes:    []freeswitch.Node{{Name: "fs1", Addr: "127.0.0.1:8021", Password: "ClueCon"}},
//		Listener: ln, // or ListenAddr: "127.0.0.1:8084" for `socket` connections
//		Logger:   logger, Clock: clock, // optional
//	})
//	a.Start()       // connects to every node, keeps reconnecting
//	a.SetNodes(nodes) // any time: connects, reconnects or drops nodes to match
//	defer a.Close() // stops every goroutine it started
//	go a.ServeCalls(ctx, handler) // optional: outbound sockets
//
// Wait for orchestrator.NodeUp on NodeEvents() before driving calls of a node.
//
// Rules the adapter keeps (see orchestrator/port.go): controller-chosen IDs
// and interest registered before acting; a verb returns only when an event
// confirms it (e.g. CHANNEL_HOLD, not uuid_hold's +OK, which FreeSWITCH gives
// for unknown calls too); each call's events in order, never dropped: per-call
// queues are unbounded and measured (Stats, a log line past Options.HighWater)
// so the ESL reader never stops reading.
//
// Outbound sockets are accepted only from a configured node's address and
// with its socket token (socketauth.go, socketauth/); every ESL connection
// caps frame and header sizes (esl.MaxBodyBytes).
//
// Connections decode only the event headers listed in eventHeaders, the
// bulk of an event's cost otherwise; code that reads another header of a
// received event fails the package's tests (TestMain).
//
// A call's events come from one source: its outbound socket (myevents and
// the few events myevents leaves out, socketMisses) if it has one, else the
// node's inbound connection; conference::maintenance comes from the node for
// every call. The node connection is filtered (nodeFilters) so that
// FreeSWITCH does not send it most of what the sockets deliver.
// Digit collection runs in the controller from DTMF events (see collector.go)
// because the port's reset key has no play_and_get_digits equivalent.
package freeswitch
