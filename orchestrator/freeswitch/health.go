package freeswitch

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"strings"
	"time"

	"github.com/switchboard-cc/switchboard/orchestrator"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/eslconn"
)

// A node's health (orchestrator.NodeHealth) is learned by asking the node,
// never on a call's path: once it connects (before NodeUp, so a node is
// never up with nothing known) and on every HealthInterval tick after, with
// gateways added or deleted in between reported by mod_sofia's
// sofia::gateway_add and sofia::gateway_delete events.
//
//   - Media: each Options.CheckMedia source of the form local_stream://NAME
//     is looked up in the list `local_stream show` prints (one "name,location"
//     line per running stream, mod_local_stream.c local_stream_function).
//     NAME is playable when the list has what local_stream_file_open would
//     open: NAME/RATE (the stock local_stream.conf.xml names its streams
//     moh/8000, moh/16000...), NAME itself, or else the "default" stream it
//     falls back to. A stream whose music directory is missing ends at once
//     and leaves the list, which is how a node without music shows. This is
//     why the adapter does not ask `local_stream show moh`: on the stock
//     configuration that answers "-ERR Cannot locate local_stream moh!" even
//     with the music installed, since no stream is called plain "moh".
//   - Gateways: the gateway rows of `sofia status` ("external::pstn" is
//     gateway pstn of profile external; a dial names it sofia/gateway/pstn).

// nodeHealth is what the checks learned of one node; node.mu guards it.
type nodeHealth struct {
	media       map[string]orchestrator.Availability
	mediaDetail map[string]string
	gateways    map[string]string // nil until a sofia status was read
	checkedAt   time.Time
}

// checkNode runs the checks on a node's connection and returns the
// NodeGatewayState changes to report (every profile and gateway after a
// connect). states carries the last reported state by row name.
func (a *Adapter) checkNode(n *node, conn *eslconn.Conn, states map[string]string) []orchestrator.NodeEvent {
	ctx, cancel := context.WithTimeout(n.ctx, a.opts.CommandTimeout)
	defer cancel()
	media, detail := a.checkMedia(ctx, n.cfg.Name, conn)
	rows, sofiaOK := a.sofiaRows(ctx, n.cfg.Name, conn)
	var gateways map[string]string
	if sofiaOK {
		gateways = map[string]string{}
		for _, r := range rows {
			if r.Type == "gateway" {
				gateways[gatewayName(r.Name)] = firstWord(r.State)
			}
		}
	}
	n.mu.Lock()
	n.health.media, n.health.mediaDetail, n.health.checkedAt = media, detail, a.clock.Now()
	if sofiaOK { // an unreadable answer keeps what was known
		n.health.gateways = gateways
	}
	n.mu.Unlock()
	a.logHealth(n.cfg.Name, media, detail)
	var changes []orchestrator.NodeEvent
	for _, r := range rows {
		if r.Type == "alias" || states[r.Name] == r.State {
			continue
		}
		states[r.Name] = r.State
		a.log.Info("freeswitch: sip state", "node", n.cfg.Name, "name", r.Name, "type", r.Type, "state", r.State)
		changes = append(changes, orchestrator.NodeEvent{Kind: orchestrator.NodeGatewayState, Node: n.cfg.Name,
			Gateway: r.Name, State: r.State, Reason: r.Type})
	}
	return changes
}

// logHealth warns of each checked source the node cannot play, once per
// check: the operator sees it in the log at connect, not at the first hold.
func (a *Adapter) logHealth(node string, media map[string]orchestrator.Availability, detail map[string]string) {
	for src, st := range media {
		if st == orchestrator.Missing {
			a.log.Warn("freeswitch: hold music source missing on node: callers there hear a tone instead",
				"node", node, "source", src, "detail", detail[src])
		}
	}
}

// sofiaRows reads `sofia status`; false when the node's answer could not be
// had or read.
func (a *Adapter) sofiaRows(ctx context.Context, node string, conn *eslconn.Conn) ([]SofiaEntry, bool) {
	out, err := conn.API(ctx, "sofia status")
	if err != nil {
		a.log.Debug("freeswitch: sofia status failed", "node", node, "err", err)
		return nil, false
	}
	rows, err := ParseSofiaStatus(out)
	if err != nil {
		a.log.Warn("freeswitch: sofia status unreadable", "node", node, "err", err)
		return nil, false
	}
	return rows, true
}

// checkMedia looks up every local_stream:// source of Options.CheckMedia;
// other sources cannot be checked and are left out (Unknown).
func (a *Adapter) checkMedia(ctx context.Context, node string, conn *eslconn.Conn) (map[string]orchestrator.Availability, map[string]string) {
	media, detail := map[string]orchestrator.Availability{}, map[string]string{}
	var names []string
	for _, src := range a.opts.CheckMedia {
		if name, ok := strings.CutPrefix(src, "local_stream://"); ok && name != "" {
			names = append(names, src)
		}
	}
	if len(names) == 0 {
		return media, detail
	}
	out, err := conn.API(ctx, "local_stream show")
	var refused *eslconn.ReplyError
	switch {
	case errors.As(err, &refused): // -ERR: an answer to read, not a failure to get one
		out = refused.Text
	case err != nil:
		a.log.Debug("freeswitch: local_stream show failed", "node", node, "err", err)
		return media, detail
	}
	streams, err := ParseLocalStreams(out)
	for _, src := range names {
		name := strings.TrimPrefix(src, "local_stream://")
		switch {
		case err != nil && strings.HasPrefix(strings.TrimSpace(out), "-"):
			// "-ERR local_stream Command not found!": mod_local_stream is
			// not loaded, so no local_stream:// source plays.
			media[src], detail[src] = orchestrator.Missing, strings.TrimSpace(out)
		case err != nil:
			a.log.Warn("freeswitch: local_stream show unreadable", "node", node, "err", err)
		default:
			if got := resolveStream(name, streams); got != "" {
				media[src], detail[src] = orchestrator.Available, "local_stream "+got+" ("+streams[got]+")"
			} else {
				media[src] = orchestrator.Missing
				detail[src] = fmt.Sprintf("no running local_stream %s, %s/RATE or default (mod_local_stream lists %d stream(s); is the music installed?)",
					name, name, len(streams))
			}
		}
	}
	return media, detail
}

