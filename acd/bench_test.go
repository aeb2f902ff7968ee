package acd

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
	"time"
)

// The benchmark tenant: 500 queues, 100 skills; every agent has 8 skills at
// levels 1..10 and is a member of 3 queues whose primary skill it has.
const (
	benchQueues = 500
	benchSkills = 100
)

type benchTenant struct {
	d      *ACD
	now    time.Time
	agents []string
	qs     []string
	rng    *rand.Rand
	next   int
}

// benchReqs are shared requirement slices (the core copies them), so the
// benchmark itself allocates nothing per interaction.
var benchReqs = func() (r [benchSkills][4][]SkillLevel) {
	for s := range r {
		for l := range r[s] {
			r[s][l] = []SkillLevel{{Skill: skillName(s), Level: 1 + l}}
		}
	}
	return r
}()

func skillName(i int) string { return fmt.Sprintf("s%02d", i) }

func newBenchTenant(tb testing.TB, nAgents int, wrap time.Duration) *benchTenant {
	bt := &benchTenant{d: New("t", t0, Options{Seed: 7}), now: t0, rng: rand.New(rand.NewPCG(7, 7))}
	strategies := []Strategy{LongestIdle, FewestHandled, LeastTalkTime, RoundRobin, BestSkill, Random}
	for i := range benchQueues {
		id := fmt.Sprintf("q%03d", i)
		bt.qs = append(bt.qs, id)
		cfg := QueueConfig{ID: id, Strategy: strategies[i%len(strategies)], PrimarySkill: skillName(i % benchSkills),
			WrapUp: wrap, AgingPerMinute: 1, Widening: []Widen{{After: 30 * time.Second, Relax: 3}}}
		mustDo(tb)(bt.d.SetQueue(t0, cfg))
	}
	for i := range nAgents {
		bt.agents = append(bt.agents, bt.addAgent(tb, i))
	}
	return bt
}

func (bt *benchTenant) addAgent(tb testing.TB, i int) string {
	id := fmt.Sprintf("agent-%06d", i)
	p := AgentProfile{ID: id, Tenant: "t"}
	has := map[int]bool{}
	for len(p.Queues) < 3 {
		q := bt.rng.IntN(benchQueues)
		if has[q%benchSkills] {
			continue
		}
		has[q%benchSkills] = true
		p.Queues = append(p.Queues, Membership{Queue: bt.qs[q], Priority: bt.rng.IntN(3)})
	}
	for len(has) < 8 {
		has[bt.rng.IntN(benchSkills)] = true
	}
	for _, s := range slices.Sorted(maps.Keys(has)) { // sorted: levels drawn in a fixed order, so runs repeat
		p.Skills = append(p.Skills, SkillLevel{Skill: skillName(s), Level: 1 + bt.rng.IntN(10)})
	}
	mustDo(tb)(bt.d.SetAgent(bt.now, p))
	mustDo(tb)(bt.d.Login(bt.now, id))
	return id
}

// interaction draws a voice call for a random queue needing the queue's
// primary skill at a level most of its members have.
func (bt *benchTenant) interaction(id string) Interaction {
	q := bt.rng.IntN(benchQueues)
	if id == "" {
		bt.next++
		id = fmt.Sprintf("ix-%08d", bt.next)
	}
	return Interaction{ID: id, Tenant: "t", Queue: bt.qs[q], Priority: bt.rng.IntN(3),
		Skills: benchReqs[q%benchSkills][bt.rng.IntN(4)]}
}

// warm sends one voice call through every queue, so the one-off indexing of
// a medium's first interaction in a queue (O(members)) is not in the timings.
func (bt *benchTenant) warm(b *testing.B) {
	for i, q := range bt.qs {
		id := fmt.Sprintf("warm-%d", i)
		ds, err := bt.d.Enqueue(bt.now, Interaction{ID: id, Tenant: "t", Queue: q})
		if err != nil {
			b.Fatal(err)
		}
		for _, dec := range ds {
			if dec.Kind == DecOffer {
				mustDo(b)(bt.d.Accept(bt.now, dec.Agent, id))
			}
		}
		mustDo(b)(bt.d.Finish(bt.now, id))
	}
}

// p99 sorts the per-op timings and reports percentiles as metrics.
func reportPercentiles(b *testing.B, name string, ds []time.Duration) {
	if len(ds) == 0 {
		return
	}
	slices.Sort(ds)
	b.ReportMetric(float64(ds[len(ds)/2].Nanoseconds()), name+"-p50-ns")
	b.ReportMetric(float64(ds[len(ds)*99/100].Nanoseconds()), name+"-p99-ns")
}

var benchSizes = []int{1000, 10000, 50000}

