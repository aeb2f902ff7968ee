package fssim

// Hearing is what a channel hears at one moment. fssim carries no media, so
// this is its model of FreeSWITCH's audio paths, for tests that ask "does the
// caller hear the agent, the music, or nothing?":
//
//   - A broadcast (hold music from a held partner) or a media application
//     (playback, endless_playback, speak, play_and_get_digits) plays to the
//     channel. In a bridge FreeSWITCH runs it inline and suspends the bridge,
//     so the channel does not hear its peer meanwhile, nor the peer it.
//   - Otherwise a bridged peer's voice reaches it unless either leg is held
//     (CF_SUSPEND) or the peer is muted (uuid_audio read mute).
//   - A conference member hears the conference.
//
// The zero Hearing is silence. Eavesdropping is not modelled here.
type Hearing struct {
	Media      string `json:"media,omitempty"`      // file or stream played to it
	Peer       string `json:"peer,omitempty"`       // UUID of the bridged leg whose voice reaches it
	Conference string `json:"conference,omitempty"` // conference name
}

// Silent reports whether the channel hears nothing.
func (h Hearing) Silent() bool { return h == Hearing{} }

var mediaApps = map[string]bool{"playback": true, "endless_playback": true, "speak": true, "play_and_get_digits": true}

// playingLocked is the media played to ch now, or "".
func playingLocked(ch *channel) string {
	if ch.holdApp != nil {
		return ch.holdApp.arg
	}
	if a := ch.app; a != nil && mediaApps[a.name] {
		return a.arg
	}
	return ""
}

func hearingLocked(ch *channel) Hearing {
	if !ch.live() {
		return Hearing{}
	}
	if m := playingLocked(ch); m != "" {
		return Hearing{Media: m}
	}
	var h Hearing
	if ch.conf != nil {
		h.Conference = ch.conf.conf.name
	}
	if p := ch.peer; p != nil && p.live() && !ch.held && !p.held && !p.muted && playingLocked(p) == "" {
		h.Peer = p.uuid
	}
	return h
}

// Hears reports what the live channel uuid hears now.
func (n *Node) Hears(uuid string) (Hearing, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	ch := n.channels[uuid]
	if ch == nil || !ch.live() {
		return Hearing{}, false
	}
	return hearingLocked(ch), true
}
