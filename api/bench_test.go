package api

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/switchboard-cc/switchboard/store"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// BenchmarkAuthedListAgents measures the authenticated read path: JWT check,
// tenant status lookup, and a tenant-scoped list of 100 agents with their
// skills and queues, through the real handler.
func BenchmarkAuthedListAgents(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchListAgents(b, newEnv(b)) })
	b.Run("postgres", func(b *testing.B) { benchListAgents(b, newEnvPostgres(b)) })
}

func benchListAgents(b *testing.B, e *env) {
	f := e.newTenant("bench", 100)
	var sk store.Skill
	e.must(e.do("POST", f.base+"/skills", f.admin, store.SkillInput{Name: "english"}), 201, &sk)
	var q store.Queue
	e.must(e.do("POST", f.base+"/queues", f.admin, store.QueueInput{Name: "sales", Strategy: "ring_all"}), 201, &q)
	for i := range 100 {
		var u store.User
		e.must(e.do("POST", f.base+"/users", f.admin, CreateUserRequest{Email: fmt.Sprintf("a%d@bench.test", i),
			DisplayName: "A", Role: tenancy.RoleAgent, Password: testPassword}), 201, &u)
		e.must(e.do("POST", f.base+"/agents", f.admin, CreateAgentRequest{UserID: u.ID, Extension: fmt.Sprint(2000 + i),
			SIPPassword: "sip-password", Skills: skillRef(sk.ID), Queues: queueRef(q.ID)}), 201, nil)
	}
	req := httptest.NewRequest(http.MethodGet, f.base+"/agents?limit=100", nil)
	req.Header.Set("Authorization", "Bearer "+f.admin)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		rec := httptest.NewRecorder()
		e.api.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
}
