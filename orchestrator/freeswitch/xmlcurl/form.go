package xmlcurl

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"slices"
	"strings"
	"sync"
)

// A request's form, read without building url.Values. A dialplan request
// carries the whole channel (about 150 fields, 5 KB) and routing reads a
// dozen of them; http.Request.ParseForm copied every key and value into
// two maps, which was most of what a call allocated in the controller.
// form keeps the fields' bytes in a pooled buffer with an index of where
// each key and value are, and Get unescapes only what is asked for. It
// accepts and refuses what ParseForm does (FuzzFormMatchesParseForm holds
// it to that), with the default limit on the number of fields.

// Fields is what ParseRequest reads a request from: url.Values, or the
// handler's form.
type Fields interface {
	Get(key string) string
}

// form is a request's fields: the urlencoded body's (POST) then the URL
// query's, in order, so Get returns the first value as url.Values would.
type form struct {
	raw   []byte
	pairs []pair
}

// pair locates one field in raw: key raw[k0:k1], value raw[k1+1:v1] (k1 ==
// v1 when there is no '='). esc: the key has '%' or '+' to decode.
type pair struct {
	k0, k1, v1 int32
	esc        bool
}

// maxFields is net/url's default limit on a query's fields.
const maxFields = 10000

// keepBuffer bounds what a pooled form keeps between requests.
const keepBuffer = 64 << 10

var formPool = sync.Pool{New: func() any { return new(form) }}

var (
	errFormSemicolon = errors.New("invalid semicolon separator in query")
	errFormTooMany   = errors.New("number of URL query parameters exceeded limit")
	errFormEscape    = errors.New("invalid URL escape")
)

// readForm reads r's fields as r.ParseForm would (POST: a urlencoded body,
// then the URL query; other methods: the query). release it when done.
func readForm(r *http.Request) (*form, error) {
	f := formPool.Get().(*form)
	f.raw, f.pairs = f.raw[:0], f.pairs[:0]
	var err error
	if r.Method == http.MethodPost || r.Method == http.MethodPut || r.Method == http.MethodPatch {
		err = f.readBody(r)
	}
	if r.URL != nil {
		if e := f.index(r.URL.RawQuery); err == nil {
			err = e
		}
	}
	if err != nil {
		f.release()
		return nil, err
	}
	return f, nil
}

// readBody reads a urlencoded body (other content types are left alone,
// as ParseForm does).
func (f *form) readBody(r *http.Request) error {
	if r.Body == nil {
		return errors.New("missing form body")
	}
	ct := r.Header.Get("Content-Type")
	if ct != "application/x-www-form-urlencoded" { // what mod_xml_curl sends; the rest the slow way
		if ct == "" {
			ct = "application/octet-stream"
		}
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil {
			return err
		}
		if mt != "application/x-www-form-urlencoded" {
			return nil
		}
	}
	for {
		if len(f.raw) == cap(f.raw) {
			f.raw = slices.Grow(f.raw, max(8<<10, cap(f.raw)))
		}
		n, err := r.Body.Read(f.raw[len(f.raw):cap(f.raw)])
		f.raw = f.raw[:len(f.raw)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
	}
	return f.indexRaw(0, len(f.raw))
}

// index appends query to raw and indexes its fields.
func (f *form) index(query string) error {
	start := len(f.raw)
	f.raw = append(f.raw, query...)
	return f.indexRaw(start, len(f.raw))
}

// indexRaw indexes the fields in raw[start:end] as url.ParseQuery splits
// them, and reports the first error it would.
func (f *form) indexRaw(start, end int) error {
	s := f.raw[start:end]
	if countByte(s, '&')+1 > maxFields {
		return errFormTooMany
	}
	var err error
	for i := start; i < end; {
		j := i
		for j < end && f.raw[j] != '&' {
			j++
		}
		seg := f.raw[i:j]
		next := j + 1
		switch {
		case countByte(seg, ';') > 0:
			if err == nil {
				err = errFormSemicolon
			}
		case len(seg) == 0:
		default:
			eq := j
			for k := i; k < j; k++ {
				if f.raw[k] == '=' {
					eq = k
					break
				}
			}
			kesc, kok := checkEscapes(f.raw[i:eq])
			_, vok := checkEscapes(f.raw[min(eq+1, j):j])
			if !kok || !vok {
				if err == nil {
					err = errFormEscape
				}
				break
			}
			f.pairs = append(f.pairs, pair{k0: int32(i), k1: int32(eq), v1: int32(j), esc: kesc})
		}
		i = next
	}
	return err
}

// Get returns the first value of key ("" when there is none).
func (f *form) Get(key string) string {
	for _, p := range f.pairs {
		k := f.raw[p.k0:p.k1]
		if p.esc {
			if unescape(k) != key {
				continue
			}
		} else if string(k) != key {
			continue
		}
		if p.k1 == p.v1 {
			return ""
		}
		return unescape(f.raw[p.k1+1 : p.v1])
	}
	return ""
}

// release returns f to the pool; its strings were copied out by Get.
func (f *form) release() {
	if cap(f.raw) > keepBuffer {
		return
	}
	formPool.Put(f)
}

// checkEscapes reports whether b has anything to decode, and whether every
// '%' is followed by two hex digits (url.QueryUnescape's rule).
func checkEscapes(b []byte) (esc, ok bool) {
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '%':
			if i+2 >= len(b) || !isHex(b[i+1]) || !isHex(b[i+2]) {
				return true, false
			}
			esc = true
			i += 2
		case '+':
			esc = true
		}
	}
	return esc, true
}

// unescape decodes a checked component: '+' is a space, %XX a byte.
func unescape(b []byte) string {
	if esc, _ := checkEscapes(b); !esc {
		return string(b)
	}
	var out strings.Builder
	out.Grow(len(b))
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '+':
			out.WriteByte(' ')
		case '%':
			out.WriteByte(unhex(b[i+1])<<4 | unhex(b[i+2]))
			i += 2
		default:
			out.WriteByte(b[i])
		}
	}
	return out.String()
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}

func countByte(b []byte, c byte) int {
	n := 0
	for _, x := range b {
		if x == c {
			n++
		}
	}
	return n
}
