package fssim

import (
	"strings"
	"time"

	"github.com/google/uuid"
)

// sendEventLocked plays `sendevent NAME` with the command's headers and
// body (mod_event_socket's parse_command): the event carries the whole
// command text as Command, the headers as sent, an Event-UUID, then the
// usual headers of a fired event, and goes to every subscriber as any
// event does (filters included). An event naming an existing channel in
// Unique-ID is queued to that session instead, which fssim does not
// simulate: nobody receives it. The reply is "+OK <Event-UUID>".
func (n *Node) sendEventLocked(cmd command) string {
	id := uuid.NewString()
	name := strings.ToUpper(strings.TrimLeft(cmd.line[len("sendevent"):], " \t"))
	if !knownEvent(name) || name == "ALL" {
		name = "CLONE" // switch_name_event failed: the event keeps its type
	}
	text := cmd.raw
	for _, h := range cmd.hdrs {
		text += "\n" + h.Name + ": " + h.Value
	}
	e := &event{name: name, body: cmd.body}
	e.add("Command", text+"\n\n")
	subclass := ""
	for _, h := range cmd.hdrs {
		e.add(h.Name, h.Value)
		if subclass == "" && asciiEqualFold(h.Name, "Event-Subclass") {
			subclass = h.Value
		}
		if asciiEqualFold(h.Name, "Unique-ID") && e.uuid == "" {
			e.uuid = h.Value
		}
	}
	e.add("Event-UUID", id)
	if e.uuid != "" && n.channels[e.uuid] != nil {
		return "+OK " + id
	}
	n.seq++
	core := &event{name: name}
	n.coreHeaders(core, time.Now(), n.seq, "mod_event_socket.c", "parse_command", 2276)
	e.addAll(core.hdrs)
	if name == "CUSTOM" {
		e.subclass = subclass
	}
	n.emitLocked(e)
	return "+OK " + id
}
