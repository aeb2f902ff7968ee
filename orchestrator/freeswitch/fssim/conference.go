package fssim

import (
	"fmt"
	"sort"
	"strings"

	"github.com/google/uuid"
)

// conference is a mod_conference room; members join with the conference
// application and are managed with the `conference` api.
type conference struct {
	name, domain, profile, uuid string
	members                     map[int]*member
	nextID                      int
	floor                       *member
}

type member struct {
	id    int
	ch    *channel
	conf  *conference
	muted bool
	app   *runningApp
}

// maintenanceLocked emits CUSTOM conference::maintenance with action and,
// for member actions, the member's channel and conference flags. Headers in
// capture 10's order: Action comes last, except for floor-change, where
// Action and Old-ID come before the member data and New-ID after it.
func (n *Node) maintenanceLocked(c *conference, action string, m *member, pre, post []header) {
	e := n.newEventLocked("CUSTOM", "conference::maintenance", "mod_conference.c", "conference_event", 0)
	c.headers(e)
	e.addAll(pre)
	if len(pre) > 0 && m != nil {
		c.headers(e) // floor-change to a member repeats them (capture 10)
	}
	if m != nil {
		e.uuid = m.ch.uuid
		e.add("Floor", fmt.Sprint(c.floor == m))
		m.ch.channelData(e, false)
		speak := fmt.Sprint(!m.muted)
		for _, h := range [][2]string{{"Video", "false"}, {"Hear", "true"}, {"See", "true"},
			{"Speak", speak}, {"Talking", "false"}, {"Mute-Detect", "false"}, {"Hold", "false"},
			{"Member-ID", itoa(m.id)}, {"Member-Type", "member"}, {"Member-Ghost", "false"},
			{"Energy-Level", "100"}, {"Current-Energy", "0"}} {
			e.add(h[0], h[1])
		}
	}
	e.addAll(post)
	if action != "" {
		e.add("Action", action)
	}
	n.emitLocked(e)
}

func (c *conference) headers(e *event) {
	e.add("Conference-Name", c.name)
	e.add("Conference-Domain", c.domain)
	e.add("Conference-Size", itoa(len(c.members)))
	e.add("Conference-Ghosts", "0")
	e.add("Conference-Profile-Name", c.profile)
	e.add("Conference-Unique-ID", c.uuid)
}

// floorLocked gives the floor to m (nil: nobody); the event carries the
// new holder's member data, none when nobody gets the floor.
func (n *Node) floorLocked(c *conference, m *member) {
	id := func(x *member) string {
		if x == nil {
			return "none"
		}
		return itoa(x.id)
	}
	old := c.floor
	c.floor = m
	n.maintenanceLocked(c, "", m, []header{{"Action", "floor-change"}, {"Old-ID", id(old)}},
		[]header{{"New-ID", id(m)}})
}

// appConference joins "room[@profile][+flags{...}]" until hangup or kick.
func appConference(n *Node, ch *channel, a *runningApp) string {
	room, prof := parseRoom(a.arg)
	var m *member
	n.locked(func() {
		n.answerLocked(ch)
		c := n.confs[room]
		if c == nil {
			c = &conference{name: room, domain: n.cfg.Hostname, profile: prof, uuid: uuid.NewString(), members: map[int]*member{}}
			n.confs[room] = c
			n.maintenanceLocked(c, "conference-create", nil, nil, nil)
		}
		c.nextID++
		m = &member{id: c.nextID, ch: ch, conf: c, app: a}
		c.members[m.id] = m
		ch.conf = m
		ch.info.Conferences = append(ch.info.Conferences, room)
		n.maintenanceLocked(c, "add-member", m, nil, nil)
		if c.floor == nil {
			n.floorLocked(c, m)
		}
	})
	select {
	case <-ch.hungup:
	case <-a.stop:
	case <-n.ctx.Done():
	}
	n.locked(func() { n.leaveConferenceLocked(ch) })
	return "_none_"
}

