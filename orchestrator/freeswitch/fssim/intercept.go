package fssim

import "strings"

// appIntercept is the intercept application as switch_ivr_intercept_session
// (switch_ivr_bridge.c) runs it from an originated leg's `&intercept(UUID)`:
// the running leg is bridged with channel UUID, which leaves what it was
// doing (park, playback: the media stops with Playback-Status break) and is
// answered if it was not. The running leg is the bridge's A leg, so
// CHANNEL_BRIDGE is fired on it alone. A missing channel, or one already
// bridged while intercept_unbridged_only is set, is not joined; the leg then
// has nothing left to run and hangs up (originate marks it a dialplan leg).
// The intercepted channel is hung up when that bridge ends unless it has
// park_after_bridge (afterBridgeLocked).
// The -bleg form is not modelled.
func appIntercept(n *Node, ch *channel, a *runningApp) string {
	n.locked(func() {
		target := n.channels[strings.TrimSpace(a.arg)]
		if target == nil || target == ch || !target.live() || !ch.live() {
			return
		}
		if ch.vars.truthy("intercept_unbridged_only") && target.peer != nil {
			return
		}
		n.answerLocked(target)
		ch.other, target.other, ch.otherIsB, target.otherIsB = target.snapshot(), ch.snapshot(), true, false
		for _, leg := range []*channel{ch, target} {
			n.stopBroadcastLocked(leg)
			if leg != ch {
				n.leaveAppLocked(leg)
			}
			if leg.peer != nil {
				n.endBridgeLocked(leg)
			}
		}
		target.intercepted = true
		n.bridgeLocked(ch, target, false)
	})
	return "_none_"
}
