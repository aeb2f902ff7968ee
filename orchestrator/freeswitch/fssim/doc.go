// Package fssim is a TEST INSTRUMENT: a FreeSWITCH node simulator that speaks
// ESL over TCP (inbound, and outbound sockets to the controller) and plays a
// channel's life cycle for the commands the controller uses. Its frames,
// headers and event orders are held to the real captures in
// testdata/freeswitch (see README.md). It never replaces the real adapter.
//
// Tests (and `switchboard sim node`, which runs it as its own process)
// import it; production code never does.
package fssim
