package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/ivrflows"
	"github.com/switchboard-cc/switchboard/tenancy"
)

func flowDoc(name, prompt string) json.RawMessage {
	return json.RawMessage(fmt.Sprintf(`{"id":%q,"start":"a","nodes":[{"id":"a","type":"hangup","params":{"prompts":[{"prompt":%q}]}}]}`, name, prompt))
}

func mkFlowTenant(t testing.TB, s *Store, domain string, maxFlows int) tenancy.TenantID {
	t.Helper()
	tn, err := s.CreateTenant(ctx, op, TenantInput{Name: "T " + domain, SIPDomain: domain, Language: tenancy.LanguageEnglish,
		TimeZone: "UTC", Quotas: tenancy.Quotas{MaxAgents: 1, MaxPublishedFlows: maxFlows}})
	must(t, err)
	return tn.ID
}

func TestFlowVersionsAndAliases(t *testing.T) {
	backends(t, func(t *testing.T, s *Store) {
		tn := mkFlowTenant(t, s, "flows.example.com", 5)
		bad := []ivrflows.ValidationError{{Node: "a", Message: "the tenant has no prompt \"hello\""}}
		f, err := s.CreateFlow(ctx, admin1, tn, FlowDraft{Name: "main", Doc: flowDoc("main", "hello"), Errors: bad})
		must(t, err)
		if f.DraftValid || len(f.DraftErrors) != 1 || f.DraftErrors[0].Node != "a" || f.Latest != 0 {
			t.Fatalf("invalid draft saved as %+v", f)
		}
		if _, err := s.CreateFlow(ctx, admin1, tn, FlowDraft{Name: "main", Doc: flowDoc("main", "x")}); !errors.Is(err, ErrConflict) {
			t.Fatalf("duplicate name: %v", err)
		}
		if _, err := s.SaveFlowDraft(ctx, admin1, tn, f.ID, FlowDraft{Name: "other", Doc: flowDoc("other", "x")}); !errors.Is(err, ErrInvalid) {
			t.Fatalf("renaming save: %v", err)
		}
		f, err = s.SaveFlowDraft(ctx, admin1, tn, f.ID, FlowDraft{Name: "main", Doc: flowDoc("main", "welcome")})
		must(t, err)
		if !f.DraftValid || len(f.DraftErrors) != 0 {
			t.Fatalf("valid draft: %+v", f)
		}
		v1, err := s.PublishFlow(ctx, admin1, tn, f.ID, PublishInput{Doc: flowDoc("main", "welcome"), Alias: "live"})
		must(t, err)
		if _, err := s.PublishFlow(ctx, admin1, tn, f.ID, PublishInput{Doc: flowDoc("main", "welcome")}); !errors.Is(err, ErrFlowUnchanged) {
			t.Fatalf("unchanged publish: %v", err)
		}
		v2, err := s.PublishFlow(ctx, admin1, tn, f.ID, PublishInput{Doc: flowDoc("main", "bye")})
		must(t, err)
		if v1.Number != 1 || v2.Number != 2 || !v2.Valid || v2.PublishedBy != admin1.ID {
			t.Fatalf("versions %+v %+v", v1, v2)
		}
		checkResolve(t, s, tn, 1) // publishing v2 without an alias leaves live on v1
		if f, err = s.SetFlowAlias(ctx, admin1, tn, f.ID, "live", 2); err != nil || f.Aliases["live"] != 2 || f.Latest != 2 {
			t.Fatalf("go live with v2: %+v %v", f, err)
		}
		checkResolve(t, s, tn, 2)
		_, err = s.SetFlowAlias(ctx, admin1, tn, f.ID, "live", 1) // rollback
		must(t, err)
		checkResolve(t, s, tn, 1)
		for _, bad := range []struct {
			alias string
			n     int
		}{{"Live!", 1}, {"live", 3}, {"live", 0}} {
			if _, err := s.SetFlowAlias(ctx, admin1, tn, f.ID, bad.alias, bad.n); !errors.Is(err, ErrInvalid) {
				t.Errorf("alias %q -> %d: %v", bad.alias, bad.n, err)
			}
		}
		got, err := s.GetFlowVersion(ctx, tn, f.ID, 1)
		must(t, err)
		if string(got.Doc) != string(flowDoc("main", "welcome")) {
			t.Fatalf("version 1 doc changed: %s", got.Doc)
		}
		if _, err := s.GetFlowVersion(ctx, tn, f.ID, 3); !errors.Is(err, ErrNotFound) {
			t.Fatalf("version 3: %v", err)
		}
		checkVersionPages(t, s, tn, f.ID)
	})
}

