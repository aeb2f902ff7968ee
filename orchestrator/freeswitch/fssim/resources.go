package fssim

import (
	"fmt"
	"slices"
	"strings"
)

// A node's music streams and SIP gateways, and the api commands that show
// them. No capture holds these answers (testdata/freeswitch has `sofia
// status` without gateways only), so their text follows the FreeSWITCH
// 1.10 source:
//
//   - `local_stream show` and `local_stream show NAME`:
//     src/mod/formats/mod_local_stream/mod_local_stream.c,
//     local_stream_function. The list is one "name,location" line per
//     running stream; with none, the command prints nothing and
//     mod_event_socket (api_exec) answers "-ERR no reply". A name that is
//     not running answers "-ERR Cannot locate local_stream NAME!".
//   - Playing local_stream://NAME: local_stream_file_open opens NAME/RATE,
//     then NAME, then "default"; if none runs, the playback app answers
//     FILE NOT FOUND with no PLAYBACK_START (switch_ivr_play_file fails at
//     the open).
//   - `sofia status` gateway rows and `sofia status gateway NAME`:
//     src/mod/endpoints/mod_sofia/mod_sofia.c, cmd_status ("%25s\t%s\t  %40s\t%s",
//     the name "profile::gateway"; "Invalid Gateway!" for an unknown name).
//   - Adding and deleting a gateway at run time fires CUSTOM
//     sofia::gateway_add and sofia::gateway_delete with Gateway and
//     profile-name (sofia_reg.c).

// stockStreams are the streams the stock local_stream.conf.xml starts when
// the music is installed ($${sounds_dir}/music/RATE).
var stockStreams = []string{"default", "moh/8000", "moh/16000", "moh/32000", "moh/48000"}

// DefaultGateway is the gateway a node has unless Config says otherwise:
// the controller's default gateway name.
const DefaultGateway = "pstn"

func (c Config) initialStreams() map[string]string {
	names := c.Streams
	if names == nil {
		names = stockStreams
	}
	if c.NoMusic {
		names = nil
	}
	out := map[string]string{}
	for _, s := range names {
		rate := "8000"
		if _, r, ok := strings.Cut(s, "/"); ok {
			rate = r
		}
		out[s] = "/usr/share/freeswitch/sounds/music/" + rate
	}
	return out
}

func (c Config) initialGateways() []string {
	switch {
	case c.NoGateways:
		return nil
	case c.Gateways == nil:
		return []string{DefaultGateway}
	}
	return slices.Clone(c.Gateways)
}

// streamLocked is the stream local_stream://name plays, "" if none runs.
func (n *Node) streamLocked(name string) string {
	for _, s := range []string{name + "/8000", name} {
		if _, ok := n.streams[s]; ok {
			return s
		}
	}
	if !strings.Contains(strings.ToLower(name), "default") {
		if _, ok := n.streams["default"]; ok {
			return "default"
		}
	}
	return ""
}

// playableLocked reports whether a playback argument can be opened: only
// local_stream:// sources can be missing in fssim.
func (n *Node) playableLocked(file string) bool {
	name, ok := strings.CutPrefix(file, "local_stream://")
	return !ok || n.streamLocked(name) != ""
}

func apiLocalStream(n *Node, arg string, r func(string)) {
	f := strings.Fields(arg)
	if len(f) == 0 || f[0] != "show" {
		r("-USAGE: <show|start|reload|stop|hup> <local_stream_name>\n")
		return
	}
	if len(f) == 1 {
		var b strings.Builder
		for _, name := range sortedKeys(n.streams) {
			fmt.Fprintf(&b, "%s,%s\n", name, n.streams[name])
		}
		if b.Len() == 0 {
			r("-ERR no reply\n")
			return
		}
		r(b.String())
		return
	}
	loc, ok := n.streams[f[1]]
	if !ok {
		r("-ERR Cannot locate local_stream " + f[1] + "!\n")
		return
	}
	rate := "8000"
	if _, rt, ok := strings.Cut(f[1], "/"); ok {
		rate = rt
	}
	r(fmt.Sprintf("%s\n  location: %s\n  channels: 1\n  rate:     %s\n  interval: 20\n  samples:  160\n  prebuf:   65536\n"+
		"  timer:    soft\n  total:    0\n  shuffle:  true\n  ready:    true\n  stopped:  false\n  reloading: false\n", f[1], loc, rate))
}

