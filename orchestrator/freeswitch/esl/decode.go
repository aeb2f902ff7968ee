package esl

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/bits"
	"slices"
	"strconv"
	"sync"
)

// HeaderSet names the event headers a consumer reads. A FreeSWITCH CHANNEL_*
// event carries 60-230 headers and the controller reads about twenty names
// in all, so a Decoder given the set skips the rest: building every header
// (a map, a string each) was most of the cost of one event. Event-Name is
// always in the set. Its methods are safe for concurrent use.
type HeaderSet struct {
	names []string
	byLen [][]int // byLen[n]: indexes of the names n bytes long
	// probe[n] (first) and probe[64+n] (last) have bit c&63 set when a
	// name n bytes long (0 < n < 64), or "_body", starts (ends) with byte
	// c: most keys of an event fail them.
	probe [128]uint64

	mu     sync.Mutex
	missed map[string]bool
}

// NewHeaderSet returns the set of names plus Event-Name. The body of an
// event is always kept; "_body" and "Content-Length" are not headers of a
// decoded event and are refused, as are empty names (a programming error:
// it panics, as regexp.MustCompile does).
func NewHeaderSet(names ...string) *HeaderSet {
	s := &HeaderSet{missed: map[string]bool{}}
	s.addProbe("_body")
	for _, n := range append([]string{"Event-Name"}, names...) {
		if n == "" || n == "_body" || n == "Content-Length" {
			panic("esl: NewHeaderSet: " + strconv.Quote(n) + " cannot be kept as an event header")
		}
		if s.Has(n) {
			continue
		}
		for len(s.byLen) <= len(n) {
			s.byLen = append(s.byLen, nil)
		}
		s.byLen[len(n)] = append(s.byLen[len(n)], len(s.names))
		s.names = append(s.names, n)
		s.addProbe(n)
	}
	return s
}

// Has reports whether name is in the set.
func (s *HeaderSet) Has(name string) bool {
	if len(name) >= len(s.byLen) {
		return false
	}
	for _, i := range s.byLen[len(name)] {
		if s.names[i] == name {
			return true
		}
	}
	return false
}

func (s *HeaderSet) addProbe(name string) {
	if n := len(name); n < 64 {
		s.probe[n] |= 1 << (name[0] & 63)
		s.probe[64+n] |= 1 << (name[n-1] & 63)
	}
}

// index is the position of key in names, keyBody for "_body", or keySkip.
// It takes bytes so the decoder's keys need no string.
func (s *HeaderSet) index(key []byte) int {
	n := len(key)
	if n == 5 && string(key) == "_body" {
		return keyBody
	}
	if n >= len(s.byLen) {
		return keySkip
	}
	for _, i := range s.byLen[n] {
		if string(key) == s.names[i] {
			return i
		}
	}
	return keySkip
}

// check records name when it is not in the set: an event decoded with this
// set was asked for it, and could only answer "absent".
func (s *HeaderSet) check(name string) {
	if s.Has(name) {
		return
	}
	s.mu.Lock()
	s.missed[name] = true
	s.mu.Unlock()
}

