package api

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/labstack/echo/v5"
	"github.com/switchboard-cc/switchboard/orchestrator/calls"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// The live-call stream (OPS-13 wallboards, agent desktops): the live-call
// list as it changes, so a screen shows a call's state, hold and mute as
// they happen instead of polling GET .../live-calls. It starts with the
// list itself, taken together with the subscription (no change is missed
// or repeated), then sends each change the caller may see.

func init() { routeGroups = append(routeGroups, (*Server).liveStreamRoutes) }

// LiveCallEvent is one server-sent event of the live-call stream; Kind is
// the SSE event name (liveStreamKinds).
type LiveCallEvent struct {
	Kind   string           `json:"kind"`
	Calls  []calls.CallView `json:"calls,omitzero" doc:"snapshot: every call the caller may see, oldest first (empty when none)"`
	Call   *calls.CallView  `json:"call,omitempty" doc:"appeared, changed, left, ended: the call's line after the change (ended: as it was last)"`
	Reason string           `json:"reason,omitempty" doc:"end: why the stream ends (fell behind: the client read too slowly; reconnect)"`
	At     time.Time        `json:"at,omitzero" doc:"when the controller saw the change"`
}

// Stream event kinds besides the call path's own (calls.LiveChangeKinds).
const (
	liveSnapshot = "snapshot" // the first event: the list when the stream began
	liveLeft     = "left"     // an agent's view: the call is up but no longer theirs
	liveEnd      = "end"      // the stream closes
)

// liveStreamKinds are the SSE event names of the live-call stream, in the
// order a call meets them.
func liveStreamKinds() []string {
	out := []string{liveSnapshot}
	for _, k := range calls.LiveChangeKinds() {
		if k == calls.LiveEnded {
			out = append(out, liveLeft)
		}
		out = append(out, string(k))
	}
	return append(out, liveEnd)
}

func (s *Server) liveStreamRoutes() []route {
	return []route{{method: http.MethodGet, path: "/tenants/:tenant_id/live-calls/stream", name: "streamLiveCalls",
		summary: "Server-sent events: the live calls (snapshot), then each call that appears, changes (state, held, muted...) or ends; " +
			"monitors see every call, agents their own",
		scope: scopeTenant, perm: tenancy.PermQueuesRead, resp: LiveCallEvent{}, media: "text/event-stream", status: http.StatusOK,
		h: s.streamLiveCalls}}
}

// streamLiveCalls holds the connection open and relays the tenant's
// live-call changes the caller may see.
func (s *Server) streamLiveCalls(c *echo.Context) error {
	cc, err := s.callControl()
	if err != nil {
		return err
	}
	scope := liveScope{shown: map[string]bool{}}
	if p := principalOf(c); p == nil || !tenancy.Allowed(p.Role, tenancy.PermMonitor) {
		me, ok, err := s.agentOfPrincipal(c)
		if err != nil {
			return err
		}
		if !ok {
			return errNotFound("agent of this credential")
		}
		scope.self = me
	}
	now, sub := cc.SubscribeLive(tenantOf(c).ID, streamBuffer)
	defer sub.Close()
	stream := startSSE(c)
	if err := writeLiveEvent(stream, scope.snapshot(now)); err != nil {
		return nil // the client went away
	}
	ctx := c.Request().Context()
	ping := time.NewTicker(streamPing)
	defer ping.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-ping.C:
			if err := stream.ping(); err != nil {
				return nil
			}
		case ch, ok := <-sub.C:
			if !ok {
				return writeLiveEvent(stream, LiveCallEvent{Kind: liveEnd, Reason: sub.Err()})
			}
			ev, show := scope.change(ch)
			if !show {
				continue
			}
			if err := writeLiveEvent(stream, ev); err != nil {
				return nil
			}
		}
	}
}

// liveScope is what one subscriber sees of its tenant's live calls: with
// self empty (monitor:read) every call; else the calls agent self is on
// (agent_id or remote_agent_id). For an agent a call appears when it
// becomes theirs and leaves when it stops being theirs while still up
// (transferred on, back in a queue).
type liveScope struct {
	self  string
	shown map[string]bool // calls this subscriber sees now, by call ID
}

func (l *liveScope) sees(v calls.CallView) bool {
	return l.self == "" || v.Agent == l.self || v.RemoteAgent == l.self
}

func (l *liveScope) snapshot(list []calls.CallView) LiveCallEvent {
	out := []calls.CallView{}
	for _, v := range list {
		if l.sees(v) {
			out = append(out, v)
			l.shown[v.CallID] = true
		}
	}
	return LiveCallEvent{Kind: liveSnapshot, Calls: out}
}

// change is the event ch is for this subscriber, if any.
func (l *liveScope) change(ch calls.LiveChange) (LiveCallEvent, bool) {
	id, was, sees := ch.Call.CallID, l.shown[ch.Call.CallID], l.sees(ch.Call)
	ev := LiveCallEvent{Kind: string(ch.Kind), Call: &ch.Call, At: ch.At}
	switch {
	case ch.Kind == calls.LiveEnded:
		delete(l.shown, id)
		return ev, was
	case sees && !was:
		l.shown[id] = true
		ev.Kind = string(calls.LiveAppeared)
		return ev, true
	case sees:
		return ev, true
	case was:
		delete(l.shown, id)
		ev.Kind = liveLeft
		return ev, true
	}
	return LiveCallEvent{}, false
}

func writeLiveEvent(s *sseStream, ev LiveCallEvent) error {
	b, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	return s.event(ev.Kind, b)
}
