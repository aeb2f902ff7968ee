package xmlcurl

import (
	"bytes"
	"encoding/xml"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/golden/*.xml from the current output")

// goldenCase is one request -> expected XML pair. Bodies come from the real
// scenario 11 capture, either as captured or edited (testdata/requests).
type goldenCase struct {
	name string
	body string
	now  time.Time
}

func goldenCases(t *testing.T) []goldenCase {
	caps := loadCapture(t)
	open := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC) // 11:00 in Paris, Thursday
	cases := []goldenCase{
		{"capture-00-sip-auth", caps[0].Body, captureNow},
		{"capture-01-dialplan-9199-unallocated", caps[1].Body, captureNow},
		{"capture-02-user-exists", caps[2].Body, captureNow},
		{"capture-03-user-data", caps[3].Body, captureNow},
		{"capture-04-dialplan-9300-after-hours", caps[4].Body, captureNow},
		{"capture-04-dialplan-9300-open", caps[4].Body, open},
		{"capture-06-message-count", caps[6].Body, captureNow},
	}
	files, _ := filepath.Glob("testdata/requests/*.form")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		name := strings.TrimSuffix(filepath.Base(f), ".form")
		cases = append(cases, goldenCase{name, strings.TrimSuffix(string(b), "\n"), captureNow})
	}
	if len(cases) < 15 {
		t.Fatalf("only %d golden cases; testdata/requests missing?", len(cases))
	}
	return cases
}

func TestGolden(t *testing.T) {
	for _, c := range goldenCases(t) {
		t.Run(c.name, func(t *testing.T) {
			h, _ := testHandler(t, c.now)
			w := post(h, nodeID, nodePass, c.body)
			if w.Code != 200 || w.Header().Get("Content-Type") != "text/xml" {
				t.Fatalf("status %d, type %q: %s", w.Code, w.Header().Get("Content-Type"), w.Body)
			}
			got := w.Body.Bytes()
			mustBeWellFormed(t, got)
			path := filepath.Join("testdata", "golden", c.name+".xml")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("output differs from %s:\n--- got\n%s\n--- want\n%s", path, got, want)
			}
		})
	}
}

// TestDirectoryMatchesCapture: for the phase-B directory requests, our answer
// is byte for byte the document real FreeSWITCH accepted (REGISTER got 200
// with CurlSecret-42 and 403 with the old password, user_data returned acme),
// except the phones' user_context: "default" when captured, the
// controller's PhoneContext since phones' calls go through the controller.
func TestDirectoryMatchesCapture(t *testing.T) {
	h, _ := testHandler(t, captureNow)
	caps := loadCapture(t)
	for i := 5; i <= 9; i++ {
		w := post(h, nodeID, nodePass, caps[i].Body)
		want := caps[i].served()
		if w.Body.String() != want {
			t.Errorf("request %d (%s): got\n%s\nwant\n%s", i, caps[i].Form["action"], w.Body, want)
		}
	}
}

// TestDialplanKeepsCapturedActions: the extension real FreeSWITCH ran for
// 9300 in scenario 11 was `set sb_tenant=acme` then `socket 127.0.0.1:8084
// async full` in context public. Ours must contain those actions in that
// order (with more around them), in the same context.
func TestDialplanKeepsCapturedActions(t *testing.T) {
	caps := loadCapture(t)
	h, _ := testHandler(t, captureNow)
	got := actions(t, post(h, nodeID, nodePass, caps[4].Body).Body.Bytes())
	want := actions(t, []byte(caps[4].Response))
	i := 0
	for _, a := range got {
		if i < len(want) && a == want[i] {
			i++
		}
	}
	if i != len(want) || len(want) != 3 {
		t.Fatalf("captured actions %q are not a subsequence of ours %q", want, got)
	}
}

// actions lists "context|application|data" for each action, in order.
func actions(t *testing.T, doc []byte) []string {
	t.Helper()
	var d struct {
		Sections []struct {
			Contexts []struct {
				Name       string `xml:"name,attr"`
				Extensions []struct {
					Conditions []struct {
						Actions []struct {
							App  string `xml:"application,attr"`
							Data string `xml:"data,attr"`
						} `xml:"action"`
					} `xml:"condition"`
				} `xml:"extension"`
			} `xml:"context"`
		} `xml:"section"`
	}
	if err := xml.Unmarshal(doc, &d); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, s := range d.Sections {
		for _, c := range s.Contexts {
			out = append(out, c.Name+"|context")
			for _, e := range c.Extensions {
				for _, cond := range e.Conditions {
					for _, a := range cond.Actions {
						out = append(out, c.Name+"|"+a.App+"|"+a.Data)
					}
				}
			}
		}
	}
	return out
}