func parseRoom(arg string) (room, prof string) {
	arg = strings.TrimSpace(arg)
	if i := strings.IndexAny(arg, "+"); i >= 0 {
		arg = arg[:i]
	}
	room, prof, ok := strings.Cut(arg, "@")
	if !ok {
		prof = "default"
	}
	return room, prof
}

// leaveConferenceLocked removes ch from its conference; the last one out
// destroys the room.
func (n *Node) leaveConferenceLocked(ch *channel) {
	m := ch.conf
	if m == nil {
		return
	}
	ch.conf = nil
	c := m.conf
	delete(c.members, m.id)
	if c.floor == m {
		n.floorLocked(c, nil)
	}
	n.maintenanceLocked(c, "del-member", m, nil, nil)
	m.app.stopLocked()
	if len(c.members) == 0 {
		n.maintenanceLocked(c, "conference-destroy", nil, nil, nil)
		delete(n.confs, c.name)
	}
}

// conferenceAPILocked is `conference list` and `conference NAME
// list|kick|mute|unmute ID`; r gets the reply before the events it causes.
func (n *Node) conferenceAPILocked(arg string, r func(string)) {
	r(n.conferenceCommandLocked(arg, r))
}

func (n *Node) conferenceCommandLocked(arg string, r func(string)) string {
	f := strings.Fields(arg)
	if len(f) == 0 {
		return "-ERR usage: conference <name> list|kick|mute|unmute [id]\n"
	}
	if f[0] == "list" {
		return n.conferenceListAllLocked()
	}
	c := n.confs[f[0]]
	if c == nil {
		return "-ERR Conference " + f[0] + " not found\n"
	}
	if len(f) < 2 {
		return "-ERR missing command for conference " + f[0] + "\n"
	}
	if f[1] == "list" {
		return c.rows()
	}
	if len(f) < 3 {
		return "-ERR missing member id\n"
	}
	return n.memberCommandLocked(c, f[1], f[2], r)
}

func (n *Node) memberCommandLocked(c *conference, verb, idArg string, r func(string)) string {
	id := atoiDefault(idArg, -1)
	m := c.members[id]
	if m == nil {
		return "-ERR Non-Existant ID " + idArg + "\n"
	}
	switch verb {
	case "kick", "hup":
		r("+OK kicked " + idArg + "\n")
		n.maintenanceLocked(c, "kick-member", m, nil, nil)
		n.leaveConferenceLocked(m.ch)
		return ""
	case "mute", "unmute":
		r("+OK " + verb + " " + idArg + "\n")
		m.muted = verb == "mute"
		m.ch.muted = m.muted
		m.ch.info.Muted = m.muted
		n.maintenanceLocked(c, verb+"-member", m, nil, nil)
		return ""
	}
	return "-ERR unknown conference command " + verb + "\n"
}

// rows prints members newest first: id;name;uuid;cid name;cid number;flags;...
func (c *conference) rows() string {
	ids := make([]int, 0, len(c.members))
	for id := range c.members {
		ids = append(ids, id)
	}
	sort.Sort(sort.Reverse(sort.IntSlice(ids)))
	var b strings.Builder
	for _, id := range ids {
		m := c.members[id]
		flags := "hear|speak"
		if m.muted {
			flags = "hear"
		}
		if c.floor == m {
			flags += "|floor"
		}
		fmt.Fprintf(&b, "%d;%s;%s;%s;%s;%s;0;0;100\n", id, m.ch.name, m.ch.uuid,
			m.ch.profile.callerName, m.ch.profile.callerNumber, flags)
	}
	return b.String()
}

func (n *Node) conferenceListAllLocked() string {
	var b strings.Builder
	for _, c := range n.confs {
		fmt.Fprintf(&b, "+OK Conference %s (%d members rate: 8000 flags: running|answered|dynamic)\n%s", c.name, len(c.members), c.rows())
	}
	return b.String()
}
