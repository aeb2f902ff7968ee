// Package eslconn is a FreeSWITCH Event Socket connection with the guarantees
// the adapter needs and eslgo's connection lacks:
//
//   - a reply always reaches the command that caused it: commands that expect a
//     command/reply or api/response run one at a time per connection, granted
//     in FIFO order, and the single reader hands the next reply to the one
//     command in flight; bgapi uses a Job-UUID chosen here, registered before
//     the command is written, so BACKGROUND_JOB events that overtake the reply
//     still find their caller;
//   - one reader goroutine per connection parses every frame and hands events
//     to a non-blocking sink in wire order, never starting a goroutine per
//     event, so a call's events keep FreeSWITCH's order;
//   - the reader never waits on a consumer, so FreeSWITCH's own per-connection
//     event queue never fills (it disconnects a client after 500 lost events).
//
// Reconnection is the owner's job (the adapter's node loop); a Conn is one TCP
// connection's life. eslgo's command values (github.com/percipia/eslgo/command)
// render most commands; sendmsg is framed here because its Event-UUID matters.
// Imported by orchestrator/freeswitch and its tests only.
package eslconn
