// Package fsreal runs the switchtest contract suite against a real
// FreeSWITCH: callers and agents' phones are sipp processes (scenarios in
// testdata/sipp), call control is the FreeSWITCH adapter. Only tests import
// it; docs/freeswitch-contract.md describes the switch it needs.
package fsreal
