package acd

import (
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"
)

func TestIllegalTransitionNamesStateAndEvent(t *testing.T) {
	h := newHarness(t)
	h.queue(QueueConfig{ID: "q"})
	h.agent("a", nil, Membership{Queue: "q"})
	_, err := h.d.Ready(h.now, "a")
	e := mustErr[*TransitionError](t, err)
	if e.State != LoggedOut || e.Event != EvReady {
		t.Fatalf("got %+v", e)
	}
	if got := err.Error(); got != `acd: agent a: event "ready" is not allowed in state "logged_out"` {
		t.Fatalf("message %q", got)
	}
	h.ready("a")
	h.enqueue(Interaction{ID: "x", Queue: "q"})
	h.record(h.d.Accept(h.now, "a", "x"))
	if _, err := h.d.Logout(h.now, "a", ""); mustErr[*TransitionError](t, err).State != Busy {
		t.Fatal("busy agent logged out")
	}
}

func TestTransitionsAreReported(t *testing.T) {
	h := newHarness(t)
	h.queue(QueueConfig{ID: "q", WrapUp: 10 * time.Second})
	h.agent("a", nil, Membership{Queue: "q"})
	h.ready("a")
	h.enqueue(Interaction{ID: "x", Queue: "q"})
	h.record(h.d.Accept(h.now, "a", "x"))
	h.advance(time.Minute)
	h.record(h.d.Finish(h.now, "x"))
	h.advance(15 * time.Second)
	var got []string
	for _, d := range h.log {
		if d.Kind == DecTransition {
			got = append(got, d.Transition.String())
		}
	}
	want := []string{
		"logged_out -[login]-> not_ready (login)",
		"not_ready -[ready]-> ready",
		"ready -[offer]-> reserved",
		"reserved -[accept]-> busy",
		"busy -[work_end]-> after_call_work",
		"after_call_work -[wrap_end]-> ready",
	}
	if len(got) != len(want) {
		t.Fatalf("got %q", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("transition %d: got %q want %q", i, got[i], want[i])
		}
	}
	v, _ := h.d.Agent(h.now, "a")
	if v.Today.Handled != 1 || v.Today.Talk != time.Minute || v.Today.AfterCallWork != 10*time.Second {
		t.Fatalf("today %+v", v.Today)
	}
}

func TestStrategiesPickDocumentedAgent(t *testing.T) {
	cases := []struct {
		strategy Strategy
		want     string
	}{
		{LongestIdle, "a1"},   // idle since its call ended, before a2 turned ready
		{BestSkill, "a3"},     // highest level in "en"
		{FewestHandled, "a2"}, // a1 handled one earlier today, a2 and a3 none; a2 idle longer
		{LeastTalkTime, "a2"},
	}
	for _, c := range cases {
		t.Run(c.strategy.String(), func(t *testing.T) {
			h := newHarness(t)
			h.queue(QueueConfig{ID: "warm"})
			h.queue(QueueConfig{ID: "q", Strategy: c.strategy, PrimarySkill: "en"})
			for i, id := range []string{"a1", "a2", "a3"} {
				h.agent(id, sk("en", i+1), Membership{Queue: "q"}, Membership{Queue: "warm"})
			}
			h.ready("a1")
			h.enqueue(Interaction{ID: "w", Queue: "warm"})
			h.record(h.d.Accept(h.now, "a1", "w"))
			h.advance(time.Minute)
			h.record(h.d.Finish(h.now, "w"))
			h.advance(time.Second)
			h.ready("a2")
			h.advance(time.Second)
			h.ready("a3")
			h.advance(time.Second)
			got := offers(h.enqueue(Interaction{ID: "x", Queue: "q"}))
			if got != "x>"+c.want {
				t.Fatalf("offers %q, want x>%s", got, c.want)
			}
		})
	}
}

func TestRoundRobinAndRandomRotate(t *testing.T) {
	for _, s := range []Strategy{RoundRobin, Random} {
		h := newHarness(t)
		h.queue(QueueConfig{ID: "q", Strategy: s})
		for _, id := range []string{"a", "b", "c"} {
			h.agent(id, nil, Membership{Queue: "q"})
			h.ready(id)
		}
		seen := map[string]int{}
		for i := range 30 {
			id := string(rune('A'+i%26)) + string(rune('0'+i/26))
			ds := h.enqueue(Interaction{ID: id, Queue: "q"})
			o, _ := find(ds, DecOffer)
			seen[o.Agent]++
			h.record(h.d.Accept(h.now, o.Agent, id))
			h.record(h.d.Finish(h.now, id))
		}
		if s == RoundRobin && (seen["a"] != 10 || seen["b"] != 10 || seen["c"] != 10) {
			t.Fatalf("round robin uneven: %v", seen)
		}
		if len(seen) != 3 {
			t.Fatalf("%s never picked some agent: %v", s, seen)
		}
	}
}

