package fssim

import "slices"

// Hearing is what a channel hears at one moment. fssim carries no media, so
// this is its model of FreeSWITCH's audio paths, for tests that ask "does the
// caller hear the agent, the music, or nothing?":
//
//   - A broadcast (hold music from a held partner) or a media application
//     (playback, endless_playback, speak, play_and_get_digits) plays to the
//     channel. In a bridge FreeSWITCH runs it inline and suspends the bridge,
//     so the channel does not hear its peer meanwhile, nor the peer it.
//   - A caller whose bridge application rings a leg hears the ringback
//     (transfer_ringback when answered, else ringback), once the leg sent
//     its 180 or at once with instant_ringback (switch_ivr_originate).
//   - Otherwise a bridged peer's voice reaches it unless either leg is held
//     (CF_SUSPEND) or the peer is muted (uuid_audio read mute).
//   - A conference member hears the conference.
//   - Eavesdrop (switch_ivr_eavesdrop_session, see eavesdrop): the
//     eavesdropper hears the target and the target's bridged peer; its voice
//     reaches the target's peer with eavesdrop_whisper_aleg (mixed into the
//     target's read audio) and the target with eavesdrop_whisper_bleg (mixed
//     into what is written to the target). Those are Voices.
//   - uuid_audio read mute silences a channel's voice toward everyone; write
//     mute makes it hear nothing.
//
// The zero Hearing is silence.
type Hearing struct {
	Media      string   `json:"media,omitempty"`      // file or stream played to it
	Peer       string   `json:"peer,omitempty"`       // UUID of the bridged leg whose voice reaches it
	Conference string   `json:"conference,omitempty"` // conference name
	Voices     []string `json:"voices,omitempty"`     // other legs whose voice reaches it through eavesdrop, sorted
}

// Silent reports whether the channel hears nothing.
func (h Hearing) Silent() bool {
	return h.Media == "" && h.Peer == "" && h.Conference == "" && len(h.Voices) == 0
}

// HearsVoice reports whether the voice of leg uuid reaches the channel.
func (h Hearing) HearsVoice(uuid string) bool {
	return h.Peer == uuid || slices.Contains(h.Voices, uuid)
}

var mediaApps = map[string]bool{"playback": true, "endless_playback": true, "speak": true, "play_and_get_digits": true}

// playingLocked is the media played to ch now, or "".
func playingLocked(ch *channel) string {
	if ch.holdApp != nil {
		return ch.holdApp.arg
	}
	if a := ch.app; a != nil && mediaApps[a.name] {
		return a.arg
	}
	if a := ch.app; a != nil && a.name == "bridge" && !a.stopped() {
		return ch.ringback // the bridge application rings (cleared when it stops ringing)
	}
	return ""
}

func hearingLocked(ch *channel) Hearing {
	if !ch.live() || ch.deaf {
		return Hearing{}
	}
	if m := playingLocked(ch); m != "" {
		return Hearing{Media: m}
	}
	var h Hearing
	if ch.conf != nil {
		h.Conference = ch.conf.conf.name
	}
	if talking(ch, ch.peer) {
		h.Peer = ch.peer.uuid
	}
	h.Voices = voicesLocked(ch)
	return h
}

// talking reports whether p's voice reaches ch over their bridge.
func talking(ch, p *channel) bool {
	return p != nil && p.live() && !ch.held && !p.held && !p.muted && playingLocked(p) == ""
}

// voicesLocked lists the voices that reach ch through eavesdrop media bugs.
func voicesLocked(ch *channel) []string {
	var v []string
	add := func(c *channel) {
		if c != nil && c != ch && c.live() && !c.muted && !slices.Contains(v, c.uuid) {
			v = append(v, c.uuid)
		}
	}
	if e := ch.eavesdrop; e != nil && e.target.live() {
		if e.bridgeRead { // the target's own audio
			add(e.target)
		}
		if e.bridgeWrite && talking(e.target, e.target.peer) { // what is written to the target
			add(e.target.peer)
		}
	}
	for _, e := range ch.eavesdroppers {
		if e.muxWrite { // whispered into what ch hears
			add(e.by)
		}
	}
	if p := ch.peer; p != nil && !ch.held && !p.held {
		for _, e := range p.eavesdroppers {
			if e.muxRead { // mixed into the partner's audio toward ch
				add(e.by)
			}
		}
	}
	slices.Sort(v)
	return v
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
