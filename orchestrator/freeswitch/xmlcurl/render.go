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
type xmlDoc struct {
	b     strings.Builder
	depth int
	root  string
}

// newDoc starts an xml_curl answer.
func newDoc() *xmlDoc { return newRoot("document", "type", "freeswitch/xml") }

// newRoot starts a document with another root, e.g. <include> for a static
// configuration file.
func newRoot(root string, attrs ...string) *xmlDoc {
	d := &xmlDoc{root: root}
	d.open(root, attrs...)
	return d
}

func (d *xmlDoc) tag(name string, attrs []string, end string) {
	d.b.WriteString(strings.Repeat("  ", d.depth))
	d.b.WriteString("<" + name)
	for i := 0; i+1 < len(attrs); i += 2 {
		d.b.WriteString(" " + attrs[i] + `="`)
		_ = xml.EscapeText(&d.b, []byte(attrs[i+1])) // a strings.Builder never fails
		d.b.WriteString(`"`)
	}
	d.b.WriteString(end + "\n")
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
	d.b.WriteString(strings.Repeat("  ", d.depth) + "</" + name + ">\n")
}

// bytes closes the root and returns the document.
func (d *xmlDoc) bytes() []byte {
	if d.depth != 1 {
		panic("xmlcurl: unbalanced document") // a bug in this package, caught by the golden tests
	}
	d.close(d.root)
	return []byte(d.b.String())
}

// literal keeps FreeSWITCH from expanding tenant text (names people type,
// in any script): it puts a zero-width space after every '$', so no "${"
// or "$${" ever forms, and the text reads the same. FreeSWITCH has no
// escape that survives both its variable check (a directory variable whose
// value holds "${", or "$\{", is dropped) and repeated expansion (the set
// application's data is expanded twice), so quoting is not enough.
func literal(s string) string { return strings.ReplaceAll(s, "$", "$\u200b") }
