package acd

import (
	"container/heap"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// erlangC returns the probability of waiting, the service level within t and
// the average speed of answer for n agents, arrival rate lambda (per second)
// and mean handling time aht (seconds).
func erlangC(n int, lambda, aht, t float64) (pw, sl, asa float64) {
	a := lambda * aht
	// Erlang B by the stable recursion, then C from B.
	b := 1.0
	for k := 1; k <= n; k++ {
		b = a * b / (float64(k) + a*b)
	}
	pw = float64(n) * b / (float64(n) - a*(1-b))
	sl = 1 - pw*math.Exp(-(float64(n)-a)*t/aht)
	asa = pw * aht / (float64(n) - a)
	return pw, sl, asa
}

func TestErlangCFormula(t *testing.T) {
	pw, sl, asa := erlangC(46, 430.0/1800, 170, 20)
	if math.Abs(pw-0.313) > 0.001 || math.Abs(sl-0.834) > 0.001 || math.Abs(asa-9.9) > 0.05 {
		t.Fatalf("Erlang C pw %.4f sl %.4f asa %.2f, want 0.313 0.834 9.9", pw, sl, asa)
	}
}

// simEvent is an arrival (agent == "") or the end of a call.
type simEvent struct {
	at    time.Time
	id    string
	agent string
}

type simQueue []simEvent

func (q simQueue) Len() int           { return len(q) }
func (q simQueue) Less(i, j int) bool { return q[i].at.Before(q[j].at) }
func (q simQueue) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *simQueue) Push(x any)        { *q = append(*q, x.(simEvent)) }
func (q *simQueue) Pop() any {
	old := *q
	x := old[len(old)-1]
	*q = old[:len(old)-1]
	return x
}

type batch struct {
	n, inSL, waited int
	waitSum         float64
}

// simulateMMN pushes Poisson arrivals with exponential handling times through
// the real core and returns per-batch figures after a warm-up.
func simulateMMN(t testing.TB, seed uint64, agents int, lambda, aht float64, warm, batchLen time.Duration, batches int) []batch {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	d := New("t", t0, Options{Seed: seed})
	if _, err := d.SetQueue(t0, QueueConfig{ID: "q", OfferTimeout: time.Hour}); err != nil {
		t.Fatal(err)
	}
	for i := range agents {
		id := fmt.Sprintf("a%d", i)
		mustDo(t)(d.SetAgent(t0, AgentProfile{ID: id, Tenant: "t", Queues: []Membership{{Queue: "q"}}}))
		mustDo(t)(d.Login(t0, id))
		mustDo(t)(d.Ready(t0, id))
	}
	exp := func(mean float64) time.Duration { return time.Duration(rng.ExpFloat64() * mean * float64(time.Second)) }
	arrived := map[string]time.Time{}
	out := make([]batch, batches)
	end := t0.Add(warm + time.Duration(batches)*batchLen)
	events := &simQueue{{at: t0.Add(exp(1 / lambda)), id: "c0"}}
	seq := 0
	answer := func(now time.Time, ds []Decision) {
		for _, dec := range ds {
			if dec.Kind != DecOffer {
				continue
			}
			mustDo(t)(d.Accept(now, dec.Agent, dec.Interaction))
			arr := arrived[dec.Interaction]
			delete(arrived, dec.Interaction)
			heap.Push(events, simEvent{at: now.Add(exp(aht)), id: dec.Interaction, agent: dec.Agent})
			if arr.Before(t0.Add(warm)) {
				continue
			}
			b := &out[int(arr.Sub(t0.Add(warm))/batchLen)]
			w := now.Sub(arr).Seconds()
			b.n++
			b.waitSum += w
			if w > 0 {
				b.waited++
			}
			if w <= 20 {
				b.inSL++
			}
		}
	}
	for events.Len() > 0 {
		ev := heap.Pop(events).(simEvent)
		if ev.agent != "" {
			ds, err := d.Finish(ev.at, ev.id)
			if err != nil {
				t.Fatal(err)
			}
			answer(ev.at, ds)
			continue
		}
		if ev.at.After(end) {
			continue // no more arrivals; drain the calls in progress
		}
		arrived[ev.id] = ev.at
		ds, err := d.Enqueue(ev.at, Interaction{ID: ev.id, Tenant: "t", Queue: "q"})
		if err != nil {
			t.Fatal(err)
		}
		answer(ev.at, ds)
		seq++
		heap.Push(events, simEvent{at: ev.at.Add(exp(1 / lambda)), id: "c" + strconv.Itoa(seq)})
	}
	return out
}

func mustDo(t testing.TB) func([]Decision, error) {
	return func(_ []Decision, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
}

// ci95 is the mean and half-width of the 95% confidence interval of xs (batch means).
func ci95(xs []float64) (mean, half float64) {
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	var ss float64
	for _, x := range xs {
		ss += (x - mean) * (x - mean)
	}
	sd := math.Sqrt(ss / float64(len(xs)-1))
	const t19 = 2.093 // Student t, 0.975, 19 degrees of freedom
	return mean, t19 * sd / math.Sqrt(float64(len(xs)))
}

// TestErlangC: 46 agents, 430 calls per 30 minutes, 170 s average handling.
// The simulated service level (20 s), probability of waiting and ASA must hold
// the Erlang C values inside their 95% batch-means confidence intervals.
// ACD_ERLANG_SEEDS="1,2,3" runs other seeds (CI uses seed 1).
func TestErlangC(t *testing.T) {
	seeds := []uint64{1}
	if s := os.Getenv("ACD_ERLANG_SEEDS"); s != "" {
		seeds = nil
		for _, f := range strings.Split(s, ",") {
			n, err := strconv.ParseUint(strings.TrimSpace(f), 10, 64)
			if err != nil {
				t.Fatalf("ACD_ERLANG_SEEDS: %v", err)
			}
			seeds = append(seeds, n)
		}
	}
	const agents, aht = 46, 170.0
	lambda := 430.0 / 1800
	pw, sl, asa := erlangC(agents, lambda, aht, 20)
	for _, seed := range seeds {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			bs := simulateMMN(t, seed, agents, lambda, aht, 2*time.Hour, 10*time.Hour, 20)
			var sls, pws, asas []float64
			calls := 0
			for _, b := range bs {
				calls += b.n
				sls = append(sls, float64(b.inSL)/float64(b.n))
				pws = append(pws, float64(b.waited)/float64(b.n))
				asas = append(asas, b.waitSum/float64(b.n))
			}
			for _, m := range []struct {
				name   string
				xs     []float64
				erlang float64
			}{{"service level", sls, sl}, {"P(wait)", pws, pw}, {"ASA s", asas, asa}} {
				mean, half := ci95(m.xs)
				t.Logf("seed %d: %s simulated %.4f ± %.4f, Erlang C %.4f (%d calls)", seed, m.name, mean, half, m.erlang, calls)
				if math.Abs(mean-m.erlang) > half {
					t.Errorf("%s: Erlang C %.4f outside the 95%% CI %.4f ± %.4f", m.name, m.erlang, mean, half)
				}
			}
		})
	}
}
