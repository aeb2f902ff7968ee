package store

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/switchboard-cc/switchboard/tenancy"
)

func TestAgentCRUD(t *testing.T) {
	allBackends(t, func(t *testing.T, s *Store) {
		a := mkTenant(t, s, "acme.example.com", 5)
		sk, err := s.CreateSkill(ctx, admin1, a.ID, SkillInput{Name: "english"})
		must(t, err)
		qu, err := s.CreateQueue(ctx, admin1, a.ID, QueueInput{Name: "sales", Strategy: "best_skill", Settings: []byte(`{"moh":"jazz"}`)})
		must(t, err)
		u := mkUser(t, s, a.ID, tenancy.RoleAgent)
		ag, err := s.CreateAgent(ctx, admin1, a.ID, AgentInput{UserID: u.ID, Extension: "1001", DisplayName: "Ann",
			SIPPassword: "pa55word!", Skills: []AgentSkill{{sk.ID, 7}}, Queues: []AgentQueue{{qu.ID, 2}}})
		must(t, err)
		got, err := s.GetAgent(ctx, a.ID, ag.ID)
		must(t, err)
		if got.SIPHA1 != SIPHA1("1001", "acme.example.com", "pa55word!") || got.SIPHA1 == "" {
			t.Fatalf("HA1 = %q", got.SIPHA1)
		}
		if len(got.Skills) != 1 || got.Skills[0] != (AgentSkill{sk.ID, 7}) || len(got.Queues) != 1 || got.Queues[0] != (AgentQueue{qu.ID, 2}) {
			t.Fatalf("membership = %+v %+v", got.Skills, got.Queues)
		}
		var raw int
		must(t, s.db.Get(&raw, `SELECT count(*) FROM agents WHERE sip_ha1 LIKE '%pa55word%'`))
		if raw != 0 {
			t.Fatal("plaintext SIP password stored")
		}
		su, st, err := s.SIPUserByExtension(ctx, "acme.example.com", "1001")
		if err != nil || su.HA1 != got.SIPHA1 || su.TenantID != a.ID || st != tenancy.StatusActive {
			t.Fatalf("SIPUserByExtension = %+v %v %v", su, st, err)
		}
		ext, pw, lvl := "1002", "newpass99", []AgentSkill{{sk.ID, 10}}
		up, err := s.UpdateAgent(ctx, admin1, a.ID, ag.ID, AgentPatch{Extension: &ext, SIPPassword: &pw, Skills: &lvl, Queues: &[]AgentQueue{}})
		must(t, err)
		if up.Extension != "1002" || up.SIPHA1 != SIPHA1("1002", "acme.example.com", "newpass99") || up.Skills[0].Level != 10 || len(up.Queues) != 0 {
			t.Fatalf("UpdateAgent = %+v", up)
		}
		if _, err := s.UpdateAgent(ctx, admin1, a.ID, ag.ID, AgentPatch{Extension: &ext}); !errors.Is(err, ErrInvalid) {
			t.Fatalf("extension change without password: %v", err)
		}
		bad := []AgentSkill{{sk.ID, 11}}
		if _, err := s.UpdateAgent(ctx, admin1, a.ID, ag.ID, AgentPatch{Skills: &bad}); !errors.Is(err, ErrInvalid) {
			t.Fatalf("level 11: %v", err)
		}
		must(t, s.DeleteQueue(ctx, admin1, a.ID, qu.ID))
		must(t, s.DeleteAgent(ctx, admin1, a.ID, ag.ID))
		if _, err := s.GetAgent(ctx, a.ID, ag.ID); !errors.Is(err, ErrNotFound) {
			t.Fatalf("deleted agent: %v", err)
		}
	})
}

func TestDuplicateExtensionAndUser(t *testing.T) {
	allBackends(t, func(t *testing.T, s *Store) {
		a := mkTenant(t, s, "acme.example.com", 5)
		ag := mkAgent(t, s, a.ID, "1001")
		u := mkUser(t, s, a.ID, tenancy.RoleAgent)
		_, err := s.CreateAgent(ctx, admin1, a.ID, AgentInput{UserID: u.ID, Extension: "1001", SIPPassword: "password1"})
		var ce *ConflictError
		if !errors.As(err, &ce) || ce.Field != "extension" {
			t.Fatalf("duplicate extension: %v", err)
		}
		_, err = s.CreateAgent(ctx, admin1, a.ID, AgentInput{UserID: ag.UserID, Extension: "1009", SIPPassword: "password1"})
		if !errors.As(err, &ce) || ce.Field != "user_id" {
			t.Fatalf("second agent for one user: %v", err)
		}
	})
}

