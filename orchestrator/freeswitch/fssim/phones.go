package fssim

import (
	"fmt"
	"strings"
	"time"
)

// PhoneScript says how a simulated phone (an agent's SIP phone, or a number
// behind a gateway) behaves when called.
type PhoneScript struct {
	// AnswerAfter is the ring time before it answers.
	AnswerAfter time.Duration
	// NoAnswer: it rings until the caller gives up (NO_ANSWER).
	NoAnswer bool
	// Busy: it rejects with 486 (USER_BUSY).
	Busy bool
	// HangupAfter, when > 0, makes the phone hang up (BYE) that long after
	// answering.
	HangupAfter time.Duration
	// TalkFor, when > 0, makes the phone hang up that long after its leg is
	// first bridged: an agent talks for a while once connected. Unlike
	// HangupAfter it does not run while the controller has yet to bridge
	// the answered leg, which on a loaded machine can take longer than a
	// short scripted talk.
	TalkFor time.Duration
}

// phone is one registration.
type phone struct {
	user, domain string // for gateways: gateway name and number
	gateway      bool
	loopback     bool
	callID       string
	registered   bool
	script       PhoneScript
	port         int
}

func phoneKey(user, domain string) string { return "user/" + user + "@" + domain }
func gatewayKey(gw, number string) string { return "gateway/" + gw + "/" + number }

func (p *phone) channelName() string {
	if p.loopback {
		return "loopback/" + p.user + "-a"
	}
	if p.gateway {
		return "sofia/gateway/" + p.user + "/" + p.domain
	}
	return fmt.Sprintf("sofia/internal/%s@127.0.0.1:%d", p.user, p.port)
}

func (p *phone) contact() string {
	return fmt.Sprintf("\"\" <sip:%s@127.0.0.1:%d>", p.user, p.port)
}

// RegisterPhone registers user@domain with a script and emits CUSTOM
// sofia::register as FreeSWITCH does on a REGISTER with Expires > 0.
func (n *Node) RegisterPhone(user, domain string, s PhoneScript) error {
	if user == "" || domain == "" || strings.ContainsAny(user+domain, " /@") {
		return errorf("register: bad user %q or domain %q", user, domain)
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.dropped {
		return ErrDropped
	}
	p := n.phones[phoneKey(user, domain)]
	if p == nil {
		p = &phone{user: user, domain: domain, port: 5090 + len(n.phones)}
		n.phones[phoneKey(user, domain)] = p
	}
	p.callID = fmt.Sprintf("fssim-reg-%s-%d", user, time.Now().UnixNano())
	p.registered, p.script = true, s
	e := n.newEventLocked("CUSTOM", "sofia::register", "sofia_reg.c", "sofia_reg_handle_register_token", 2059)
	for _, h := range [][2]string{{"profile-name", "internal"}, {"from-user", user}, {"from-host", domain},
		{"presence-hosts", domain}, {"contact", p.contact()}, {"call-id", p.callID}, {"rpid", "unknown"},
		{"status", "Registered(UDP)"}, {"expires", "3600"}, {"to-user", user}, {"to-host", domain},
		{"network-ip", "127.0.0.1"}, {"network-port", fmt.Sprint(p.port)}, {"username", user},
		{"realm", domain}, {"user-agent", "fssim"}} {
		e.add(h[0], h[1])
	}
	n.emitLocked(e)
	return nil
}

// UnregisterPhone removes the registration (REGISTER Expires 0): CUSTOM
// sofia::unregister.
func (n *Node) UnregisterPhone(user, domain string) error {
	return n.dropRegistration(user, domain, "sofia::unregister")
}

// ExpirePhone lets the registration expire: CUSTOM sofia::expire.
func (n *Node) ExpirePhone(user, domain string) error {
	return n.dropRegistration(user, domain, "sofia::expire")
}

func (n *Node) dropRegistration(user, domain, subclass string) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	p := n.phones[phoneKey(user, domain)]
	if p == nil || !p.registered {
		return errorf("%s: %s@%s is not registered", subclass, user, domain)
	}
	p.registered = false
	e := n.newEventLocked("CUSTOM", subclass, "sofia_reg.c", "sofia_reg_handle_register_token", 2213)
	hs := [][2]string{{"profile-name", "internal"}, {"username", user}, {"from-user", user},
		{"from-host", domain}, {"contact", p.contact()}, {"call-id", p.callID}, {"rpid", "unknown"},
		{"realm", domain}, {"network-ip", "127.0.0.1"}, {"network-port", fmt.Sprint(p.port)},
		{"user-agent", "fssim"}, {"expires", "0"}}
	if subclass == "sofia::expire" {
		hs = [][2]string{{"profile-name", "internal"}, {"call-id", p.callID}, {"user", user},
			{"username", user}, {"host", domain}, {"contact", p.contact()},
			{"expires", fmt.Sprint(time.Now().Unix())}, {"user-agent", "fssim"}, {"realm", domain},
			{"network-ip", "127.0.0.1"}, {"network-port", fmt.Sprint(p.port)}}
	}
	for _, h := range hs {
		e.add(h[0], h[1])
	}
	n.emitLocked(e)
	return nil
}

// AddGatewayNumber makes sofia/gateway/GW/NUMBER reachable with a script
// (a PSTN number, or an agent's external phone).
func (n *Node) AddGatewayNumber(gateway, number string, s PhoneScript) error {
	if gateway == "" || number == "" {
		return errorf("gateway number: empty gateway %q or number %q", gateway, number)
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	n.phones[gatewayKey(gateway, number)] = &phone{user: gateway, domain: number, gateway: true,
		registered: true, script: s}
	return nil
}

// sofiaRegLocked is `sofia status profile internal reg`.
func (n *Node) sofiaRegLocked() string {
	var b strings.Builder
	b.WriteString("\nRegistrations:\n" + strings.Repeat("=", 97) + "\n")
	count := 0
	for _, p := range n.phones {
		if p.gateway || !p.registered {
			continue
		}
		count++
		fmt.Fprintf(&b, "Call-ID:    \t%s\nUser:       \t%s@%s\nContact:    \t%s\nAgent:      \tfssim\n", p.callID, p.user, p.domain, p.contact())
		fmt.Fprintf(&b, "Status:     \tRegistered(UDP)(unknown) EXP(%s) EXPSECS(3660)\nPing-Status:\tReachable\nPing-Time:\t0.00\n", time.Now().Add(time.Hour).Format("2006-01-02 15:04:05"))
		fmt.Fprintf(&b, "Host:       \t%s\nIP:         \t127.0.0.1\nPort:       \t%d\nAuth-User:  \t%s\nAuth-Realm: \t%s\nMWI-Account:\t%s@%s\n\n", n.cfg.Hostname, p.port, p.user, p.domain, p.user, p.domain)
	}
	fmt.Fprintf(&b, "Total items returned: %d\n%s\n", count, strings.Repeat("=", 97))
	return b.String()
}
