package store

import (
	"errors"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/tenancy"
)

// world is two tenants with one of everything each.
type world struct {
	a, b                tenancy.Tenant
	agentA, agentB      Agent
	skillA, queueA      string
	numberA, userA, key string
}

func mkWorld(t *testing.T, s *Store) world {
	t.Helper()
	w := world{a: mkTenant(t, s, "a.example.com", 5), b: mkTenant(t, s, "b.example.com", 5)}
	w.agentA, w.agentB = mkAgent(t, s, w.a.ID, "1001"), mkAgent(t, s, w.b.ID, "1001")
	sk, err := s.CreateSkill(ctx, admin1, w.a.ID, SkillInput{Name: "billing"})
	must(t, err)
	qu, err := s.CreateQueue(ctx, admin1, w.a.ID, QueueInput{Name: "sales", Strategy: "longest_idle"})
	must(t, err)
	n, err := s.CreateAccessNumber(ctx, admin1, w.a.ID, AccessNumberInput{Number: "+861012345", EntryKind: EntryQueue, EntryAlias: "sales"})
	must(t, err)
	k, err := s.CreateAPIKey(ctx, admin1, w.a.ID, APIKeyInput{Name: "crm", Role: tenancy.RoleSupervisor, KeyHash: "h-" + randHex(4), Prefix: "sbk_ab"})
	must(t, err)
	w.skillA, w.queueA, w.numberA, w.userA, w.key = sk.ID, qu.ID, n.ID, w.agentA.UserID, k.ID
	return w
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestTenantCannotReachOthers: tenant B, through every method, cannot read,
// change or delete A's rows; each attempt is "not found" and changes nothing.
func TestTenantCannotReachOthers(t *testing.T) {
	allBackends(t, func(t *testing.T, s *Store) {
		w := mkWorld(t, s)
		b := w.b.ID
		name, ext, pw := "x", "2002", "another-pass"
		attempts := map[string]func() error{
			"GetAgent": func() error { _, err := s.GetAgent(ctx, b, w.agentA.ID); return err },
			"UpdateAgent": func() error {
				_, err := s.UpdateAgent(ctx, admin1, b, w.agentA.ID, AgentPatch{Extension: &ext, SIPPassword: &pw})
				return err
			},
			"DeleteAgent": func() error { return s.DeleteAgent(ctx, admin1, b, w.agentA.ID) },
			"GetSkill":    func() error { _, err := s.GetSkill(ctx, b, w.skillA); return err },
			"UpdateSkill": func() error { _, err := s.UpdateSkill(ctx, admin1, b, w.skillA, SkillInput{Name: name}); return err },
			"DeleteSkill": func() error { return s.DeleteSkill(ctx, admin1, b, w.skillA) },
			"GetQueue":    func() error { _, err := s.GetQueue(ctx, b, w.queueA); return err },
			"UpdateQueue": func() error {
				_, err := s.UpdateQueue(ctx, admin1, b, w.queueA, QueueInput{Name: "x", Strategy: "ring_all"})
				return err
			},
			"DeleteQueue": func() error { return s.DeleteQueue(ctx, admin1, b, w.queueA) },
			"GetNumber":   func() error { _, err := s.GetAccessNumber(ctx, b, w.numberA); return err },
			"UpdateNumber": func() error {
				_, err := s.UpdateAccessNumber(ctx, admin1, b, w.numberA, AccessNumberInput{Number: "+1", EntryKind: EntryFlow, EntryAlias: "f"})
				return err
			},
			"DeleteNumber": func() error { return s.DeleteAccessNumber(ctx, admin1, b, w.numberA) },
			"GetUser":      func() error { _, err := s.GetUser(ctx, b, w.userA); return err },
			"UpdateUser": func() error {
				_, err := s.UpdateUser(ctx, admin1, b, w.userA, UserPatch{DisplayName: &name})
				return err
			},
			"RevokeAPIKey": func() error { return s.RevokeAPIKey(ctx, admin1, b, w.key) },
			"TouchAPIKey":  func() error { return s.TouchAPIKey(ctx, b, w.key) },
		}
		for name, f := range attempts {
			if err := f(); !errors.Is(err, ErrNotFound) {
				t.Errorf("%s across tenants: err = %v, want ErrNotFound", name, err)
			}
		}
		// B's agent cannot use A's skill or queue, nor A's user.
		_, err := s.UpdateAgent(ctx, admin1, b, w.agentB.ID, AgentPatch{Skills: &[]AgentSkill{{SkillID: w.skillA, Level: 5}}})
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("B agent with A skill: %v", err)
		}
		_, err = s.UpdateAgent(ctx, admin1, b, w.agentB.ID, AgentPatch{Queues: &[]AgentQueue{{QueueID: w.queueA, Priority: 1}}})
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("B agent with A queue: %v", err)
		}
		_, err = s.CreateAgent(ctx, admin1, b, AgentInput{UserID: w.userA, Extension: "3003", SIPPassword: "password1"})
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("B agent from A user: %v", err)
		}
		checkListsOnlyOwn(t, s, w)
		checkCallRecordsOnlyOwn(t, s, w)
		if got, err := s.GetSkill(ctx, w.a.ID, w.skillA); err != nil || got.Name != "billing" {
			t.Fatalf("A's skill changed: %+v %v", got, err)
		}
	})
}

