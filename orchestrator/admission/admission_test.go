package admission

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"pgregory.net/rapid"

	"github.com/switchboard-cc/switchboard/tenancy"
)

const (
	tA = tenancy.TenantID("tenant-a")
	tB = tenancy.TenantID("tenant-b")
)

var (
	tenants   = []tenancy.TenantID{tA, tB}
	resources = []tenancy.Resource{tenancy.ResourcePSTNCalls, tenancy.ResourceWebCalls, tenancy.ResourceChats}
)

func TestAdmitReleaseBasics(t *testing.T) {
	c := New()
	r1, err := c.Admit(tA, tenancy.ResourcePSTNCalls, Holder{"fs1", "c1"}, 2)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Admit(tA, tenancy.ResourcePSTNCalls, Holder{"fs1", "c1"}, 2); err != nil {
		t.Fatalf("re-admitting the same holder: %v", err)
	}
	if _, err := c.Admit(tA, tenancy.ResourcePSTNCalls, Holder{"fs2", "c2"}, 2); err != nil {
		t.Fatal(err)
	}
	_, err = c.Admit(tA, tenancy.ResourcePSTNCalls, Holder{"fs2", "c3"}, 2)
	var oq *tenancy.OverQuotaError
	if !errors.As(err, &oq) || oq.InUse != 2 || oq.Limit != 2 || !errors.Is(err, tenancy.ErrOverQuota) {
		t.Fatalf("third call: %v", err)
	}
	if err.Error() != "over quota: max_pstn_calls is 2 and 2 pstn_calls are in use" {
		t.Fatalf("message = %q", err)
	}
	if _, err := c.Admit(tB, tenancy.ResourcePSTNCalls, Holder{"fs2", "c3"}, 1); err != nil {
		t.Fatalf("tenant B is not limited by A: %v", err)
	}
	if _, err := c.Admit(tA, tenancy.ResourceChats, Holder{"fs1", "c1"}, 5); !errors.Is(err, tenancy.ErrHolderConflict) {
		t.Fatalf("holder reused for another resource: %v", err)
	}
	if _, err := c.Admit(tA, tenancy.ResourceAgents, Holder{"", "x"}, 5); !errors.Is(err, tenancy.ErrInvalid) {
		t.Fatalf("agents are not admitted here: %v", err)
	}
	if _, err := c.Admit("", tenancy.ResourceChats, Holder{"", "x"}, 5); !errors.Is(err, tenancy.ErrNoTenant) {
		t.Fatalf("zero tenant: %v", err)
	}
	r1()
	r1()
	if n := c.InUse(tA, tenancy.ResourcePSTNCalls); n != 1 {
		t.Fatalf("after double release in use = %d, want 1", n)
	}
	got := c.ReleaseNode("fs2")
	if len(got) != 2 || c.InUse(tA, tenancy.ResourcePSTNCalls) != 0 || c.InUse(tB, tenancy.ResourcePSTNCalls) != 0 {
		t.Fatalf("ReleaseNode released %v", got)
	}
	want := []Stat{
		{Tenant: tA, Resource: tenancy.ResourcePSTNCalls, Admitted: 2, Refused: 1},
		{Tenant: tB, Resource: tenancy.ResourcePSTNCalls, Admitted: 1},
	}
	if st := c.Stats(); fmt.Sprint(st) != fmt.Sprint(want) {
		t.Fatalf("Stats = %+v, want %+v", st, want)
	}
}

func TestRestore(t *testing.T) {
	c := New()
	holds := []tenancy.Hold{
		{Tenant: tA, Resource: tenancy.ResourceWebCalls, Node: "fs1", ID: "a"},
		{Tenant: tA, Resource: tenancy.ResourceWebCalls, Node: "fs1", ID: "b"},
		{Tenant: tA, Resource: tenancy.ResourceWebCalls, Node: "fs1", ID: "a"}, // duplicate
		{Tenant: "", Resource: tenancy.ResourceWebCalls, ID: "bad"},            // invalid, skipped
	}
	if n := c.Restore(holds); n != 2 {
		t.Fatalf("Restore = %d, want 2", n)
	}
	if _, err := c.Admit(tA, tenancy.ResourceWebCalls, Holder{"fs1", "c"}, 2); !errors.Is(err, tenancy.ErrOverQuota) {
		t.Fatalf("restored holds must count: %v", err)
	}
	if !c.Release(Holder{"fs1", "a"}) || c.Release(Holder{"fs1", "a"}) {
		t.Fatal("Release of a restored hold should succeed once")
	}
}

