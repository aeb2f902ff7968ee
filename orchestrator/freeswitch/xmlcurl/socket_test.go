package xmlcurl

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/socketauth"
)

// TestEverySocketCarriesNodeToken: every `socket` action the controller
// serves (xml_curl answers and the static fallback files) comes right after
// `set sb_token=` with the token of the node it is served to, so the
// controller, which refuses sockets without it, accepts these calls.
func TestEverySocketCarriesNodeToken(t *testing.T) {
	sockets := 0
	check := func(name string, acts []string, token string) {
		for i, a := range acts {
			if !strings.Contains(a, "|socket|") {
				continue
			}
			sockets++
			if want := "|set|" + socketauth.Var + "=" + token; i == 0 || !strings.HasSuffix(acts[i-1], want) {
				t.Errorf("%s: socket action %d not preceded by %q: %q", name, i, want, acts)
			}
		}
	}
	for _, c := range goldenCases(t) {
		h, _ := testHandler(t, c.now)
		check(c.name, actions(t, post(h, nodeID, nodePass, c.body).Body.Bytes()), socketauth.Token(nodeID, nodePass))
	}
	for _, n := range testSnapshotConfig(t).Nodes {
		snap, err := NewSnapshot(testSnapshotConfig(t))
		if err != nil {
			t.Fatal(err)
		}
		files, err := snap.StaticFallback(n.ID)
		if err != nil {
			t.Fatal(err)
		}
		check("static "+n.ID, allActions(t, files[0].Content), socketauth.Token(n.ID, n.Password))
	}
	if sockets < 4 {
		t.Fatalf("only %d socket actions checked", sockets)
	}
}

// TestSocketTokenFollowsSecret: a new node secret serves a new token.
func TestSocketTokenFollowsSecret(t *testing.T) {
	c := testSnapshotConfig(t)
	c.Nodes[0].Password = "rotated-node-secret-0123"
	snap, err := NewSnapshot(c)
	if err != nil {
		t.Fatal(err)
	}
	if got := snap.nodes[nodeID].node.SocketToken; got != socketauth.Token(nodeID, c.Nodes[0].Password) || got == socketauth.Token(nodeID, nodePass) {
		t.Fatalf("token after rotation: %s", got)
	}
}

// allActions lists "|application|data" for every action element of doc, in
// document order, whatever its root.
func allActions(t *testing.T, doc []byte) []string {
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
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "action" {
			var app, data string
			for _, a := range se.Attr {
				switch a.Name.Local {
				case "application":
					app = a.Value
				case "data":
					data = a.Value
				}
			}
			out = append(out, "|"+app+"|"+data)
		}
	}
}
