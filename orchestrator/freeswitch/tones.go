package freeswitch

import (
	"strings"

	"github.com/switchboard-cc/switchboard/orchestrator"
)

// toneStreams render the port's tones in mod_tone_stream's TGML
// (%(on_ms,off_ms,freq[,freq2])): the call path names a tone by what it
// means, and only this adapter knows FreeSWITCH's syntax for it.
//
// The busy and reorder cadences are the North American ones (ITU-T E.180
// lists them), which softphone users recognise: 480+620 Hz, 0.5 s on/off for
// busy, 0.25 s on/off for reorder; each stops by itself after a few cycles.
// The hold fallback is a soft 440 Hz beep every 5 s that never ends
// (loops=-1) until the controller stops it.
var toneStreams = map[orchestrator.Tone]string{
	orchestrator.ToneHoldFallback: "tone_stream://%(300,4700,440);loops=-1",
	orchestrator.ToneBusy:         "tone_stream://%(500,500,480,620);loops=4",
	orchestrator.ToneReorder:      "tone_stream://%(250,250,480,620);loops=8",
	orchestrator.ToneRecordBeep:   "tone_stream://%(500,0,800)",
}

// ToneStream is the tone_stream:// URL that plays t, or false for a tone
// this adapter does not know. Exported for tests that look at what a
// simulated node played.
func ToneStream(t orchestrator.Tone) (string, bool) {
	s, ok := toneStreams[t]
	return s, ok
}

// holdMusicVar is p as the value of a leg's hold_music variable: one file
// or tone, several files as a file_string. It reports false when p is empty
// or cannot be carried in a dial string's variable block (text to speak,
// braces, quotes, spaces): the leg then keeps the switch's default.
func holdMusicVar(p orchestrator.Playback) (string, bool) {
	var music string
	switch {
	case p.Tone != orchestrator.ToneNone:
		s, ok := ToneStream(p.Tone)
		if !ok {
			return "", false
		}
		music = s
	case len(p.Files) == 1:
		music = p.Files[0]
	case len(p.Files) > 1:
		music = "file_string://" + strings.Join(p.Files, "!")
	default:
		return "", false
	}
	if music == "" || strings.ContainsAny(music, "{}[]'\"\r\n ") {
		return "", false
	}
	return music, true
}