func checkResolve(t *testing.T, s *Store, tn tenancy.TenantID, want int) {
	t.Helper()
	v, err := s.ResolveFlow(ctx, tn, "main", ivrflows.AliasLive)
	if err != nil || v.Number != want {
		t.Fatalf("live resolves to %d (%v), want %d", v.Number, err, want)
	}
}

func checkVersionPages(t *testing.T, s *Store, tn tenancy.TenantID, flowID string) {
	t.Helper()
	p1, err := s.ListFlowVersions(ctx, tn, flowID, Page{Limit: 1})
	must(t, err)
	p2, err := s.ListFlowVersions(ctx, tn, flowID, Page{Limit: 1, After: p1.Next})
	must(t, err)
	if len(p1.Items) != 1 || p1.Items[0].Number != 1 || len(p2.Items) != 1 || p2.Items[0].Number != 2 || p2.Next != "" {
		t.Fatalf("pages %+v / %+v", p1, p2)
	}
	fl, err := s.ListFlows(ctx, tn, Page{})
	must(t, err)
	if len(fl.Items) != 1 || fl.Items[0].Latest != 2 || fl.Items[0].Aliases["live"] != 1 {
		t.Fatalf("flow list %+v", fl.Items)
	}
}

// TestPublishQuota (MT-2): a flow's first version counts against
// max_published_flows; later versions of it do not; concurrent first
// publications never exceed the quota.
func TestPublishQuota(t *testing.T) {
	backends(t, func(t *testing.T, s *Store) {
		tn := mkFlowTenant(t, s, "quota.example.com", 1)
		a, err := s.CreateFlow(ctx, admin1, tn, FlowDraft{Name: "a", Doc: flowDoc("a", "x")})
		must(t, err)
		b, err := s.CreateFlow(ctx, admin1, tn, FlowDraft{Name: "b", Doc: flowDoc("b", "x")})
		must(t, err)
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, id := range []string{a.ID, b.ID} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = s.PublishFlow(ctx, admin1, tn, id, PublishInput{Doc: flowDoc("x", "1")})
			}()
		}
		wg.Wait()
		var oq *tenancy.OverQuotaError
		okA := errs[0] == nil
		refused := errs[1]
		if !okA {
			refused = errs[0]
		}
		if (errs[0] == nil) == (errs[1] == nil) || !errors.As(refused, &oq) || oq.Limit != 1 || oq.InUse != 1 ||
			oq.Resource != tenancy.ResourcePublishedFlows {
			t.Fatalf("concurrent first publications with quota 1: %v / %v", errs[0], errs[1])
		}
		winner := a.ID
		if !okA {
			winner = b.ID
		}
		if _, err := s.PublishFlow(ctx, admin1, tn, winner, PublishInput{Doc: flowDoc("x", "2")}); err != nil {
			t.Fatalf("second version of a published flow is not a new flow: %v", err)
		}
		if n, err := s.PublishedFlows(ctx, tn); err != nil || n != 1 {
			t.Fatalf("published flows = %d %v", n, err)
		}
	})
}

func TestDeleteFlow(t *testing.T) {
	backends(t, func(t *testing.T, s *Store) {
		tn := mkFlowTenant(t, s, "del.example.com", 2)
		f, err := s.CreateFlow(ctx, admin1, tn, FlowDraft{Name: "main", Doc: flowDoc("main", "x")})
		must(t, err)
		_, err = s.PublishFlow(ctx, admin1, tn, f.ID, PublishInput{Doc: flowDoc("main", "x"), Alias: "live"})
		must(t, err)
		n, err := s.CreateAccessNumber(ctx, admin1, tn, AccessNumberInput{Number: "+8610", EntryKind: EntryFlow, EntryAlias: "main"})
		must(t, err)
		if err := s.DeleteFlow(ctx, admin1, tn, f.ID); !errors.Is(err, ErrFlowInUse) {
			t.Fatalf("delete a routed flow: %v", err)
		}
		must(t, s.DeleteAccessNumber(ctx, admin1, tn, n.ID))
		must(t, s.DeleteFlow(ctx, admin1, tn, f.ID))
		if _, err := s.GetFlow(ctx, tn, f.ID); !errors.Is(err, ErrNotFound) {
			t.Fatalf("deleted flow: %v", err)
		}
		if c, _ := s.PublishedFlows(ctx, tn); c != 0 {
			t.Fatalf("deleting a flow frees its quota slot, still %d", c)
		}
	})
}

