package freeswitch

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"time"

	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/esl"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/socketauth"
)

// Outbound sockets are accepted only from configured nodes: the peer's IP
// must be one of a node's addresses (its Addr, resolved when the node is
// configured), and the call's CHANNEL_DATA must carry that node's token in
// socketauth.Var, which the dialplan the controller serves sets before
// `socket`. Anything else is refused before any call logic runs: no call is
// tracked, no handler runs, no CDR is written.

// Reasons a socket is refused, the label of sockets_refused_total.
const (
	refusedAddress = "address" // the peer is not at a configured node's address
	refusedToken   = "token"   // no token, or not the token of a node at that address
)

// errSocketRefused is returned by setupSocket for a refused socket (already
// logged and counted).
var errSocketRefused = errors.New("freeswitch: outbound socket refused")

// resolveTimeout bounds the lookup of a node's host name.
const resolveTimeout = 3 * time.Second

// nodePeers resolves the host of a node's address once, when the node is
// configured. An IP literal is taken as is; a name that does not resolve
// leaves the node without addresses (its sockets are refused) until its
// configuration changes, which the log says.
func (a *Adapter) nodePeers(cfg Node) []netip.Addr {
	host, _, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		host = cfg.Addr
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{ip.Unmap()}
	}
	ctx, cancel := context.WithTimeout(a.ctx, resolveTimeout)
	defer cancel()
	ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil || len(ips) == 0 {
		a.log.Warn("freeswitch: node address does not resolve; its outbound sockets are refused until its configuration changes",
			"node", cfg.Name, "addr", cfg.Addr, "err", err)
		return nil
	}
	for i, ip := range ips {
		ips[i] = ip.Unmap()
	}
	return ips
}

// nodesAt returns the nodes whose addresses include the IP of peer (several
// nodes may share a host).
func (s *nodeSet) nodesAt(peer net.Addr) []*node {
	ap, err := netip.ParseAddrPort(peer.String())
	if err != nil {
		return nil
	}
	ip := ap.Addr().Unmap()
	var out []*node
	for _, n := range s.order {
		for _, p := range n.peers {
			if p == ip {
				out = append(out, n)
				break
			}
		}
	}
	return out
}

// tokenNode returns the node among candidates whose token the connect reply
// carries, or nil. Every candidate is compared, in constant time each.
func tokenNode(candidates []*node, data *esl.Frame) *node {
	got := data.Get("variable_" + socketauth.Var)
	if got == "" {
		return nil
	}
	var match *node
	for _, n := range candidates {
		if socketauth.Equal(got, n.token) && match == nil {
			match = n
		}
	}
	return match
}

// refuseSocket logs and counts a refused socket.
func (a *Adapter) refuseSocket(peer net.Addr, reason, detail string) {
	switch reason {
	case refusedAddress:
		a.st.refusedAddress.Add(1)
	case refusedToken:
		a.st.refusedToken.Add(1)
	}
	a.log.Warn("freeswitch: outbound socket refused", "peer", peer.String(), "reason", reason, "detail", detail)
}
