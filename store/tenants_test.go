package store

import (
	"errors"
	"strings"
	"testing"

	"github.com/switchboard-cc/switchboard/tenancy"
)

func TestTenantCRUD(t *testing.T) {
	allBackends(t, func(t *testing.T, s *Store) {
		a := mkTenant(t, s, "acme.example.com", 5)
		got, err := s.GetTenant(ctx, a.ID)
		if err != nil || got != a {
			t.Fatalf("GetTenant = %+v, %v; want %+v", got, err, a)
		}
		name, lang := "Acme Ltd", tenancy.LanguageChineseTraditional
		up, err := s.UpdateTenant(ctx, op, a.ID, TenantPatch{Name: &name, Language: &lang})
		if err != nil || up.Name != name || up.Language != lang || up.SIPDomain != a.SIPDomain {
			t.Fatalf("UpdateTenant = %+v, %v", up, err)
		}
		if got, _ := s.GetTenant(ctx, a.ID); got.Name != name {
			t.Fatalf("update not stored: %+v", got)
		}
		mkTenant(t, s, "beta.example.com", 5)
		l, err := s.ListTenants(ctx, Page{})
		if err != nil || len(l.Items) != 2 || l.Next != "" {
			t.Fatalf("ListTenants = %+v, %v", l, err)
		}
		if _, err := s.GetTenant(ctx, "nope"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("GetTenant(unknown) = %v, want ErrNotFound", err)
		}
	})
}

func TestTenantValidation(t *testing.T) {
	allBackends(t, func(t *testing.T, s *Store) {
		ok := TenantInput{Name: "X", SIPDomain: "x.example.com", Language: "en", TimeZone: "UTC"}
		cases := []struct {
			field string
			edit  func(*TenantInput)
		}{
			{"name", func(in *TenantInput) { in.Name = " " }},
			{"sip_domain", func(in *TenantInput) { in.SIPDomain = "Bad Domain" }},
			{"sip_domain", func(in *TenantInput) { in.SIPDomain = "localhost" }},
			{"language", func(in *TenantInput) { in.Language = "fr" }},
			{"time_zone", func(in *TenantInput) { in.TimeZone = "Mars/Olympus" }},
			{"quotas", func(in *TenantInput) { in.Quotas.MaxChats = -1 }},
		}
		for _, c := range cases {
			in := ok
			c.edit(&in)
			_, err := s.CreateTenant(ctx, op, in)
			var fe *tenancy.FieldError
			if !errors.As(err, &fe) || fe.Field != c.field || !errors.Is(err, ErrInvalid) {
				t.Errorf("%s: err = %v, want FieldError on %s", c.field, err, c.field)
			}
		}
		l, _ := s.ListTenants(ctx, Page{})
		if len(l.Items) != 0 || countAudit(t, s) != 0 {
			t.Fatalf("invalid input changed something: %d tenants, %d audit rows", len(l.Items), countAudit(t, s))
		}
	})
}

func TestDuplicateSIPDomain(t *testing.T) {
	allBackends(t, func(t *testing.T, s *Store) {
		mkTenant(t, s, "acme.example.com", 1)
		b := mkTenant(t, s, "beta.example.com", 1)
		_, err := s.CreateTenant(ctx, op, TenantInput{Name: "Y", SIPDomain: "acme.example.com", Language: "en", TimeZone: "UTC"})
		var ce *ConflictError
		if !errors.As(err, &ce) || ce.Field != "sip_domain" || ce.Value != "acme.example.com" {
			t.Fatalf("duplicate domain: err = %v, want ConflictError on sip_domain", err)
		}
		dom := "acme.example.com"
		_, err = s.UpdateTenant(ctx, op, b.ID, TenantPatch{SIPDomain: &dom})
		if !errors.As(err, &ce) || ce.Field != "sip_domain" {
			t.Fatalf("update to duplicate domain: err = %v", err)
		}
		if got, _ := s.GetTenant(ctx, b.ID); got.SIPDomain != "beta.example.com" {
			t.Fatalf("failed update changed the domain: %q", got.SIPDomain)
		}
	})
}

func TestSIPDomainFrozenWithAgents(t *testing.T) {
	allBackends(t, func(t *testing.T, s *Store) {
		a := mkTenant(t, s, "acme.example.com", 2)
		mkAgent(t, s, a.ID, "1001")
		dom := "new.example.com"
		_, err := s.UpdateTenant(ctx, op, a.ID, TenantPatch{SIPDomain: &dom})
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "1 agents") {
			t.Fatalf("domain change with agents: err = %v", err)
		}
	})
}