func TestFlowsTenantIsolation(t *testing.T) {
	backends(t, func(t *testing.T, s *Store) {
		a, b := mkFlowTenant(t, s, "a.example.com", 5), mkFlowTenant(t, s, "b.example.com", 5)
		f, err := s.CreateFlow(ctx, admin1, a, FlowDraft{Name: "main", Doc: flowDoc("main", "x")})
		must(t, err)
		_, err = s.PublishFlow(ctx, admin1, a, f.ID, PublishInput{Doc: flowDoc("main", "x"), Alias: "live"})
		must(t, err)
		p, err := s.CreatePrompt(ctx, admin1, a, PromptInput{Name: "hi", Language: "en", Path: "a/en/hi.wav", SizeBytes: 10})
		must(t, err)
		must(t, s.AppendFlowTrace(ctx, a, FlowTraceBatch{CallID: "c1", FlowID: f.ID, Version: 1,
			Entries: []ivrflows.TraceEntry{{Node: "a", Type: "hangup", Entered: time.Now()}}}))
		attempts := map[string]func() error{
			"GetFlow": func() error { _, err := s.GetFlow(ctx, b, f.ID); return err },
			"SaveFlowDraft": func() error {
				_, err := s.SaveFlowDraft(ctx, admin1, b, f.ID, FlowDraft{Name: "main", Doc: flowDoc("main", "y")})
				return err
			},
			"DeleteFlow": func() error { return s.DeleteFlow(ctx, admin1, b, f.ID) },
			"PublishFlow": func() error {
				_, err := s.PublishFlow(ctx, admin1, b, f.ID, PublishInput{Doc: flowDoc("main", "z")})
				return err
			},
			"SetFlowAlias":   func() error { _, err := s.SetFlowAlias(ctx, admin1, b, f.ID, "live", 1); return err },
			"GetFlowVersion": func() error { _, err := s.GetFlowVersion(ctx, b, f.ID, 1); return err },
			"ListVersions":   func() error { _, err := s.ListFlowVersions(ctx, b, f.ID, Page{}); return err },
			"ResolveFlow":    func() error { _, err := s.ResolveFlow(ctx, b, "main", "live"); return err },
			"GetPrompt":      func() error { _, err := s.GetPrompt(ctx, b, p.ID); return err },
			"DeletePrompt":   func() error { _, err := s.DeletePrompt(ctx, admin1, b, p.ID); return err },
			"ReplacePrompt":  func() error { _, err := s.ReplacePromptFile(ctx, admin1, b, p.ID, 10, 1); return err },
		}
		for name, fn := range attempts {
			if err := fn(); !errors.Is(err, ErrNotFound) {
				t.Errorf("%s across tenants: %v, want ErrNotFound", name, err)
			}
		}
		fl, _ := s.ListFlows(ctx, b, Page{})
		pl, _ := s.ListPrompts(ctx, b, Page{})
		tr, _ := s.ListCallTrace(ctx, b, "c1", Page{})
		ts, _ := s.ListFlowTraces(ctx, b, TraceFilter{}, Page{})
		cat, err := s.FlowCatalog(ctx, b)
		must(t, err)
		if len(fl.Items)+len(pl.Items)+len(tr.Items)+len(ts.Items)+len(cat.Flows)+len(cat.Prompts) != 0 {
			t.Fatalf("B sees A's flows %d prompts %d trace %d/%d catalog %v %v", len(fl.Items), len(pl.Items),
				len(tr.Items), len(ts.Items), cat.Flows, cat.Prompts)
		}
		for name, fn := range map[string]func() error{
			"ListFlows": func() error { _, err := s.ListFlows(ctx, "", Page{}); return err },
			"CreateFlow": func() error {
				_, err := s.CreateFlow(ctx, admin1, "", FlowDraft{Name: "x", Doc: flowDoc("x", "y")})
				return err
			},
			"AppendTrace": func() error { return s.AppendFlowTrace(ctx, "", FlowTraceBatch{CallID: "c", FlowID: "f"}) },
			"Catalog":     func() error { _, err := s.FlowCatalog(ctx, ""); return err },
			"ListPrompts": func() error { _, err := s.ListPrompts(ctx, "", Page{}); return err },
		} {
			if err := fn(); !errors.Is(err, tenancy.ErrNoTenant) {
				t.Errorf("%s with zero tenant: %v", name, err)
			}
		}
	})
}
