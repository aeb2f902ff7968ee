package fssim

import (
	"strconv"
	"strings"
)

// limitApp is the `limit` application with the hash backend, as
// mod_dptools.c limit_function runs it: "limit <backend> <realm> <id>
// [<max>[/interval]] [<transfer destination>]"; past max (a negative max is
// 0) a destination starting with '!' hangs the channel up with that cause
// ("if (*xfer_exten == '!') switch_channel_hangup(channel,
// switch_channel_str2cause(xfer_exten + 1))"); other destinations (a
// transfer) are not simulated and hang up with DESTINATION_OUT_OF_ORDER.
// A channel holds its use until it is destroyed; the interval is ignored.
func limitApp(n *Node, ch *channel, app *runningApp) string {
	f := strings.Fields(app.arg)
	if len(f) < 3 {
		return "_none_"
	}
	key := f[0] + "/" + f[1] + "/" + f[2]
	max := -1
	if len(f) > 3 {
		m, _ := strconv.Atoi(strings.SplitN(f[3], "/", 2)[0])
		max = m
		if max < 0 {
			max = 0
		}
	}
	dest := "limit_exceeded"
	if len(f) > 4 {
		dest = f[4]
	}
	n.locked(func() {
		used := 0
		for _, c := range n.channels {
			for _, k := range c.limits {
				if k == key && c.live() {
					used++
				}
			}
		}
		if max >= 0 && used >= max {
			if cause, ok := strings.CutPrefix(dest, "!"); ok {
				n.hangupLocked(ch, cause)
			} else {
				n.hangupLocked(ch, "DESTINATION_OUT_OF_ORDER")
			}
			return
		}
		ch.limits = append(ch.limits, key)
	})
	return "_none_"
}

// expandVars replaces each ${name} in arg with the channel's variable (empty
// when unset), as switch_core_session_execute_application_get_flags does
// with switch_channel_expand_variables before it runs an application.
// Only plain variable names: no nesting, no API calls, no $${globals}.
func expandVars(ch *channel, arg string) string {
	var b strings.Builder
	for {
		i := strings.Index(arg, "${")
		if i < 0 {
			b.WriteString(arg)
			return b.String()
		}
		j := strings.IndexByte(arg[i:], '}')
		if j < 0 {
			b.WriteString(arg)
			return b.String()
		}
		b.WriteString(arg[:i])
		v, _ := ch.vars.get(arg[i+2 : i+j])
		b.WriteString(v)
		arg = arg[i+j+1:]
	}
}
