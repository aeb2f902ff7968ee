package calls

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/orchestrator"
	"github.com/switchboard-cc/switchboard/orchestrator/admission"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// dataSwitch is the fake switch with channel variables (orchestrator.CallData).
type dataSwitch struct{ *fakeSwitch }

func (d dataSwitch) SetVar(ctx context.Context, c orchestrator.Key, name, value string) error {
	d.record("setvar %s %s=%s", c.ID, name, value)
	return nil
}
func (d dataSwitch) GetVar(ctx context.Context, c orchestrator.Key, name string) (string, error) {
	return "", nil
}
func (d dataSwitch) SendDTMF(ctx context.Context, c orchestrator.Key, digits string) error {
	return nil
}

// fakePhones: acme's phones 1001 (ann) and 1002 (bob), bolt's 2001 (carl);
// an outside number has 7 digits or more.
type fakePhones struct{}

func (fakePhones) AgentByExtension(t tenancy.TenantID, ext string) (string, bool) {
	a, ok := map[string]string{"acme/1001": "ann", "acme/1002": "bob", "bolt/2001": "carl", "sleepy/1001": "sam",
		"mute/1001": "max"}[string(t)+"/"+ext]
	return a, ok
}

func (fakePhones) OutsideNumber(d string) (string, bool) {
	return d, len(d) >= 7 && strings.Trim(d, "0123456789") == ""
}

// phoneLines: acme and bolt are active with two PSTN lines and caller ID
// 4001; sleepy is suspended; mute has no number to present.
type phoneLines struct{}

func (phoneLines) Lines(t tenancy.TenantID) (tenancy.Status, tenancy.Quotas, string, bool) {
	switch t {
	case "acme", "bolt":
		return tenancy.StatusActive, tenancy.Quotas{MaxPSTNCalls: 2}, "4001", true
	case "sleepy":
		return tenancy.StatusSuspended, tenancy.Quotas{MaxPSTNCalls: 2}, "4001", true
	case "mute":
		return tenancy.StatusActive, tenancy.Quotas{MaxPSTNCalls: 2}, "", true
	}
	return "", tenancy.Quotas{}, "", false
}

func newPhoneRig(t *testing.T) *rig {
	return newRigWith(t, func(r *rig, cfg *Config) {
		cfg.Switch, cfg.Phones, cfg.Lines = dataSwitch{r.sw}, fakePhones{}, phoneLines{}
	}, "ann", "bob")
}

// phoneCall runs a call placed by tenant's phone ext to dialled, as the
// served phone context hands it over, and returns its event stream and
// a channel closed when the call path is done with it.
func (r *rig) phoneCall(tenant tenancy.TenantID, ext, dialled string) (chan orchestrator.Event, chan struct{}) {
	events := make(chan orchestrator.Event, 8)
	done := make(chan struct{})
	call := orchestrator.InboundCall{Key: orchestrator.Key{Node: "fs1", ID: "p1"}, From: ext, To: dialled, Events: events,
		Vars: map[string]string{"sb_tenant": string(tenant), "sb_origin": "phone", "sb_phone_user": ext}}
	go func() {
		defer close(done)
		r.svc.HandleCall(context.Background(), call)
	}()
	return events, done
}

func TestPhoneCallToAnotherExtensionIsInternal(t *testing.T) {
	r := newPhoneRig(t)
	r.sw.bridgeAnswers["bob"] = true
	events, done := r.phoneCall(acme, "1001", "1002")
	waitFor(t, "talking", func() bool { c := r.liveOne(t, acme); return c != nil && c.State == "talking" })
	c := r.liveOne(t, acme)
	if c.Direction != Internal || c.Agent != "ann" || c.RemoteAgent != "bob" || c.CallID != "p1" {
		t.Fatalf("live internal call: %+v", *c)
	}
	if !r.sw.has("bridge p1 bob") {
		t.Fatalf("the phone's own call was not bridged to bob's phone: %v", r.sw.entries())
	}
	if n := r.adm.InUse(acme, tenancy.ResourcePSTNCalls); n != 0 {
		t.Fatalf("an internal call holds %d PSTN lines", n)
	}
	if r.sw.has("setvar p1 effective_caller_id") {
		t.Fatalf("an internal call must keep the phone's own caller ID: %v", r.sw.entries())
	}
	events <- orchestrator.Event{Kind: orchestrator.EventHangup, Cause: orchestrator.CauseNormalClearing}
	close(events)
	<-done
	got := r.cdrs.leg(t, "internal")
	if len(got) != 1 || got[0].Disposition != Answered || got[0].Tenant != acme || got[0].Caller != "1001" ||
		got[0].Agent != "ann" || got[0].AccessNumber != "1002" || got[0].Answered.IsZero() {
		t.Fatalf("internal CDR: %+v", got)
	}
	if e := r.q.entries(); !slices.Contains(e, "dial ann") || !slices.Contains(e, "finish") {
		t.Fatalf("the ACD did not count the call as ann's work: %v", e)
	}
}

