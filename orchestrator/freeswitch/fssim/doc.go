// Package fssim is a TEST INSTRUMENT: a FreeSWITCH node simulator that speaks
// ESL over TCP and plays a channel's life cycle for the commands the
// controller uses. Its frames are held to the real captures in
// ../shared/freeswitch. It never replaces the real adapter.
package fssim