// Missed returns, sorted, the names that events decoded with this set were
// asked for although the set does not keep them. Each is a bug in the
// consumer's set: the event may have carried the header. Tests assert it is
// empty after exercising the consumer.
func (s *HeaderSet) Missed() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.missed))
	for n := range s.missed {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// Decoder decodes event frames keeping only the headers of its set, and the
// body. It keeps scratch buffers between frames and retains nothing of the
// frame it decodes, so it can decode frames read with ReadFrameShared. It is
// not safe for concurrent use: one per reader goroutine.
type Decoder struct {
	set     *HeaderSet // nil: every header
	vals    []byte     // decoded values of the kept headers, back to back
	spans   []span
	body    []byte // the decoded "_body" (copied out for the event)
	hasBody bool
	quotes  []uint64 // the scanner's quote masks
}

type span struct{ name, start, end int }

// NewDecoder returns a Decoder keeping the headers of set; with a nil set it
// keeps every header (ParseEvent, with the frame's bytes copied).
func NewDecoder(set *HeaderSet) *Decoder { return &Decoder{set: set} }

// Event decodes an event frame by its Content-Type, as ParseEvent does, and
// accepts exactly the frames ParseEvent accepts. The event's kept values
// share one allocation.
func (d *Decoder) Event(f *Frame) (*Event, error) {
	if d.set == nil {
		return ParseEvent(f) // its values are copies: f's buffers may be reused
	}
	switch ct := f.ContentType(); ct {
	case TypeEventJSON:
		e, err := d.json(f.Body)
		if err != nil {
			return nil, frameErr(ErrMalformed, "json event: %v", err)
		}
		if e.Name() == "" {
			return nil, frameErr(ErrMalformed, "json event has no Event-Name")
		}
		return e, nil
	case TypeEventPlain:
		e, err := ParsePlain(f.Body) // not the controller's format: filtered after a full parse
		if err != nil {
			return nil, err
		}
		kept := e.headers[:0]
		for _, h := range e.headers {
			if d.set.Has(h.Name) {
				kept = append(kept, h)
			}
		}
		e.headers, e.kept = slices.Clip(kept), d.set
		return e, nil
	default:
		return nil, frameErr(ErrMalformed, "content type %q is not an event", truncate(ct))
	}
}

// json decodes a text/event-json body. It validates the whole body as
// parseFlatJSON does (the same inputs fail), but skips the values of headers
// not kept without decoding them, scanning strings eight bytes at a time.
func (d *Decoder) json(b []byte) (*Event, error) {
	d.vals, d.spans, d.body, d.hasBody = d.vals[:0], d.spans[:0], d.body[:0], false
	p := &scanner{b: b}
	d.quotes = p.index(d.quotes)
	p.space()
	if !p.eat('{') {
		return nil, p.fail("object start")
	}
	p.space()
	if !p.eat('}') {
		for {
			if p.quotes != nil {
				d.pairs(p)
			}
			p.space()
			name, err := p.key(d.set)
			if err != nil {
				return nil, err
			}
			p.space()
			if !p.eat(':') {
				return nil, p.fail("':' after key")
			}
			p.space()
			switch name {
			case keySkip:
				err = p.skipValue()
			case keyBody:
				d.body, err = p.value(d.body[:0])
				d.hasBody = true
			default:
				start := len(d.vals)
				if d.vals, err = p.value(d.vals); err == nil {
					d.spans = append(d.spans, span{name, start, len(d.vals)})
				}
			}
			if err != nil {
				return nil, err
			}
			p.space()
			if p.eat(',') {
				continue
			}
			if p.eat('}') {
				break
			}
			return nil, p.fail("',' or '}'")
		}
	}
	p.space()
	if p.i != len(p.b) {
		return nil, p.fail("end of input")
	}
	arena := string(d.vals)
	e := newEvent(len(d.spans))
	e.kept = d.set
	for _, sp := range d.spans {
		e.headers = append(e.headers, Header{d.set.names[sp.name], arena[sp.start:sp.end]})
	}
	e.name = e.Get("Event-Name")
	if d.hasBody {
		e.Body = append(make([]byte, 0, len(d.body)), d.body...)
	}
	return e, nil
}

// pairs consumes, from p.i on, the members in FreeSWITCH's own form:
// "key":"value", with no whitespace, no backslash and (p.quotes says) no
// control byte, each followed by a comma. It stops at the first member that
// is not, or is the last; the general path takes it from there. These
// strings need no validation beyond their quotes and no decoding but of
// non-ASCII bytes. skipPairs passes over the members whose keys the set's
// probe refuses, which are most of them.
func (d *Decoder) pairs(p *scanner) {
	b, i, bs := p.b, p.i, p.nextBS
	for {
		if bs < i {
			bs = indexFrom(b, i, '\\')
		}
		var kc, vc int
		i, kc, vc = skipPairs(b, p.quotes, i, bs, &d.set.probe)
		if vc < 0 {
			break
		}
		if k := d.set.index(b[i+1 : kc]); k >= 0 {
			start := len(d.vals)
			d.vals = appendPlain(d.vals, b[kc+3:vc])
			d.spans = append(d.spans, span{k, start, len(d.vals)})
		} else if k == keyBody {
			d.body = appendPlain(d.body[:0], b[kc+3:vc])
			d.hasBody = true
		}
		i = vc + 2
	}
	p.i, p.nextBS = i, bs
}

// skipPairs steps over FreeSWITCH-form members from i (a key's opening
// quote) whose keys probe refuses, and returns where it stopped: at a
// member in that form whose key may be kept, with the closing quotes of
// its key (kc) and value (vc), or with vc = -1 at the first member that is
// not in that form, is the last, or reaches the backslash at bs. A member
// costs two lookups in the quote bits q, two 3-byte compares and no call.
func skipPairs(b []byte, q []uint64, i, bs int, probe *[128]uint64) (at, kc, vc int) {
	const (
		colon = '"' | ':'<<8 | '"'<<16 // a key's end and its value's start
		comma = '"' | ','<<8 | '"'<<16 // a value's end and the next key's start
	)
	if i >= len(b) || b[i] != '"' {
		return i, 0, -1
	}
	for {
		kc = quoteFrom(q, i+1)
		if uint(kc+3) >= uint(len(b)) || le24(b, kc) != colon {
			break
		}
		vc = quoteFrom(q, kc+3)
		if uint(vc+3) >= uint(len(b)) || le24(b, vc) != comma || bs < vc {
			break
		}
		if n := uint(kc - i - 1); n-1 >= 63 ||
			probe[n]>>(b[i+1]&63)&1 != 0 && probe[64+n]>>(b[kc-1]&63)&1 != 0 {
			return i, kc, vc // n is 0 or above 63, or the probe lets it by
		}
		i = vc + 2
	}
	return i, 0, -1
}

// le24 is b[i:i+3] as a little-endian number.
func le24(b []byte, i int) uint32 {
	return uint32(b[i]) | uint32(b[i+1])<<8 | uint32(b[i+2])<<16
}

// quoteFrom is the index of the first '"' at or after i by the quote bits q,
// or a position past every quote (at least len(q)*64). It is small enough
// to be inlined; a quote in a later word takes quoteAfter.
func quoteFrom(q []uint64, i int) int {
	w := i >> 6
	if w >= len(q) {
		return len(q) * 64
	}
	if m := q[w] >> (i & 63); m != 0 {
		return i + bits.TrailingZeros64(m)
	}
	return quoteAfter(q, w+1)
}

// quoteAfter is the index of the first quote in q[w:], or len(q)*64.
func quoteAfter(q []uint64, w int) int {
	for ; w < len(q); w++ {
		if m := q[w]; m != 0 {
			return w*64 + bits.TrailingZeros64(m)
		}
	}
	return len(q) * 64
}

// appendPlain appends a string's content that has no escapes: as it is
// when ASCII, else with invalid UTF-8 replaced as encoding/json does.
func appendPlain(dst, raw []byte) []byte {
	if ascii(raw) {
		return append(dst, raw...)
	}
	out, _ := decodeStr(dst, raw) // cannot fail: no escapes, no controls
	return out
}

// indexFrom is the index of the first c in b at or after i, or len(b).
func indexFrom(b []byte, i int, c byte) int {
	if j := bytes.IndexByte(b[i:], c); j >= 0 {
		return i + j
	}
	return len(b)
}

// Key classes besides an index into the set's names.
const (
	keySkip = -1 // not kept (Content-Length never is: NewHeaderSet refuses it)
	keyBody = -2 // "_body"
)

// scanner reads one JSON object of string and string-array values from a
// byte slice it does not copy.
//
// A body without control bytes (FreeSWITCH escapes them) is first indexed:
// one branch-free pass marks every '"' in quotes, a bit a byte, so
// finding the end of each of an event's ~300 strings is a mask lookup, not a
// scan. A string with a backslash before its candidate end, and every
// string of a body with control bytes, take the byte-level scan (str).
type scanner struct {
	b []byte
	i int
	// quotes[w] has bit k set when b[64w+k] is '"'; nil when b has control
	// bytes.
	quotes []uint64
	nextBS int // index of the first '\\' at or after it was last looked for
}

// index fills quotes (reusing buf) unless b has a control byte.
func (p *scanner) index(buf []uint64) []uint64 {
	b := p.b
	n := (len(b) + 63) / 64
	if cap(buf) < n {
		buf = make([]uint64, n)
	}
	q := buf[:n]
	whole := len(b) / 64
	ctl := blocks64(b[:whole*64], q[:whole])
	if rest := b[whole*64:]; len(rest) > 0 {
		var tail [64]byte
		for k := copy(tail[:], rest); k < 64; k++ {
			tail[k] = ' ' // neither a quote nor a control
		}
		var c uint64
		q[whole], c = block64(&tail)
		ctl = ctl || c&highs != 0
	}
	if !ctl {
		p.quotes = q
	}
	return buf
}

// blocks64Generic is blocks64 in portable Go: it sets q[w] to the '"' bits
// of b[64w:64w+64] and reports whether any byte of b is below 0x20. len(b)
// is a multiple of 64 and q has a word for each 64 bytes.
func blocks64Generic(b []byte, q []uint64) (ctl bool) {
	var c uint64
	for w := range q {
		var cw uint64
		q[w], cw = block64((*[64]byte)(b[w*64:]))
		c |= cw
	}
	return c&highs != 0
}

// block64 returns the '"' bits of 64 bytes and, in its high bits, whether
// any byte is below 0x20 (a leaf, so the eight words stay in registers).
func block64(blk *[64]byte) (quotes, ctl uint64) {
	x0 := binary.LittleEndian.Uint64(blk[0:8])
	x1 := binary.LittleEndian.Uint64(blk[8:16])
	x2 := binary.LittleEndian.Uint64(blk[16:24])
	x3 := binary.LittleEndian.Uint64(blk[24:32])
	x4 := binary.LittleEndian.Uint64(blk[32:40])
	x5 := binary.LittleEndian.Uint64(blk[40:48])
	x6 := binary.LittleEndian.Uint64(blk[48:56])
	x7 := binary.LittleEndian.Uint64(blk[56:64])
	ctl = (x0-0x20*ones)&^x0 | (x1-0x20*ones)&^x1 | (x2-0x20*ones)&^x2 | (x3-0x20*ones)&^x3 |
		(x4-0x20*ones)&^x4 | (x5-0x20*ones)&^x5 | (x6-0x20*ones)&^x6 | (x7-0x20*ones)&^x7
	const q = '"' * ones
	quotes = movemask(zeroBytes(x0^q)) | movemask(zeroBytes(x1^q))<<8 |
		movemask(zeroBytes(x2^q))<<16 | movemask(zeroBytes(x3^q))<<24 |
		movemask(zeroBytes(x4^q))<<32 | movemask(zeroBytes(x5^q))<<40 |
		movemask(zeroBytes(x6^q))<<48 | movemask(zeroBytes(x7^q))<<56
	return quotes, ctl
}

// zeroBytes flags exactly the zero bytes of x in their high bits (no borrow
// crosses bytes).
func zeroBytes(x uint64) uint64 {
	const low7 = 0x7f7f7f7f7f7f7f7f
	return ^(((x & low7) + low7) | x) & highs
}

// movemask gathers the high bits of the eight bytes of m (nothing else set)
// into the low eight bits: byte k's bit lands at 56+k of the product, and no
// two partial products share a bit, so nothing carries.
func movemask(m uint64) uint64 { return (m >> 7) * 0x0102040810204080 >> 56 }

func (p *scanner) fail(want string) error {
	if p.i >= len(p.b) {
		return errors.New("unexpected end of JSON, want " + want)
	}
	return errors.New("invalid character " + strconv.QuoteRune(rune(p.b[p.i])) + " at offset " + strconv.Itoa(p.i) + ", want " + want)
}

func (p *scanner) space() {
	b, i := p.b, p.i
	if i < len(b) && b[i] > ' ' {
		return
	}
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	p.i = i
}

func (p *scanner) eat(c byte) bool {
	if p.i < len(p.b) && p.b[p.i] == c {
		p.i++
		return true
	}
	return false
}

// key reads an object key and classifies it against set.
func (p *scanner) key(set *HeaderSet) (int, error) {
	start, end, esc, err := p.str()
	if err != nil {
		return 0, err
	}
	k := p.b[start:end]
	if esc { // rare: compare the decoded key
		var dec []byte
		if dec, err = decodeStr(nil, k); err != nil {
			return 0, err
		}
		k = dec
	}
	// Raw bytes without escapes equal a (plain ASCII) name exactly when the
	// decoded key does: invalid UTF-8 decodes to U+FFFD, never to ASCII.
	return set.index(k), nil
}

// str reads a string token at p.i, validating it as encoding/json does (no
// raw control characters, only known escapes), and returns the bounds of its
// raw content and whether it has escapes.
func (p *scanner) str() (start, end int, esc bool, err error) {
	b, i := p.b, p.i
	if i >= len(b) || b[i] != '"' {
		return 0, 0, false, p.notString()
	}
	i++
	start = i
	if p.quotes != nil {
		// No control byte anywhere: the string ends at the first quote that
		// no escape takes, and only backslashes need looking for.
		e := quoteFrom(p.quotes, i)
		if e < len(b) {
			if p.nextBS < i {
				p.nextBS = indexFrom(b, i, '\\')
			}
			if e < p.nextBS {
				p.i = e + 1
				return start, e, false, nil
			}
		}
		for e < len(b) {
			j := backslashFrom(b, i, e)
			if j == e {
				p.i = e + 1
				return start, e, esc, nil
			}
			n := 0
			if j+1 < len(b) {
				n = int(shortEscape[b[j+1]])
			}
			if n == 0 {
				if n = escapeLen(b[j:]); n == 0 {
					break // the byte scan from i reports it
				}
			}
			esc, i = true, j+n
			if i > e { // the escape took that quote
				e = quoteFrom(p.quotes, i)
			}
		}
	}
	for {
		for i+8 <= len(b) { // eight bytes at a time to the next special byte
			if m := specialBytes(binary.LittleEndian.Uint64(b[i:])); m != 0 {
				i += bits.TrailingZeros64(m) >> 3
				break
			}
			i += 8
		}
		if i >= len(b) {
			p.i = i
			return 0, 0, false, p.fail("closing quote")
		}
		switch c := b[i]; {
		case c == '"':
			p.i = i + 1
			return start, i, esc, nil
		case c == '\\':
			n := escapeLen(b[i:])
			if n == 0 {
				p.i = i + 1
				if i+1 < len(b) && b[i+1] == 'u' {
					return 0, 0, false, p.fail("4 hex digits")
				}
				return 0, 0, false, p.fail("escape character")
			}
			esc = true
			i += n
		case c < 0x20:
			p.i = i
			return 0, 0, false, p.fail("string character")
		default:
			i++
		}
	}
}

func (p *scanner) notString() error {
	if p.i < len(p.b) && isJSONValueStart(p.b[p.i]) {
		return errNotString
	}
	return p.fail("string")
}

func isJSONValueStart(c byte) bool {
	return c == '-' || '0' <= c && c <= '9' || c == 't' || c == 'f' || c == 'n' || c == '{' || c == '['
}

const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// specialBytes flags, in the high bit of each byte, the bytes of x (little
// endian) that stop a string scan: '"', '\\' and controls below 0x20. Only
// the lowest flag is exact (borrows may flag bytes above it), which is the
// only one used.
func specialBytes(x uint64) uint64 {
	q := x ^ ('"' * ones)
	s := x ^ ('\\' * ones)
	return ((q - ones) &^ q & highs) | ((s - ones) &^ s & highs) | ((x - 0x20*ones) &^ x & highs)
}

// backslashFrom is the index of the first '\\' in b[i:e], or e: eight bytes
// at a time, looking for that byte alone.
func backslashFrom(b []byte, i, e int) int {
	for ; i+8 <= e; i += 8 {
		x := binary.LittleEndian.Uint64(b[i:]) ^ '\\'*ones
		if m := (x - ones) &^ x & highs; m != 0 {
			return i + bits.TrailingZeros64(m)>>3
		}
	}
	for ; i < e; i++ {
		if b[i] == '\\' {
			return i
		}
	}
	return e
}

// shortEscape[c] is 2 when '\\' then c is a valid two-byte escape.
var shortEscape = [256]uint8{'"': 2, '\\': 2, '/': 2, 'b': 2, 'f': 2, 'n': 2, 'r': 2, 't': 2}

// escapeLen is the length of the valid escape b starts with ('\\'), or 0.
func escapeLen(b []byte) int {
	if len(b) < 2 {
		return 0
	}
	switch b[1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		return 2
	case 'u':
		if len(b) >= 6 && isHex(b[2]) && isHex(b[3]) && isHex(b[4]) && isHex(b[5]) {
			return 6
		}
	}
	return 0
}

// skipValue validates a string or an array of strings without decoding it.
func (p *scanner) skipValue() error {
	if !p.eat('[') {
		_, _, _, err := p.str()
		return p.itemErr(err, "is not a string or an array of strings")
	}
	p.space()
	if p.eat(']') {
		return nil
	}
	for {
		p.space()
		if _, _, _, err := p.str(); err != nil {
			return p.itemErr(err, "array item is not a string")
		}
		p.space()
		if p.eat(']') {
			return nil
		}
		if !p.eat(',') {
			return p.fail("',' or ']'")
		}
	}
}

func (p *scanner) itemErr(err error, what string) error {
	if err != nil && errors.Is(err, errNotString) {
		return errors.New("header value " + what)
	}
	return err
}

// value decodes a string or an array of strings ("ARRAY::a|:b", FreeSWITCH's
// plain form) onto dst.
func (p *scanner) value(dst []byte) ([]byte, error) {
	if !p.eat('[') {
		out, err := p.decodeNext(dst)
		return out, p.itemErr(err, "is not a string or an array of strings")
	}
	dst = append(dst, "ARRAY::"...)
	p.space()
	if p.eat(']') {
		return dst, nil
	}
	for n := 0; ; n++ {
		p.space()
		if n > 0 {
			dst = append(dst, "|:"...)
		}
		var err error
		if dst, err = p.decodeNext(dst); err != nil {
			return dst, p.itemErr(err, "array item is not a string")
		}
		p.space()
		if p.eat(']') {
			return dst, nil
		}
		if !p.eat(',') {
			return dst, p.fail("',' or ']'")
		}
	}
}

// decodeNext reads the string token at p.i and appends its decoded value.
func (p *scanner) decodeNext(dst []byte) ([]byte, error) {
	start, end, esc, err := p.str()
	if err != nil {
		return dst, err
	}
	raw := p.b[start:end]
	if !esc && ascii(raw) {
		return append(dst, raw...), nil
	}
	return decodeStr(dst, raw)
}

func ascii(b []byte) bool {
	for len(b) >= 8 {
		if binary.LittleEndian.Uint64(b)&highs != 0 {
			return false
		}
		b = b[8:]
	}
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

// decodeStr appends the decoded content of a validated string token (raw,
// without its quotes) with encoding/json's rules: escapes resolved, invalid
// UTF-8 and unpaired surrogates replaced by U+FFFD. It shares them with
// parseFlatJSON's slow path.
func decodeStr(dst, raw []byte) ([]byte, error) {
	fp := &flatParser{b: string(raw) + `"`}
	s, err := fp.slowStr(0)
	return append(dst, s...), err
}
