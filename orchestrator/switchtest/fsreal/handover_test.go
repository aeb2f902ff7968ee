package fsreal

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/orchestrator"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch"
	"github.com/switchboard-cc/switchboard/orchestrator/switchtest"
)

// TestHandOverRealFreeSWITCH checks on the real switch what a controller's
// restart relies on (calls.Service.HandOver, Readopt; issue 13): a caller
// joined with an agent (the caller's own bridge application, as the call
// path does) whose controller lets go of it (the variables HandOver sets,
// the socket closed without uuid_kill) stays up; a second adapter (the
// restarted controller) finds it in the node's channel list with its
// record, adopts both legs over its node connection, and when the agent
// hangs up the switch hangs the caller up with it. Without those
// variables (a controller killed, not stopped) the caller is parked
// instead (the join's park_after_bridge). A waiting caller parked
// (HandOver of a waiting call: Park) stays up after its socket closes, and
// is parked again and played to by the next controller.
func TestHandOverRealFreeSWITCH(t *testing.T) {
	cfg, ok, err := FromEnv()
	if err != nil {
		t.Fatal(err)
	}
	if !ok {
		t.Skip("real FreeSWITCH: set FREESWITCH_ESL, FREESWITCH_ESL_PASSWORD and FREESWITCH_SOCKET_ADDR to run (docs/freeswitch-contract.md)")
	}
	if _, err := exec.LookPath(cfg.Sipp); err != nil {
		t.Fatalf("needs sipp (Debian: sip-tester): %v", err)
	}
	for _, tc := range []struct {
		name            string
		handOver, queue bool
	}{{"bridged, handed over", true, false}, {"bridged, controller killed", false, false}, {"waiting, parked", true, true}} {
		t.Run(tc.name, func(t *testing.T) { handOverCase(t, cfg, tc.handOver, tc.queue) })
	}
}

