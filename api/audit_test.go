package api

import (
	"slices"
	"strings"
	"testing"

	"github.com/switchboard-cc/switchboard/store"
)

// TestAuditRecordsWhoWhatWhereWhen: every change is in the log with actor,
// tenant, action, time and client address; tenant admins see only their
// tenant, platform admins see everything.
func TestAuditRecordsWhoWhatWhereWhen(t *testing.T) { testAuditRecordsWhoWhatWhereWhen(t, newEnv(t)) }

func testAuditRecordsWhoWhatWhereWhen(t *testing.T, e *env) {
	a := e.newTenant("alpha", 2)
	b := e.newTenant("beta", 2)
	var sk store.Skill
	e.must(e.do("POST", a.base+"/skills", a.admin, store.SkillInput{Name: "english"}, "X-Forwarded-For", "203.0.113.9"), 201, &sk)
	e.must(e.do("POST", b.base+"/skills", b.admin, store.SkillInput{Name: "french"}), 201, nil)

	var me Me
	e.must(e.do("GET", "/api/v1/me", a.admin, nil), 200, &me)
	var p Page[store.AuditEntry]
	e.must(e.do("GET", a.base+"/audit?resource_type=skill", a.admin, nil), 200, &p)
	if len(p.Items) != 1 {
		t.Fatalf("tenant audit: %+v", p.Items)
	}
	got := p.Items[0]
	if got.ActorID != me.UserID || got.ActorKind != store.ActorUser || string(got.TenantID) != a.id ||
		got.Action != "create" || got.ResourceID != sk.ID || got.At.IsZero() || got.IP == "" {
		t.Fatalf("entry %+v", got)
	}
	var all Page[store.AuditEntry]
	e.must(e.do("GET", "/api/v1/audit?resource_type=skill", e.admin, nil), 200, &all)
	if len(all.Items) != 2 {
		t.Fatalf("platform audit sees %d skill entries, want 2", len(all.Items))
	}
	e.must(e.do("GET", "/api/v1/audit", a.admin, nil), 403, nil)
	e.must(e.do("GET", b.base+"/audit", a.admin, nil), 404, nil)
}

// TestAuditHoldsNoSecrets: passwords, hashes, SIP passwords, node secrets and
// API keys never reach the audit log.
func TestAuditHoldsNoSecrets(t *testing.T) {
	e := newEnv(t)
	w := e.populate(e.newTenant("alpha", 5))
	e.platformObjects()
	r := e.do("GET", "/api/v1/audit?limit=500", e.admin, nil)
	e.must(r, 200, nil)
	for _, secret := range []string{testPassword, "argon2id", "sip-secret-1", "ClueCon-node-secret-42", w.apiKey, hashOpaque(w.apiKey)} {
		if strings.Contains(string(r.body), secret) {
			t.Errorf("audit log contains %q", secret)
		}
	}
}

// TestUnmatchedRoutesShareOneMetricLabel keeps the metrics' label set bounded.
func TestUnmatchedRoutesShareOneMetricLabel(t *testing.T) {
	e := newEnv(t)
	e.do("GET", "/api/v1/random/abc", "", nil)
	e.do("GET", "/api/v1/random/def", "", nil)
	m := string(e.do("GET", "/metrics", "", nil).body)
	if !strings.Contains(m, `switchboard_http_requests_total{method="GET",route="unmatched",status="404"} 2`) || strings.Contains(m, "random") {
		t.Fatalf("metrics:\n%s", m)
	}
}

// TestMonitorModesAreAuditActions: a supervisor's monitoring is audited as
// call.monitor_<mode>; the store records only listed actions, so a new
// mode must join store.AuditActions or every use of it would fail.
func TestMonitorModesAreAuditActions(t *testing.T) {
	for mode := range eavesdropModes {
		if !slices.Contains(store.AuditActions, "call.monitor_"+mode) {
			t.Errorf("call.monitor_%s is not in store.AuditActions", mode)
		}
	}
}
