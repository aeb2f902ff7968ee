// Package socketauth is the shared secret of an outbound `socket` call: the
// dialplan the controller serves (xmlcurl) sets Token as the channel
// variable Var before `socket`, and the adapter (freeswitch) refuses a
// socket connection whose CHANNEL_DATA lacks its node's token. Both sides
// import this package so they cannot disagree on the derivation.
package socketauth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
)

// Var is the channel variable that carries the token. A plain `set` keeps it
// a channel variable: it is not a SIP header (only sip_h_* are), not
// exported to bridged legs (only export/nolocal: are), and not in the
// mod_cdr_csv templates; full-variable CDRs (mod_json_cdr, mod_xml_cdr) on
// the node do list it, which is why it is derived and not the secret itself.
const Var = "sb_token"

// label separates this use of the node secret from its others (the ESL and
// xml_curl password) and versions the derivation.
const label = "switchboard outbound socket token v1\x00"

// Token is the token of node (its name) with secret (its configured secret):
// HMAC-SHA256 keyed by the secret over a fixed label and the node name, in
// hex. It reveals nothing of the secret, differs between nodes that share a
// secret, and changes when the secret changes.
func Token(node, secret string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(label))
	m.Write([]byte(node))
	return hex.EncodeToString(m.Sum(nil))
}

// Equal compares a token received from the network with an expected one in
// time that does not depend on where they differ.
func Equal(got, want string) bool {
	return hmac.Equal([]byte(got), []byte(want))
}