// TestLedgerMatchesModel drives one controller with random operations and
// checks every answer and count against a plain map model.
func TestLedgerMatchesModel(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		c := New()
		model := map[Holder]tenancy.Hold{}
		count := func(tn tenancy.TenantID, r tenancy.Resource) int {
			n := 0
			for _, h := range model {
				if h.Tenant == tn && h.Resource == r {
					n++
				}
			}
			return n
		}
		holder := func(rt *rapid.T) Holder {
			return Holder{rapid.SampledFrom([]string{"n1", "n2"}).Draw(rt, "node"), fmt.Sprint(rapid.IntRange(0, 5).Draw(rt, "id"))}
		}
		rt.Repeat(map[string]func(*rapid.T){
			"admit": func(rt *rapid.T) {
				tn, r := rapid.SampledFrom(tenants).Draw(rt, "tenant"), rapid.SampledFrom(resources).Draw(rt, "res")
				h, limit := holder(rt), rapid.IntRange(0, 3).Draw(rt, "limit")
				_, err := c.Admit(tn, r, h, limit)
				old, held := model[h]
				switch {
				case held && (old.Tenant != tn || old.Resource != r):
					if !errors.Is(err, tenancy.ErrHolderConflict) {
						rt.Fatalf("conflicting holder admitted: %v", err)
					}
				case held:
					if err != nil {
						rt.Fatalf("re-admit: %v", err)
					}
				case count(tn, r) < limit:
					if err != nil {
						rt.Fatalf("admit under limit: %v", err)
					}
					model[h] = tenancy.Hold{Tenant: tn, Resource: r, Node: h.Node, ID: h.ID}
				default:
					var oq *tenancy.OverQuotaError
					if !errors.As(err, &oq) || oq.InUse != count(tn, r) || oq.Limit != limit {
						rt.Fatalf("admit at limit: %v", err)
					}
				}
			},
			"release": func(rt *rapid.T) {
				h := holder(rt)
				_, held := model[h]
				if got := c.Release(h); got != held {
					rt.Fatalf("Release(%v) = %v, model says %v", h, got, held)
				}
				delete(model, h)
			},
			"releaseNode": func(rt *rapid.T) {
				node := rapid.SampledFrom([]string{"n1", "n2"}).Draw(rt, "node")
				want := 0
				for h := range model {
					if h.Node == node {
						delete(model, h)
						want++
					}
				}
				if got := c.ReleaseNode(node); len(got) != want {
					rt.Fatalf("ReleaseNode released %d, want %d", len(got), want)
				}
			},
			"": func(rt *rapid.T) {
				for _, tn := range tenants {
					for _, r := range resources {
						if got, want := c.InUse(tn, r), count(tn, r); got != want {
							rt.Fatalf("InUse(%s, %s) = %d, model %d", tn, r, got, want)
						}
					}
				}
				if len(c.Holds()) != len(model) {
					rt.Fatalf("%d holds, model %d", len(c.Holds()), len(model))
				}
			},
		})
	})
}

// TestConcurrentNoLeak runs random admit/release scripts on several
// goroutines at once (with a node failing midway): the limit is never
// exceeded, counters match what callers saw, and nothing leaks at the end.
func TestConcurrentNoLeak(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		c := New()
		limit := rapid.IntRange(1, 4).Draw(rt, "limit")
		workers := rapid.IntRange(2, 6).Draw(rt, "workers")
		scripts := make([][]bool, workers) // true: admit a new call, false: release the oldest
		for i := range scripts {
			scripts[i] = rapid.SliceOfN(rapid.Bool(), 1, 40).Draw(rt, fmt.Sprint("script", i))
		}
		var held [2][3]atomic.Int64 // tracked holds on the healthy node, per tenant/resource
		var admitted, refused atomic.Uint64
		var violation atomic.Value
		var wg sync.WaitGroup
		for w, script := range scripts {
			wg.Go(func() {
				runScript(c, w, script, limit, &held, &admitted, &refused, &violation)
			})
		}
		wg.Go(func() { c.ReleaseNode("failing") })
		wg.Wait()
		if v := violation.Load(); v != nil {
			rt.Fatal(v)
		}
		c.ReleaseNode("failing")
		var sa, sr uint64
		for _, st := range c.Stats() {
			sa, sr = sa+st.Admitted, sr+st.Refused
			if st.InUse != 0 {
				rt.Fatalf("leak: %+v", st)
			}
		}
		if len(c.Holds()) != 0 || sa != admitted.Load() || sr != refused.Load() {
			rt.Fatalf("holds %d; stats admitted %d refused %d, callers saw %d and %d",
				len(c.Holds()), sa, sr, admitted.Load(), refused.Load())
		}
	})
}

func runScript(c *Controller, w int, script []bool, limit int, held *[2][3]atomic.Int64,
	admitted, refused *atomic.Uint64, violation *atomic.Value) {
	type open struct {
		rel  Release
		ctr  *atomic.Int64
		node string
	}
	var mine []open
	for i, admit := range script {
		if !admit && len(mine) > 0 {
			o := mine[0]
			mine = mine[1:]
			if o.ctr != nil {
				o.ctr.Add(-1)
			}
			o.rel()
			o.rel() // double release must be harmless
			continue
		}
		ti, ri := (w+i)%2, i%3
		node := []string{"healthy", "failing"}[i%2]
		rel, err := c.Admit(tenants[ti], resources[ri], Holder{node, fmt.Sprint(w, "-", i)}, limit)
		switch {
		case errors.Is(err, tenancy.ErrOverQuota):
			refused.Add(1)
			continue
		case err != nil:
			violation.Store(fmt.Sprint("unexpected error: ", err))
			return
		}
		admitted.Add(1)
		o := open{rel: rel, node: node}
		if node == "healthy" {
			o.ctr = &held[ti][ri]
			if n := o.ctr.Add(1); n > int64(limit) {
				violation.Store(fmt.Sprintf("%d holds of %s/%s admitted, limit %d", n, tenants[ti], resources[ri], limit))
			}
		}
		mine = append(mine, o)
	}
	for _, o := range mine {
		if o.ctr != nil {
			o.ctr.Add(-1)
		}
		o.rel()
	}
}