func TestPhoneCallOutsideTakesALineWithTheTenantsCallerID(t *testing.T) {
	r := newPhoneRig(t)
	r.sw.bridgeAnswers["0612345678"] = true
	events, done := r.phoneCall(acme, "1001", "0612345678")
	waitFor(t, "talking", func() bool { c := r.liveOne(t, acme); return c != nil && c.State == "talking" })
	if c := r.liveOne(t, acme); c.Direction != Outbound || c.Remote != "0612345678" {
		t.Fatalf("live outbound call: %+v", *c)
	}
	if n := r.adm.InUse(acme, tenancy.ResourcePSTNCalls); n != 1 {
		t.Fatalf("an outside call holds %d PSTN lines, want 1", n)
	}
	e := r.sw.entries()
	ci, bi := slices.Index(e, "setvar p1 effective_caller_id_number=4001"), slices.Index(e, "bridge p1 0612345678")
	if ci < 0 || bi < 0 || ci > bi {
		t.Fatalf("want the tenant's caller ID set before the gateway bridge: %v", e)
	}
	events <- orchestrator.Event{Kind: orchestrator.EventHangup, Cause: orchestrator.CauseNormalClearing}
	close(events)
	<-done
	if n := r.adm.InUse(acme, tenancy.ResourcePSTNCalls); n != 0 {
		t.Fatalf("%d PSTN lines still held after the call", n)
	}
	if got := r.cdrs.leg(t, "outbound"); len(got) != 1 || got[0].Disposition != Answered || got[0].Caller != "1001" {
		t.Fatalf("outbound CDR: %+v", got)
	}
}

// An agent in phone mode is reached through the gateway: the internal call
// then takes a PSTN line and presents the tenant's number, not an extension.
func TestPhoneCallToAnAgentInPhoneModeTakesALine(t *testing.T) {
	r := newRigWith(t, func(r *rig, cfg *Config) {
		cfg.Switch, cfg.Phones, cfg.Lines = dataSwitch{r.sw}, fakePhones{}, phoneLines{}
		eps := cfg.Agents.(fakeAgents)
		eps["acme/bob"] = AgentEndpoint{AgentID: "bob", Extension: "1002", Registered: true, Node: "fs1",
			Endpoint: orchestrator.Endpoint{Kind: orchestrator.EndpointGateway, Gateway: "pstn", Number: "13900000002"}}
	}, "ann", "bob")
	r.sw.bridgeAnswers["13900000002"] = true
	events, done := r.phoneCall(acme, "1001", "1002")
	waitFor(t, "talking", func() bool { c := r.liveOne(t, acme); return c != nil && c.State == "talking" })
	if n := r.adm.InUse(acme, tenancy.ResourcePSTNCalls); n != 1 {
		t.Fatalf("a call to a phone-mode agent holds %d PSTN lines, want 1", n)
	}
	if !r.sw.has("setvar p1 effective_caller_id_number=4001") {
		t.Fatalf("the PSTN leg must present the tenant's number: %v", r.sw.entries())
	}
	events <- orchestrator.Event{Kind: orchestrator.EventHangup, Cause: orchestrator.CauseNormalClearing}
	close(events)
	<-done
	if n := r.adm.InUse(acme, tenancy.ResourcePSTNCalls); n != 0 {
		t.Fatalf("%d PSTN lines still held", n)
	}
	if got := r.cdrs.leg(t, "internal"); len(got) != 1 || got[0].Disposition != Answered {
		t.Fatalf("internal CDR: %+v", got)
	}
}

func TestPhoneCallRefusals(t *testing.T) {
	for _, tc := range []struct {
		name          string
		tenant        tenancy.TenantID
		ext, dialled  string
		fill          int // PSTN lines already held
		cause         orchestrator.HangupCause
		disposition   Disposition
		cdrTenantSeen tenancy.TenantID
	}{
		{"another tenant's extension", acme, "1001", "2001", 0, orchestrator.CauseUnallocatedNumber, RejectedUnknown, acme},
		{"unknown short number", acme, "1001", "12", 0, orchestrator.CauseUnallocatedNumber, RejectedUnknown, acme},
		{"not a number", acme, "1001", "sip:x@evil", 0, orchestrator.CauseUnallocatedNumber, RejectedUnknown, acme},
		{"suspended tenant", "sleepy", "1001", "1002", 0, orchestrator.CauseOutgoingCallBarred, RefusedSuspend, "sleepy"},
		{"phone of no agent", acme, "1999", "1002", 0, orchestrator.CauseOutgoingCallBarred, RefusedBarred, acme},
		{"unknown tenant", "ghost", "1001", "1002", 0, orchestrator.CauseOutgoingCallBarred, RefusedBarred, "ghost"},
		{"no caller ID to present", "mute", "1001", "0612345678", 0, orchestrator.CauseOutgoingCallBarred, RefusedBarred, "mute"},
		{"over quota", acme, "1001", "0612345678", 2, orchestrator.CauseNormalCircuitCongest, RefusedQuota, acme},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newPhoneRig(t)
			r.sw.bridgeAnswers[tc.dialled] = true
			for i := range tc.fill {
				if _, err := r.adm.Admit(acme, tenancy.ResourcePSTNCalls, admission.Holder{Node: "fs1", ID: "busy" + string(rune('a'+i))}, 2); err != nil {
					t.Fatal(err)
				}
			}
			events, done := r.phoneCall(tc.tenant, tc.ext, tc.dialled)
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				close(events) // let the call path go, then fail
				t.Fatalf("the call was not refused: %v", r.sw.entries())
			}
			if !r.sw.has("hangup p1 " + string(tc.cause)) {
				t.Fatalf("want the phone's call hung up with %s: %v", tc.cause, r.sw.entries())
			}
			if r.sw.has("bridge") || r.sw.has("setvar") {
				t.Fatalf("a refused call reached the switch's bridge: %v", r.sw.entries())
			}
			got := r.cdrs.leg(t, "outbound")
			if len(got) != 1 || got[0].Disposition != tc.disposition || got[0].HangupCause != tc.cause ||
				got[0].Tenant != tc.cdrTenantSeen || got[0].AccessNumber != tc.dialled || got[0].Ended.IsZero() {
				t.Fatalf("refusal CDR: %+v", got)
			}
			if n := r.adm.InUse(acme, tenancy.ResourcePSTNCalls); n != tc.fill {
				t.Fatalf("a refused call changed the PSTN lines in use: %d, want %d", n, tc.fill)
			}
		})
	}
}