func checkListsOnlyOwn(t *testing.T, s *Store, w world) {
	t.Helper()
	b := w.b.ID
	ags, _ := s.ListAgents(ctx, b, Page{})
	sks, _ := s.ListSkills(ctx, b, Page{})
	qus, _ := s.ListQueues(ctx, b, Page{})
	nums, _ := s.ListAccessNumbers(ctx, b, Page{})
	keys, _ := s.ListAPIKeys(ctx, b, Page{})
	users, _ := s.ListUsers(ctx, b, Page{})
	if len(ags.Items) != 1 || ags.Items[0].ID != w.agentB.ID || len(sks.Items)+len(qus.Items)+len(nums.Items)+len(keys.Items) != 0 || len(users.Items) != 1 {
		t.Fatalf("B's lists leak: agents %d skills %d queues %d numbers %d keys %d users %d",
			len(ags.Items), len(sks.Items), len(qus.Items), len(nums.Items), len(keys.Items), len(users.Items))
	}
	audit, _ := s.ListAudit(ctx, b, AuditFilter{}, Page{Limit: 500})
	for _, e := range audit.Items {
		if e.TenantID != b {
			t.Fatalf("B's audit shows %+v", e)
		}
	}
}

// TestZeroTenantFailsLoudly: every tenant-scoped method refuses a zero tenant.
func TestZeroTenantFailsLoudly(t *testing.T) {
	s := openSQLite(t)
	calls := map[string]func() error{
		"ListAgents": func() error { _, err := s.ListAgents(ctx, "", Page{}); return err },
		"GetAgent":   func() error { _, err := s.GetAgent(ctx, "", "x"); return err },
		"CreateAgent": func() error {
			_, err := s.CreateAgent(ctx, admin1, "", AgentInput{UserID: "u", Extension: "1", SIPPassword: "12345678"})
			return err
		},
		"ListSkills":  func() error { _, err := s.ListSkills(ctx, "", Page{}); return err },
		"CreateSkill": func() error { _, err := s.CreateSkill(ctx, admin1, "", SkillInput{Name: "x"}); return err },
		"ListQueues":  func() error { _, err := s.ListQueues(ctx, "", Page{}); return err },
		"ListNumbers": func() error { _, err := s.ListAccessNumbers(ctx, "", Page{}); return err },
		"ListUsers":   func() error { _, err := s.ListUsers(ctx, "", Page{}); return err },
		"CreateUser": func() error {
			_, err := s.CreateUser(ctx, admin1, "", UserInput{Email: "a@b.co", DisplayName: "a", Role: tenancy.RoleAgent, PasswordHash: "h"})
			return err
		},
		"ListAPIKeys":     func() error { _, err := s.ListAPIKeys(ctx, "", Page{}); return err },
		"ListAudit":       func() error { _, err := s.ListAudit(ctx, "", AuditFilter{}, Page{}); return err },
		"ListCDRs":        func() error { _, err := s.ListCDRs(ctx, "", HistoryFilter{}, Page{}); return err },
		"ListRecordings":  func() error { _, err := s.ListRecordings(ctx, "", HistoryFilter{}, Page{}); return err },
		"ListAgentStates": func() error { _, err := s.ListAgentStates(ctx, "", HistoryFilter{}, Page{}); return err },
		"AppendStates":    func() error { return s.AppendAgentStates(ctx, "", nil) },
		"DeleteQueue":     func() error { return s.DeleteQueue(ctx, admin1, "", "x") },
		"TenantUsage":     func() error { _, err := s.TenantUsage(ctx, ""); return err },
		"UpdateTenant":    func() error { _, err := s.UpdateTenant(ctx, op, "", TenantPatch{}); return err },
	}
	for name, f := range calls {
		if err := f(); !errors.Is(err, tenancy.ErrNoTenant) {
			t.Errorf("%s with zero tenant: err = %v, want ErrNoTenant", name, err)
		}
	}
}

func checkCallRecordsOnlyOwn(t *testing.T, s *Store, w world) {
	t.Helper()
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	_, err := s.InsertCDR(ctx, w.a.ID, CDR{NodeID: "fs1", CallID: "call-a", ArrivedAt: at})
	must(t, err)
	_, err = s.InsertRecording(ctx, w.a.ID, Recording{CallID: "call-a", NodeID: "fs1", Path: "/r/a.wav", StartedAt: at})
	must(t, err)
	must(t, s.AppendAgentStates(ctx, w.a.ID, []AgentStateChange{{AgentID: w.agentA.ID, ToState: "idle", At: at}}))
	cdrs, err1 := s.ListCDRs(ctx, w.b.ID, HistoryFilter{CallID: "call-a"}, Page{})
	recs, err2 := s.ListRecordings(ctx, w.b.ID, HistoryFilter{}, Page{})
	states, err3 := s.ListAgentStates(ctx, w.b.ID, HistoryFilter{AgentID: w.agentA.ID}, Page{})
	latest, err4 := s.LatestAgentStates(ctx, w.b.ID)
	if err := errors.Join(err1, err2, err3, err4); err != nil {
		t.Fatal(err)
	}
	if len(cdrs.Items)+len(recs.Items)+len(states.Items)+len(latest) != 0 {
		t.Fatalf("B sees A's call records: %d CDRs, %d recordings, %d states, %d latest",
			len(cdrs.Items), len(recs.Items), len(states.Items), len(latest))
	}
}
