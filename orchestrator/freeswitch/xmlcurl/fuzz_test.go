package xmlcurl

import (
	"io"
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"time"
)

// FuzzRequest feeds arbitrary urlencoded bodies through the parser and the
// renderer: nothing panics, every answer is well-formed XML, and nothing the
// caller controls turns into a FreeSWITCH variable expansion in a dialplan.
func FuzzRequest(f *testing.F) {
	for _, c := range loadCapture(f) {
		f.Add(c.Body)
	}
	f.Add("section=dialplan&Caller-Context=public&Caller-Destination-Number=%24%7Bsystem(id)%7D")
	f.Add("section=directory&user=1000&domain=127.0.0.1&action=sip_auth")
	f.Add("section=dialplan&Caller-Context=public&Caller-Destination-Number=%2B33+1+00+00+00+01")
	f.Add("section=dialplan&Caller-Context=sb-phones&Caller-Destination-Number=1001&variable_user_name=1000&variable_domain_name=127.0.0.1")
	f.Add("section=dialplan&Caller-Context=sb-phones&Caller-Destination-Number=1001%2C%24%7Bx%7D&variable_user_name=1000&variable_domain_name=127.0.0.1")
	snap, err := NewSnapshot(testSnapshotConfig(f))
	if err != nil {
		f.Fatal(err)
	}
	h, err := NewHandler(Config{Nodes: snap, Directory: snap, Plan: snap, Now: func() time.Time { return captureNow }})
	if err != nil {
		f.Fatal(err)
	}
	node, _ := snap.Authenticate(nodeID, nodePass)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	f.Fuzz(func(t *testing.T, body string) {
		form, err := url.ParseQuery(body)
		if err != nil {
			return
		}
		req, err := ParseRequest(form)
		if err != nil {
			return
		}
		doc := h.answer(node, req, log)
		mustBeWellFormed(t, doc)
		if req.Section == SectionDialplan && strings.Contains(string(doc), "${") {
			t.Fatalf("dialplan answer carries a variable expansion:\n%s", doc)
		}
	})
}
