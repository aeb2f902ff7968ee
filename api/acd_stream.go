package api

import (
	"encoding/json"
	"time"

	"github.com/labstack/echo/v5"
	"github.com/switchboard-cc/switchboard/acd"
	"github.com/switchboard-cc/switchboard/orchestrator/acdowner"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// ACDStreamEvent is one server-sent event of the ACD stream. Kind is the SSE
// event name: transition, offer, cancel_offer, rona, queued, answered,
// overflow, finished, queue_stats, or end (the stream closes; Reason says why).
type ACDStreamEvent struct {
	Kind          string         `json:"kind"`
	AgentID       string         `json:"agent_id,omitempty"`
	InteractionID string         `json:"interaction_id,omitempty"`
	QueueID       string         `json:"queue_id,omitempty"`
	Medium        string         `json:"medium,omitempty"`
	From          string         `json:"from,omitempty"`
	To            string         `json:"to,omitempty"`
	Event         string         `json:"event,omitempty"`
	Reason        string         `json:"reason,omitempty"`
	At            time.Time      `json:"at,omitzero"`
	Queue         *ACDQueueStats `json:"queue,omitempty"`
}

// streamBuffer is each SSE subscriber's buffer; a client that falls this far
// behind is dropped by the owner (it reconnects and reloads).
const streamBuffer = 256

// streamPing is how often an idle stream sends a comment line.
const streamPing = 20 * time.Second

// streamACD holds the connection open and relays the tenant's updates.
// Callers holding monitor:read see everything; others (agents) see their own
// agent's events and queue figures only.
func (s *Server) streamACD(c *echo.Context) error {
	o, err := s.owner(c)
	if err != nil {
		return err
	}
	self := ""
	if p := principalOf(c); p == nil || !tenancy.Allowed(p.Role, tenancy.PermMonitor) {
		_, id, err := s.myAgent(c)
		if err != nil {
			return err
		}
		self = id
	}
	sub := o.Subscribe(streamBuffer)
	defer sub.Close()
	stream := startSSE(c)
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
		case u, ok := <-sub.C:
			if !ok {
				return writeEvent(stream, ACDStreamEvent{Kind: "end", Reason: sub.Err()})
			}
			ev, show := streamEvent(u, self)
			if !show {
				continue
			}
			if err := writeEvent(stream, ev); err != nil {
				return nil // the client went away
			}
		}
	}
}

// streamEvent turns an owner update into an event; self != "" keeps only
// that agent's events and queue figures.
func streamEvent(u acdowner.Update, self string) (ACDStreamEvent, bool) {
	if u.Queue != nil {
		q := queueStatsView(*u.Queue)
		return ACDStreamEvent{Kind: "queue_stats", QueueID: q.QueueID, Queue: &q}, true
	}
	d := u.Decision
	if d.Kind == acd.DecTimer || (self != "" && d.Agent != self) {
		return ACDStreamEvent{}, false
	}
	ev := ACDStreamEvent{Kind: d.Kind.String(), AgentID: d.Agent, InteractionID: d.Interaction, QueueID: d.Queue, At: d.At}
	if d.Kind != acd.DecTransition {
		ev.Medium = d.Medium.String()
	}
	if d.Kind == acd.DecTransition {
		t := d.Transition
		ev.From, ev.To, ev.Event, ev.Reason = t.From.String(), t.To.String(), t.Event.String(), t.Reason
	}
	if d.Kind == acd.DecOverflow {
		ev.Reason = d.Reason.String()
	}
	return ev, true
}

func writeEvent(s *sseStream, ev ACDStreamEvent) error {
	b, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	return s.event(ev.Kind, b)
}