func TestPriorityAgingAndFIFO(t *testing.T) {
	h := newHarness(t)
	h.queue(QueueConfig{ID: "q", AgingPerMinute: 1})
	h.agent("a", nil, Membership{Queue: "q"})
	h.enqueue(Interaction{ID: "old", Queue: "q", Priority: 0})
	h.advance(2 * time.Minute)
	h.enqueue(Interaction{ID: "fifo1", Queue: "q", Priority: 1})
	h.enqueue(Interaction{ID: "fifo2", Queue: "q", Priority: 1})
	h.enqueue(Interaction{ID: "vip", Queue: "q", Priority: 5})
	// vip (5) > old (0 + 2 aged = 2) > fifo1 (1) = fifo2 (1), FIFO between equals.
	var order []string
	h.ready("a")
	for range 4 {
		v, _ := h.d.Agent(h.now, "a")
		order = append(order, v.Offers[0])
		h.record(h.d.Accept(h.now, "a", v.Offers[0]))
		h.record(h.d.Finish(h.now, v.Offers[0]))
	}
	want := []string{"vip", "old", "fifo1", "fifo2"}
	for i := range want {
		if order[i] != want[i] {
			t.Fatalf("order %v, want %v", order, want)
		}
	}
}

func TestRONAGoesToNextAgentAndSetsNotReady(t *testing.T) {
	h := newHarness(t)
	h.queue(QueueConfig{ID: "q", OfferTimeout: 10 * time.Second})
	h.agent("a", nil, Membership{Queue: "q"})
	h.agent("b", nil, Membership{Queue: "q"})
	h.ready("a")
	h.advance(time.Second)
	h.ready("b")
	if got := offers(h.enqueue(Interaction{ID: "x", Queue: "q"})); got != "x>a" {
		t.Fatalf("first offer %q", got)
	}
	n := len(h.log)
	h.advance(11 * time.Second)
	if _, ok := find(h.log[n:], DecRONA); !ok {
		t.Fatal("no RONA reported")
	}
	if got := offers(h.log[n:]); got != "x>b" {
		t.Fatalf("after RONA offers %q", got)
	}
	v, _ := h.d.Agent(h.now, "a")
	if v.State != NotReady || v.Reason != ReasonNoAnswer {
		t.Fatalf("agent a %v %q", v.State, v.Reason)
	}
}

func TestRONAReturnsToOriginalPosition(t *testing.T) {
	h := newHarness(t)
	h.queue(QueueConfig{ID: "q", OfferTimeout: 10 * time.Second})
	h.agent("a", nil, Membership{Queue: "q"})
	h.agent("b", nil, Membership{Queue: "q"})
	h.ready("a")
	h.enqueue(Interaction{ID: "first", Queue: "q"})
	h.advance(time.Second)
	h.enqueue(Interaction{ID: "second", Queue: "q"})
	h.advance(10 * time.Second) // RONA on "first"
	if got := offers(h.ready("b")); got != "first>b" {
		t.Fatalf("b got %q, want first back at its place", got)
	}
}

func TestRingAllFirstAnswerWins(t *testing.T) {
	h := newHarness(t)
	h.queue(QueueConfig{ID: "q", Strategy: RingAll})
	for _, id := range []string{"a", "b", "c"} {
		h.agent(id, nil, Membership{Queue: "q"})
		h.ready(id)
	}
	ds := h.enqueue(Interaction{ID: "x", Queue: "q"})
	if n := len(offers(ds)); n == 0 || h.state("a") != Reserved || h.state("b") != Reserved || h.state("c") != Reserved {
		t.Fatalf("not all rang: %q", offers(ds))
	}
	ds = h.record(h.d.Accept(h.now, "b", "x"))
	cancels := 0
	for _, d := range ds {
		if d.Kind == DecCancelOffer {
			cancels++
		}
	}
	if cancels != 2 || h.state("a") != Ready || h.state("b") != Busy || h.state("c") != Ready {
		t.Fatalf("cancels %d states %v %v %v", cancels, h.state("a"), h.state("b"), h.state("c"))
	}
	if _, err := h.d.Accept(h.now, "a", "x"); !errors.Is(err, ErrNotOffered) {
		t.Fatalf("late accept: %v", err)
	}
}

