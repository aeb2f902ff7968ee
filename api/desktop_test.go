package api

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/orchestrator"
	"github.com/switchboard-cc/switchboard/orchestrator/calls"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// TestDesktopSettingsPerTenant: a tenant admin sets the reason codes and the
// CRM template; the tenant's agents read them; another tenant's users see
// neither (404) nor change them; agents cannot change them; bad values
// answer 422 naming the field.
func TestDesktopSettingsPerTenant(t *testing.T) {
	e := newEnv(t)
	a, b := e.newTenant("alpha", 5), e.newTenant("bravo", 5)
	agentA := e.newUser(a, "agent@alpha.test", tenancy.RoleAgent)
	agentB := e.newUser(b, "agent@bravo.test", tenancy.RoleAgent)

	var ds tenancy.DesktopSettings
	e.must(e.do("GET", a.base+"/desktop-settings", agentA, nil), 200, &ds)
	if len(ds.NotReadyReasons) != len(tenancy.DefaultNotReadyReasons) || ds.CRMURLTemplate != "" {
		t.Fatalf("defaults: %+v", ds)
	}
	put := map[string]any{"not_ready_reasons": []map[string]string{{"code": "lunch", "label": "午饭"}, {"code": "coaching"}},
		"crm_url_template": "https://crm.alpha.test/contact?phone={caller}&ref={data.account}"}
	e.must(e.do("PUT", a.base+"/desktop-settings", a.admin, put), 200, nil)
	e.must(e.do("GET", a.base+"/desktop-settings", agentA, nil), 200, &ds)
	if len(ds.NotReadyReasons) != 2 || ds.NotReadyReasons[0].Label != "午饭" || !strings.Contains(ds.CRMURLTemplate, "crm.alpha.test") {
		t.Fatalf("after put: %+v", ds)
	}

	// Tenant B: A's settings are absent to every one of its roles.
	for _, tok := range []string{agentB, b.admin} {
		if r := e.do("GET", a.base+"/desktop-settings", tok, nil); r.status != 404 || strings.Contains(string(r.body), "crm.alpha") {
			t.Fatalf("B reads A's settings: %s", r)
		}
		if r := e.do("PUT", a.base+"/desktop-settings", tok, map[string]any{"not_ready_reasons": []any{}, "crm_url_template": ""}); r.status != 404 {
			t.Fatalf("B writes A's settings: %s", r)
		}
	}
	e.must(e.do("GET", b.base+"/desktop-settings", agentB, nil), 200, &ds)
	if ds.CRMURLTemplate != "" {
		t.Fatalf("B sees a CRM template it never set: %+v", ds)
	}
	if r := e.do("PUT", a.base+"/desktop-settings", agentA, put); r.status != 403 {
		t.Fatalf("an agent changes the settings: %s", r)
	}
	for field, body := range map[string]map[string]any{
		"crm_url_template":          {"not_ready_reasons": []any{}, "crm_url_template": "https://{caller}.evil.test/"},
		"not_ready_reasons[0].code": {"not_ready_reasons": []map[string]string{{"code": "supervisor"}}, "crm_url_template": ""},
		"not_ready_reasons":         {"crm_url_template": ""},
	} {
		r := e.do("PUT", a.base+"/desktop-settings", a.admin, body)
		var eb errorBody
		r.decode(t, &eb)
		if r.status != 422 || !strings.Contains(string(r.body), `"field":"`+field+`"`) {
			t.Errorf("PUT %v: want 422 on %s, got %s", body, field, r)
		}
	}
	e.must(e.do("GET", a.base+"/desktop-settings", agentA, nil), 200, &ds)
	if len(ds.NotReadyReasons) != 2 {
		t.Fatalf("a refused PUT changed the settings: %+v", ds)
	}
}

