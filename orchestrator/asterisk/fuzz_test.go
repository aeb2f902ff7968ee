package asterisk

import (
	"bufio"
	"encoding/json"
	"os"
	"testing"

	"github.com/switchboard-cc/switchboard/orchestrator"
)

// FuzzHandleFrame feeds the adapter's WebSocket intake (dedupe, decode with
// ari.DecodeEvent, dispatch to calls, registrations) arbitrary frames: it
// must never panic, whatever Asterisk (or anything on that socket) sends.
// Seeds: every WebSocket frame of captures 02, 04, 05, 06, 08, 09;
// corpus in testdata/fuzz/FuzzHandleFrame.
func FuzzHandleFrame(f *testing.F) {
	for _, name := range []string{"02-stasis-ivr", "04-bridge-agent", "05-bridge-noanswer", "06-call-control", "08-registration", "09-channel-subscribe"} {
		file, err := os.Open("../../testdata/asterisk/" + name + ".jsonl")
		if err != nil {
			f.Fatal(err)
		}
		sc := bufio.NewScanner(file)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var l struct{ Kind, Data string }
			if json.Unmarshal(sc.Bytes(), &l) == nil && l.Kind == "ws" {
				f.Add([]byte(l.Data))
			}
		}
		file.Close()
	}
	a, err := New(Options{Node: "ast1", URL: "http://127.0.0.1:1/ari"})
	if err != nil {
		f.Fatal(err)
	}
	defer a.Close()
	f.Fuzz(func(t *testing.T, frame []byte) {
		a.mu.Lock()
		for _, id := range []string{"1795721441.2", "sb-agent-1", "1795721482.6"} {
			if a.calls[id] == nil {
				a.calls[id] = newCall(orchestrator.Key{Node: "ast1", ID: id}, kindInternal)
			}
		}
		for id, c := range a.calls { // inbound calls the frames made: forget them
			if c.kind == kindInbound {
				delete(a.calls, id)
			}
		}
		a.pending = nil
		a.mu.Unlock()
		a.handleFrame(frame)
	})
}
