package esl

import (
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"
)

// parseFlatJSON parses the one shape FreeSWITCH's text/event-json bodies
// have: an object whose values are strings or arrays of strings. It is a
// hand-written scanner because encoding/json's reflection into map[string]any
// cost most of the reader's time (events are 2-6 KB with ~150 headers). It
// accepts exactly what encoding/json accepts for that shape (a differential
// fuzz test holds it to that), including its replacement of invalid UTF-8.
//
// The body is converted to one string and keys and values without escapes
// are substrings of it: two allocations per event instead of one per header.
// Callers that keep a value for long should strings.Clone it.
func parseFlatJSON(b []byte, put func(k, v string, array []string)) error {
	p := &flatParser{b: string(b)}
	p.space()
	if !p.eat('{') {
		return p.fail("object start")
	}
	p.space()
	if p.eat('}') {
		return p.end()
	}
	for {
		p.space()
		k, err := p.str()
		if err != nil {
			return err
		}
		p.space()
		if !p.eat(':') {
			return p.fail("':' after key")
		}
		p.space()
		if err := p.value(k, put); err != nil {
			return err
		}
		p.space()
		if p.eat(',') {
			continue
		}
		if p.eat('}') {
			return p.end()
		}
		return p.fail("',' or '}'")
	}
}

type flatParser struct {
	b string
	i int
}

var errNotString = errors.New("not a string")

func (p *flatParser) fail(want string) error {
	if p.i >= len(p.b) {
		return errors.New("unexpected end of JSON, want " + want)
	}
	return errors.New("invalid character " + strconv.QuoteRune(rune(p.b[p.i])) + " at offset " + strconv.Itoa(p.i) + ", want " + want)
}

func (p *flatParser) end() error {
	p.space()
	if p.i != len(p.b) {
		return p.fail("end of input")
	}
	return nil
}

func (p *flatParser) space() {
	b, i := p.b, p.i
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	p.i = i
}

func (p *flatParser) eat(c byte) bool {
	if p.i < len(p.b) && p.b[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *flatParser) value(k string, put func(k, v string, array []string)) error {
	if p.i < len(p.b) && p.b[p.i] == '[' {
		p.i++
		p.space()
		arr := []string{}
		if p.eat(']') {
			put(k, "", arr)
			return nil
		}
		for {
			p.space()
			s, err := p.str()
			if errors.Is(err, errNotString) {
				return errors.New("header " + strconv.Quote(truncate(k)) + ": array item is not a string")
			}
			if err != nil {
				return err
			}
			arr = append(arr, s)
			p.space()
			if p.eat(']') {
				put(k, "", arr)
				return nil
			}
			if !p.eat(',') {
				return p.fail("',' or ']'")
			}
		}
	}
	s, err := p.str()
	if errors.Is(err, errNotString) {
		return errors.New("header " + strconv.Quote(truncate(k)) + " is not a string or an array of strings")
	}
	if err != nil {
		return err
	}
	put(k, s, nil)
	return nil
}

// str reads a JSON string; the fast path copies it at once when it has no
// escapes and is plain ASCII.
func (p *flatParser) str() (string, error) {
	if p.i >= len(p.b) || p.b[p.i] != '"' {
		if p.i < len(p.b) && strings.IndexByte("-0123456789tfn{[", p.b[p.i]) >= 0 {
			return "", errNotString
		}
		return "", p.fail("string")
	}
	b, start := p.b, p.i+1
	i := start
	for i < len(b) && !special[b[i]] { // locals: the loop is the parser's hot spot
		i++
	}
	if i < len(b) && b[i] == '"' {
		p.i = i + 1
		return b[start:i], nil
	}
	p.i = i
	return p.slowStr(start)
}

// special marks the bytes that end a string's fast path: the closing quote,
// an escape, a control character or the start of a multi-byte rune.
var special = func() (t [256]bool) {
	for c := range 256 {
		t[c] = c == '"' || c == '\\' || c < 0x20 || c >= utf8.RuneSelf
	}
	return t
}()

func (p *flatParser) slowStr(start int) (string, error) {
	var sb strings.Builder
	sb.WriteString(p.b[start:p.i])
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			p.i++
			return sb.String(), nil
		case c < 0x20:
			return "", p.fail("string character")
		case c == '\\':
			if err := p.escape(&sb); err != nil {
				return "", err
			}
		case c < utf8.RuneSelf:
			sb.WriteByte(c)
			p.i++
		default:
			r, n := utf8.DecodeRuneInString(p.b[p.i:])
			if r == utf8.RuneError && n == 1 {
				sb.WriteRune(utf8.RuneError)
			} else {
				sb.WriteString(p.b[p.i : p.i+n])
			}
			p.i += n
		}
	}
	return "", p.fail("closing quote")
}

func (p *flatParser) escape(sb *strings.Builder) error {
	if p.i+1 >= len(p.b) {
		p.i = len(p.b)
		return p.fail("escape")
	}
	c := p.b[p.i+1]
	p.i += 2
	switch c {
	case '"', '\\', '/':
		sb.WriteByte(c)
	case 'b':
		sb.WriteByte('\b')
	case 'f':
		sb.WriteByte('\f')
	case 'n':
		sb.WriteByte('\n')
	case 'r':
		sb.WriteByte('\r')
	case 't':
		sb.WriteByte('\t')
	case 'u':
		r, ok := p.hex4()
		if !ok {
			return p.fail("4 hex digits")
		}
		if utf16IsSurrogate(r) {
			r = p.lowSurrogate(r)
		}
		sb.WriteRune(r)
	default:
		p.i--
		return p.fail("escape character")
	}
	return nil
}

// lowSurrogate completes a UTF-16 pair as encoding/json does: an unpaired
// surrogate becomes U+FFFD and the next escape is left for the caller.
func (p *flatParser) lowSurrogate(hi rune) rune {
	if hi >= 0xDC00 || p.i+1 >= len(p.b) || p.b[p.i] != '\\' || p.b[p.i+1] != 'u' {
		return utf8.RuneError
	}
	save := p.i
	p.i += 2
	lo, ok := p.hex4()
	if !ok || lo < 0xDC00 || lo > 0xDFFF {
		p.i = save
		return utf8.RuneError
	}
	return (hi-0xD800)<<10 | (lo - 0xDC00) + 0x10000
}

func utf16IsSurrogate(r rune) bool { return r >= 0xD800 && r < 0xE000 }

func (p *flatParser) hex4() (rune, bool) {
	if p.i+4 > len(p.b) {
		return 0, false
	}
	var r rune
	for j := p.i; j < p.i+4; j++ {
		c := p.b[j]
		if !isHex(c) {
			return 0, false
		}
		r = r<<4 | rune(unhex(c))
	}
	p.i += 4
	return r, true
}