func handOverCase(t *testing.T, cfg Config, handOver, queue bool) {
	h := New(t, cfg)
	nodeUp(t, h.ad)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	calls := make(chan orchestrator.InboundCall, 1)
	serveCtx, stopServing := context.WithCancel(ctx)
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = h.ad.ServeCalls(serveCtx, func(cctx context.Context, call orchestrator.InboundCall) {
			calls <- call
			for { // until the controller's stop ends the session
				select {
				case ev, open := <-call.Events:
					if !open {
						return
					}
					t.Logf("caller event on its socket: %s %s", ev.Kind, ev.Cause)
				case <-cctx.Done():
					return
				}
			}
		})
	}()
	user := "1011"
	if queue {
		user = ""
	}
	var ep orchestrator.Endpoint
	if user != "" {
		var err error
		if ep, err = h.RegisterPhone(ctx, user, switchtest.PhoneBehaviour{AnswerAfter: 300 * time.Millisecond}); err != nil {
			t.Fatal(err)
		}
	}
	caller, err := h.Call(ctx, switchtest.CallerSpec{From: "5551090", To: "9100"})
	if err != nil {
		t.Fatal(err)
	}
	defer caller.Hangup()
	var in orchestrator.InboundCall
	select {
	case in = <-calls:
	case <-ctx.Done():
		t.Fatal("the call did not reach the controller")
	}
	if err := h.ad.Answer(ctx, in.Key); err != nil {
		t.Fatal(err)
	}
	var leg orchestrator.Key
	if queue {
		go func() { // the waiting caller's music, as the call path plays it
			_ = h.ad.Play(serveCtx, in.Key, orchestrator.Playback{Files: []string{h.Media(2 * time.Second)}, Loop: true})
		}()
	} else {
		key, legEvents, err := h.ad.Originate(ctx, orchestrator.OriginateSpec{ID: orchestrator.NewCallID(), Node: cfg.Node, To: ep,
			Timeout: 10 * time.Second, JoinOnAnswer: in.Key, Vars: map[string]string{"park_after_bridge": "true"}})
		if err != nil {
			t.Fatalf("originate joined: %v", err)
		}
		leg = key
		waitKind(t, legEvents, orchestrator.EventBridged)
	}
	// `show channels` reads FreeSWITCH's core database, which is written
	// behind the channels: wait until it lists the caller (a restart
	// moments after a call arrived would not see it yet)
	for deadline := time.Now().Add(10 * time.Second); !listedOn(ctx, h, in.Key.ID); {
		if time.Now().After(deadline) {
			t.Fatal("the caller never showed in show channels")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if handOver {
		if queue {
			if err := h.ad.SetVar(ctx, in.Key, "sb_handover", "test"); err != nil {
				t.Fatal(err)
			}
			if err := h.ad.Park(ctx, in.Key); err != nil {
				t.Fatalf("park: %v", err)
			}
		} else {
			for _, v := range []struct {
				k           orchestrator.Key
				name, value string
			}{{in.Key, "park_after_bridge", "false"}, {in.Key, "hangup_after_bridge", "true"}, {in.Key, "sb_fallback_dial", ""},
				{in.Key, "sb_handover", "test"}, {leg, "park_after_bridge", "false"}} {
				if err := h.ad.SetVar(ctx, v.k, v.name, v.value); err != nil {
					t.Fatalf("setvar %s: %v", v.name, err)
				}
			}
		}
	}
	if err := h.ad.Detach(in.Key); err != nil {
		t.Fatal(err)
	}
	stopServing() // the controller stops: the session ends, the socket closes without uuid_kill
	<-served
	h.ad.Close() // and its node connection
	stoppedAt := time.Now()

	// the restarted controller
	ad2, err := freeswitch.New(freeswitch.Options{Nodes: []freeswitch.Node{{Name: cfg.Node, Addr: cfg.ESL, Password: cfg.ESLPassword}}})
	if err != nil {
		t.Fatal(err)
	}
	ad2.Start()
	defer ad2.Close()
	up := nodeUp(t, ad2)
	listed := false
	for _, k := range up.Calls {
		listed = listed || k == in.Key
	}
	if !listed {
		t.Fatalf("the caller is not in the node's channels after the controller's stop (%v): %v", time.Since(stoppedAt), up.Calls)
	}
	if handOver {
		if v, err := ad2.NodeVar(ctx, in.Key, "sb_handover"); err != nil || v != "test" {
			t.Errorf("sb_handover read back %q, %v", v, err)
		}
	}
	callerEvents, err := ad2.Adopt(ctx, in.Key)
	if err != nil {
		t.Fatalf("adopt the caller: %v", err)
	}
	if queue {
		// a round of music still playing lasts up to 2 s: wait past it
		if ev, gone := firstOf(callerEvents, orchestrator.EventHangup, 4*time.Second); gone {
			t.Fatalf("the waiting caller was hung up (%s) after its socket closed", ev.Cause)
		}
		app, _ := ad2.NodeVar(ctx, in.Key, "current_application")
		t.Logf("waiting caller: up %v after its socket closed (current_application %q)", time.Since(stoppedAt), app)
		if err := ad2.Park(ctx, in.Key); err != nil { // as Readopt takes it back
			t.Fatalf("park: %v", err)
		}
		if err := ad2.Play(ctx, in.Key, orchestrator.Playback{Files: []string{h.Media(200 * time.Millisecond)}}); err != nil {
			t.Errorf("play to the taken-back caller: %v", err)
		}
		if err := ad2.Hangup(ctx, in.Key, ""); err != nil {
			t.Fatal(err)
		}
		waitKind(t, callerEvents, orchestrator.EventEnded)
		return
	}
	if _, err := ad2.Adopt(ctx, leg); err != nil {
		t.Fatalf("adopt the agent's leg: %v", err)
	}
	agentGone := time.Now()
	if err := ad2.Hangup(ctx, leg, orchestrator.CauseNormalClearing); err != nil {
		t.Fatalf("the agent hangs up: %v", err)
	}
	ev, gone := firstOf(callerEvents, orchestrator.EventHangup, 3*time.Second)
	switch {
	case handOver && !gone:
		t.Errorf("the handed-over caller stayed up after its agent hung up")
	case handOver:
		t.Logf("handed over: the switch hung the caller up %v after the agent's hang-up, cause %s", time.Since(agentGone), ev.Cause)
	case gone:
		t.Errorf("without the handover's variables the caller was hung up (%s), want it parked", ev.Cause)
	default:
		state, _ := ad2.NodeVar(ctx, in.Key, "current_application")
		t.Logf("controller killed: the caller is still up 3s after its agent hung up (current_application %q)", strings.TrimSpace(state))
		_ = ad2.Hangup(ctx, in.Key, "")
	}
}

func nodeUp(t *testing.T, ad *freeswitch.Adapter) orchestrator.NodeEvent {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		select {
		case e := <-ad.NodeEvents():
			if e.Kind == orchestrator.NodeUp {
				return e
			}
		case <-deadline:
			t.Fatal("no NodeUp")
		}
	}
}

func waitKind(t *testing.T, events <-chan orchestrator.Event, k orchestrator.EventKind) orchestrator.Event {
	t.Helper()
	ev, ok := firstOf(events, k, 20*time.Second)
	if !ok {
		t.Fatalf("no %s", k)
	}
	return ev
}

// firstOf waits up to d for an event of kind k (or the end of the stream,
// which counts for EventHangup and EventEnded).
func firstOf(events <-chan orchestrator.Event, k orchestrator.EventKind, d time.Duration) (orchestrator.Event, bool) {
	timeout := time.After(d)
	for {
		select {
		case ev, open := <-events:
			if !open {
				return orchestrator.Event{}, k == orchestrator.EventHangup || k == orchestrator.EventEnded
			}
			if ev.Kind == k || k == orchestrator.EventHangup && ev.Kind == orchestrator.EventEnded {
				return ev, true
			}
		case <-timeout:
			return orchestrator.Event{}, false
		}
	}
}

// listedOn reports whether the node's `show channels` lists id.
func listedOn(ctx context.Context, h *Harness, id string) bool {
	out, err := h.esl.API(ctx, "show channels as json")
	if err != nil {
		return false
	}
	rows, err := freeswitch.ParseChannels(out)
	if err != nil {
		return false
	}
	for _, r := range rows {
		if r.UUID == id {
			return true
		}
	}
	return false
}
