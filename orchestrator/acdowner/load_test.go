package acdowner

import (
	"container/heap"
	"context"
	"fmt"
	"math/rand/v2"
	"syscall"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/acd"
)

// loadEvent is a driver event of the phase-3 run.
type loadEvent struct {
	at   time.Time
	kind int // 0 arrival, 1 finish, 2 agent pause toggle
	id   string
	seq  int
}

type loadHeap []loadEvent

func (h loadHeap) Len() int { return len(h) }
func (h loadHeap) Less(i, j int) bool {
	if !h[i].at.Equal(h[j].at) {
		return h[i].at.Before(h[j].at)
	}
	return h[i].seq < h[j].seq
}
func (h loadHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *loadHeap) Push(x any)   { *h = append(*h, x.(loadEvent)) }
func (h *loadHeap) Pop() any     { o := *h; x := o[len(o)-1]; *h = o[:len(o)-1]; return x }

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestPhase3Load runs the seed's phase-3 scale through the owner goroutine
// with a fake clock, as fast as possible: 2,500 agents in 20 queues, Poisson
// arrivals (voice and chat) holding about 1,000 interactions in flight,
// exponential handling (mean 5 min), 2% of offers unanswered (RONA), agents
// pausing now and then. -short runs 10 simulated minutes instead of an hour.
func TestPhase3Load(t *testing.T) {
	simulated := time.Hour
	if testing.Short() {
		simulated = 10 * time.Minute
	}
	const agents, queues = 2500, 20
	const aht = 300.0
	lambda := 1000 / aht // arrivals per second for ~1,000 in flight
	ctx := context.Background()
	clock, off, hist := newFakeClock(), &recOfferer{fail: map[string]bool{}}, &memHistory{}
	cfg := Config{Tenant: "big", Clock: clock, Offerer: off, History: hist, Logger: quiet(), Mailbox: 4096}
	for i := range queues {
		cfg.Queues = append(cfg.Queues, acd.QueueConfig{ID: fmt.Sprintf("q%02d", i), OfferTimeout: 15 * time.Second,
			Strategy: acd.Strategy(i % 4), AgingPerMinute: 0.5, WrapUp: 10 * time.Second})
	}
	for i := range agents {
		cfg.Agents = append(cfg.Agents, acd.AgentProfile{ID: fmt.Sprintf("ag%04d", i), Tenant: "big",
			Skills: []acd.SkillLevel{{Skill: fmt.Sprintf("lang%d", i%3), Level: 1 + i%5}},
			Queues: []acd.Membership{{Queue: fmt.Sprintf("q%02d", i%queues), Priority: 1}, {Queue: fmt.Sprintf("q%02d", (i+7)%queues), Priority: 2}}})
	}
	o, err := Start(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer o.Stop(ctx)
	clock.settle = func() { _ = o.Sync(ctx) }
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, a := range cfg.Agents {
		must(o.Login(ctx, a.ID))
		must(o.Ready(ctx, a.ID))
	}
	rng := rand.New(rand.NewPCG(3, 3))
	exp := func(mean float64) time.Duration { return time.Duration(rng.ExpFloat64() * mean * float64(time.Second)) }
	events := &loadHeap{}
	seq := 0
	push := func(at time.Time, kind int, id string) {
		seq++
		heap.Push(events, loadEvent{at: at, kind: kind, id: id, seq: seq})
	}
	end := t0.Add(simulated)
	push(t0.Add(exp(1/lambda)), 0, "")
	push(t0.Add(time.Minute), 2, "")
	inFlight, maxInFlight, arrivals, answered, rona := 0, 0, 0, 0, 0
	paused := map[string]bool{}
	// handle answers the offers the owner made during the last call.
	handle := func() {
		for of := off.take(); len(of) > 0; of = off.take() {
			for _, x := range of {
				if rng.IntN(50) == 0 {
					rona++
					continue // unanswered: the owner's RONA timer takes it back
				}
				must(o.Accept(ctx, x.Agent, x.Interaction))
				answered++
				push(clock.Now().Add(exp(aht)), 1, x.Interaction)
			}
		}
	}
	cpu0, wall0 := cpuTime(), time.Now()
	for events.Len() > 0 {
		ev := heap.Pop(events).(loadEvent)
		if ev.at.After(end) {
			break
		}
		clock.AdvanceTo(ev.at)
		handle()
		switch ev.kind {
		case 0:
			arrivals++
			inFlight++
			maxInFlight = max(maxInFlight, inFlight)
			in := acd.Interaction{ID: fmt.Sprintf("i%06d", arrivals), Tenant: "big", Queue: fmt.Sprintf("q%02d", rng.IntN(queues)),
				Priority: rng.IntN(3)}
			if rng.IntN(5) == 0 {
				in.Medium = acd.Chat
			}
			if rng.IntN(3) == 0 {
				in.Skills = []acd.SkillLevel{{Skill: fmt.Sprintf("lang%d", rng.IntN(3)), Level: 1 + rng.IntN(3)}}
			}
			must(o.Enqueue(ctx, in))
			push(ev.at.Add(exp(1/lambda)), 0, "")
		case 1:
			inFlight--
			must(o.Finish(ctx, ev.id))
		case 2: // a random agent pauses or comes back
			a := cfg.Agents[rng.IntN(agents)].ID
			if paused[a] {
				if o.Ready(ctx, a) == nil {
					delete(paused, a)
				}
			} else if o.NotReady(ctx, a, "pause") == nil {
				paused[a] = true
			}
			push(ev.at.Add(2*time.Second), 2, "")
		}
		handle()
	}
	must(o.Sync(ctx))
	cpu, wall := cpuTime()-cpu0, time.Since(wall0)
	c := o.Counters()
	t.Logf("simulated %v: %d arrivals, %d answered, %d unanswered offers (RONA), max %d in flight, %d owner commands, %d decisions",
		simulated, arrivals, answered, rona, maxInFlight, c.Commands, c.Decisions)
	t.Logf("wall %v, CPU %v (whole process, 2-core shared VM); %.1f µs CPU per owner command", wall.Round(time.Millisecond),
		cpu.Round(time.Millisecond), float64(cpu.Microseconds())/float64(c.Commands))
	if wall > simulated/20 {
		t.Errorf("owner does not keep up: %v wall for %v simulated", wall, simulated)
	}
	if maxInFlight < 800 && !testing.Short() {
		t.Errorf("load too light: max %d in flight", maxInFlight)
	}
	if answered < arrivals*9/10 {
		t.Errorf("only %d of %d answered", answered, arrivals)
	}
	must(o.Stop(ctx))
	recs := hist.all()
	// Every answered interaction moved its agent at least offer, accept, work end.
	if len(recs) < 3*answered || hist.batches < 2 || recs[0].Tenant != "big" {
		t.Errorf("history: %d records in %d batches for %d answered", len(recs), hist.batches, answered)
	}
	t.Logf("history: %d records in %d batches", len(recs), hist.batches)
}
