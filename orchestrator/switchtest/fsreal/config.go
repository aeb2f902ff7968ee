package fsreal

import (
	"fmt"
	"net"
	"os"
	"strconv"
)

// Config locates the FreeSWITCH under test and the controller's socket.
type Config struct {
	ESL, ESLPassword string // FREESWITCH_ESL (host:port), FREESWITCH_ESL_PASSWORD
	// SocketAddr is where the dialplan's `socket` application connects
	// (FREESWITCH_SOCKET_ADDR); the adapter listens there.
	SocketAddr string
	// SIPExternal is the profile callers dial (FREESWITCH_SIP_EXTERNAL,
	// default ESL host:5080); SIPInternal the registrar for agents' phones
	// (FREESWITCH_SIP_INTERNAL, default ESL host:5060).
	SIPExternal, SIPInternal string
	Domain                   string // FREESWITCH_DOMAIN, default the ESL host
	PhonePassword            string // FREESWITCH_PHONE_PASSWORD, default 1234 (vanilla default_password)
	LocalIP                  string // FREESWITCH_LOCAL_IP: where sipp binds, default 127.0.0.1
	Node                     string // the node name in Keys, default fs1
	Sipp                     string // sipp binary, default "sipp"
	PcapDir                  string // RFC 2833 DTMF pcaps, default /usr/share/sip-tester
	// ControllerListen is where the latency test runs `switchboard serve`
	// (FSREAL_CONTROLLER_LISTEN, default 127.0.0.1:8080): the switch's
	// xml_curl gateway-url must point there.
	ControllerListen string
	// LatencyCalls is how many calls of each kind the latency test places
	// (FSREAL_LATENCY_CALLS); 0 skips it.
	LatencyCalls int
}

// FromEnv reads the configuration; ok is false when FREESWITCH_ESL,
// FREESWITCH_ESL_PASSWORD or FREESWITCH_SOCKET_ADDR is unset.
func FromEnv() (cfg Config, ok bool, err error) {
	cfg = Config{ESL: os.Getenv("FREESWITCH_ESL"), ESLPassword: os.Getenv("FREESWITCH_ESL_PASSWORD"),
		SocketAddr: os.Getenv("FREESWITCH_SOCKET_ADDR")}
	if cfg.ESL == "" || cfg.ESLPassword == "" || cfg.SocketAddr == "" {
		return cfg, false, nil
	}
	host, _, err := net.SplitHostPort(cfg.ESL)
	if err != nil {
		return cfg, true, fmt.Errorf("fsreal: FREESWITCH_ESL %q: %w", cfg.ESL, err)
	}
	cfg.SIPExternal = env("FREESWITCH_SIP_EXTERNAL", net.JoinHostPort(host, "5080"))
	cfg.SIPInternal = env("FREESWITCH_SIP_INTERNAL", net.JoinHostPort(host, "5060"))
	cfg.Domain = env("FREESWITCH_DOMAIN", host)
	cfg.PhonePassword = env("FREESWITCH_PHONE_PASSWORD", "1234")
	cfg.LocalIP = env("FREESWITCH_LOCAL_IP", "127.0.0.1")
	cfg.Node = env("FREESWITCH_NODE", "fs1")
	cfg.Sipp = env("SIPP", "sipp")
	cfg.PcapDir = env("SIPP_PCAP_DIR", "/usr/share/sip-tester")
	cfg.ControllerListen = env("FSREAL_CONTROLLER_LISTEN", "127.0.0.1:8080")
	if v := os.Getenv("FSREAL_LATENCY_CALLS"); v != "" {
		if cfg.LatencyCalls, err = strconv.Atoi(v); err != nil || cfg.LatencyCalls < 0 {
			return cfg, true, fmt.Errorf("fsreal: FSREAL_LATENCY_CALLS %q: want a number of calls", v)
		}
	}
	return cfg, true, nil
}

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
