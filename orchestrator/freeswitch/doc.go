// Package freeswitch is the FreeSWITCH adapter: Event Socket (inbound to each
// node, outbound `socket` per call) implementing the orchestrator Switch port,
// and the mod_xml_curl HTTP handlers (dialplan, directory).
package freeswitch
