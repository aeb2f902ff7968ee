package main

import (
	"context"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/acd"
	"github.com/switchboard-cc/switchboard/orchestrator/acdowner"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/fssim"
	"github.com/switchboard-cc/switchboard/store"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// dialCode makes the phone ext of tenant dial code as FreeSWITCH runs it
// (directory auth, the phones' context over xml_curl, the socket to the
// controller) and waits for the call to end.
func (w *world) dialCode(tenant, ext, code string) fssim.CallInfo {
	w.t.Helper()
	call, err := w.node.PlacePhoneCall(context.Background(), w.xc, fssim.PhoneCall{User: ext, Domain: w.ten[tenant].SIPDomain, To: code})
	if err != nil {
		w.t.Fatal(err)
	}
	waitCall(w.t, call)
	return call.Info()
}

// said checks that the call was answered and its last playback is text in
// voice: the offline TTS's file when espeak-ng is installed, else the
// switch's own speak.
func (w *world) said(info fssim.CallInfo, voice, text string) {
	w.t.Helper()
	want := "speak:" + text
	if w.ctrl.tts != nil {
		want = w.ctrl.tts.Path(text, voice)
	}
	if !info.Answered || len(info.Played) == 0 || info.Played[len(info.Played)-1] != want {
		w.t.Fatalf("%s: want %q said (%s), got answered=%v played %q (hangup %s)", info.To, text, want, info.Answered, info.Played, info.HangupCause)
	}
}

// stateOf is an agent's state in its tenant's ACD owner, the one the REST
// API, the desktops and the SSE stream read.
func (w *world) stateOf(tenant, ext string) acd.AgentView {
	w.t.Helper()
	o, ok := w.ctrl.acds.Owner(string(w.ten[tenant].ID))
	if !ok {
		w.t.Fatalf("no ACD owner for %s", tenant)
	}
	v, err := o.Agent(context.Background(), w.ten[tenant].agents[ext].ID)
	if err != nil {
		w.t.Fatal(err)
	}
	return v
}

// waitState waits for a change made after the phone's call ended (ready,
// the end of a break or of after-call work).
func (w *world) waitState(tenant, ext string, state acd.State) {
	w.t.Helper()
	waitUntil(w.t, tenant+"'s agent "+ext+" "+state.String(), func() bool { return w.stateOf(tenant, ext).State == state })
}

func (w *world) wantState(tenant, ext string, state acd.State, reason string) {
	w.t.Helper()
	if v := w.stateOf(tenant, ext); v.State != state || v.Reason != reason {
		w.t.Fatalf("%s's agent %s: %s (%q), want %s (%q)", tenant, ext, v.State, v.Reason, state, reason)
	}
}

// transitionSeen waits on sub (the tenant's ACD stream, what desktops and
// the SSE route read) for agent's transition to state with reason.
func transitionSeen(t *testing.T, sub *acdowner.Subscription, agent string, to acd.State, reason string) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case u, ok := <-sub.C:
			if !ok {
				t.Fatalf("ACD stream ended: %s", sub.Err())
			}
			tr := u.Decision.Transition
			if u.Decision.Kind == acd.DecTransition && tr.Agent == agent && tr.To == to && tr.Reason == reason {
				return
			}
		case <-timeout:
			t.Fatalf("no transition of %s to %s (%q) on the ACD stream", agent, to, reason)
		}
	}
}

