package api

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/orchestrator/calls"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// TestLiveScopeShowsAnAgentItsOwnCalls: an agent sees a call from when it
// becomes theirs (appeared, even if the call path says changed) until it
// ends, or leaves them while still up (left); a monitor sees every change.
func TestLiveScopeShowsAnAgentItsOwnCalls(t *testing.T) {
	line := func(id, agent string, st calls.CallState) calls.CallView {
		return calls.CallView{CallID: id, Agent: agent, State: st}
	}
	changes := []calls.LiveChange{
		{Kind: calls.LiveAppeared, Call: line("c1", "", calls.StateQueued)},
		{Kind: calls.LiveChanged, Call: line("c1", "", calls.StateRinging)},
		{Kind: calls.LiveChanged, Call: line("c1", "ann", calls.StateTalking)},
		{Kind: calls.LiveChanged, Call: calls.CallView{CallID: "c1", Agent: "ann", State: calls.StateTalking, Held: true}},
		{Kind: calls.LiveAppeared, Call: line("c2", "bob", calls.StateRinging)},
		{Kind: calls.LiveAppeared, Call: calls.CallView{CallID: "c3", Agent: "bob", RemoteAgent: "ann", State: calls.StateRinging}},
		{Kind: calls.LiveChanged, Call: line("c1", "", calls.StateQueued)}, // transferred on
		{Kind: calls.LiveChanged, Call: line("c1", "bob", calls.StateTalking)},
		{Kind: calls.LiveEnded, Call: line("c1", "bob", calls.StateTalking)},
		{Kind: calls.LiveEnded, Call: calls.CallView{CallID: "c3", Agent: "bob", RemoteAgent: "ann", State: calls.StateTalking}},
		{Kind: calls.LiveEnded, Call: line("c2", "bob", calls.StateTalking)},
	}
	for _, tc := range []struct {
		self string
		want []string // kind and call of each event shown
	}{
		{"ann", []string{"appeared c1", "changed c1", "appeared c3", "left c1", "ended c3"}},
		{"bob", []string{"appeared c2", "appeared c3", "appeared c1", "ended c1", "ended c3", "ended c2"}},
		{"", []string{"appeared c1", "changed c1", "changed c1", "changed c1", "appeared c2", "appeared c3", "changed c1",
			"changed c1", "ended c1", "ended c3", "ended c2"}},
	} {
		l := liveScope{self: tc.self, shown: map[string]bool{}}
		if snap := l.snapshot(nil); snap.Kind != "snapshot" || snap.Calls == nil || len(snap.Calls) != 0 {
			t.Errorf("%q: empty snapshot %+v", tc.self, snap)
		}
		var got []string
		for _, ch := range changes {
			if ev, ok := l.change(ch); ok {
				got = append(got, ev.Kind+" "+ev.Call.CallID)
			}
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%q sees %v, want %v", tc.self, got, tc.want)
		}
	}
}

// liveStream is an open live-call stream.
type liveStream struct {
	t      *testing.T
	events chan LiveCallEvent
}

// openLiveStream opens tenant base's live-call stream as token and waits
// for its snapshot; the stream closes with the test.
func (e *env) openLiveStream(t *testing.T, base, token string) (*liveStream, []calls.CallView) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", e.http.URL+base+"/live-calls/stream", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := e.http.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("live stream: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	s := &liveStream{t: t, events: make(chan LiveCallEvent, 256)}
	go func() { // ends when cancel closes the body
		defer close(s.events)
		defer res.Body.Close()
		sc := bufio.NewScanner(res.Body)
		name := ""
		for sc.Scan() {
			if n, ok := strings.CutPrefix(sc.Text(), "event: "); ok {
				name = n
			}
			if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				var ev LiveCallEvent
				if json.Unmarshal([]byte(data), &ev) != nil || ev.Kind != name {
					ev = LiveCallEvent{Kind: "bad event " + name + ": " + data}
				}
				s.events <- ev
			}
		}
	}()
	snap := s.next()
	if snap.Kind != "snapshot" || snap.Calls == nil {
		t.Fatalf("first event %+v, want the snapshot", snap)
	}
	return s, snap.Calls
}

func (s *liveStream) next() LiveCallEvent {
	s.t.Helper()
	select {
	case ev, ok := <-s.events:
		if !ok {
			s.t.Fatal("live stream closed")
		}
		if !slices.Contains(liveStreamKinds(), ev.Kind) {
			s.t.Fatalf("event kind %q is not in the documented enum %v", ev.Kind, liveStreamKinds())
		}
		return ev
	case <-time.After(10 * time.Second):
		s.t.Fatal("no live-call event within 10 s")
	}
	return LiveCallEvent{}
}

