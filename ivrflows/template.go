package ivrflows

import (
	"fmt"
	"strings"
)

// template is text with "${var}" placeholders, used for TTS text and HTTP
// paths where a full expression would be heavy for a business user.
type template struct {
	parts []string // literal, name, literal, name, ... literal
}

func parseTemplate(s string, vars map[string]any) (*template, error) {
	t := &template{}
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			t.parts = append(t.parts, s)
			return t, nil
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			return nil, fmt.Errorf("%q has a \"${\" without a closing \"}\"", s)
		}
		name := s[i+2 : i+j]
		if _, ok := vars[name]; !ok {
			return nil, fmt.Errorf("variable %q is not defined%s", name, DidYouMean(name, vars))
		}
		t.parts = append(t.parts, s[:i], name)
		s = s[i+j+1:]
	}
}

func (t *template) render(vars map[string]any, escape bool) string {
	if len(t.parts) == 1 {
		return t.parts[0]
	}
	var b strings.Builder
	for i, p := range t.parts {
		if i%2 == 0 {
			b.WriteString(p)
			continue
		}
		v := formatValue(vars[p])
		if escape {
			v = pathEscape(v)
		}
		b.WriteString(v)
	}
	return b.String()
}

// pathEscape percent-encodes everything but RFC 3986 unreserved characters, so
// a variable cannot add path segments or a query to a URL. (net/url is kept
// out of the core by the import rules.)
func pathEscape(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._~", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}