func TestQuotaLoweringRefused(t *testing.T) {
	allBackends(t, func(t *testing.T, s *Store) {
		a := mkTenant(t, s, "acme.example.com", 5)
		for _, ext := range []string{"1001", "1002", "1003"} {
			mkAgent(t, s, a.ID, ext)
		}
		q := a.Quotas
		q.MaxAgents = 2
		_, err := s.UpdateTenant(ctx, op, a.ID, TenantPatch{Quotas: &q})
		var qe *tenancy.QuotaBelowUsageError
		if !errors.As(err, &qe) || err.Error() != "max_agents 2 is below the 3 agents in use" {
			t.Fatalf("lowering quota: err = %v", err)
		}
		if got, _ := s.GetTenant(ctx, a.ID); got.Quotas.MaxAgents != 5 {
			t.Fatalf("refused change stored: %+v", got.Quotas)
		}
		q.MaxAgents = 3
		if _, err := s.UpdateTenant(ctx, op, a.ID, TenantPatch{Quotas: &q}); err != nil {
			t.Fatalf("quota equal to usage: %v", err)
		}
		u, err := s.TenantUsage(ctx, a.ID)
		if err != nil || u[tenancy.ResourceAgents] != 3 {
			t.Fatalf("TenantUsage = %v, %v", u, err)
		}
	})
}

func TestSuspensionAndArchival(t *testing.T) {
	allBackends(t, func(t *testing.T, s *Store) {
		a := mkTenant(t, s, "acme.example.com", 5)
		ag := mkAgent(t, s, a.ID, "1001")
		if _, err := s.SuspendTenant(ctx, op, a.ID); err != nil {
			t.Fatal(err)
		}
		writes := map[string]func() error{
			"create skill": func() error { _, err := s.CreateSkill(ctx, admin1, a.ID, SkillInput{Name: "x"}); return err },
			"create user": func() error {
				_, err := s.CreateUser(ctx, admin1, a.ID, UserInput{Email: "z@example.com", DisplayName: "Z", Role: tenancy.RoleAgent, PasswordHash: "h"})
				return err
			},
			"delete agent": func() error { return s.DeleteAgent(ctx, admin1, a.ID, ag.ID) },
			"create number": func() error {
				_, err := s.CreateAccessNumber(ctx, admin1, a.ID, AccessNumberInput{Number: "+8610", EntryKind: EntryQueue, EntryAlias: "q"})
				return err
			},
		}
		for name, w := range writes {
			if err := w(); !errors.Is(err, tenancy.ErrTenantSuspended) || !strings.Contains(err.Error(), "suspended") {
				t.Errorf("%s while suspended: err = %v, want ErrTenantSuspended", name, err)
			}
		}
		if _, err := s.GetAgent(ctx, a.ID, ag.ID); err != nil {
			t.Fatalf("read while suspended: %v", err)
		}
		if _, err := s.SuspendTenant(ctx, op, a.ID); !errors.Is(err, tenancy.ErrBadTransition) {
			t.Fatalf("suspend twice: %v", err)
		}
		if _, err := s.ResumeTenant(ctx, op, a.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateSkill(ctx, admin1, a.ID, SkillInput{Name: "x"}); err != nil {
			t.Fatalf("write after resume: %v", err)
		}
		if _, err := s.ArchiveTenant(ctx, op, a.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateSkill(ctx, admin1, a.ID, SkillInput{Name: "y"}); !errors.Is(err, tenancy.ErrTenantArchived) {
			t.Fatalf("write when archived: %v", err)
		}
		if _, err := s.ResumeTenant(ctx, op, a.ID); !errors.Is(err, tenancy.ErrBadTransition) {
			t.Fatalf("resume archived: %v", err)
		}
		if got, err := s.GetAgent(ctx, a.ID, ag.ID); err != nil || got.ID != ag.ID {
			t.Fatalf("archived data must be kept: %v", err)
		}
	})
}

func TestPublishedFlowsQuotaLowering(t *testing.T) {
	allBackends(t, func(t *testing.T, s *Store) {
		tn := mkFlowTenant(t, s, "flows.example.com", 3)
		for _, name := range []string{"a", "b"} {
			f, err := s.CreateFlow(ctx, admin1, tn, FlowDraft{Name: name, Doc: flowDoc(name, "x")})
			must(t, err)
			_, err = s.PublishFlow(ctx, admin1, tn, f.ID, PublishInput{Doc: flowDoc(name, "x")})
			must(t, err)
		}
		u, err := s.TenantUsage(ctx, tn)
		if err != nil || u[tenancy.ResourcePublishedFlows] != 2 {
			t.Fatalf("TenantUsage = %v %v", u, err)
		}
		q := tenancy.Quotas{MaxAgents: 1, MaxPublishedFlows: 1}
		_, err = s.UpdateTenant(ctx, op, tn, TenantPatch{Quotas: &q})
		if err == nil || err.Error() != "max_published_flows 1 is below the 2 published_flows in use" {
			t.Fatalf("lowering max_published_flows: %v", err)
		}
	})
}
