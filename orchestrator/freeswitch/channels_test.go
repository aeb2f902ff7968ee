package freeswitch

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/esl"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/internal/capture"
)

// apiResponses returns the api/response bodies of a capture connection.
func apiResponses(t testing.TB, name, conn string) []string {
	t.Helper()
	f, err := capture.Load(name)
	if err != nil {
		t.Fatal(err)
	}
	rd := esl.NewReader(strings.NewReader(f.Stream(conn, "recv")))
	var out []string
	for {
		fr, err := rd.ReadFrame()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		if fr.ContentType() == esl.TypeAPIResponse {
			out = append(out, string(fr.Body))
		}
	}
}

func TestParseChannelsFromCaptures(t *testing.T) {
	var counts []int
	for _, body := range apiResponses(t, "09-inbound-call-control.jsonl", "esl") {
		if !strings.HasPrefix(body, `{"row_count"`) {
			continue
		}
		rows, err := ParseChannels(body)
		if err != nil {
			t.Fatalf("%v in %.100q", err, body)
		}
		counts = append(counts, len(rows))
		for _, r := range rows {
			if len(r.UUID) != 36 || r.Name == "" {
				t.Errorf("row %+v", r)
			}
		}
	}
	if len(counts) != 3 || counts[0] != 3 || counts[1] != 5 || counts[2] != 0 {
		t.Errorf("row counts %v, want [3 5 0] as the README says", counts)
	}
	idle := apiResponses(t, "01-inbound-basics.jsonl", "esl")[3]
	if rows, err := ParseChannels(idle); err != nil || len(rows) != 0 || idle != "{\"row_count\": 0}\n" {
		t.Errorf("idle %q: %v %v", idle, rows, err)
	}
	for _, bad := range []string{"", "-ERR no", `{"rows":[]}`, `{"row_count":2,"rows":[{"uuid":"a"}]}`, `{"row_count":1,"rows":[{}]}`} {
		if _, err := ParseChannels(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func FuzzParseChannels(f *testing.F) {
	f.Add(`{"row_count": 0}`)
	f.Add(`{"row_count":1,"rows":[{"uuid":"u","name":"sofia/x"}]}`)
	f.Fuzz(func(t *testing.T, s string) {
		rows, err := ParseChannels(s)
		if err == nil {
			for _, r := range rows {
				if r.UUID == "" {
					t.Fatal("row without uuid accepted")
				}
			}
		}
	})
}