// TestFeatureCodesFromAPhone (AG-1, AG-2, AG-5): an agent works the ACD from
// a plain registered phone with the default codes, each answered in
// English; the changes are the ACD owner's (what the API and desktops see).
func TestFeatureCodesFromAPhone(t *testing.T) {
	w := newWorld(t, "", 1)
	const en = "en"
	w.wantState("acme", "1001", acd.LoggedOut, "")

	w.said(w.dialCode("acme", "1001", "*21"), en, "You are logged in to your queues. You are not ready.")
	w.wantState("acme", "1001", acd.NotReady, acd.ReasonLogin)
	w.said(w.dialCode("acme", "1001", "*23"), en, "You are ready.")
	w.waitState("acme", "1001", acd.Ready)
	// Reason digits: the tenant's second not-ready reason (training).
	w.said(w.dialCode("acme", "1001", "*242"), en, "You are not ready. Reason: training.")
	w.wantState("acme", "1001", acd.NotReady, "training")
	w.said(w.dialCode("acme", "1001", "*27"), en, "You are not ready. Reason: training.")
	w.said(w.dialCode("acme", "1001", "*249"), en, "There is no reason number 9.")
	w.wantState("acme", "1001", acd.NotReady, "training")

	// Breaks within the cap, granted with the reason dialled; beyond it
	// refused, said with why.
	o, _ := w.ctrl.acds.Owner(string(w.ten["acme"].ID))
	if err := o.SetBreakLimit(context.Background(), "", 1); err != nil {
		t.Fatal(err)
	}
	sub := o.Subscribe(256)
	defer sub.Close()
	w.said(w.dialCode("acme", "1001", "*251"), en, "Your break is granted. You are on break. Reason: meeting.")
	w.wantState("acme", "1001", acd.Break, "")
	transitionSeen(t, sub, w.ten["acme"].agents["1001"].ID, acd.Break, "meeting")
	w.said(w.dialCode("acme", "1002", "*21"), en, "You are logged in to your queues. You are not ready.")
	w.said(w.dialCode("acme", "1002", "*25"), en, "Your break is refused: 1 of at most 1 agents are on break already.")
	w.wantState("acme", "1002", acd.NotReady, acd.ReasonLogin)
	// Ready ends a break.
	w.said(w.dialCode("acme", "1001", "*23"), en, "You are ready.")
	w.waitState("acme", "1001", acd.Ready)

	// Refused by the state machine, an unknown code: said, nothing changes.
	w.said(w.dialCode("acme", "1001", "*26"), en, "That is not possible now: you are ready.")
	w.said(w.dialCode("acme", "1001", "*29"), en, "Unknown feature code.")
	w.said(w.dialCode("acme", "1001", "*231"), en, "Unknown feature code.")
	w.wantState("acme", "1001", acd.Ready, "")

	w.said(w.dialCode("acme", "1001", "*22"), en, "You are logged out of your queues.")
	w.wantState("acme", "1001", acd.LoggedOut, "")
	samples := scrapeMetrics(t, w.web.URL)
	tenant := string(w.ten["acme"].ID)
	for _, tc := range []struct {
		action, outcome string
		want            float64
	}{{"ready", "done", 2}, {"not_ready", "done", 1}, {"not_ready", "refused", 1}, {"break", "refused", 1},
		{"end_wrap", "refused", 1}, {"unknown", "unknown", 2}, {"login", "done", 2}} {
		got, _ := metricSum(samples, "switchboard_feature_codes_total", labels{"tenant": tenant, "action": tc.action, "outcome": tc.outcome})
		if got != tc.want {
			t.Errorf("switchboard_feature_codes_total{action=%q,outcome=%q} = %v, want %v", tc.action, tc.outcome, got, tc.want)
		}
	}
	if n := w.ctrl.adm.InUse(w.ten["acme"].ID, tenancy.ResourcePSTNCalls); n != 0 {
		t.Fatalf("feature codes hold %d PSTN lines", n)
	}
}

// TestFeatureCodesStayInTheCallersTenant: both tenants have an agent 1001;
// bolt's phone changes bolt's agent only, in bolt's language and codes.
func TestFeatureCodesStayInTheCallersTenant(t *testing.T) {
	w := newWorld(t, "", 1)
	c, admin := w.apiClient()
	bolt := w.ten["bolt"]
	w.said(w.dialCode("bolt", "1001", "*21"), "en", "You are logged in to your queues. You are not ready.")
	w.said(w.dialCode("bolt", "1001", "*23"), "en", "You are ready.")
	w.waitState("bolt", "1001", acd.Ready)
	w.wantState("acme", "1001", acd.LoggedOut, "")

	// bolt's own codes: acme keeps the defaults.
	base := "/api/v1/tenants/" + string(bolt.ID)
	c.must(200, "PUT", base+"/feature-codes", admin, map[string]any{"login": "#1", "logout": "#2", "ready": "#3",
		"not_ready": "#4", "break": "#5", "end_wrap": "#6", "state": "#7"}, nil)
	w.said(w.dialCode("bolt", "1001", "#42"), "en", "You are not ready. Reason: training.")
	w.said(w.dialCode("bolt", "1001", "*23"), "en", "Unknown feature code.")
	w.wantState("bolt", "1001", acd.NotReady, "training")
	w.said(w.dialCode("acme", "1001", "#3"), "en", "Unknown feature code.")
	w.wantState("acme", "1001", acd.LoggedOut, "")

	// The tenant's language picks the sentences.
	for _, tc := range []struct{ lang, text string }{
		{"zh-CN", "您当前的状态是未就绪。原因：培训。"},
		{"zh-TW", "您目前的狀態是未就緒。原因：培訓。"},
	} {
		c.must(200, "PATCH", base, admin, map[string]any{"language": tc.lang}, nil)
		waitUntil(t, "bolt's language "+tc.lang, func() bool {
			return w.ctrl.conf.Snapshot().Tenants[bolt.ID].Language == tenancy.Language(tc.lang)
		})
		w.said(w.dialCode("bolt", "1001", "#7"), "cmn", tc.text)
	}
}

