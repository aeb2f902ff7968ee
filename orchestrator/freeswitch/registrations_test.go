package freeswitch

import (
	"bufio"
	"slices"
	"strings"
	"testing"

	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/esl"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/internal/capture"
)

func TestParseRegistrationsFromCapture07(t *testing.T) {
	out := apiReplyTo(t, "07-outbound-bridge-agent.jsonl", "api sofia status profile internal reg")
	got := ParseRegistrations(out)
	if !slices.Equal(got, [][2]string{{"1000", "127.0.0.1"}}) {
		t.Fatalf("registrations = %v, want 1000@127.0.0.1", got)
	}
	if len(ParseRegistrations("Registrations:\n====\nTotal items returned: 0\n====\n")) != 0 {
		t.Fatal("an empty table must give no registration")
	}
}

// apiReplyTo is the body of the first api/response in a capture's esl
// stream that holds want (the replies come in command order).
func apiReplyTo(t *testing.T, file, cmd string) string {
	t.Helper()
	f, err := capture.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	r := esl.NewReader(bufio.NewReader(strings.NewReader(f.Stream("esl", "recv"))))
	for {
		fr, err := r.ReadFrame()
		if err != nil {
			t.Fatalf("no reply to %q in %s: %v", cmd, file, err)
		}
		if fr.ContentType() == "api/response" && strings.Contains(string(fr.Body), "Registrations:") {
			return string(fr.Body)
		}
	}
}
