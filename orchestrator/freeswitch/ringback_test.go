package freeswitch

import "testing"

// TestEndlessRingback: a tone or silence ringback is made endless, since
// FreeSWITCH ends the attempt when a ringback it cannot rewind runs out;
// files and streams are left as they are (it rewinds those).
func TestEndlessRingback(t *testing.T) {
	for in, want := range map[string]string{
		"tone_stream://%(200,0,440)":               "tone_stream://%(200,0,440);loops=-1",
		"tone_stream://%(300,4700,440);loops=-1":   "tone_stream://%(300,4700,440);loops=-1",
		"tone_stream://%(500,500,480,620);LOOPS=4": "tone_stream://%(500,500,480,620);loops=-1",
		"silence_stream://5000":                    "silence_stream://-1",
		"local_stream://moh":                       "local_stream://moh",
		"/usr/share/music/hold.wav":                "/usr/share/music/hold.wav",
		"file_string://a.wav!b.wav":                "file_string://a.wav!b.wav",
	} {
		if got := endlessRingback(in); got != want {
			t.Errorf("endlessRingback(%q) = %q, want %q", in, got, want)
		}
	}
}