// TestFeatureCodeReadyOffersAfterTheCall: a caller waits in the queue; the
// agent dials *23 from the phone the call will ring. The agent becomes
// ready only once that call is over, so the offer never rings the phone
// while it still plays the confirmation (a phone without call waiting
// would answer busy and the ACD set the agent not ready). Then *26 in
// after-call work, and the next call.
func TestFeatureCodeReadyOffersAfterTheCall(t *testing.T) {
	w := newWorld(t, "", 2)
	acme := w.ten["acme"]
	// A long after-call work, so that *26 ends it before its timer does.
	q := acme.queue
	if _, err := w.ctrl.st.UpdateQueue(context.Background(), store.SystemActor, acme.ID, q.ID, store.QueueInput{Name: q.Name,
		Strategy: q.Strategy, RingTimeoutSeconds: q.RingTimeoutSeconds, WrapUpSeconds: 120}); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the queue's wrap-up reloaded", func() bool {
		return w.ctrl.conf.Snapshot().Queues[acme.ID][q.ID].WrapUpSeconds == 120
	})
	if err := w.node.RegisterPhone("1001", acme.SIPDomain, fssim.PhoneScript{AnswerAfter: 50 * time.Millisecond, TalkFor: 300 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "1001 registered", func() bool { return w.ctrl.conf.Registered("1001", acme.SIPDomain) })
	w.said(w.dialCode("acme", "1001", "*21"), "en", "You are logged in to your queues. You are not ready.")
	caller := w.place("acme", "13800000001", 0)
	o, _ := w.ctrl.acds.Owner(string(acme.ID))
	waitUntil(t, "the caller waiting", func() bool {
		st, err := o.QueueStats(context.Background(), acme.queue.ID)
		return err == nil && st.Waiting == 1
	})

	code, err := w.node.PlacePhoneCall(context.Background(), w.xc, fssim.PhoneCall{User: "1001", Domain: acme.SIPDomain, To: "*23"})
	if err != nil {
		t.Fatal(err)
	}
	var offer fssim.CallInfo
	waitUntil(t, "the offer rings 1001", func() bool {
		for _, ci := range w.node.Calls() {
			if ci.Direction == "outbound" && ci.To == "1001" {
				offer = ci
				return true
			}
		}
		return false
	})
	select {
	case <-code.Done():
	default:
		t.Fatalf("the offer rang 1001 (%s) while its feature code call was still up: %+v", offer.UUID, code.Info())
	}
	w.said(code.Info(), "en", "You are ready.")
	waitUntil(t, "the caller bridged to 1001", func() bool { return len(caller.Info().Bridged) == 1 })
	waitUntil(t, "1001 in after-call work", func() bool { return w.stateOf("acme", "1001").State == acd.AfterCallWork })
	if left := time.Until(w.stateOf("acme", "1001").WrapUntil); left < time.Minute {
		t.Fatalf("after-call work ends in %s: the queue's 120 s did not reach the ACD", left)
	}
	w.said(w.dialCode("acme", "1001", "*26"), "en", "After-call work ended. You are ready.")
	w.waitState("acme", "1001", acd.Ready)
	waitCall(t, caller)
}
