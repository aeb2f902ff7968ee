package calls

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/orchestrator"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// codesSeen is a FeatureCodes that records who asked for what, and whether
// the change it returns for after the call ran after the hangup.
type codesSeen struct {
	mu   sync.Mutex
	sw   *fakeSwitch
	seen []string
}

func (c *codesSeen) FeatureCode(_ context.Context, t tenancy.TenantID, agent, dialled string) (orchestrator.Playback, func(context.Context)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seen = append(c.seen, string(t)+"/"+agent+" "+dialled)
	return orchestrator.Playback{Text: "said " + dialled}, func(context.Context) {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.seen = append(c.seen, fmt.Sprintf("after, hung up: %v", c.sw.has("hangup p1")))
	}
}

// TestFeatureCodeCalls: a phone dialling * or # reaches the feature codes
// with its own tenant and agent, is answered, hears the answer and is hung
// up; no line, no bridge, no CDR. Phones of suspended tenants or of no
// agent are refused before any code runs.
func TestFeatureCodeCalls(t *testing.T) {
	for _, tc := range []struct {
		name, ext, dialled string
		tenant             tenancy.TenantID
		seen               string // "" : refused with cause
		cause              orchestrator.HangupCause
	}{
		{"acme's 1001", "1001", "*23", acme, "acme/ann *23;after, hung up: true", orchestrator.CauseNormalClearing},
		{"bolt's 2001, hash code", "2001", "#9", "bolt", "bolt/carl #9;after, hung up: true", orchestrator.CauseNormalClearing},
		{"suspended tenant", "1001", "*23", "sleepy", "", orchestrator.CauseOutgoingCallBarred},
		{"phone of no agent", "1999", "*23", acme, "", orchestrator.CauseOutgoingCallBarred},
	} {
		t.Run(tc.name, func(t *testing.T) {
			codes := &codesSeen{}
			r := newRigWith(t, func(r *rig, cfg *Config) {
				codes.sw = r.sw
				cfg.Switch, cfg.Phones, cfg.Lines, cfg.FeatureCodes = dataSwitch{r.sw}, fakePhones{}, phoneLines{}, codes
			}, "ann", "bob")
			events, done := r.phoneCall(tc.tenant, tc.ext, tc.dialled)
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				close(events)
				t.Fatalf("the feature code call did not end: %v", r.sw.entries())
			}
			codes.mu.Lock()
			seen := codes.seen
			codes.mu.Unlock()
			if !r.sw.has("hangup p1 "+string(tc.cause)) || r.sw.has("bridge") {
				t.Fatalf("want hangup %s and no bridge: %v", tc.cause, r.sw.entries())
			}
			if tc.seen == "" {
				if len(seen) != 0 || r.sw.has("answer") {
					t.Fatalf("a refused phone reached the codes %v / was answered: %v", seen, r.sw.entries())
				}
				return
			}
			if strings.Join(seen, ";") != tc.seen {
				t.Fatalf("codes saw %v, want %q", seen, tc.seen)
			}
			if !r.sw.has("answer p1") || !r.sw.has("play p1 said "+tc.dialled) {
				t.Fatalf("want the call answered and the answer played: %v", r.sw.entries())
			}
			if got := r.cdrs.leg(t, "outbound"); len(got) != 0 {
				t.Fatalf("a feature code wrote CDRs: %+v", got)
			}
			if n := r.adm.InUse(tc.tenant, tenancy.ResourcePSTNCalls); n != 0 {
				t.Fatalf("a feature code holds %d lines", n)
			}
		})
	}
}
