package xmlcurl

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/dialplan"
)

// fsSeesVariable is FreeSWITCH's switch_string_var_check_const
// (src/include/switch_utils.h): '$' then any backslashes then '{'. A
// directory variable whose value it matches is dropped, and data it matches
// is expanded (${system ...} runs a command).
func fsSeesVariable(s string) bool {
	dollar := false
	for _, r := range s {
		switch {
		case r == '$':
			dollar = true
		case dollar && r == '{':
			return true
		case r != '\\':
			dollar = false
		}
	}
	return false
}

// tenantValues are the attribute values of the document FreeSWITCH reads
// as variable values or application data.
func tenantValues(t *testing.T, doc []byte) []string {
	t.Helper()
	var out []string
	dec := xml.NewDecoder(bytes.NewReader(doc))
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			for _, a := range se.Attr {
				if a.Name.Local == "value" || a.Name.Local == "data" {
					out = append(out, a.Value)
				}
			}
		}
	}
}

// TestNamesInAnyScriptReachFreeSWITCHLiterally: names people type (an
// agent's caller ID name, a queue name as an access number's entry) are
// served in any script, and "${" in them is never a variable to
// FreeSWITCH, yet reads the same.
func TestNamesInAnyScriptReachFreeSWITCHLiterally(t *testing.T) {
	name := strings.Repeat("张", 90) + ` ${system(id)} $\{x} $${y}`
	dir := renderUser(DirectoryEntry{Domain: "acme.example", Tenant: "acme", Context: "default",
		User: User{ID: "1001", HA1: HA1("1001", "acme.example", "p"), CallerIDName: name, CallerIDNumber: "1001"}})
	route := dialplan.Route{Tenant: "acme", Number: "9300", Entry: dialplan.Entry{Kind: dialplan.EntryQueue, Name: name},
		Fallback: dialplan.FallbackPlan{RingTimeout: time.Second, Cause: dialplan.CauseNoAnswer}}
	dp := renderRoute("public", "9300", Node{ID: "fs1", SocketAddr: "127.0.0.1:8084"}, route, "acme.example")
	for _, doc := range [][]byte{dir, dp} {
		mustBeWellFormed(t, doc)
		found := false
		for _, v := range tenantValues(t, doc) {
			if fsSeesVariable(v) && !strings.HasPrefix(v, "{^^:sip_invite_domain=${dialed_domain}") { // the dial-string is ours
				t.Errorf("FreeSWITCH would expand or drop %q", v)
			}
			if strings.Contains(strings.ReplaceAll(v, "\u200b", ""), name) {
				found = true
			}
		}
		if !found {
			t.Errorf("the name does not read the same:\n%s", doc)
		}
	}
}

func FuzzLiteral(f *testing.F) {
	for _, s := range []string{"${x}", `$\{x}`, "$${x}", "$$", "张伟", `\$`, ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := literal(s)
		if fsSeesVariable(out) {
			t.Fatalf("literal(%q) = %q: FreeSWITCH sees a variable", s, out)
		}
		if strings.ReplaceAll(out, "\u200b", "") != strings.ReplaceAll(s, "\u200b", "") {
			t.Fatalf("literal(%q) = %q changes the text", s, out)
		}
	})
}