// ParseLocalStreams reads `local_stream show`: one "name,location" line per
// running stream. With none running the command prints nothing, which
// mod_event_socket answers as "-ERR no reply" (api_exec): an empty list.
// Another error answer (e.g. "-ERR local_stream Command not found!" without
// mod_local_stream) or a line without a comma is an error.
func ParseLocalStreams(out string) (map[string]string, error) {
	t := strings.TrimSpace(out)
	if t == "-ERR no reply" {
		return map[string]string{}, nil
	}
	if strings.HasPrefix(t, "-ERR") || strings.HasPrefix(t, "-USAGE") {
		return nil, fmt.Errorf("freeswitch: local_stream show: %s", t)
	}
	streams := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		line = strings.TrimRight(line, "\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		name, location, ok := strings.Cut(line, ",")
		if !ok || name == "" {
			return nil, fmt.Errorf("freeswitch: local_stream show: line %.80q is not name,location", line)
		}
		streams[name] = location
	}
	return streams, nil
}

var rateSuffix = regexp.MustCompile(`^/[0-9]+$`)

// resolveStream is the stream local_stream_file_open would open for name,
// or "": first name/RATE (RATE being the channel's; any rate counts here,
// as the channel's is not known in advance), then name, then "default"
// unless name is default itself.
func resolveStream(name string, streams map[string]string) string {
	var rated []string
	for s := range streams {
		if rest, ok := strings.CutPrefix(s, name); ok && rateSuffix.MatchString(rest) {
			rated = append(rated, s)
		}
	}
	if len(rated) > 0 {
		best := rated[0]
		for _, s := range rated[1:] {
			if s == name+"/8000" || (best != name+"/8000" && s < best) {
				best = s // prefer 8 kHz (PCMU/PCMA calls), else a stable choice
			}
		}
		return best
	}
	if _, ok := streams[name]; ok {
		return name
	}
	if !strings.Contains(strings.ToLower(name), "default") {
		if _, ok := streams["default"]; ok {
			return "default"
		}
	}
	return ""
}

// gatewayName is the name a dial string uses for a sofia status row name:
// "external::pstn" -> "pstn".
func gatewayName(row string) string {
	if _, gw, ok := strings.Cut(row, "::"); ok {
		return gw
	}
	return row
}

func firstWord(s string) string {
	if f := strings.Fields(s); len(f) > 0 {
		return f[0]
	}
	return ""
}

// gatewayEvent applies sofia::gateway_add, sofia::gateway_delete and
// sofia::gateway_state to what is known of the node's gateways, so a gateway
// added with `sofia profile external rescan` is usable before the next
// check. Nothing changes while the gateways were never read: an event
// alone does not say which other gateways exist. n is the node whose
// connection read the event (not a node of the same name that replaced it).
func (n *node) gatewayEvent(subclass, gateway, state string) {
	if gateway == "" {
		return
	}
	gateway = gatewayName(gateway)
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.health.gateways == nil {
		return
	}
	// Copied, never changed in place: snapshots share the map (healthSnapshot).
	gws := maps.Clone(n.health.gateways)
	n.health.gateways = gws
	switch subclass {
	case "sofia::gateway_delete":
		delete(gws, gateway)
	case "sofia::gateway_add":
		if _, ok := gws[gateway]; !ok {
			gws[gateway] = "ADDED"
		}
	default:
		gws[gateway] = firstWord(state)
	}
}

// NodeHealth reports what the checks learned of a node (orchestrator.HealthReporter).
func (a *Adapter) NodeHealth(name string) orchestrator.NodeHealth {
	n := a.nodes.Load().byName[name]
	if n == nil {
		return orchestrator.NodeHealth{Node: name}
	}
	return n.healthSnapshot()
}

// healthSnapshot shares the node's maps with the caller: they are replaced,
// never changed in place (checkNode, gatewayEvent), and NodeHealth's maps
// are read-only. The call path asks for it on every hold (the music
// check): cloning them cost about 2% of the controller's CPU per call.
func (n *node) healthSnapshot() orchestrator.NodeHealth {
	n.mu.Lock()
	defer n.mu.Unlock()
	h := orchestrator.NodeHealth{Node: n.cfg.Name, Up: n.conn != nil, Since: n.since,
		Media: n.health.media, MediaDetail: n.health.mediaDetail, Checked: n.health.checkedAt,
		Gateways: n.health.gateways}
	if ns := n.lastEvent.Load(); ns != 0 {
		h.LastEvent = time.Unix(0, ns)
	}
	return h
}
