package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/orchestrator/admission"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/fssim"
	"github.com/switchboard-cc/switchboard/store"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// cdrOf waits for the CDR of a call and returns it.
func (w *world) cdrOf(tenant, callID string) store.CDR {
	w.t.Helper()
	var rec store.CDR
	waitUntil(w.t, "the CDR of "+callID, func() bool {
		for _, r := range w.cdrs(tenant) {
			if r.CallID == callID {
				rec = r
				return true
			}
		}
		return false
	})
	return rec
}

// legsTo lists the node's outbound legs to a user or number.
func (w *world) legsTo(to string) []fssim.CallInfo {
	var out []fssim.CallInfo
	for _, ci := range w.node.Calls() {
		if ci.Direction == "outbound" && ci.To == to {
			out = append(out, ci)
		}
	}
	return out
}

// TestPhonesPlaceCallsThroughTheController: an agent's registered phone
// places calls as FreeSWITCH runs them (directory auth, then the dialplan of
// the user's context, both over xml_curl), and the controller decides each:
// internal, outside with the tenant's caller ID and quota, or refused.
func TestPhonesPlaceCallsThroughTheController(t *testing.T) {
	w := newWorld(t, "", 1)
	c, admin := w.apiClient()
	acme := w.ten["acme"]
	x := w.xc
	ctx := context.Background()
	for _, ext := range []string{"1001", "1002"} {
		if err := w.node.RegisterPhone(ext, acme.SIPDomain, fssim.PhoneScript{AnswerAfter: 100 * time.Millisecond, TalkFor: 2 * time.Second}); err != nil {
			t.Fatal(err)
		}
	}
	w.userWithPhone(c, admin, "bolt", "2001", "agent") // an extension only bolt has
	const outside = "13912345678"
	if err := w.node.AddGatewayNumber("pstn", outside, fssim.PhoneScript{AnswerAfter: 100 * time.Millisecond, TalkFor: 2 * time.Second}); err != nil {
		t.Fatal(err)
	}
	place := func(to string) *fssim.Call {
		t.Helper()
		call, err := w.node.PlacePhoneCall(ctx, x, fssim.PhoneCall{User: "1001", Domain: acme.SIPDomain, To: to})
		if err != nil {
			t.Fatal(err)
		}
		return call
	}

	// Another agent's extension: B's phone rings, an internal CDR, no PSTN line.
	call := place("1002")
	waitUntil(t, "1002's phone answers the internal call", func() bool { return len(call.Info().Bridged) == 1 })
	if legs := w.legsTo("1002"); len(legs) != 1 || legs[0].From != "1001" {
		t.Fatalf("legs to 1002: %+v", legs)
	}
	if n := w.ctrl.adm.InUse(acme.ID, tenancy.ResourcePSTNCalls); n != 0 {
		t.Fatalf("an internal call holds %d PSTN lines", n)
	}
	waitCall(t, call)
	if rec := w.cdrOf("acme", call.UUID()); rec.Leg != "internal" || rec.Disposition != "answered" || rec.Caller != "1001" ||
		rec.AccessNumber != "1002" || rec.AgentID != acme.agents["1001"].ID {
		t.Fatalf("internal CDR: %+v", rec)
	}

	// An outside number: through the gateway with the tenant's number as
	// caller ID, one PSTN line held while it lasts.
	call = place(outside)
	waitUntil(t, "the gateway answers", func() bool { return len(call.Info().Bridged) == 1 })
	gw, _ := w.node.CallByUUID(call.Info().Bridged[0])
	if strings.TrimPrefix(gw.From, "+") != strings.TrimPrefix(acme.number, "+") {
		t.Fatalf("gateway leg must present the tenant's number %s: %+v", acme.number, gw)
	}
	if n := w.ctrl.adm.InUse(acme.ID, tenancy.ResourcePSTNCalls); n != 1 {
		t.Fatalf("the outside call holds %d PSTN lines, want 1", n)
	}
	waitCall(t, call)
	if rec := w.cdrOf("acme", call.UUID()); rec.Leg != "outbound" || rec.Disposition != "answered" || rec.AccessNumber != outside {
		t.Fatalf("outbound CDR: %+v", rec)
	}
	waitUntil(t, "the PSTN line released", func() bool { return w.ctrl.adm.InUse(acme.ID, tenancy.ResourcePSTNCalls) == 0 })

	// Over quota (acme has one line, held by another call): refused, no gateway leg.
	release, err := w.ctrl.adm.Admit(acme.ID, tenancy.ResourcePSTNCalls, admission.Holder{Node: "fs1", ID: "other-call"}, 1)
	if err != nil {
		t.Fatal(err)
	}
	calls := len(w.node.Calls())
	call = place(outside)
	waitCall(t, call)
	release()
	if got := call.Info().HangupCause; got != "NORMAL_CIRCUIT_CONGESTION" {
		t.Fatalf("over quota: hangup cause %q", got)
	}
	if rec := w.cdrOf("acme", call.UUID()); rec.Disposition != "refused_over_quota" || rec.HangupCause != "NORMAL_CIRCUIT_CONGESTION" {
		t.Fatalf("over-quota CDR: %+v", rec)
	}
	if b := call.Info().Bridged; len(b) != 0 || len(w.node.Calls()) != calls+1 {
		t.Fatalf("the refused call reached the gateway: bridged %v, %d new legs", b, len(w.node.Calls())-calls)
	}

	// Another tenant's extension: 404, a CDR in acme, bolt's phone never rings.
	call = place("2001")
	waitCall(t, call)
	if got := call.Info().HangupCause; got != "UNALLOCATED_NUMBER" {
		t.Fatalf("bolt's extension from acme: hangup cause %q, want UNALLOCATED_NUMBER (404)", got)
	}
	if rec := w.cdrOf("acme", call.UUID()); rec.Disposition != "rejected_unknown" || rec.AccessNumber != "2001" {
		t.Fatalf("refusal CDR: %+v", rec)
	}
	if legs := w.legsTo("2001"); len(legs) != 0 {
		t.Fatalf("bolt's phone rang for acme's call: %+v", legs)
	}
	for _, r := range w.cdrs("bolt") {
		if r.CallID == call.UUID() {
			t.Fatalf("acme's call left a CDR in bolt: %+v", r)
		}
	}
}