func TestAgentQuota(t *testing.T) {
	allBackends(t, func(t *testing.T, s *Store) {
		a := mkTenant(t, s, "acme.example.com", 2)
		mkAgent(t, s, a.ID, "1001")
		mkAgent(t, s, a.ID, "1002")
		u := mkUser(t, s, a.ID, tenancy.RoleAgent)
		before := countAudit(t, s)
		_, err := s.CreateAgent(ctx, admin1, a.ID, AgentInput{UserID: u.ID, Extension: "1003", SIPPassword: "password1"})
		var oq *tenancy.OverQuotaError
		if !errors.As(err, &oq) || oq.InUse != 2 || oq.Limit != 2 || !errors.Is(err, tenancy.ErrOverQuota) {
			t.Fatalf("third agent over max 2: %v", err)
		}
		if countAudit(t, s) != before {
			t.Fatal("refused creation left an audit row")
		}
	})
}

// TestAgentQuotaConcurrent: many concurrent creations never exceed max_agents.
func TestAgentQuotaConcurrent(t *testing.T) {
	allBackends(t, func(t *testing.T, s *Store) {
		const max, tries = 3, 12
		a := mkTenant(t, s, "acme.example.com", max)
		users := make([]User, tries)
		for i := range users {
			users[i] = mkUser(t, s, a.ID, tenancy.RoleAgent)
		}
		var wg sync.WaitGroup
		errs := make([]error, tries)
		for i := range tries {
			wg.Go(func() {
				_, errs[i] = s.CreateAgent(ctx, admin1, a.ID, AgentInput{UserID: users[i].ID, Extension: fmt.Sprint(2000 + i), SIPPassword: "password1"})
			})
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case !errors.Is(err, tenancy.ErrOverQuota):
				t.Errorf("unexpected error: %v", err)
			}
		}
		n, _ := s.TenantUsage(ctx, a.ID)
		if ok != max || n[tenancy.ResourceAgents] != max {
			t.Fatalf("%d creations succeeded, %d agents stored; want %d", ok, n[tenancy.ResourceAgents], max)
		}
	})
}

func TestAccessNumbers(t *testing.T) {
	allBackends(t, func(t *testing.T, s *Store) {
		a, b := mkTenant(t, s, "a.example.com", 1), mkTenant(t, s, "b.example.com", 1)
		_, err := s.CreateFlow(ctx, admin1, a.ID, FlowDraft{Name: "main", Doc: flowDoc("main", "x")})
		must(t, err)
		_, err = s.CreateQueue(ctx, admin1, a.ID, QueueInput{Name: "sales", Strategy: "ring_all"})
		must(t, err)
		_, err = s.CreateQueue(ctx, admin1, b.ID, QueueInput{Name: "q", Strategy: "ring_all"})
		must(t, err)
		n, err := s.CreateAccessNumber(ctx, admin1, a.ID, AccessNumberInput{Number: "+8657100", EntryKind: EntryFlow, EntryAlias: "main"})
		must(t, err)
		_, err = s.CreateAccessNumber(ctx, admin1, b.ID, AccessNumberInput{Number: "+8657100", EntryKind: EntryQueue, EntryAlias: "q"})
		var ce *ConflictError
		if !errors.As(err, &ce) || ce.Field != "number" || ce.Value != "+8657100" {
			t.Fatalf("duplicate number in another tenant: %v", err)
		}
		if _, err := s.CreateAccessNumber(ctx, admin1, a.ID, AccessNumberInput{Number: "12ab", EntryKind: EntryFlow, EntryAlias: "m"}); !errors.Is(err, ErrInvalid) {
			t.Fatalf("bad number: %v", err)
		}
		r, err := s.ResolveAccessNumber(ctx, "+8657100")
		if err != nil || r.TenantID != a.ID || r.EntryKind != EntryFlow || r.EntryAlias != "main" {
			t.Fatalf("Resolve = %+v %v", r, err)
		}
		up, err := s.UpdateAccessNumber(ctx, admin1, a.ID, n.ID, AccessNumberInput{Number: "+8657101", EntryKind: EntryQueue, EntryAlias: "sales"})
		if err != nil || up.Number != "+8657101" || up.EntryKind != EntryQueue {
			t.Fatalf("Update = %+v %v", up, err)
		}
		if _, err := s.ResolveAccessNumber(ctx, "+8657100"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("old number still resolves: %v", err)
		}
		if l, err := s.ListAccessNumbers(ctx, a.ID, Page{}); err != nil || len(l.Items) != 1 || l.Items[0] != up {
			t.Fatalf("ListAccessNumbers = %+v %v", l, err)
		}
		must(t, s.DeleteAccessNumber(ctx, admin1, a.ID, n.ID))
		if _, err := s.ResolveAccessNumber(ctx, "+8657101"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("deleted number resolves: %v", err)
		}
		if err := s.DeleteAccessNumber(ctx, admin1, a.ID, n.ID); !errors.Is(err, ErrNotFound) {
			t.Fatalf("deleting twice: %v", err)
		}
		// The number is free again, for any tenant.
		if _, err := s.CreateAccessNumber(ctx, admin1, b.ID, AccessNumberInput{Number: "+8657101", EntryKind: EntryQueue, EntryAlias: "q"}); err != nil {
			t.Fatalf("reusing a deleted number: %v", err)
		}
	})
}

