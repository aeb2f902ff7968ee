package xmlcurl

import (
	"bytes"
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
// with CurlSecret-42 and 403 with the old password, user_data returned acme).
func TestDirectoryMatchesCapture(t *testing.T) {
	h, _ := testHandler(t, captureNow)
	caps := loadCapture(t)
	for i := 5; i <= 9; i++ {
		w := post(h, nodeID, nodePass, caps[i].Body)
		if w.Body.String() != caps[i].Response {
			t.Errorf("request %d (%s): got\n%s\nwant\n%s", i, caps[i].Form["action"], w.Body, caps[i].Response)
		}
	}
}