// sofiaStatusLocked is `sofia status`: the two stock profiles and the
// node's gateways on profile external.
func (n *Node) sofiaStatusLocked() string {
	line := strings.Repeat("=", 97)
	var b strings.Builder
	fmt.Fprintf(&b, "%25s\t%s\t  %40s\t%s\n%s\n", "Name", "   Type", "Data", "State", line)
	fmt.Fprintf(&b, "%25s\t%s\t  %40s\t%s\n", "external", "profile", "sip:mod_sofia@127.0.0.1:5080", "RUNNING (0)")
	for _, gw := range n.gateways {
		fmt.Fprintf(&b, "%25s\t%s\t  %40s\t%s\n", "external::"+gw, "gateway", "sip:"+gw+"@192.0.2.1", "NOREG")
	}
	fmt.Fprintf(&b, "%25s\t%s\t  %40s\t%s\n", "internal", "profile", "sip:mod_sofia@127.0.0.1:5060", "RUNNING (0)")
	fmt.Fprintf(&b, "%s\n2 profiles 0 aliases\n", line)
	return b.String()
}

// sofiaGatewayLocked is `sofia status gateway NAME`.
func (n *Node) sofiaGatewayLocked(name string) string {
	gw := strings.TrimPrefix(name, "external::")
	if !slices.Contains(n.gateways, gw) {
		return "Invalid Gateway!\n"
	}
	line := strings.Repeat("=", 97)
	return fmt.Sprintf("%s\nName    \t%s\nProfile \texternal\nScheme  \tDigest\nRealm   \t192.0.2.1\nUsername\t%s\n"+
		"Password\tno\nFrom    \t<sip:%s@192.0.2.1>\nContact \t<sip:%s@127.0.0.1:5080>\nExten   \t%s\nTo      \tsip:%s@192.0.2.1\n"+
		"Proxy   \tsip:192.0.2.1\nContext \tpublic\nExpires \t3600\nFreq    \t3600\nPing    \t0\nPingFreq\t0\nPingTime\t0.00\n"+
		"PingState\t0/0/0\nState   \tNOREG\nStatus  \tUP\nUptime  \t0s\nCallsIN \t0\nCallsOUT\t0\nFailedCallsIN\t0\n"+
		"FailedCallsOUT\t0\n%s\n", line, gw, gw, gw, gw, gw, gw, line)
}

// hasGatewayLocked reports whether sofia/gateway/NAME/... can be dialled.
func (n *Node) hasGatewayLocked(name string) bool {
	return slices.Contains(n.gateways, strings.TrimPrefix(name, "external::"))
}

// AddGateway adds a gateway to profile external at run time (as `sofia
// profile external rescan` after a new gateway file) and fires
// sofia::gateway_add. An existing name is an error.
func (n *Node) AddGateway(name string) error {
	if name == "" || strings.ContainsAny(name, " /:\t") {
		return errorf("gateway %q: want a name without spaces, / or :", name)
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if slices.Contains(n.gateways, name) {
		return errorf("gateway %q exists", name)
	}
	n.gateways = append(n.gateways, name)
	n.gatewayEventLocked("sofia::gateway_add", name)
	return nil
}

// RemoveGateway deletes a gateway (as `sofia profile external killgw NAME`)
// and fires sofia::gateway_delete.
func (n *Node) RemoveGateway(name string) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	i := slices.Index(n.gateways, name)
	if i < 0 {
		return errorf("gateway %q does not exist", name)
	}
	n.gateways = slices.Delete(n.gateways, i, i+1)
	n.gatewayEventLocked("sofia::gateway_delete", name)
	return nil
}

// gatewayEventLocked fires sofia::gateway_add or sofia::gateway_delete
// with their headers in sofia_reg.c's order.
func (n *Node) gatewayEventLocked(subclass, name string) {
	if subclass == "sofia::gateway_delete" {
		e := n.newEventLocked("CUSTOM", subclass, "sofia_reg.c", "sofia_reg_del_gateway", 343)
		e.add("profile-name", "external")
		e.add("Gateway", name)
		n.emitLocked(e)
		return
	}
	e := n.newEventLocked("CUSTOM", subclass, "sofia_reg.c", "sofia_reg_add_gateway", 3723)
	e.add("Gateway", name)
	e.add("profile-name", "external")
	n.emitLocked(e)
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
