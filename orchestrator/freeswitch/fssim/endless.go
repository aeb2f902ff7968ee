package fssim

// appEndlessPlayback is FreeSWITCH's endless_playback (music on hold): the
// file plays again and again, each round with its PLAYBACK_START/STOP, until
// the app is broken (uuid_break) or the channel hangs up.
func appEndlessPlayback(n *Node, ch *channel, a *runningApp) string {
	for n.play(ch, a, a.arg, false) {
	}
	return "FILE PLAYED"
}