func TestQueuesAndSkills(t *testing.T) {
	allBackends(t, func(t *testing.T, s *Store) {
		a := mkTenant(t, s, "a.example.com", 2)
		qu, err := s.CreateQueue(ctx, admin1, a.ID, QueueInput{Name: "support", Strategy: "round_robin", RingTimeoutSeconds: 20})
		must(t, err)
		if string(qu.Settings) != `{}` {
			t.Fatalf("default settings = %s", qu.Settings)
		}
		qu, err = s.UpdateQueue(ctx, admin1, a.ID, qu.ID, QueueInput{Name: "support", Strategy: "ring_all", Settings: []byte(`{"overflow":"q2"}`)})
		if err != nil || qu.Strategy != "ring_all" || string(qu.Settings) != `{"overflow":"q2"}` {
			t.Fatalf("UpdateQueue = %+v %v", qu, err)
		}
		for _, in := range []QueueInput{{Name: "x", Strategy: "skills_based"}, {Name: "x", Strategy: "ring_all", Settings: []byte(`[1]`)},
			{Name: "x", Strategy: "ring_all", WrapUpSeconds: -1}} {
			if _, err := s.CreateQueue(ctx, admin1, a.ID, in); !errors.Is(err, ErrInvalid) {
				t.Errorf("CreateQueue(%+v) = %v, want ErrInvalid", in, err)
			}
		}
		_, err = s.CreateQueue(ctx, admin1, a.ID, QueueInput{Name: "support", Strategy: "ring_all"})
		var ce *ConflictError
		if !errors.As(err, &ce) || ce.Field != "name" {
			t.Fatalf("duplicate queue name: %v", err)
		}
		sk, err := s.CreateSkill(ctx, admin1, a.ID, SkillInput{Name: "french"})
		must(t, err)
		sk, err = s.UpdateSkill(ctx, admin1, a.ID, sk.ID, SkillInput{Name: "french", Description: "fluent"})
		if err != nil || sk.Description != "fluent" {
			t.Fatalf("UpdateSkill = %+v %v", sk, err)
		}
		ag := mkAgent(t, s, a.ID, "1001")
		_, err = s.UpdateAgent(ctx, admin1, a.ID, ag.ID, AgentPatch{Skills: &[]AgentSkill{{sk.ID, 3}}, Queues: &[]AgentQueue{{qu.ID, 1}}})
		must(t, err)
		must(t, s.DeleteSkill(ctx, admin1, a.ID, sk.ID))
		must(t, s.DeleteQueue(ctx, admin1, a.ID, qu.ID))
		got, err := s.GetAgent(ctx, a.ID, ag.ID)
		if err != nil || len(got.Skills) != 0 || len(got.Queues) != 0 {
			t.Fatalf("agent after its skill and queue were deleted: %+v %v", got, err)
		}
		if _, err := s.GetSkill(ctx, a.ID, sk.ID); !errors.Is(err, ErrNotFound) {
			t.Fatalf("deleted skill: %v", err)
		}
	})
}

