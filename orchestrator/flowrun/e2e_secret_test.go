package flowrun

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"

	"github.com/switchboard-cc/switchboard/ivrflows"
	"github.com/switchboard-cc/switchboard/orchestrator"
)

// TestE2ESecretPINToPrivateCRM: a caller types a secret PIN over the real
// adapter; the flow posts it to a CRM on a private address (127.0.0.1 here,
// reachable because the operator allowed 127.0.0.0/8) and queues the call.
// The CRM got the PIN; the hand-off's data for the agent's screen did not.
func TestE2ESecretPINToPrivateCRM(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		seen = append(seen, r.URL.Path+" "+string(b))
		mu.Unlock()
		w.Write([]byte(`{"ok": true}`))
	}))
	defer srv.Close()
	catalog := strings.Replace(testCatalog, "http://crm.example/api", srv.URL+"/api", 1)
	prog := compileWith(t, pinFlow, catalog)
	e := newE2E(t, func(c *Config) { c.HTTP = NewHTTPClient(false, netip.MustParsePrefix("127.0.0.0/8")) })
	got := make(chan Outcome, 2)
	e.serve(func(ctx context.Context, call orchestrator.InboundCall) {
		o, err := e.runner.Run(ctx, call, prog, acme)
		got <- o
		if err != nil || o.Kind != HandOffQueue {
			t.Errorf("Run = %+v, %v", o, err)
			return
		}
		if o, err = e.runner.Resume(ctx, o.Suspend, ivrflows.QueueResult{Reason: "no agent"}); err != nil {
			t.Errorf("Resume: %v", err)
		}
		got <- o
	})
	c := e.place("+8613800000001")
	waitPlayed(t, c, "welcome.wav", 1)
	c.Press("1234")
	o := waitOutcome(t, got)
	if o.Queue.Data["pin"] != ivrflows.SecretMask || o.Queue.Data["copy"] != ivrflows.SecretMask || o.Queue.Data["verified"] != "true" {
		t.Errorf("hand-off data %v", o.Queue.Data)
	}
	noPIN(t, "hand-off", o)
	noPIN(t, "end", waitOutcome(t, got))
	waitDone(t, c)
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 1 || seen[0] != `/api/verify/1234 {"pin":"1234"}` {
		t.Errorf("the CRM saw %q, want the PIN", seen)
	}
}