func TestWideningRelaxesLevelsThenAddsTier(t *testing.T) {
	h := newHarness(t)
	h.queue(QueueConfig{ID: "q", Widening: []Widen{{After: 10 * time.Second, Relax: 2}, {After: 30 * time.Second, Relax: 2, Tier: 1}}})
	h.agent("low", sk("fr", 3), Membership{Queue: "q"})
	h.agent("backup", sk("fr", 5), Membership{Queue: "q", Tier: 1})
	h.ready("low")
	h.ready("backup")
	if got := offers(h.enqueue(Interaction{ID: "x", Queue: "q", Skills: sk("fr", 5)})); got != "" {
		t.Fatalf("offered before widening: %q", got)
	}
	n := len(h.log)
	h.advance(10 * time.Second)
	if got := offers(h.log[n:]); got != "x>low" {
		t.Fatalf("step 1 offers %q", got)
	}
	h.record(h.d.Reject(h.now, "low", "x"))
	n = len(h.log)
	h.advance(20 * time.Second)
	if got := offers(h.log[n:]); got != "x>backup" {
		t.Fatalf("step 2 offers %q", got)
	}
}

func TestOverflows(t *testing.T) {
	h := newHarness(t)
	h.queue(QueueConfig{ID: "spill"})
	h.queue(QueueConfig{ID: "q", MaxWaiting: 1, MaxWait: time.Minute,
		OnFull:     OverflowTarget{Kind: OverflowVoicemail, Target: "vm1"},
		OnMaxWait:  OverflowTarget{Kind: OverflowQueue, Target: "spill"},
		OnNoAgents: OverflowTarget{Kind: OverflowFlow, Target: "closed"}})
	d, _ := find(h.enqueue(Interaction{ID: "n", Queue: "q"}), DecOverflow)
	if d.Reason != ReasonNoAgents || d.Overflow.Target != "closed" {
		t.Fatalf("no-agents overflow %+v", d)
	}
	h.agent("a", nil, Membership{Queue: "q"})
	h.record(h.d.Login(h.now, "a"))
	h.enqueue(Interaction{ID: "x1", Queue: "q"})
	d, _ = find(h.enqueue(Interaction{ID: "x2", Queue: "q"}), DecOverflow)
	if d.Reason != ReasonQueueFull || d.Overflow.Kind != OverflowVoicemail {
		t.Fatalf("full overflow %+v", d)
	}
	h.advance(time.Minute)
	d, _ = find(h.log, DecOverflow)
	last := h.log[len(h.log)-1]
	if last.Kind != DecQueued || last.Queue != "spill" {
		t.Fatalf("max-wait should move x1 to spill, last %v", last)
	}
	if _, err := h.d.interaction("x2"); err == nil {
		t.Fatal("overflowed-out interaction still held")
	}
}

func TestLastLogoutOverflowsWaiting(t *testing.T) {
	h := newHarness(t)
	h.queue(QueueConfig{ID: "q", OnNoAgents: OverflowTarget{Kind: OverflowVoicemail, Target: "vm"}})
	h.agent("a", nil, Membership{Queue: "q"})
	h.record(h.d.Login(h.now, "a"))
	h.enqueue(Interaction{ID: "x1", Queue: "q"})
	h.enqueue(Interaction{ID: "x2", Queue: "q", Medium: Email})
	ds := h.record(h.d.Logout(h.now, "a", ""))
	n := 0
	for _, d := range ds {
		if d.Kind == DecOverflow && d.Reason == ReasonNoAgents && d.Overflow.Target == "vm" {
			n++
		}
	}
	if n != 2 || h.d.queues["q"].waiting != 0 || len(h.d.inter) != 0 {
		t.Fatalf("%d overflowed, %d waiting", n, h.d.queues["q"].waiting)
	}
}

