// Package asim is a TEST INSTRUMENT: an Asterisk ARI simulator (HTTP and the
// events WebSocket on 127.0.0.1) that plays the channel, bridge, playback,
// recording and snoop life cycles the controller uses, with the JSON shapes,
// status codes, error texts and event orders of the real Asterisk 22.10.1
// captures in testdata/asterisk (see README.md and conformance_test.go). It
// carries no media and never replaces the real adapter.
//
// Tests import it; production code never does.
package asim
