package freeswitch

import (
	"context"
	"strings"
	"time"

	"github.com/switchboard-cc/switchboard/orchestrator"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/eslconn"
)

// registrationProfile is the SIP profile agents' phones register to
// (FreeSWITCH's default "internal").
const registrationProfile = "internal"

// ParseRegistrations reads `sofia status profile P reg` (capture 07): one
// block per registration with a "User: ext@domain" line. It returns the
// users as ext and domain pairs. (`show registrations as json` cannot be
// used: capture 06 shows it empty while a phone was registered.)
func ParseRegistrations(out string) [][2]string {
	var regs [][2]string
	for _, line := range strings.Split(out, "\n") {
		key, val, ok := strings.Cut(line, ":")
		if !ok || strings.TrimSpace(key) != "User" {
			continue
		}
		user, domain, ok := strings.Cut(strings.TrimSpace(val), "@")
		if ok && user != "" && domain != "" {
			regs = append(regs, [2]string{user, domain})
		}
	}
	return regs
}

// announceRegistrations reports the phones registered on a node that just
// came up, so a restarted or reconnected controller does not wait for each
// phone's next REGISTER before it can ring it.
func (a *Adapter) announceRegistrations(nodeName string, conn *eslconn.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	out, err := conn.API(ctx, "sofia status profile "+registrationProfile+" reg")
	if err != nil {
		a.log.Warn("freeswitch: registrations not read", "node", nodeName, "err", err)
		return
	}
	for _, r := range ParseRegistrations(out) {
		a.emitNode(orchestrator.NodeEvent{Kind: orchestrator.NodeRegistered, Node: nodeName, User: r[0], Domain: r[1], At: a.clock.Now()})
	}
}