// until reads events until one is of kind for call id, and returns every
// event read.
func (s *liveStream) until(kind, id string) []LiveCallEvent {
	s.t.Helper()
	return s.untilEvent(func(ev LiveCallEvent) bool { return ev.Kind == kind && ev.Call != nil && ev.Call.CallID == id })
}

// untilEvent reads events until ok, and returns every event read.
func (s *liveStream) untilEvent(ok func(LiveCallEvent) bool) []LiveCallEvent {
	s.t.Helper()
	var out []LiveCallEvent
	for {
		ev := s.next()
		out = append(out, ev)
		if ok(ev) {
			return out
		}
	}
}

func ids(list []calls.CallView) []string {
	var out []string
	for _, c := range list {
		out = append(out, c.CallID)
	}
	return out
}

// TestLiveCallStreamIsScopedToTenantAndRole: over the real call path,
// tenant B's supervisor never sees tenant A's calls, neither in the
// snapshot nor as changes (the first event B gets after A's call was held,
// muted and ended is B's own); A's supervisor sees A's call held, muted and
// ended; A's agent sees her own call but not the supervisor's, and sees
// hers leave when it is transferred to him.
func TestLiveCallStreamIsScopedToTenantAndRole(t *testing.T) {
	w := newWalk(t, newEnv(t))
	a, b := w.a, w.b
	aCall, bCall := a.params["call_id"], b.params["call_id"]
	bSup, bSnap := w.openLiveStream(t, b.base, w.boss[b.id])
	if !slices.Equal(ids(bSnap), []string{bCall}) {
		t.Fatalf("B's snapshot %v, want only B's call %s (A's is %s)", ids(bSnap), bCall, aCall)
	}
	aSup, aSnap := w.openLiveStream(t, a.base, w.boss[a.id])
	if !slices.Equal(ids(aSnap), []string{aCall}) || aSnap[0].State != calls.StateTalking {
		t.Fatalf("A's snapshot %+v", aSnap)
	}
	ann, annSnap := w.openLiveStream(t, a.base, w.login(a.agentEmail))
	if !slices.Equal(ids(annSnap), []string{aCall}) {
		t.Fatalf("A's agent's snapshot %v", ids(annSnap))
	}

	// A second call of A's, talking to A's supervisor: Ann never sees it.
	boss := a.params["my_agent_id"]
	w.live.queuer.setCallee(a.id, boss)
	other := "other-" + aCall
	w.live.start(other, a.number)
	aSup.untilEvent(func(ev LiveCallEvent) bool {
		return ev.Call != nil && ev.Call.CallID == other && ev.Call.State == calls.StateTalking && ev.Call.Agent == boss
	})
	onOff := func(x world, call, action string, on bool) {
		t.Helper()
		w.must(w.do("POST", x.base+"/live-calls/"+call+"/"+action, w.boss[x.id], OnOffRequest{On: on}), 200, nil)
	}
	onOff(a, other, "hold", true)
	onOff(a, aCall, "hold", true)
	onOff(a, aCall, "mute", true)
	for _, want := range [][2]bool{{true, false}, {true, true}} {
		for _, s := range []*liveStream{aSup, ann} {
			evs := s.until("changed", aCall)
			ev := evs[len(evs)-1]
			if ev.Call.Held != want[0] || ev.Call.Muted != want[1] || ev.At.IsZero() {
				t.Fatalf("A's call after hold/mute: %+v, want held %v muted %v", ev.Call, want[0], want[1])
			}
			for _, seen := range evs {
				if s == ann && seen.Call.CallID != aCall {
					t.Fatalf("A's agent saw a call not hers: %s %+v", seen.Kind, seen.Call)
				}
			}
		}
	}

	// A's call is transferred to the supervisor: it leaves Ann's view.
	w.must(w.do("POST", a.base+"/live-calls/"+aCall+"/transfer", w.boss[a.id], TransferRequest{Kind: "agent", Target: boss}), 200, nil)
	if evs := ann.until("left", aCall); len(evs) != 1 {
		t.Fatalf("Ann's events before her call left her: %+v", evs)
	}
	w.live.waitGone(t, a.id, aCall)
	w.live.waitGone(t, a.id, other)
	aSup.until("ended", aCall)

	// B's first event after all of that is about B's own call.
	onOff(b, bCall, "hold", true)
	if ev := bSup.next(); ev.Kind != "changed" || ev.Call == nil || ev.Call.CallID != bCall || !ev.Call.Held {
		t.Fatalf("B's supervisor got %s %+v before B's own hold (A's calls: %s, %s)", ev.Kind, ev.Call, aCall, other)
	}

	// Someone who is neither a monitor nor an agent has no live-call stream.
	qa := w.newUser(a.tenantFix, "qa@"+a.id+".test", tenancy.RoleQA)
	if r := w.do("GET", a.base+"/live-calls/stream", qa, nil); r.status != 404 {
		t.Fatalf("QA opening the stream: %s", r)
	}
}
