package fssim

// appEndlessPlayback is FreeSWITCH's endless_playback (music on hold): the
// file plays again and again, each round with its PLAYBACK_START/STOP.
// Known infidelity: here uuid_break ends it; a real FreeSWITCH 1.10.12 only
// ends that round (PLAYBACK_STOP "break", then PLAYBACK_START again) and the
// app runs until hangup or transfer. The adapter does not use it (a Loop is
// replayed by the controller with playback).
func appEndlessPlayback(n *Node, ch *channel, a *runningApp) string {
	if !n.playable(a.arg) { // every round fails at the open: the app ends
		return "FILE NOT FOUND"
	}
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
