// Package switchtest is the contract suite every orchestrator.Switch
// implementation must pass. It runs against fssim in CI and against a real
// FreeSWITCH when FREESWITCH_ESL is set.
package switchtest
