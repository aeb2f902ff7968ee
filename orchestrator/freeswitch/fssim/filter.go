package fssim

import (
	"regexp"
	"strings"
)

// filter is one entry of a connection's event filter list, added by the
// ESL `filter` command. mod_event_socket keeps the list as the headers of a
// private event, in the order added, duplicates allowed.
type filter struct {
	header string // the event header it reads, matched case-insensitively
	value  string // as given, prefix included: what `filter delete` compares
	pos    bool   // '+' (the default) or '-' before the value
	cmp    string // the value after its +, - and space prefix
	// isRE: the value as given starts with '/' (a prefix before the '/'
	// makes it a plain comparison with the slashes, as in FreeSWITCH).
	isRE bool
	re   *regexp.Regexp // nil when the pattern does not compile: never matches
}

// newFilter parses value as event_handler in mod_event_socket.c reads it.
func newFilter(header, value string) filter {
	f := filter{header: header, value: value, pos: true}
	cmp := value
	for len(cmp) > 0 {
		switch cmp[0] {
		case '+':
			f.pos = true
		case '-':
			f.pos = false
		case ' ':
		default:
			goto done
		}
		cmp = cmp[1:]
	}
done:
	f.cmp = cmp
	if strings.HasPrefix(value, "/") {
		f.isRE, f.re = true, compileSwitchRegex(cmp)
	}
	return f
}

// compileSwitchRegex compiles a "/pattern/flags" expression as
// switch_regex_perform does: the pattern runs from after the first '/' to the
// last one (none: an error, no match), flags 'i' (caseless) and 's' (dot
// matches newline) are read, the rest ignored. FreeSWITCH uses PCRE; a
// pattern Go's RE2 syntax rejects (lookaround, backreferences) never matches
// here, as a pattern PCRE rejects never matches there.
func compileSwitchRegex(expr string) *regexp.Regexp {
	body := expr[1:]
	end := strings.LastIndexByte(body, '/')
	if end < 0 {
		return nil
	}
	pattern, flags := body[:end], body[end+1:]
	var prefix string
	if strings.ContainsRune(flags, 'i') {
		prefix += "i"
	}
	if strings.ContainsRune(flags, 's') {
		prefix += "s"
	}
	if prefix != "" {
		pattern = "(?" + prefix + ")" + pattern
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil
	}
	// pcre_exec gets an ovector of 30 ints: a match with more than nine
	// groups does not fit and returns 0, which the filter takes as no match.
	if re.NumSubexp() > 9 {
		return nil
	}
	return re
}

// matches reports whether f's value matches the header value v.
func (f *filter) matches(v string) bool {
	if f.isRE {
		return f.re != nil && f.re.MatchString(v)
	}
	return asciiEqualFold(v, f.cmp)
}

// filterCommand applies "filter ..." (the text after "filter ") and returns
// the reply text. Forms, as mod_event_socket parses them: `filter HEADER
// VALUE`, `filter add HEADER VALUE`, `filter delete HEADER [VALUE]`, `filter
// delete all`; VALUE is the rest of the line, spaces included.
func (c *conn) filterCommand(arg string) string {
	if i := strings.IndexAny(arg, "\r\n"); i >= 0 {
		arg = arg[:i]
	}
	arg = strings.TrimLeft(arg, " ")
	name, val, hasVal := strings.Cut(arg, " ")
	switch {
	case asciiEqualFold(name, "delete") && hasVal:
		name, val, hasVal = strings.Cut(val, " ")
		if asciiEqualFold(name, "all") {
			c.filters = nil
		} else {
			kept := c.filters[:0]
			for _, f := range c.filters {
				// switch_event_del_header_val: the name case-insensitively,
				// the value exactly; no value deletes every one of the name.
				if !(asciiEqualFold(f.header, name) && (val == "" || f.value == val)) {
					kept = append(kept, f)
				}
			}
			clear(c.filters[len(kept):])
			c.filters = kept
		}
		return "+OK filter deleted. [" + name + "][" + val + "]"
	case hasVal:
		if asciiEqualFold(name, "add") {
			name, val, hasVal = strings.Cut(val, " ")
			if !hasVal {
				// switch_event_add_header_string refuses a NULL value; the
				// reply prints it as glibc does.
				return "+OK filter added. [" + name + "]=[(null)]"
			}
		}
		c.filters = append(c.filters, newFilter(name, val))
		return "+OK filter added. [" + name + "]=[" + val + "]"
	default:
		return "-ERR invalid syntax"
	}
}

// passesFilters reports whether e gets through c's filters (Node.mu held),
// as event_handler decides: with no filter every event passes; otherwise an
// event passes when a positive filter matches and no negative one does. A
// filter whose header the event lacks is skipped; once a positive one has
// matched, later positive ones are not even compared, and a matching negative
// one drops the event whatever came before.
func (c *conn) passesFilters(e *event) bool {
	if len(c.filters) == 0 {
		return true
	}
	send := false
	for i := range c.filters {
		f := &c.filters[i]
		v, ok := e.header(f.header)
		if !ok || (send && f.pos) {
			continue
		}
		if f.matches(v) {
			if !f.pos {
				return false
			}
			send = true
		}
	}
	return send
}

// header returns the first header named name, compared as strcasecmp does
// (switch_event_get_header), or the body for "_body" when no header has that
// name.
func (e *event) header(name string) (string, bool) {
	for _, h := range e.hdrs {
		if asciiEqualFold(h.name, name) {
			return h.value, true
		}
	}
	if name == "_body" && e.body != "" {
		return e.body, true
	}
	return "", false
}

// asciiEqualFold is strcasecmp(a, b) == 0: ASCII letters fold, nothing else.
func asciiEqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if x == y {
			continue
		}
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
