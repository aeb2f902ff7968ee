package fssim

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/esl"
)

// Header values. The conformance harness compares, for every frame fssim
// sends and the capture has, the value of every header the controller reads
// (a header name written as a string literal anywhere in the adapter's
// packages: a new ev.Get("X") is compared without anyone editing this file),
// except the notCompared ones below. UUIDs inside values are paired, not
// masked: the n-th distinct UUID of the capture must always meet the same
// distinct UUID of fssim, and no other (equal values map to equal placeholders).

// adapterDirs are the packages that turn ESL into the controller's events,
// relative to this package: the adapter and the ESL layers under it. fssim
// itself, test helpers (internal/) and the xml_curl HTTP server are not.
var adapterDirs = []string{"..", "../esl", "../eslconn", "../socketauth"}

// notCompared are headers the adapter reads whose values cannot or need not
// match a capture, each with the reason.
var notCompared = map[string]string{
	// Node-wide counter of every event of the capture machine, subscribed or
	// not; the adapter only checks that it increases on a connection, which
	// checkSequence does for fssim's frames.
	"Event-Sequence": "node-wide counter",
	// Framing, different as soon as any variable differs; every frame is
	// re-parsed by its Content-Length, so a wrong one fails the read.
	"Content-Length": "framing",
	// Compared already as the frame kind (summary.kind).
	"Content-Type": "compared as the kind",
	// Compared already, normalized, as summary.text (numbers masked: job
	// counts, uptimes, session numbers).
	"Reply-Text": "compared as the text",
	// The connect reply's and events' variables set by the capture's
	// dialplan (the adapter reads sb_* variables its own dialplan sets);
	// variables FreeSWITCH sets itself (DIALSTATUS, *_cause, digits...)
	// are named literally in the adapter and compared.
	"variable_": "prefix only",
}

// readOnlyIn narrows headers the adapter reads in some events only, where
// fssim does not model their value elsewhere.
var readOnlyIn = map[string]map[string]bool{
	// Read on CHANNEL_STATE only (verbs_calls.go waits for CS_ROUTING). On
	// other events it is the state the channel's thread is in at that moment,
	// which fssim does not model: CS_SOFT_EXECUTE / CS_EXCHANGE_MEDIA of a
	// bridged or playing leg, CS_NONE on CHANNEL_OUTGOING, CHANNEL_CALLSTATE
	// raised from CS_ROUTING (captures 03, 09).
	"Channel-State": {"CHANNEL_STATE": true},
	// Read from the socket's channel data only (outbound.go, the caller of a
	// new call). fssim does not simulate loopback halves, whose events carry
	// the originator's number (capture 09).
	"Caller-Caller-ID-Number": {"connect-reply": true},
}

// masked are compared with their numbers masked, like api/response bodies:
// the api output of a BACKGROUND_JOB (uptimes, session counts, CPU idle).
var masked = map[string]bool{"_body": true}

var (
	readOnce sync.Once
	readSet  map[string]bool
	readErr  error
)

// readHeaders is every string literal of the adapter's non-test files that
// looks like an ESL header name.
func readHeaders(t *testing.T) map[string]bool {
	t.Helper()
	readOnce.Do(func() { readSet, readErr = scanLiterals(adapterDirs) })
	if readErr != nil {
		t.Fatal(readErr)
	}
	return readSet
}

func scanLiterals(dirs []string) (map[string]bool, error) {
	out := map[string]bool{}
	for _, dir := range dirs {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			return nil, err
		}
		if len(files) == 0 {
			if _, err := os.Stat(dir); os.IsNotExist(err) {
				continue // a package that does not exist (yet) reads nothing
			}
		}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			af, err := parser.ParseFile(token.NewFileSet(), f, nil, 0)
			if err != nil {
				return nil, err
			}
			ast.Inspect(af, func(n ast.Node) bool {
				if l, ok := n.(*ast.BasicLit); ok && l.Kind == token.STRING {
					if v, err := strconv.Unquote(l.Value); err == nil && headerName(v) {
						out[v] = true
					}
				}
				return true
			})
		}
	}
	return out, nil
}

func headerName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r == '-' || r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// pairing keeps the UUID correspondence between a capture and fssim.
type pairing struct{ w2g, g2w map[string]string }

func newPairing() *pairing { return &pairing{w2g: map[string]string{}, g2w: map[string]string{}} }

// compareValues lists the differences in the values of the headers the
// controller reads, for two frames of the same kind and name.
func (p *pairing) compareValues(read map[string]bool, w, g summary) []string {
	var diffs []string
	event, _, _ := strings.Cut(w.name, ":")
	if w.kind == "connect-reply" {
		event = w.kind
	}
	for _, h := range w.vals {
		if only := readOnlyIn[h.Name]; !read[h.Name] || notCompared[h.Name] != "" || (only != nil && !only[event]) {
			continue
		}
		i := slices.IndexFunc(g.vals, func(x esl.Header) bool { return x.Name == h.Name })
		if i < 0 {
			diffs = append(diffs, fmt.Sprintf("%s missing (capture: %q)", h.Name, h.Value))
			continue
		}
		if d := p.differ(h.Value, g.vals[i].Value, masked[h.Name]); d != "" {
			diffs = append(diffs, fmt.Sprintf("%s = %q, capture %q (%s)", h.Name, g.vals[i].Value, h.Value, d))
		}
	}
	return diffs
}

// differ says how got differs from want ("" when it does not): their text
// with UUIDs cut out must be equal, and their UUIDs must pair as before.
func (p *pairing) differ(want, got string, maskNumbers bool) string {
	w, g := uuidRE.ReplaceAllString(want, "U"), uuidRE.ReplaceAllString(got, "U")
	if maskNumbers {
		w, g = numRE.ReplaceAllString(w, "#"), numRE.ReplaceAllString(g, "#")
	}
	if w != g {
		return "value"
	}
	wu, gu := uuidRE.FindAllString(want, -1), uuidRE.FindAllString(got, -1)
	for i := range wu {
		w, g := wu[i], gu[i]
		pw, okw := p.w2g[w]
		pg, okg := p.g2w[g]
		switch {
		case !okw && !okg:
			p.w2g[w], p.g2w[g] = g, w
		case pw != g || pg != w:
			return fmt.Sprintf("UUID #%d: the capture's UUID met another fssim UUID before", i+1)
		}
	}
	return ""
}

// checkSequence: fssim's Event-Sequence increases along a connection (the
// adapter counts events that arrive out of order by it).
func checkSequence(t *testing.T, got []summary) {
	t.Helper()
	last := int64(-1)
	for i, s := range got {
		for _, h := range s.vals {
			if h.Name != "Event-Sequence" {
				continue
			}
			n, err := strconv.ParseInt(h.Value, 10, 64)
			if err != nil || n <= last {
				t.Errorf("frame %d (%s): Event-Sequence %q after %d", i, s.key(), h.Value, last)
			}
			last = n
		}
	}
}

// TestConformanceReadsTheAdaptersHeaders guards the scan itself: if it
// found nothing (a moved package), every value comparison would pass.
func TestConformanceReadsTheAdaptersHeaders(t *testing.T) {
	read := readHeaders(t)
	for _, h := range []string{"Hangup-Cause", "Unique-ID", "Answer-State", "Application-UUID", "variable_DIALSTATUS"} {
		if !read[h] {
			t.Errorf("the adapter's packages do not mention %s: the scan of %v is broken", h, adapterDirs)
		}
	}
}
