package fssim

import (
	"strings"
	"time"
)

// originate is `originate {vars}ENDPOINT &app(arg)|EXTEN ...`. It waits for
// the far end and answers "+OK UUID" or "-ERR CAUSE". The application starts
// after the reply (capture 09: BACKGROUND_JOB, then CS_EXECUTE and the app).
func (n *Node) originate(arg string) (string, func()) {
	dial, rest := splitDial(strings.TrimSpace(arg))
	vars, order, targets, err := parseDialString(dial)
	if err != nil {
		return "-ERR " + err.Error() + "\n", nil
	}
	appName, appArg, err := parseOriginateApp(rest)
	if err != nil {
		return "-ERR " + err.Error() + "\n", nil
	}
	timeout := time.Duration(atoiDefault(vars["originate_timeout"], 60)) * time.Second
	cid := profile{callerName: vars["origination_caller_id_name"],
		callerNumber: orDefault(vars["origination_caller_id_number"], "0000000000")}
	var leg *channel
	cause := ""
	for _, t := range targets {
		if leg, cause = n.dial(t, vars, order, timeout, nil, cid); leg != nil {
			break
		}
	}
	if leg == nil {
		return "-ERR " + cause + "\n", nil
	}
	after := func() {
		if !leg.live() {
			return
		}
		n.stateLocked(leg, "CS_EXECUTE")
		leg.dialplan = true // a one-application extension: the leg hangs up when it returns
		if appName == "" {
			n.transferLocked(leg, []string{appArg})
			return
		}
		leg.queue = append(leg.queue, appReq{name: appName, arg: appArg, source: "originate"})
		leg.signal()
	}
	return "+OK " + leg.uuid + "\n", after
}

// splitDial cuts the dial string (which may hold spaces inside {}) from the
// rest of the arguments.
func splitDial(s string) (string, string) {
	depth := 0
	for i, r := range s {
		switch r {
		case '{', '[':
			depth++
		case '}', ']':
			depth--
		case ' ':
			if depth == 0 {
				return s[:i], strings.TrimSpace(s[i+1:])
			}
		}
	}
	return s, ""
}

// parseOriginateApp reads "&app(arg)" or an extension ("" app name).
func parseOriginateApp(rest string) (string, string, error) {
	f := strings.Fields(rest)
	if len(f) == 0 {
		return "", "", errorf("originate: missing &app() or extension")
	}
	first := f[0]
	if !strings.HasPrefix(first, "&") {
		return "", first, nil
	}
	if first == "&" {
		return "", "", errorf("originate: no application name after & in %q", rest)
	}
	first = strings.TrimPrefix(rest, "&")
	open := strings.IndexByte(first, '(')
	if open < 0 {
		return strings.Fields(first)[0], "", nil // f[0] != "&", so a name follows
	}
	if open == 0 {
		return "", "", errorf("originate: no application name in %q", rest)
	}
	end := strings.LastIndexByte(first, ')')
	if end < open {
		return "", "", errorf("originate: unclosed ( in %q", rest)
	}
	return first[:open], first[open+1 : end], nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
