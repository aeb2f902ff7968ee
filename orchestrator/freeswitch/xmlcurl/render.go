package xmlcurl

import (
	"encoding/xml"
	"strings"
)

// notFound tells FreeSWITCH to fall back to its static XML. Same bytes as the
// capture (testdata/freeswitch/11-xml-curl-http.jsonl, phase notfound).
const notFound = `<document type="freeswitch/xml">
  <section name="result">
    <result status="not found"/>
  </section>
</document>
`

// xmlDoc writes indented FreeSWITCH XML. Every attribute value goes through
// xml.EscapeText, so tenant- or caller-provided text cannot break out of it.
// It appends to one byte slice it returns whole (a dialplan answer is
// written once a call).
type xmlDoc struct {
	b     []byte
	depth int
	root  string
}

// newDoc starts an xml_curl answer.
func newDoc() *xmlDoc { return newRoot("document", "type", "freeswitch/xml") }

// newRoot starts a document with another root, e.g. <include> for a static
// configuration file.
func newRoot(root string, attrs ...string) *xmlDoc {
	d := &xmlDoc{root: root, b: make([]byte, 0, 2048)}
	d.open(root, attrs...)
	return d
}

// Write appends p (xml.EscapeText's writer).
func (d *xmlDoc) Write(p []byte) (int, error) {
	d.b = append(d.b, p...)
	return len(p), nil
}

func (d *xmlDoc) indent() {
	for range d.depth {
		d.b = append(d.b, "  "...)
	}
}

func (d *xmlDoc) tag(name string, attrs []string, end string) {
	d.indent()
	d.b = append(d.b, '<')
	d.b = append(d.b, name...)
	for i := 0; i+1 < len(attrs); i += 2 {
		d.b = append(d.b, ' ')
		d.b = append(d.b, attrs[i]...)
		d.b = append(d.b, `="`...)
		d.escape(attrs[i+1])
		d.b = append(d.b, '"')
	}
	d.b = append(d.b, end...)
	d.b = append(d.b, '\n')
}

// escape appends v escaped as xml.EscapeText does; text it would leave as
// is (printable ASCII but for quotes, '&', '<' and '>') is appended
// without the copy EscapeText's []byte argument costs.
func (d *xmlDoc) escape(v string) {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\'' || c == '&' || c == '<' || c == '>' {
			_ = xml.EscapeText(d, []byte(v)) // d never fails
			return
		}
	}
	d.b = append(d.b, v...)
}

// open writes <name a="v"...> and indents what follows; attrs are name, value pairs.
func (d *xmlDoc) open(name string, attrs ...string) {
	d.tag(name, attrs, ">")
	d.depth++
}

// empty writes <name a="v".../>.
func (d *xmlDoc) empty(name string, attrs ...string) { d.tag(name, attrs, "/>") }

func (d *xmlDoc) close(name string) {
	d.depth--
	d.indent()
	d.b = append(d.b, "</"...)
	d.b = append(d.b, name...)
	d.b = append(d.b, ">\n"...)
}

// bytes closes the root and returns the document.
func (d *xmlDoc) bytes() []byte {
	if d.depth != 1 {
		panic("xmlcurl: unbalanced document") // a bug in this package, caught by the golden tests
	}
	d.close(d.root)
	return d.b
}

// literal keeps FreeSWITCH from expanding tenant text (names people type,
// in any script): it puts a zero-width space after every '$', so no "${"
// or "$${" ever forms, and the text reads the same. FreeSWITCH has no
// escape that survives both its variable check (a directory variable whose
// value holds "${", or "$\{", is dropped) and repeated expansion (the set
// application's data is expanded twice), so quoting is not enough.
func literal(s string) string { return strings.ReplaceAll(s, "$", "$\u200b") }