// BenchmarkArrive: a new interaction arrives and is offered to a ready agent
// (the routing decision, timed per op for p50/p99); then the agent accepts and
// finishes, which puts it back in the ready indexes. ns/op covers all three.
func BenchmarkArrive(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("agents=%d", n), func(b *testing.B) {
			bt := newBenchTenant(b, n, 0)
			for _, id := range bt.agents {
				mustDo(b)(bt.d.Ready(bt.now, id))
			}
			bt.warm(b)
			ins := make([]Interaction, 4096)
			for i := range ins {
				ins[i] = bt.interaction(fmt.Sprintf("arr-%d", i))
			}
			times := make([]time.Duration, 0, min(b.N, 1<<20))
			offered := 0
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				bt.now = bt.now.Add(time.Millisecond)
				in := ins[i%len(ins)]
				start := time.Now()
				ds, err := bt.d.Enqueue(bt.now, in)
				el := time.Since(start)
				if len(times) < cap(times) {
					times = append(times, el)
				}
				if err != nil {
					b.Fatal(err)
				}
				agent := ""
				for _, dec := range ds {
					if dec.Kind == DecOffer {
						agent = dec.Agent
					}
				}
				if agent != "" { // else no member has the level: abandon
					offered++
					if _, err := bt.d.Accept(bt.now, agent, in.ID); err != nil {
						b.Fatal(err)
					}
				}
				if _, err := bt.d.Finish(bt.now, in.ID); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(offered)/float64(b.N), "offered/op")
			reportPercentiles(b, "arrive", times)
		})
	}
}

// BenchmarkAgentReady: an agent turns ready while 2,000 interactions wait and
// takes the best one it qualifies for (timed per op); then it accepts,
// finishes into after-call work and goes not ready, and a new interaction
// arrives to keep the waiting count constant.
func BenchmarkAgentReady(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("agents=%d", n), func(b *testing.B) {
			bt := newBenchTenant(b, n, time.Minute)
			for range 2000 {
				mustDo(b)(bt.d.Enqueue(bt.now, bt.interaction("")))
			}
			times := make([]time.Duration, 0, min(b.N, 1<<20))
			offered := 0
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				bt.now = bt.now.Add(time.Millisecond)
				id := bt.agents[i%len(bt.agents)]
				start := time.Now()
				ds, err := bt.d.Ready(bt.now, id)
				el := time.Since(start)
				if len(times) < cap(times) {
					times = append(times, el)
				}
				if err != nil {
					b.Fatal(err)
				}
				x := ""
				for _, dec := range ds {
					if dec.Kind == DecOffer {
						x = dec.Interaction
					}
				}
				if x == "" {
					mustDo(b)(bt.d.NotReady(bt.now, id, "bench"))
					continue
				}
				offered++
				mustDo(b)(bt.d.Accept(bt.now, id, x))
				mustDo(b)(bt.d.Finish(bt.now, x))
				mustDo(b)(bt.d.NotReady(bt.now, id, "bench"))
				in := bt.interaction(x) // reuse the finished ID: no allocation for names
				mustDo(b)(bt.d.Enqueue(bt.now, in))
			}
			b.StopTimer()
			b.ReportMetric(float64(offered)/float64(b.N), "offered/op")
			reportPercentiles(b, "ready", times)
		})
	}
}

func heapAlloc() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// BenchmarkMemory measures heap bytes per logged-in ready agent (with its
// profile, skills, 3 memberships and index entries) and per waiting
// interaction (with its ID, skills and index entry).
func BenchmarkMemory(b *testing.B) {
	for _, media := range []string{"voice", "all"} {
		n := 10000
		b.Run(fmt.Sprintf("agents=%d/media=%s", n, media), func(b *testing.B) {
			{ // once, whatever b.N: it is a measurement, not a timing
				before := heapAlloc()
				bt := newBenchTenant(b, 0, 0)
				for _, q := range bt.d.queues { // indexes exist for every medium the queues have seen
					for m := Medium(0); m < numMedia; m++ {
						if media == "all" || m == Voice {
							bt.d.serve(q, m)
						}
					}
				}
				queuesOnly := heapAlloc()
				for j := range n {
					bt.agents = append(bt.agents, bt.addAgent(b, j))
					mustDo(b)(bt.d.Ready(bt.now, bt.agents[j]))
				}
				withAgents := heapAlloc()
				for _, id := range bt.agents {
					mustDo(b)(bt.d.NotReady(bt.now, id, "x"))
				}
				mid := heapAlloc()
				for range n {
					in := bt.interaction("")
					mustDo(b)(bt.d.Enqueue(bt.now, in))
				}
				withWaiting := heapAlloc()
				b.ReportMetric(float64(withAgents-queuesOnly)/float64(n), "B/agent")
				b.ReportMetric(float64(withWaiting-mid)/float64(n), "B/waiting")
				b.ReportMetric(float64(queuesOnly-before)/benchQueues, "B/queue")
				runtime.KeepAlive(bt)
			}
			for range b.N {
			}
		})
	}
}
