package fssim

// appEndlessPlayback is FreeSWITCH's endless_playback (music on hold): the
// file plays again and again, each round with its PLAYBACK_START/STOP, until
// the app is broken (uuid_break) or the channel hangs up.
func appEndlessPlayback(n *Node, ch *channel, a *runningApp) string {
	if n.mediaDuration(a.arg) <= 0 { // nothing to repeat: wait, do not spin
		stop, release := n.interrupted(ch, a)
		defer release()
		<-stop
		return "FILE PLAYED"
	}
	for n.play(ch, a, a.arg, false) {
	}
	return "FILE PLAYED"
}
