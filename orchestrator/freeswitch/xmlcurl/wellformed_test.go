package xmlcurl

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"testing"
)

// mustBeWellFormed decodes every token and checks the root is a FreeSWITCH
// document.
func mustBeWellFormed(t testing.TB, doc []byte) {
	t.Helper()
	mustBeWellFormedAs(t, doc, "document")
}

func mustBeWellFormedAs(t testing.TB, doc []byte, root string) {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(doc))
	first := ""
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, doc)
		}
		if se, ok := tok.(xml.StartElement); ok && first == "" {
			first = se.Name.Local
		}
	}
	if first != root {
		t.Fatalf("root element %q, want %s:\n%s", first, root, doc)
	}
}
