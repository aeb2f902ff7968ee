package api

import (
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/labstack/echo/v5"

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

// TestIdempotentRejectedBeforeWorkReleasesKey: a flow create refused before
// anything is saved (the body is not JSON) keeps no answer under its key, so
// the corrected request with the same key runs (here: its draft is saved
// with problems) instead of being called a reuse of the key.
func TestIdempotentRejectedBeforeWorkReleasesKey(t *testing.T) {
	e := newEnv(t)
	f := e.flowTenant("acme", 2)
	if r := e.do("POST", f.base+"/flows", f.admin, `{"id": `, "Idempotency-Key", "j1"); r.status != 400 ||
		r.header.Get("Idempotent-Replayed") != "" {
		t.Fatalf("malformed JSON: %s", r)
	}
	bad := strings.Replace(salesFlow("main", "Hello"), `"queue": "sales"`, `"queue": "billing"`, 1)
	e.problems(e.do("POST", f.base+"/flows", f.admin, bad, "Idempotency-Key", "j1"), 422)
	var page Page[store.Flow]
	e.must(e.do("GET", f.base+"/flows", f.admin, nil), 200, &page)
	if len(page.Items) != 1 {
		t.Fatalf("%d flows, want 1", len(page.Items))
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

// TestIdempotencyKeyReleasedAfterPanic: a handler that panics does not leave
// its key claimed forever.
func TestIdempotencyKeyReleasedAfterPanic(t *testing.T) {
	e := newEnv(t)
	f := e.newTenant("alpha", 2)
	calls := 0
	e.api.e.POST("/api/v1/tenants/:tenant_id/flaky", func(c *echo.Context) error {
		calls++
		if calls == 1 {
			panic("first call fails")
		}
		return c.JSON(201, map[string]int{"call": calls})
	}, e.api.guard(route{method: "POST", path: "/tenants/:tenant_id/flaky", scope: scopeTenant,
		perm: tenancy.PermQueuesWrite}), e.api.withIdempotency)
	e.must(e.do("POST", f.base+"/flaky", f.admin, "{}", "Idempotency-Key", "p1"), 500, nil)
	first := e.do("POST", f.base+"/flaky", f.admin, "{}", "Idempotency-Key", "p1")
	e.must(first, 201, nil)
	again := e.do("POST", f.base+"/flaky", f.admin, "{}", "Idempotency-Key", "p1")
	if string(again.body) != string(first.body) || calls != 2 {
		t.Fatalf("replay %s after %d calls", again, calls)
	}
}

// TestReplayStoredAnswer: an answer stored with its Location replays both;
// a bare body (stored before headers were kept) replays as it is.
func TestReplayStoredAnswer(t *testing.T) {
	for name, tc := range map[string]struct {
		stored         []byte
		body, location string
	}{
		"with Location": {encodeAnswer("/api/v1/tenants/t/flows/f", []byte(`{"error":{}}`)), `{"error":{}}`, "/api/v1/tenants/t/flows/f"},
		"no Location":   {encodeAnswer("", []byte(`{"id":"x"}`)), `{"id":"x"}`, ""},
		"bare body":     {[]byte(`{"id":"x","body":"not base64"}`), `{"id":"x","body":"not base64"}`, ""},
		"bare list":     {[]byte(`[1]`), `[1]`, ""},
	} {
		rec := httptest.NewRecorder()
		c := echo.New().NewContext(httptest.NewRequest("POST", "/", nil), rec)
		if err := replay(c, 422, tc.stored); err != nil {
			t.Fatal(err)
		}
		if rec.Code != 422 || rec.Body.String() != tc.body || rec.Header().Get("Location") != tc.location ||
			rec.Header().Get("Idempotent-Replayed") != "true" {
			t.Errorf("%s: %d %s Location %q", name, rec.Code, rec.Body, rec.Header().Get("Location"))
		}
	}
}