// TestMeLanguage (MT-6): the tenant's language is the default; a user picks
// their own and can go back to the tenant's; unsupported languages and API
// keys are refused.
func TestMeLanguage(t *testing.T) {
	e := newEnv(t)
	a := e.newTenant("alpha", 5)
	zh := "zh-CN"
	e.must(e.do("PATCH", a.base, e.admin, map[string]any{"language": zh}), 200, nil)
	agent := e.newUser(a, "agent@alpha.test", tenancy.RoleAgent)
	var me Me
	e.must(e.do("GET", "/api/v1/me", agent, nil), 200, &me)
	if me.Language != "zh-CN" || me.OwnLanguage != "" || me.Email != "agent@alpha.test" {
		t.Fatalf("me before a choice: %+v", me)
	}
	e.must(e.do("PATCH", "/api/v1/me", agent, map[string]any{"language": "zh-TW"}), 200, &me)
	if me.Language != "zh-TW" || me.OwnLanguage != "zh-TW" {
		t.Fatalf("after choosing zh-TW: %+v", me)
	}
	e.must(e.do("GET", "/api/v1/me", agent, nil), 200, &me)
	if me.Language != "zh-TW" {
		t.Fatalf("choice not kept: %+v", me)
	}
	if r := e.do("PATCH", "/api/v1/me", agent, map[string]any{"language": "fr"}); r.status != 422 {
		t.Fatalf("unsupported language: %s", r)
	}
	me = Me{}
	e.must(e.do("PATCH", "/api/v1/me", agent, map[string]any{"language": ""}), 200, &me)
	if me.Language != "zh-CN" || me.OwnLanguage != "" {
		t.Fatalf("back to the tenant's: %+v", me)
	}
	// A platform operator has no tenant: English until they choose.
	me = Me{}
	e.must(e.do("GET", "/api/v1/me", e.admin, nil), 200, &me)
	if me.Language != "en" || me.TenantID != "" {
		t.Fatalf("platform admin: %+v", me)
	}
	var key struct{ Key string }
	e.must(e.do("POST", a.base+"/api-keys", a.admin, CreateAPIKeyRequest{Name: "k", Role: tenancy.RoleSupervisor}), 201, &key)
	if r := e.do("PATCH", "/api/v1/me", key.Key, map[string]any{"language": "en"}); r.status != 403 {
		t.Fatalf("API key preferences: %s", r)
	}
}

// TestOfferNoticeCarriesCRMLink: the screen pop carries the tenant's CRM
// link filled with the call's values; another tenant's stream never sees
// the call.
func TestOfferNoticeCarriesCRMLink(t *testing.T) {
	e := newEnv(t)
	a, b := e.newTenant("alpha", 5), e.newTenant("bravo", 5)
	supA := e.newUser(a, "sup@alpha.test", tenancy.RoleSupervisor)
	supB := e.newUser(b, "sup@bravo.test", tenancy.RoleSupervisor)
	e.must(e.do("PUT", a.base+"/desktop-settings", a.admin, map[string]any{"not_ready_reasons": []any{},
		"crm_url_template": "https://crm.alpha.test/c/{caller}?acct={data.account}&call={call_id}"}), 200, nil)
	hub := calls.NewHub()
	e.api.UseCalls(nil, hub)
	t.Cleanup(func() { callsByServer.Delete(e.api) })
	evA := e.openNotices(t, a.base, supA)
	evB := e.openNotices(t, b.base, supB)

	queued := time.Date(2026, 3, 1, 8, 59, 30, 0, time.UTC)
	hub.Notify(tenancy.TenantID(a.id), calls.Notice{Kind: calls.NoticeOffer, Agent: "ag1", Call: orchestrator.Key{Node: "fs1", ID: "call-1"},
		Caller: "+86 138", Number: "+862000", Queue: "q1", Data: map[string]string{"account": "P&42"}, QueuedAt: queued, At: queued.Add(30 * time.Second)})
	select {
	case n := <-evA:
		want := "https://crm.alpha.test/c/+86%20138?acct=P%2642&call=call-1"
		if n.Kind != "offer" || n.CRMURL != want || !n.QueuedAt.Equal(queued) || n.Data["account"] != "P&42" {
			t.Fatalf("offer: %+v, want crm_url %s", n, want)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no offer on tenant A's stream")
	}
	// B's stream: nothing of A's. Send B a notice of its own and see it
	// arrive first and without A's link.
	hub.Notify(tenancy.TenantID(b.id), calls.Notice{Kind: calls.NoticeOffer, Agent: "agB", Call: orchestrator.Key{Node: "fs1", ID: "call-b"}})
	select {
	case n := <-evB:
		if n.Call.ID != "call-b" || n.CRMURL != "" {
			t.Fatalf("tenant B's stream shows %+v", n)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no notice on tenant B's stream")
	}
}

// openNotices opens base's call notices stream as token; each event's data
// arrives on the channel until the test ends.
func (e *env) openNotices(t *testing.T, base, token string) <-chan CallNotice {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", e.http.URL+base+"/live-calls/events", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := e.http.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 200 {
		t.Fatalf("notices stream: %d", res.StatusCode)
	}
	out := make(chan CallNotice, 16)
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
			data, ok := strings.CutPrefix(sc.Text(), "data: ")
			if !ok {
				continue
			}
			var n CallNotice
			if json.Unmarshal([]byte(data), &n) == nil {
				out <- n
			}
		}
	}()
	t.Cleanup(func() { cancel(); res.Body.Close(); <-done })
	return out
}
