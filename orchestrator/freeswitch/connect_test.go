package freeswitch

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/orchestrator"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/esl"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/internal/capture"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/internal/fakefs"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/socketauth"
)

// TestOutboundConnectFromCaptures answers the adapter's connect with the real
// channel data of captures 04 and 11 (URL-encoded headers, no
// Content-Length, Reply-Text %2BOK%0A) and checks the InboundCall built from it.
func TestOutboundConnectFromCaptures(t *testing.T) {
	tests := []struct {
		file, id, to string
		vars         map[string]string
	}{
		{"04-outbound-ivr.jsonl", "30ec3c49-809d-424e-a9c7-12f3552b1007", "9100",
			map[string]string{"current_application_data": "127.0.0.1:8084 async full", "socket_host": "127.0.0.1"}},
		{"11-xml-curl-esl.jsonl", "", "9300", map[string]string{"sb_tenant": "acme"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			h := newHarness(t)
			calls := make(chan orchestrator.InboundCall, 1)
			h.serve(func(ctx context.Context, call orchestrator.InboundCall) { calls <- call })
			// The captures predate the socket token: the served dialplan now
			// sets it before socket, so its header is added as FreeSWITCH
			// writes channel variables.
			connect := strings.Replace(firstFrame(t, tt.file), "\n", "\nvariable_"+socketauth.Var+": "+socketauth.Token("fs1", "ClueCon")+"\n", 1)
			nc, err := net.Dial("tcp", h.ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			go fakefs.ServeOutbound(nc, func(s *fakefs.Session, cmd *esl.Frame) {
				switch {
				case cmd.Line == "connect":
					s.WriteRaw([]byte(connect))
				case cmd.Line == "exit":
				default:
					s.Reply("+OK")
				}
			})
			select {
			case call := <-calls:
				if tt.id != "" && call.Key.ID != tt.id || len(call.Key.ID) != 36 || call.From != "sipp" || call.To != tt.to {
					t.Errorf("call %+v", call.Key)
				}
				for k, v := range tt.vars {
					if call.Vars[k] != v {
						t.Errorf("var %s = %q, want %q", k, call.Vars[k], v)
					}
				}
			case <-time.After(5 * time.Second):
				t.Fatal("no call")
			}
		})
	}
}

// firstFrame returns the raw bytes of the first frame FreeSWITCH sent on conn out.
func firstFrame(t *testing.T, file string) string {
	f, err := capture.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	s := f.Stream("out", "recv")
	i := strings.Index(s, "\n\n")
	if i < 0 {
		t.Fatal("no frame")
	}
	return s[:i+2]
}
