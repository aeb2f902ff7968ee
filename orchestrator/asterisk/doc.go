// Package asterisk is the Asterisk adapter: ARI (REST over HTTP and the
// events WebSocket) implementing the orchestrator Switch port,
// InboundAcceptor and NodeWatcher for one Asterisk node per Adapter.
// cmd/switchboard and tests import it; nothing else does.
//
// What it takes from github.com/CyCoreSystems/ari/v6 and what it replaces:
//
//   - Taken: the event model (ari.DecodeEvent and the typed events,
//     ari.ChannelData, PlaybackData, ...), which matches the real captures.
//   - Replaced: the native client's transport and its event bus
//     (client/native + stdbus). stdbus hands every subscription a
//     100-event buffer and drops what does not fit without a word
//     ("select { case s.C <- e: default: }"), and every overlapping
//     subscription (an endpoint and a channel on it, capture 08) delivers
//     the same event again; a call's events would be lost or doubled
//     under load. Its HTTP requests take no context and drop the error
//     body (a 500 "Allocation failed" and a 500 of anything else look the
//     same). Here one reader per WebSocket decodes frames in order, drops
//     exact duplicates (same bytes, incl. the ms timestamp) and appends
//     each call's events to that call's unbounded queue, drained by one
//     goroutine per call: per-channel order kept, nothing dropped, the
//     backlog measurable (Backlog).
//
// Rules kept (orchestrator/port.go, testdata/asterisk/README.md): the
// controller chooses channel, bridge, playback and snoop IDs and registers
// interest before it acts (events beat the HTTP response); a verb returns
// when an event confirms it, except Hold/Unhold/Mute, which ARI confirms by
// nothing but the 204 (capture 06: "hold via ARI emits nothing"), so the
// adapter reports EventHeld/EventUnheld itself after the 204; StasisEnd
// ends control (ChannelDestroyed may never come); after a WebSocket
// reconnect the adapter resynchronises from GET /channels (calls stay in
// Stasis, nothing is replayed, capture 11): calls gone meanwhile end,
// the others go on; a node unreachable for Options.LostAfter gives its
// calls up. ApplicationReplaced (another WebSocket took the app) is
// NodeDown, and the adapter waits LostAfter before taking the app back.
package asterisk