func TestBreakCap(t *testing.T) {
	h := newHarness(t)
	h.queue(QueueConfig{ID: "q"})
	h.d.SetBreakLimit("g", 1)
	for _, id := range []string{"a", "b"} {
		h.record(h.d.SetAgent(h.now, AgentProfile{ID: id, Tenant: "t1", BreakGroup: "g", Queues: []Membership{{Queue: "q"}}}))
		h.ready(id)
	}
	h.record(h.d.Break(h.now, "a", ""))
	_, err := h.d.Break(h.now, "b", "sup1")
	if e := mustErr[*BreakCapError](t, err); e.OnBreak != 1 || e.Max != 1 {
		t.Fatalf("%+v", e)
	}
	h.record(h.d.EndBreak(h.now, "a"))
	h.record(h.d.Break(h.now, "b", "sup1"))
	if h.d.OnBreak("g") != 1 {
		t.Fatal(h.d.OnBreak("g"))
	}
}

func TestMultiChatCapacityAndVoiceRule(t *testing.T) {
	h := newHarness(t)
	h.queue(QueueConfig{ID: "q"})
	h.agent("a", nil, Membership{Queue: "q"})
	h.ready("a")
	for _, id := range []string{"c1", "c2", "c3", "c4"} {
		h.enqueue(Interaction{ID: id, Queue: "q", Medium: Chat})
	}
	v, _ := h.d.Agent(h.now, "a")
	if len(v.Offers) != 3 {
		t.Fatalf("chat offers %v, want 3 (capacity)", v.Offers)
	}
	if got := offers(h.enqueue(Interaction{ID: "v", Queue: "q", Medium: Voice})); got != "" {
		t.Fatalf("voice offered over chats without VoiceOverChat: %q", got)
	}
	h.record(h.d.Accept(h.now, "a", "c1"))
	ds := h.record(h.d.Finish(h.now, "c1"))
	if got := offers(ds); got != "c4>a" {
		t.Fatalf("freed chat slot got %q", got)
	}
}

func TestPreferredAgentThenAnyone(t *testing.T) {
	h := newHarness(t)
	h.queue(QueueConfig{ID: "q", PreferredTimeout: 20 * time.Second})
	h.agent("pref", nil, Membership{Queue: "q"})
	h.agent("other", nil, Membership{Queue: "q"})
	h.record(h.d.Login(h.now, "pref"))
	h.ready("other")
	if got := offers(h.enqueue(Interaction{ID: "x", Queue: "q", PreferredAgent: "pref"})); got != "" {
		t.Fatalf("offered to %q during preference", got)
	}
	n := len(h.log)
	h.advance(20 * time.Second)
	if got := offers(h.log[n:]); got != "x>other" {
		t.Fatalf("after preference %q", got)
	}
}

func TestAgentTakesHighestPriorityQueueFirst(t *testing.T) {
	h := newHarness(t)
	h.queue(QueueConfig{ID: "low"})
	h.queue(QueueConfig{ID: "high"})
	h.agent("a", nil, Membership{Queue: "low", Priority: 5}, Membership{Queue: "high", Priority: 1})
	h.record(h.d.Login(h.now, "a"))
	h.enqueue(Interaction{ID: "l", Queue: "low", Priority: 9})
	h.advance(time.Minute)
	h.enqueue(Interaction{ID: "h", Queue: "high"})
	if got := offers(h.ready("a")); got != "h>a" {
		t.Fatalf("got %q", got)
	}
}

func TestWrapEndsEarlyAndPendingNotReady(t *testing.T) {
	h := newHarness(t)
	h.queue(QueueConfig{ID: "q", WrapUp: time.Minute})
	h.agent("a", nil, Membership{Queue: "q"})
	h.ready("a")
	h.enqueue(Interaction{ID: "x", Queue: "q"})
	h.record(h.d.Accept(h.now, "a", "x"))
	h.record(h.d.NotReady(h.now, "a", "lunch"))
	if v, _ := h.d.Agent(h.now, "a"); v.State != Busy || !v.PendingNR {
		t.Fatalf("%+v", v)
	}
	h.record(h.d.Finish(h.now, "x"))
	h.record(h.d.EndWrap(h.now, "a"))
	if v, _ := h.d.Agent(h.now, "a"); v.State != NotReady || v.Reason != "lunch" {
		t.Fatalf("%+v", v)
	}
	h.advance(2 * time.Minute) // the stale wrap timer must not move the agent
	if h.state("a") != NotReady {
		t.Fatal(h.state("a"))
	}
}