// TestAgentCreationIsAtomic: an agent whose membership list is bad is not
// created at all (agent row, skills and audit are one transaction).
func TestAgentCreationIsAtomic(t *testing.T) {
	allBackends(t, func(t *testing.T, s *Store) {
		a := mkTenant(t, s, "a.example.com", 5)
		sk, err := s.CreateSkill(ctx, admin1, a.ID, SkillInput{Name: "english"})
		must(t, err)
		u := mkUser(t, s, a.ID, tenancy.RoleAgent)
		_, err = s.CreateAgent(ctx, admin1, a.ID, AgentInput{UserID: u.ID, Extension: "1001", SIPPassword: "password1",
			Skills: []AgentSkill{{sk.ID, 5}, {"no-such-skill", 5}}})
		if !errors.Is(err, ErrInvalid) {
			t.Fatalf("unknown skill: %v", err)
		}
		l, _ := s.ListAgents(ctx, a.ID, Page{})
		audit, _ := s.ListAudit(ctx, a.ID, AuditFilter{ResourceType: "agent"}, Page{})
		if len(l.Items) != 0 || len(audit.Items) != 0 {
			t.Fatalf("failed creation left %d agents, %d audit rows", len(l.Items), len(audit.Items))
		}
	})
}

// TestAgentMembershipsAcrossPages: each agent of a listed page carries its
// own skills and queues, in order, and no other agent's (other tenant's
// agents included), on every page.
func TestAgentMembershipsAcrossPages(t *testing.T) {
	allBackends(t, func(t *testing.T, s *Store) {
		a, b := mkTenant(t, s, "a.example.com", 10), mkTenant(t, s, "b.example.com", 10)
		sk1, err := s.CreateSkill(ctx, admin1, a.ID, SkillInput{Name: "english"})
		must(t, err)
		sk2, err := s.CreateSkill(ctx, admin1, a.ID, SkillInput{Name: "french"})
		must(t, err)
		q1, err := s.CreateQueue(ctx, admin1, a.ID, QueueInput{Name: "sales", Strategy: "ring_all"})
		must(t, err)
		q2, err := s.CreateQueue(ctx, admin1, a.ID, QueueInput{Name: "support", Strategy: "ring_all"})
		must(t, err)
		want := map[string]string{} // agent ID -> its memberships, as text
		for i := range 5 {
			skills := []AgentSkill{{sk1.ID, i + 1}}
			queues := []AgentQueue{{q2.ID, 2}}
			if i%2 == 0 {
				skills = append(skills, AgentSkill{sk2.ID, 9})
				queues = append(queues, AgentQueue{q1.ID, 1})
			}
			ag := mkAgent(t, s, a.ID, fmt.Sprint(2001+i))
			ag, err = s.UpdateAgent(ctx, admin1, a.ID, ag.ID, AgentPatch{Skills: &skills, Queues: &queues})
			must(t, err)
			want[ag.ID] = fmt.Sprint(ag.Skills, ag.Queues)
			mkAgent(t, s, b.ID, fmt.Sprint(2001+i)) // same extensions, no memberships
		}
		got := map[string]string{}
		p := Page{Limit: 2}
		for {
			l, err := s.ListAgents(ctx, a.ID, p)
			must(t, err)
			for _, ag := range l.Items {
				got[ag.ID] = fmt.Sprint(ag.Skills, ag.Queues)
			}
			if l.Next == "" {
				break
			}
			p.After = l.Next
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("memberships listed by pages of two:\n%v\nwant (as the updates returned them)\n%v", got, want)
		}
		for id, w := range want {
			ag, err := s.GetAgent(ctx, a.ID, id)
			if err != nil || fmt.Sprint(ag.Skills, ag.Queues) != w {
				t.Fatalf("GetAgent(%s) = %v %v, want %s", id, fmt.Sprint(ag.Skills, ag.Queues), err, w)
			}
		}
	})
}
