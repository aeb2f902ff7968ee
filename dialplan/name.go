package dialplan

import "errors"

var errBadName = errors.New("want 1 to 64 of A-Z a-z 0-9 _ . -")

// ValidName reports whether s is a safe identifier: 1 to 64 ASCII letters,
// digits, '_', '.' or '-'. Tenant, site, entry, schedule and user names are
// held to it because adapters put them into switch configuration (FreeSWITCH
// expands "${...}" in dialplan data and splits on ',' and '|'), so a name
// must never carry syntax.
func ValidName(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '_' || c == '.' || c == '-'
		if !ok {
			return false
		}
	}
	return true
}