// TestServiceLevelDefinitions: by default a caller who gave up after the
// threshold counts against the service level and one who gave up sooner is
// not counted at all; SLAnswered counts answered calls only. The window says
// which definition and threshold it used.
func TestServiceLevelDefinitions(t *testing.T) {
	h := newHarness(t)
	h.queue(QueueConfig{ID: "q", ServiceLevel: 20 * time.Second, DefaultAHT: time.Minute})
	h.agent("a", nil, Membership{Queue: "q"})
	h.record(h.d.Login(h.now, "a"))
	for _, id := range []string{"x1", "x2", "x3"} {
		h.enqueue(Interaction{ID: id, Queue: "q"})
	}
	h.advance(5 * time.Second)
	h.ready("a")
	h.record(h.d.Accept(h.now, "a", "x1")) // answered in 5 s
	h.record(h.d.Finish(h.now, "x2"))      // gave up after 5 s: not counted
	h.advance(25 * time.Second)
	h.record(h.d.Finish(h.now, "x3")) // gave up after 30 s: counts against
	s, _ := h.d.QueueStats(h.now, "q")
	w := s.Windows[0]
	if w.ServiceLevel != 0.5 || w.ServiceLevelDefinition != SLAnsweredAndAbandoned || w.ServiceLevelThreshold != 20*time.Second ||
		w.AnsweredInThreshold != 1 || w.AbandonedAfterThreshold != 1 || w.Abandoned != 2 {
		t.Fatalf("default definition: %+v", w)
	}
	h.queue(QueueConfig{ID: "q", ServiceLevel: 20 * time.Second, DefaultAHT: time.Minute, ServiceLevelDefinition: SLAnswered})
	s, _ = h.d.QueueStats(h.now, "q")
	if w := s.Windows[0]; w.ServiceLevel != 1 || w.ServiceLevelDefinition != SLAnswered {
		t.Fatalf("answered-only definition: %+v", w)
	}
	if _, err := h.d.SetQueue(h.now, QueueConfig{ID: "q", ServiceLevelDefinition: numSLDefinitions}); err == nil {
		t.Fatal("an unknown definition was accepted")
	}
	for i, name := range SLDefinitionNames() {
		if d, err := ParseSLDefinition(name); err != nil || d != SLDefinition(i) || d.String() != name {
			t.Fatalf("ParseSLDefinition(%q) = %v, %v", name, d, err)
		}
	}
	if d, err := ParseSLDefinition(""); err != nil || d != SLAnsweredAndAbandoned {
		t.Fatalf("empty definition = %v, %v; want the default", d, err)
	}
	if _, err := ParseSLDefinition("answerd"); err == nil {
		t.Fatal("a misspelt definition was accepted")
	}
}

func TestStatsAndPosition(t *testing.T) {
	h := newHarness(t)
	h.queue(QueueConfig{ID: "q", ServiceLevel: 20 * time.Second, DefaultAHT: time.Minute})
	h.agent("a", nil, Membership{Queue: "q"})
	h.record(h.d.Login(h.now, "a"))
	h.enqueue(Interaction{ID: "x1", Queue: "q"})
	h.enqueue(Interaction{ID: "x2", Queue: "q"})
	h.enqueue(Interaction{ID: "x3", Queue: "q"})
	pos, ewt, err := h.d.Position(h.now, "x3")
	if err != nil || pos != 3 || ewt != 3*time.Minute {
		t.Fatalf("pos %d ewt %v err %v", pos, ewt, err)
	}

	h.advance(10 * time.Second)
	h.ready("a")
	h.record(h.d.Accept(h.now, "a", "x1")) // 10 s: within SL
	h.advance(30 * time.Second)
	h.record(h.d.Finish(h.now, "x2")) // abandoned
	h.record(h.d.Finish(h.now, "x1"))
	h.record(h.d.Accept(h.now, "a", "x3")) // 40 s: outside SL
	s, _ := h.d.QueueStats(h.now, "q")
	w := s.Windows[0]
	// x2 gave up after the 20 s threshold: it counts (default definition).
	if w.Answered != 2 || w.Abandoned != 1 || w.ServiceLevel != 1.0/3 || w.ASA != 25*time.Second || w.AbandonRate != 1.0/3 {
		t.Fatalf("%+v", w)
	}
	if s.Agents[Busy] != 1 || s.LoggedIn != 1 || s.LongestWait != 0 {
		t.Fatalf("%+v", s)
	}
	h.agent("b", nil, Membership{Queue: "q"})
	all := h.d.AllQueueStats(h.now)
	if len(all) != 1 || all[0].Windows[0] != w || all[0].Agents[LoggedOut] != 1 {
		t.Fatalf("%+v", all)
	}
	if v := h.d.Agents(h.now, false); len(v) != 1 || v[0].ID != "a" {
		t.Fatalf("%+v", v)
	}
	if v := h.d.Agents(h.now, true); len(v) != 2 {
		t.Fatalf("%+v", v)
	}
}

