package api

import (
	"strings"
	"sync"
	"testing"

	"github.com/switchboard-cc/switchboard/store"
	"github.com/switchboard-cc/switchboard/tenancy"
)

func TestIdempotentCreateReplays(t *testing.T) { testIdempotentCreateReplays(t, newEnv(t)) }

func testIdempotentCreateReplays(t *testing.T, e *env) {
	f := e.newTenant("alpha", 2)
	body := store.SkillInput{Name: "english"}
	first := e.do("POST", f.base+"/skills", f.admin, body, "Idempotency-Key", "k1")
	e.must(first, 201, nil)
	again := e.do("POST", f.base+"/skills", f.admin, body, "Idempotency-Key", "k1")
	if again.status != 201 || string(again.body) != string(first.body) || again.header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("retry not replayed: %s", again)
	}
	if r := e.do("POST", f.base+"/skills", f.admin, store.SkillInput{Name: "french"}, "Idempotency-Key", "k1"); r.status != 422 ||
		r.errCode() != "idempotency_key_reused" {
		t.Fatalf("same key, other body: %s", r)
	}
	var p Page[store.Skill]
	e.must(e.do("GET", f.base+"/skills", f.admin, nil), 200, &p)
	if len(p.Items) != 1 {
		t.Fatalf("%d skills after retries, want 1", len(p.Items))
	}
	// Keys belong to the principal: another user's same key is a new request.
	other := e.newUser(f, "other@alpha.test", tenancy.RoleTenantAdmin)
	e.must(e.do("POST", f.base+"/skills", other, store.SkillInput{Name: "german"}, "Idempotency-Key", "k1"), 201, nil)
}

// TestIdempotentFailureReleasesKey: a refused create stores nothing, so the
// client may fix the request and retry with the same key.
func TestIdempotentFailureReleasesKey(t *testing.T) {
	e := newEnv(t)
	f := e.newTenant("alpha", 2)
	e.must(e.do("POST", f.base+"/skills", f.admin, store.SkillInput{Name: ""}, "Idempotency-Key", "k2"), 422, nil)
	e.must(e.do("POST", f.base+"/skills", f.admin, store.SkillInput{Name: "fixed"}, "Idempotency-Key", "k2"), 201, nil)
	r := e.do("POST", f.base+"/skills", f.admin, store.SkillInput{Name: "x"}, "Idempotency-Key", strings.Repeat("k", 300))
	if r.status != 400 || !strings.Contains(string(r.body), "Idempotency-Key") {
		t.Fatalf("overlong key: %s", r)
	}
}

// TestConcurrentIdempotentRetries: parallel retries of one create make one
// object; the others replay it or are told the first is still running.
func TestConcurrentIdempotentRetries(t *testing.T) { testConcurrentIdempotentRetries(t, newEnv(t)) }

func testConcurrentIdempotentRetries(t *testing.T, e *env) {
	f := e.newTenant("alpha", 2)
	var wg sync.WaitGroup
	statuses := make([]int, 8)
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = e.do("POST", f.base+"/queues", f.admin, store.QueueInput{Name: "sales", Strategy: "ring_all"},
				"Idempotency-Key", "burst").status
		}()
	}
	wg.Wait()
	for _, s := range statuses {
		if s != 201 && s != 409 {
			t.Fatalf("statuses %v", statuses)
		}
	}
	var p Page[store.Queue]
	e.must(e.do("GET", f.base+"/queues", f.admin, nil), 200, &p)
	if len(p.Items) != 1 {
		t.Fatalf("%d queues, want 1 (statuses %v)", len(p.Items), statuses)
	}
}
