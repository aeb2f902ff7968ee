package api

import (
	"encoding/json"
	"fmt"
	"net/http"
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
	w := c.Response()
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	flush(w)
	ctx := c.Request().Context()
	ping := time.NewTicker(streamPing)
	defer ping.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-ping.C: // a comment line keeps proxies from closing an idle stream
			if _, err := fmt.Fprint(w, ": ping\n\n"); err != nil {
				return nil
			}
			flush(w)
		case u, ok := <-sub.C:
			if !ok {
				return writeEvent(w, ACDStreamEvent{Kind: "end", Reason: sub.Err()})
			}
			ev, show := streamEvent(u, self)
			if !show {
				continue
			}
			if err := writeEvent(w, ev); err != nil {
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

func writeEvent(w http.ResponseWriter, ev ACDStreamEvent) error {
	b, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintf(w, "event: %s\ndata: %s\n\n", ev.Kind, b); err != nil {
		return err
	}
	flush(w)
	return nil
}

func flush(w http.ResponseWriter) {
	if err := http.NewResponseController(w).Flush(); err != nil {
		_ = err // not every writer flushes (tests); events still arrive at the end
	}
}