func TestWaitingList(t *testing.T) {
	h := newHarness(t)
	h.queue(QueueConfig{ID: "q", DefaultAHT: time.Minute, AgingPerMinute: 1})
	h.agent("a", nil, Membership{Queue: "q"})
	h.record(h.d.Login(h.now, "a"))
	h.enqueue(Interaction{ID: "x1", Queue: "q"})
	h.advance(time.Minute)
	h.enqueue(Interaction{ID: "x2", Queue: "q"})
	h.enqueue(Interaction{ID: "vip", Queue: "q", Priority: 9})
	ws, err := h.d.Waiting(h.now, "q")
	if err != nil || len(ws) != 3 {
		t.Fatalf("%+v %v", ws, err)
	}
	if ws[0].Interaction != "vip" || ws[1].Interaction != "x1" || ws[1].Effective != 1 || ws[1].Waited != time.Minute ||
		ws[2].Position != 3 || ws[2].EWT != 3*time.Minute {
		t.Fatalf("%+v", ws)
	}
	if pos, _, _ := h.d.Position(h.now, "x2"); pos != 3 {
		t.Fatalf("Position %d disagrees with Waiting", pos)
	}
}

func TestKeepPlaceCallback(t *testing.T) {
	h := newHarness(t)
	h.queue(QueueConfig{ID: "q"})
	h.agent("a", nil, Membership{Queue: "q"})
	h.record(h.d.Login(h.now, "a"))
	h.enqueue(Interaction{ID: "x1", Queue: "q"})
	h.enqueue(Interaction{ID: "x2", Queue: "q"})
	h.record(h.d.KeepPlace(h.now, "x1"))
	ds := h.ready("a")
	if o, _ := find(ds, DecOffer); o.Interaction != "x1" || o.Medium != Callback {
		t.Fatalf("%+v", o)
	}
}

func TestTenantAndInputErrors(t *testing.T) {
	h := newHarness(t)
	h.queue(QueueConfig{ID: "q"})
	if _, err := h.d.Enqueue(h.now, Interaction{ID: "x", Tenant: "t2", Queue: "q"}); !errors.Is(err, ErrWrongTenant) {
		t.Fatal(err)
	}
	if _, err := h.d.SetAgent(h.now, AgentProfile{ID: "a", Tenant: "t2"}); !errors.Is(err, ErrWrongTenant) {
		t.Fatal(err)
	}
	if _, err := h.d.Enqueue(h.now, Interaction{ID: "x", Tenant: "t1", Queue: "nope"}); !errors.Is(err, ErrUnknownQueue) {
		t.Fatal(err)
	}
	if _, err := h.d.Enqueue(h.now, Interaction{ID: "x", Tenant: "t1", Queue: "q", Skills: sk("klingon", 1)}); !errors.Is(err, ErrUnknownSkill) {
		t.Fatal(err)
	}
	if _, err := h.d.SetQueue(h.now, QueueConfig{ID: "w", Widening: []Widen{{After: 2}, {After: 1}}}); !errors.Is(err, ErrInvalidConfig) {
		t.Fatal(err)
	}
}

