// Package xmlcurl serves FreeSWITCH's mod_xml_curl: the HTTP endpoint every
// node asks for its dialplan (which call goes to the controller's outbound
// socket, with the survivability fallback after it) and its directory (each
// tenant is a SIP domain, each agent phone a user with an a1-hash).
//
// Every answer is a fast in-memory lookup: FreeSWITCH blocks the channel (or
// the SIP REGISTER) while it waits. The data comes through the small
// interfaces in ports.go; Live is an in-memory implementation whose Snapshot
// is swapped atomically when configuration changes, so the lead can back it
// with the store.
//
// Only cmd/switchboard imports this package (it mounts Handler).
package xmlcurl