func TestSnapshotRestore(t *testing.T) {
	h := newHarness(t)
	h.queue(QueueConfig{ID: "q"})
	h.agent("a", nil, Membership{Queue: "q"})
	h.agent("b", nil, Membership{Queue: "q"})
	h.ready("a")
	h.record(h.d.Login(h.now, "b"))
	h.enqueue(Interaction{ID: "busy", Queue: "q"})
	h.record(h.d.Accept(h.now, "a", "busy"))
	h.enqueue(Interaction{ID: "w1", Queue: "q"})
	h.advance(time.Second)
	h.enqueue(Interaction{ID: "w2", Queue: "q"})
	snap := h.d.Snapshot()

	h2 := newHarness(t)
	h2.now = h.now
	h2.queue(QueueConfig{ID: "q"})
	h2.agent("a", nil, Membership{Queue: "q"})
	h2.agent("b", nil, Membership{Queue: "q"})
	h2.record(h2.d.Restore(h2.now, snap))
	if h2.state("a") != Busy || h2.state("b") != NotReady {
		t.Fatalf("states %v %v", h2.state("a"), h2.state("b"))
	}
	if got := offers(h2.record(h2.d.Ready(h2.now, "b"))); got != "w1>b" {
		t.Fatalf("after restore %q", got)
	}
	h2.record(h2.d.Finish(h2.now, "busy"))
	if h2.state("a") != Reserved {
		t.Fatal(h2.state("a"))
	}
	// A store may keep the snapshot as JSON: it must survive the round trip.
	b, err := json.Marshal(snap)
	if err != nil {
		t.Fatal(err)
	}
	var back Snapshot
	if err := json.Unmarshal(b, &back); err != nil || !reflect.DeepEqual(back, snap) {
		t.Fatalf("JSON round trip changed the snapshot: %v", err)
	}
}

func TestStrategyNames(t *testing.T) {
	names := StrategyNames()
	if len(names) != int(numStrategies) {
		t.Fatalf("%d names for %d strategies", len(names), numStrategies)
	}
	for i, name := range names {
		if got, err := ParseStrategy(name); err != nil || got != Strategy(i) || got.String() != name {
			t.Fatalf("%s: %v %v", name, got, err)
		}
	}
	// the store's old names went with migration 00061
	for _, old := range []string{"fewest_calls", "skills_based"} {
		if _, err := ParseStrategy(old); err == nil {
			t.Fatalf("%s still parses", old)
		}
	}
	h := newHarness(t)
	h.queue(QueueConfig{ID: "q", Strategy: BestSkill}) // no primary skill: longest idle
	h.agent("a", nil, Membership{Queue: "q"})
	h.agent("b", nil, Membership{Queue: "q"})
	h.ready("b")
	h.advance(time.Second)
	h.ready("a")
	if got := offers(h.enqueue(Interaction{ID: "x", Queue: "q"})); got != "x>b" {
		t.Fatalf("%q", got)
	}
}

// The desktop counts down after-call work from WrapUntil and shows the
// agent's queues.
func TestAgentViewWrapUntilAndQueues(t *testing.T) {
	h := newHarness(t)
	h.queue(QueueConfig{ID: "q", WrapUp: 10 * time.Second})
	h.queue(QueueConfig{ID: "q2"})
	h.agent("a", nil, Membership{Queue: "q"}, Membership{Queue: "q2", Priority: 2})
	h.ready("a")
	h.enqueue(Interaction{ID: "x", Queue: "q"})
	h.record(h.d.Accept(h.now, "a", "x"))
	if v, _ := h.d.Agent(h.now, "a"); !v.WrapUntil.IsZero() || !slices.Equal(v.Queues, []string{"q", "q2"}) {
		t.Fatalf("busy: wrap until %v, queues %q", v.WrapUntil, v.Queues)
	}
	h.advance(time.Minute)
	end := h.now
	h.record(h.d.Finish(h.now, "x"))
	h.advance(3 * time.Second)
	v, _ := h.d.Agent(h.now, "a")
	if v.State != AfterCallWork || !v.WrapUntil.Equal(end.Add(10*time.Second)) {
		t.Fatalf("after the call: %s until %v, want after_call_work until %v", v.State, v.WrapUntil, end.Add(10*time.Second))
	}
	h.advance(10 * time.Second)
	if v, _ := h.d.Agent(h.now, "a"); v.State != Ready || !v.WrapUntil.IsZero() {
		t.Fatalf("after the wrap-up: %s until %v", v.State, v.WrapUntil)
	}
}

func TestAllowsFollowsTheTable(t *testing.T) {
	for _, s := range States() {
		for _, ev := range Events() {
			want := false
			for _, r := range table {
				want = want || (r.from == s && r.ev == ev)
			}
			if Allows(s, ev) != want {
				t.Errorf("Allows(%s, %s) = %v, the table says %v", s, ev, !want, want)
			}
		}
	}
	if Allows(numStates, EvReady) || Allows(Ready, numEvents) {
		t.Fatal("out of range allowed")
	}
}
