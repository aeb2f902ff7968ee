package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/tenancy"
)

func TestPagination(t *testing.T) {
	allBackends(t, func(t *testing.T, s *Store) {
		a := mkTenant(t, s, "a.example.com", 1)
		want := map[string]bool{}
		for i := range 7 {
			k, err := s.CreateSkill(ctx, admin1, a.ID, SkillInput{Name: fmt.Sprint("s", i)})
			must(t, err)
			want[k.ID] = true
		}
		seen, pages, p := map[string]bool{}, 0, Page{Limit: 3}
		for {
			l, err := s.ListSkills(ctx, a.ID, p)
			must(t, err)
			pages++
			for _, k := range l.Items {
				if seen[k.ID] {
					t.Fatalf("skill %s on two pages", k.ID)
				}
				seen[k.ID] = true
			}
			if l.Next == "" {
				break
			}
			p.After = l.Next
		}
		if pages != 3 || len(seen) != len(want) {
			t.Fatalf("%d pages, %d skills; want 3 pages, 7 skills", pages, len(seen))
		}
		for _, bad := range []Page{{After: "garbage!"}, {Limit: -1}, {Limit: MaxLimit + 1}, {After: encodeCursor("") + "x"}} {
			if _, err := s.ListSkills(ctx, a.ID, bad); !errors.Is(err, ErrInvalid) {
				t.Errorf("ListSkills(%+v) = %v, want ErrInvalid", bad, err)
			}
		}
	})
}

func TestIdempotency(t *testing.T) {
	allBackends(t, func(t *testing.T, s *Store) {
		rec, err := s.BeginIdempotent(ctx, "", "user:1", "k1", "hash-a")
		if err != nil || rec.Done {
			t.Fatalf("first Begin = %+v %v", rec, err)
		}
		if _, err := s.BeginIdempotent(ctx, "", "user:1", "k1", "hash-a"); !errors.Is(err, ErrIdempotencyInProgress) {
			t.Fatalf("retry while running: %v", err)
		}
		must(t, s.CompleteIdempotent(ctx, "user:1", "k1", 201, []byte(`{"id":"x"}`)))
		rec, err = s.BeginIdempotent(ctx, "", "user:1", "k1", "hash-a")
		if err != nil || !rec.Done || rec.StatusCode != 201 || !bytes.Equal(rec.Body, []byte(`{"id":"x"}`)) {
			t.Fatalf("replay = %+v %v", rec, err)
		}
		if _, err := s.BeginIdempotent(ctx, "", "user:1", "k1", "hash-b"); !errors.Is(err, ErrIdempotencyMismatch) {
			t.Fatalf("same key, other body: %v", err)
		}
		if rec, err := s.BeginIdempotent(ctx, "", "user:2", "k1", "hash-b"); err != nil || rec.Done {
			t.Fatalf("other principal, same key: %+v %v", rec, err)
		}
		must(t, s.AbortIdempotent(ctx, "user:2", "k1"))
		if rec, err := s.BeginIdempotent(ctx, "", "user:2", "k1", "hash-c"); err != nil || rec.Done {
			t.Fatalf("after abort: %+v %v", rec, err)
		}
		if err := s.CompleteIdempotent(ctx, "user:1", "k1", 200, nil); !errors.Is(err, ErrNotFound) {
			t.Fatalf("completing twice: %v", err)
		}
		if _, err := s.BeginIdempotent(ctx, "", "user:1", "", "h"); !errors.Is(err, ErrInvalid) {
			t.Fatalf("empty key: %v", err)
		}
		n, err := s.PurgeIdempotency(ctx, time.Now().Add(time.Hour))
		if err != nil || n != 2 {
			t.Fatalf("Purge = %d %v, want 2", n, err)
		}
	})
}

// TestAuditInSameTransaction: a change writes exactly one audit row with who,
// what and where; a failed change writes none.
func TestAuditInSameTransaction(t *testing.T) {
	allBackends(t, func(t *testing.T, s *Store) {
		a := mkTenant(t, s, "a.example.com", 1)
		key := Actor{Kind: ActorAPIKey, ID: "key-9", IP: "198.51.100.7"}
		sk, err := s.CreateSkill(ctx, key, a.ID, SkillInput{Name: "vip"})
		must(t, err)
		l, err := s.ListAudit(ctx, a.ID, AuditFilter{ResourceType: "skill"}, Page{})
		must(t, err)
		if len(l.Items) != 1 {
			t.Fatalf("%d audit rows for one change", len(l.Items))
		}
		e := l.Items[0]
		if e.ActorKind != ActorAPIKey || e.ActorID != "key-9" || e.IP != "198.51.100.7" || e.Action != "create" ||
			e.ResourceID != sk.ID || e.TenantID != a.ID || !strings.Contains(string(e.Changes), `"vip"`) || e.At.IsZero() {
			t.Fatalf("audit entry = %+v", e)
		}
		before := countAudit(t, s)
		if _, err := s.CreateSkill(ctx, key, a.ID, SkillInput{Name: "vip"}); !errors.Is(err, ErrConflict) {
			t.Fatalf("duplicate: %v", err)
		}
		if _, err := s.CreateSkill(ctx, Actor{Kind: "robot"}, a.ID, SkillInput{Name: "other"}); !errors.Is(err, ErrInvalid) {
			t.Fatalf("bad actor: %v", err)
		}
		if countAudit(t, s) != before {
			t.Fatal("failed change left an audit row")
		}
		if l, _ := s.ListSkills(ctx, a.ID, Page{}); len(l.Items) != 1 {
			t.Fatal("change with a bad actor (audit failed) was committed")
		}
		all, err := s.ListAllAudit(ctx, AuditFilter{ActorID: "operator-1"}, Page{})
		if err != nil || len(all.Items) != 1 || all.Items[0].ResourceType != "tenant" {
			t.Fatalf("ListAllAudit = %+v %v", all, err)
		}
		checkAuditNewestFirst(t, s, a.ID)
		must(t, s.AppendAudit(ctx, Actor{Kind: ActorUser, ID: "u", IP: "::1"}, "", "login", "user", "u", nil))
		for _, bad := range [][2]string{{"sign_in", "user"}, {"login", "account"}} {
			if err := s.AppendAudit(ctx, Actor{Kind: ActorUser, ID: "u"}, "", bad[0], bad[1], "u", nil); err == nil {
				t.Errorf("audit %s on %s (not in the lists) was recorded", bad[0], bad[1])
			}
		}
		if l, _ := s.ListAllAudit(ctx, AuditFilter{ResourceType: "user"}, Page{}); len(l.Items) != 1 || l.Items[0].TenantID != "" {
			t.Fatalf("platform audit = %+v", l)
		}
	})
}

func TestAgentStateHistoryBatch(t *testing.T) {
	old := historyBatch
	historyBatch = 100 // set before the parallel subtests start, restored after they end
	t.Cleanup(func() { historyBatch = old })
	allBackends(t, func(t *testing.T, s *Store) {
		a, b := mkTenant(t, s, "a.example.com", 1), mkTenant(t, s, "b.example.com", 1)
		t0 := time.Date(2026, 1, 2, 3, 4, 5, 123456000, time.FixedZone("CST", 8*3600))
		rows := make([]AgentStateChange, 243) // spans three INSERT batches
		for i := range rows {
			rows[i] = AgentStateChange{AgentID: fmt.Sprint("ag", i%3), FromState: "idle", ToState: "busy",
				Event: "offer", At: t0.Add(time.Duration(i) * time.Second)}
		}
		must(t, s.AppendAgentStates(ctx, a.ID, rows))
		l, err := s.ListAgentStates(ctx, a.ID, HistoryFilter{AgentID: "ag1"}, Page{Limit: 500})
		must(t, err)
		if len(l.Items) != 81 || l.Items[0].At != t0.Add(time.Second).UTC() || l.Items[0].At.Location() != time.UTC {
			t.Fatalf("%d rows for ag1, first at %v", len(l.Items), l.Items[0].At)
		}
		if l, _ := s.ListAgentStates(ctx, b.ID, HistoryFilter{}, Page{}); len(l.Items) != 0 {
			t.Fatal("tenant B sees A's history")
		}
		bad := []AgentStateChange{{AgentID: "x", ToState: "idle", At: t0}, {AgentID: "", ToState: "idle", At: t0}}
		if err := s.AppendAgentStates(ctx, b.ID, bad); !errors.Is(err, ErrInvalid) {
			t.Fatalf("bad batch: %v", err)
		}
		dup := []AgentStateChange{{ID: "same", AgentID: "x", ToState: "idle", At: t0}, {ID: "same", AgentID: "x", ToState: "idle", At: t0}}
		if err := s.AppendAgentStates(ctx, b.ID, dup); err == nil {
			t.Fatal("duplicate IDs accepted")
		}
		if l, _ := s.ListAgentStates(ctx, b.ID, HistoryFilter{}, Page{}); len(l.Items) != 0 {
			t.Fatalf("failed batch left %d rows", len(l.Items))
		}
	})
}

func TestCDRsAndRecordings(t *testing.T) {
	allBackends(t, func(t *testing.T, s *Store) {
		a := mkTenant(t, s, "a.example.com", 1)
		t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
		ans := t0.Add(20 * time.Second)
		c, err := s.InsertCDR(ctx, a.ID, CDR{NodeID: "fs1", CallID: "call-1", Leg: "caller", Caller: "+8613800000000",
			AccessNumber: "+8657100", QueueID: "q1", AgentID: "ag1", ArrivedAt: t0, AnsweredAt: &ans, Disposition: "answered",
			HangupCause: "NORMAL_CLEARING"})
		must(t, err)
		_, err = s.InsertCDR(ctx, a.ID, CDR{NodeID: "fs1", CallID: "call-2", QueueID: "q2", ArrivedAt: t0.Add(time.Hour), Disposition: "abandoned"})
		must(t, err)
		l, err := s.ListCDRs(ctx, a.ID, HistoryFilter{QueueID: "q1"}, Page{})
		if err != nil || len(l.Items) != 1 || l.Items[0].ID != c.ID || l.Items[0].AnsweredAt == nil || !l.Items[0].AnsweredAt.Equal(ans) || l.Items[0].EndedAt != nil {
			t.Fatalf("ListCDRs(q1) = %+v %v", l, err)
		}
		l, _ = s.ListCDRs(ctx, a.ID, HistoryFilter{Since: t0.Add(time.Minute)}, Page{})
		if len(l.Items) != 1 || l.Items[0].CallID != "call-2" {
			t.Fatalf("ListCDRs(since) = %+v", l)
		}
		r, err := s.InsertRecording(ctx, a.ID, Recording{CallID: "call-1", NodeID: "fs1", Path: "/rec/1.wav", StartedAt: ans, DurationMS: 61000})
		must(t, err)
		rl, err := s.ListRecordings(ctx, a.ID, HistoryFilter{CallID: "call-1"}, Page{})
		if err != nil || len(rl.Items) != 1 || rl.Items[0] != r {
			t.Fatalf("ListRecordings = %+v %v (want %+v)", rl, err, r)
		}
		if _, err := s.InsertRecording(ctx, a.ID, Recording{CallID: "c"}); !errors.Is(err, ErrInvalid) {
			t.Fatalf("bad recording: %v", err)
		}
	})
}

// TestCDRBatch: InsertCDRs writes legs in one transaction, across INSERT
// statements, with times in UTC and empty times NULL; a bad row or a
// duplicate ID refuses the whole batch.
func TestCDRBatch(t *testing.T) {
	old := cdrBatch
	cdrBatch = 2 // set before the parallel subtests start, restored after they end
	t.Cleanup(func() { cdrBatch = old })
	allBackends(t, func(t *testing.T, s *Store) {
		a, b := mkTenant(t, s, "a.example.com", 1), mkTenant(t, s, "b.example.com", 1)
		t0 := time.Date(2026, 3, 1, 9, 0, 0, 123456789, time.FixedZone("CST", 8*3600))
		ans := t0.Add(20 * time.Second)
		rows := make([]CDR, 5) // three INSERT statements
		for i := range rows {
			rows[i] = CDR{NodeID: "fs1", CallID: fmt.Sprint("call-", i), Leg: "caller", ArrivedAt: t0.Add(time.Duration(i) * time.Second),
				Disposition: "abandoned"}
		}
		rows[2].AnsweredAt, rows[2].AgentID, rows[2].Disposition = &ans, "ag1", "answered"
		got, err := s.InsertCDRs(ctx, a.ID, rows)
		must(t, err)
		l, err := s.ListCDRs(ctx, a.ID, HistoryFilter{}, Page{Limit: 10})
		must(t, err)
		if len(got) != 5 || len(l.Items) != 5 {
			t.Fatalf("%d returned, %d stored; want 5", len(got), len(l.Items))
		}
		for _, c := range l.Items {
			i := slices.IndexFunc(got, func(g CDR) bool { return g.ID == c.ID })
			if i < 0 || c.CallID != rows[i].CallID || !c.ArrivedAt.Equal(rows[i].ArrivedAt.Truncate(time.Microsecond)) || c.ArrivedAt.Location() != time.UTC ||
				(c.AnsweredAt != nil) != (i == 2) || c.TenantID != a.ID {
				t.Fatalf("stored %+v, returned %+v", c, got)
			}
		}
		if l, _ := s.ListCDRs(ctx, a.ID, HistoryFilter{AgentID: "ag1"}, Page{}); len(l.Items) != 1 || !l.Items[0].AnsweredAt.Equal(ans.Truncate(time.Microsecond)) {
			t.Fatalf("answered leg: %+v", l.Items)
		}
		bad := []CDR{{CallID: "x", ArrivedAt: t0}, {CallID: "", ArrivedAt: t0}}
		if _, err := s.InsertCDRs(ctx, b.ID, bad); !errors.Is(err, ErrInvalid) {
			t.Fatalf("bad batch: %v", err)
		}
		dup := []CDR{{ID: "one", CallID: "x", ArrivedAt: t0}, {ID: "two", CallID: "y", ArrivedAt: t0}, {ID: "one", CallID: "z", ArrivedAt: t0}}
		if _, err := s.InsertCDRs(ctx, b.ID, dup); err == nil {
			t.Fatal("duplicate IDs accepted")
		}
		if l, _ := s.ListCDRs(ctx, b.ID, HistoryFilter{}, Page{}); len(l.Items) != 0 {
			t.Fatalf("failed batches left %d rows", len(l.Items))
		}
	})
}

// TestCallRecordsAllOrNone: InsertCallRecords stores a batch's recordings
// and CDRs in one transaction: a duplicate recording ID refuses the CDRs
// too; a good batch stores both.
func TestCallRecordsAllOrNone(t *testing.T) {
	allBackends(t, func(t *testing.T, s *Store) {
		a := mkTenant(t, s, "a.example.com", 1)
		t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
		rec := Recording{ID: "rec-1", CallID: "call-1", NodeID: "fs1", Path: "/rec/1.wav", StartedAt: t0, DurationMS: 1000}
		cdrs := []CDR{{CallID: "call-1", Leg: "caller", ArrivedAt: t0, RecordingPath: rec.Path}, {CallID: "call-1", Leg: "agent", ArrivedAt: t0}}
		if _, err := s.InsertCallRecords(ctx, a.ID, []Recording{rec, rec}, cdrs); err == nil {
			t.Fatal("a duplicate recording was accepted")
		}
		if l, _ := s.ListCDRs(ctx, a.ID, HistoryFilter{}, Page{}); len(l.Items) != 0 {
			t.Fatalf("a refused batch stored %d CDRs", len(l.Items))
		}
		got, err := s.InsertCallRecords(ctx, a.ID, []Recording{rec}, cdrs)
		must(t, err)
		l, _ := s.ListCDRs(ctx, a.ID, HistoryFilter{}, Page{})
		rl, _ := s.ListRecordings(ctx, a.ID, HistoryFilter{CallID: "call-1"}, Page{})
		if len(got) != 2 || len(l.Items) != 2 || len(rl.Items) != 1 || rl.Items[0].TenantID != a.ID {
			t.Fatalf("stored %d CDRs (%d returned) and recordings %+v", len(l.Items), len(got), rl.Items)
		}
	})
}

// TestCDRsNewestFirst: CDRs list newest recorded first by default and
// oldest first on request; paging by two walks each order whole, without a
// row twice or missing, filters applied.
func TestCDRsNewestFirst(t *testing.T) {
	allBackends(t, func(t *testing.T, s *Store) {
		a := mkTenant(t, s, "a.example.com", 1)
		t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
		var ids []string // in recording order
		for i := range 5 {
			c, err := s.InsertCDR(ctx, a.ID, CDR{NodeID: "fs1", CallID: fmt.Sprint("call-", i), QueueID: "q1", ArrivedAt: t0.Add(time.Duration(i) * time.Minute)})
			must(t, err)
			ids = append(ids, c.ID)
		}
		_, err := s.InsertCDR(ctx, a.ID, CDR{NodeID: "fs1", CallID: "other", QueueID: "q2", ArrivedAt: t0})
		must(t, err)
		walk := func(f HistoryFilter) []string {
			var got []string
			p := Page{Limit: 2}
			for {
				l, err := s.ListCDRs(ctx, a.ID, f, p)
				must(t, err)
				for _, c := range l.Items {
					got = append(got, c.ID)
				}
				if l.Next == "" {
					return got
				}
				p.After = l.Next
			}
		}
		newest := slices.Clone(ids)
		slices.Reverse(newest)
		if got := walk(HistoryFilter{QueueID: "q1"}); !slices.Equal(got, newest) {
			t.Errorf("default order = %v, want newest first %v", got, newest)
		}
		if got := walk(HistoryFilter{QueueID: "q1", OldestFirst: true}); !slices.Equal(got, ids) {
			t.Errorf("oldest first = %v, want %v", got, ids)
		}
	})
}

func TestNodesSecretEncrypted(t *testing.T) {
	allBackends(t, func(t *testing.T, s *Store) {
		site, err := s.CreateSite(ctx, op, SiteInput{Name: "HQ"})
		must(t, err)
		n, err := s.CreateNode(ctx, op, NodeInput{SiteID: site.ID, Name: "fs1", Kind: NodeFreeSWITCH, Address: "10.0.0.5:8021", Secret: "ClueCon", Enabled: true})
		must(t, err)
		if !n.HasSecret {
			t.Fatal("HasSecret false")
		}
		var enc string
		must(t, s.db.Get(&enc, `SELECT secret_enc FROM nodes WHERE id = $1`, n.ID))
		if enc == "" || strings.Contains(enc, "ClueCon") {
			t.Fatalf("secret stored as %q", enc)
		}
		if sec, err := s.NodeSecret(ctx, n.ID); err != nil || sec != "ClueCon" {
			t.Fatalf("NodeSecret = %q %v", sec, err)
		}
		audit, _ := s.ListAllAudit(ctx, AuditFilter{ResourceType: "node"}, Page{})
		for _, e := range audit.Items {
			if strings.Contains(string(e.Changes), "ClueCon") {
				t.Fatal("secret in audit log")
			}
		}
		addr, sec := "10.0.0.6:8021", "n3w"
		up, err := s.UpdateNode(ctx, op, n.ID, NodePatch{Address: &addr, Secret: &sec})
		if err != nil || up.Address != addr {
			t.Fatalf("UpdateNode = %+v %v", up, err)
		}
		if got, _ := s.NodeSecret(ctx, n.ID); got != "n3w" {
			t.Fatalf("secret after update = %q", got)
		}
		other := *s
		other.secrets, _ = newSealer([]byte("ffffffffffffffffffffffffffffffff"))
		if _, err := other.NodeSecret(ctx, n.ID); err == nil {
			t.Fatal("secret decrypted with the wrong key")
		}
		_, err = s.CreateNode(ctx, op, NodeInput{SiteID: site.ID, Name: "fs1", Kind: NodeFreeSWITCH, Address: "10.0.0.7:8021"})
		var ce *ConflictError
		if !errors.As(err, &ce) || ce.Field != "name" {
			t.Fatalf("duplicate node name: %v", err)
		}
		if _, err := s.CreateNode(ctx, op, NodeInput{SiteID: site.ID, Name: "x", Kind: "yate", Address: "h:1"}); !errors.Is(err, ErrInvalid) {
			t.Fatalf("bad kind: %v", err)
		}
		if err := s.DeleteSite(ctx, op, site.ID); !errors.Is(err, ErrInvalid) {
			t.Fatalf("delete site with nodes: %v", err)
		}
		must(t, s.DeleteNode(ctx, op, n.ID))
		must(t, s.DeleteSite(ctx, op, site.ID))
	})
}

func TestUsersLoginAndTokens(t *testing.T) {
	allBackends(t, func(t *testing.T, s *Store) {
		a := mkTenant(t, s, "a.example.com", 1)
		u := mkUser(t, s, a.ID, tenancy.RoleSupervisor)
		if _, err := s.CreateUser(ctx, admin1, a.ID, UserInput{Email: strings.ToUpper(u.Email), DisplayName: "d", Role: tenancy.RoleQA, PasswordHash: "h"}); !errors.Is(err, ErrConflict) {
			t.Fatalf("duplicate e-mail (case-insensitive): %v", err)
		}
		if _, err := s.CreateUser(ctx, admin1, a.ID, UserInput{Email: "p@example.com", DisplayName: "d", Role: tenancy.RolePlatformAdmin, PasswordHash: "h"}); !errors.Is(err, ErrInvalid) {
			t.Fatalf("platform role in tenant: %v", err)
		}
		p, err := s.CreatePlatformUser(ctx, op, UserInput{Email: "root@example.com", DisplayName: "Root", Role: tenancy.RolePlatformAdmin, PasswordHash: "h"})
		if err != nil || p.TenantID != "" {
			t.Fatalf("CreatePlatformUser = %+v %v", p, err)
		}
		if got, err := s.UserByEmail(ctx, "ROOT@example.com"); err != nil || got.ID != p.ID {
			t.Fatalf("UserByEmail = %+v %v", got, err)
		}
		for i := 1; i <= 3; i++ {
			got, err := s.BeginLoginAttempt(ctx, u.ID, 3, 15*time.Minute)
			must(t, err)
			if got.Refused || got.Failures != i || (got.LockedUntil != nil) != (i == 3) {
				t.Fatalf("attempt %d: %+v", i, got)
			}
		}
		if got, err := s.BeginLoginAttempt(ctx, u.ID, 3, 15*time.Minute); err != nil || !got.Refused || got.LockedUntil == nil {
			t.Fatalf("attempt on a locked account: %+v %v", got, err)
		}
		must(t, s.RecordLoginSuccess(ctx, u.ID))
		if got, _ := s.UserByID(ctx, u.ID); got.LockedUntil != nil || got.FailedLogins != 0 || got.LastLoginAt == nil {
			t.Fatalf("after success: %+v", got)
		}
		if got, err := s.BeginLoginAttempt(ctx, u.ID, 3, 15*time.Minute); err != nil || got.Refused || got.Failures != 1 {
			t.Fatalf("attempt after success: %+v %v", got, err)
		}
		must(t, s.ClearLoginFailures(ctx, u.ID))
		if got, _ := s.UserByID(ctx, u.ID); got.FailedLogins != 0 {
			t.Fatalf("after ClearLoginFailures: %+v", got)
		}
		exp := time.Now().Add(time.Hour)
		tok, err := s.CreateRefreshToken(ctx, u.ID, "rt-1", exp)
		if err != nil || tok.TenantID != a.ID || !tok.Usable(time.Now()) {
			t.Fatalf("CreateRefreshToken = %+v %v", tok, err)
		}
		if _, err := s.RotateRefreshToken(ctx, "rt-1", "rt-2", exp); err != nil {
			t.Fatal(err)
		}
		if _, err := s.RotateRefreshToken(ctx, "rt-1", "rt-3", exp); !errors.Is(err, ErrNotFound) {
			t.Fatalf("rotating a revoked token: %v", err)
		}
		if old, _ := s.RefreshTokenByHash(ctx, "rt-1"); old.Usable(time.Now()) {
			t.Fatal("rotated token still usable")
		}
		if n, err := s.RevokeUserRefreshTokens(ctx, u.ID); err != nil || n != 1 {
			t.Fatalf("RevokeUserRefreshTokens = %d %v", n, err)
		}
		dis := true
		got, err := s.UpdateUser(ctx, admin1, a.ID, u.ID, UserPatch{Disabled: &dis})
		if err != nil || !got.Disabled {
			t.Fatalf("disable user: %+v %v", got, err)
		}
	})
}

func TestAPIKeys(t *testing.T) {
	allBackends(t, func(t *testing.T, s *Store) {
		a := mkTenant(t, s, "a.example.com", 1)
		k, err := s.CreateAPIKey(ctx, admin1, a.ID, APIKeyInput{Name: "crm", Role: tenancy.RoleTenantAdmin, KeyHash: "kh", Prefix: "sbk_12"})
		must(t, err)
		if _, err := s.CreateAPIKey(ctx, admin1, a.ID, APIKeyInput{Name: "x", Role: tenancy.RolePlatformViewer, KeyHash: "kh2", Prefix: "p"}); !errors.Is(err, ErrInvalid) {
			t.Fatalf("platform role key: %v", err)
		}
		got, err := s.APIKeyByHash(ctx, "kh")
		if err != nil || got.ID != k.ID || got.TenantID != a.ID || got.RevokedAt != nil {
			t.Fatalf("APIKeyByHash = %+v %v", got, err)
		}
		must(t, s.TouchAPIKey(ctx, a.ID, k.ID))
		must(t, s.RevokeAPIKey(ctx, admin1, a.ID, k.ID))
		if got, _ := s.APIKeyByHash(ctx, "kh"); got.RevokedAt == nil || got.LastUsedAt == nil {
			t.Fatalf("after revoke: %+v", got)
		}
	})
}

func TestOpenErrors(t *testing.T) {
	for _, u := range []string{"mysql://x", "sqlite:", "sqlite:/tmp/x?mode=ro", "sqlite::memory:", "sqlite:file:x.db"} {
		if _, err := Open(context.Background(), u, Options{}); err == nil {
			t.Errorf("Open(%q) succeeded", u)
		}
	}
	if _, err := Open(context.Background(), "sqlite:"+t.TempDir()+"/db", Options{SecretKey: []byte("short")}); err == nil {
		t.Error("short key accepted")
	}
}

func TestDeleteUser(t *testing.T) {
	allBackends(t, func(t *testing.T, s *Store) {
		a, b := mkTenant(t, s, "a.example.com", 2), mkTenant(t, s, "b.example.com", 2)
		ag := mkAgent(t, s, a.ID, "1001")
		u := mkUser(t, s, a.ID, tenancy.RoleQA)
		_, err := s.CreateRefreshToken(ctx, u.ID, "rt-del", time.Now().Add(time.Hour))
		must(t, err)
		if err := s.DeleteUser(ctx, admin1, a.ID, ag.UserID); !errors.Is(err, ErrInvalid) {
			t.Fatalf("deleting an agent's user: %v", err)
		}
		if err := s.DeleteUser(ctx, admin1, b.ID, u.ID); !errors.Is(err, ErrNotFound) {
			t.Fatalf("deleting across tenants: %v", err)
		}
		must(t, s.DeleteUser(ctx, admin1, a.ID, u.ID))
		if _, err := s.UserByID(ctx, u.ID); !errors.Is(err, ErrNotFound) {
			t.Fatalf("deleted user still there: %v", err)
		}
		if _, err := s.RefreshTokenByHash(ctx, "rt-del"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("deleted user's token still there: %v", err)
		}
		p, err := s.CreatePlatformUser(ctx, op, UserInput{Email: "ops@example.com", DisplayName: "Ops", Role: tenancy.RolePlatformViewer, PasswordHash: "h"})
		must(t, err)
		if err := s.DeleteUser(ctx, admin1, a.ID, p.ID); !errors.Is(err, ErrNotFound) {
			t.Fatalf("platform user deleted through a tenant: %v", err)
		}
		must(t, s.DeletePlatformUser(ctx, op, p.ID))
	})
}

func TestNodeAddresses(t *testing.T) {
	cases := []struct {
		kind NodeKind
		addr string
		ok   bool
	}{
		{NodeFreeSWITCH, "10.0.0.5:8021", true},
		{NodeFreeSWITCH, "[2001:db8::1]:8021", true},
		{NodeFreeSWITCH, "10.0.0.5", false},
		{NodeFreeSWITCH, "http://10.0.0.5:8021", false},
		{NodeAsterisk, "pbx.example.com:8088", true},
		{NodeAsterisk, "http://pbx.example.com:8088/ari", true},
		{NodeAsterisk, "https://pbx.example.com/ari", false},
		{NodeAsterisk, "http://user:pw@pbx:8088/ari", false},
	}
	for _, c := range cases {
		if err := checkNodeAddress(c.kind, c.addr); (err == nil) != c.ok {
			t.Errorf("checkNodeAddress(%s, %q) = %v, want ok=%v", c.kind, c.addr, err, c.ok)
		}
	}
}

// TestTimeFilterPrecision: time filters are exact to the microsecond on both
// databases (SQLite compares the stored text, so its format must sort).
func TestTimeFilterPrecision(t *testing.T) {
	allBackends(t, func(t *testing.T, s *Store) {
		a := mkTenant(t, s, "a.example.com", 1)
		base := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
		offsets := []time.Duration{0, 500 * time.Millisecond, 500*time.Millisecond + time.Microsecond, time.Second, 10 * time.Second}
		var rows []AgentStateChange
		for _, d := range offsets {
			rows = append(rows, AgentStateChange{AgentID: "x", ToState: "idle", At: base.Add(d)})
		}
		must(t, s.AppendAgentStates(ctx, a.ID, rows))
		for i, d := range offsets {
			l, err := s.ListAgentStates(ctx, a.ID, HistoryFilter{Since: base.Add(d)}, Page{})
			must(t, err)
			if len(l.Items) != len(offsets)-i {
				t.Errorf("since +%v: %d rows, want %d", d, len(l.Items), len(offsets)-i)
			}
			l, err = s.ListAgentStates(ctx, a.ID, HistoryFilter{Until: base.Add(d)}, Page{})
			must(t, err)
			if len(l.Items) != i {
				t.Errorf("until +%v: %d rows, want %d", d, len(l.Items), i)
			}
		}
	})
}

func checkAuditNewestFirst(t *testing.T, s *Store, tenant tenancy.TenantID) {
	t.Helper()
	for i := range 4 {
		_, err := s.CreateSkill(ctx, admin1, tenant, SkillInput{Name: fmt.Sprint("order", i)})
		must(t, err)
	}
	var ids []string
	p := Page{Limit: 2}
	for {
		l, err := s.ListAudit(ctx, tenant, AuditFilter{ResourceType: "skill", NewestFirst: true}, p)
		must(t, err)
		for _, e := range l.Items {
			ids = append(ids, e.ID)
		}
		if l.Next == "" {
			break
		}
		p.After = l.Next
	}
	if len(ids) != 5 {
		t.Fatalf("newest first listed %d skill entries, want 5", len(ids))
	}
	for i := 1; i < len(ids); i++ {
		if ids[i] >= ids[i-1] {
			t.Fatalf("not newest first: %v", ids)
		}
	}
}

// TestLoginAttemptsConcurrent: attempts are counted before any password
// is checked, atomically: of many parallel attempts exactly maxFailures are
// let through (the last of them locks the account) and every other one is
// refused, on each database. A read-then-update version races only now and
// then (it was caught in about half the rounds on PostgreSQL): four
// rounds, each on a fresh account.
func TestLoginAttemptsConcurrent(t *testing.T) {
	allBackends(t, func(t *testing.T, s *Store) {
		a := mkTenant(t, s, "a.example.com", 1)
		for round := range 4 {
			u := mkUser(t, s, a.ID, tenancy.RoleAgent)
			const tries, max = 50, 10
			allowed, refused, locks := parallelAttempts(t, s, u.ID, tries, max)
			if allowed != max || refused != tries-max || locks != 1 {
				t.Fatalf("round %d, %d parallel attempts: %d let through, %d refused, %d locked; want %d, %d, 1",
					round, tries, allowed, refused, locks, max, tries-max)
			}
			got, err := s.UserByID(ctx, u.ID)
			must(t, err)
			if got.LockedUntil == nil || got.FailedLogins != 0 {
				t.Fatalf("after the lock: locked_until %v, failed_logins %d", got.LockedUntil, got.FailedLogins)
			}
		}
		if _, err := s.BeginLoginAttempt(ctx, "nobody", 10, time.Minute); !errors.Is(err, ErrNotFound) {
			t.Fatalf("unknown user: %v", err)
		}
	})
}

// parallelAttempts starts tries attempts of user id at once and counts
// those let through, refused, and the one that locked.
func parallelAttempts(t *testing.T, s *Store, id string, tries, max int) (allowed, refused, locks int32) {
	var wg sync.WaitGroup
	var a, r, l atomic.Int32
	start := make(chan struct{})
	for range tries {
		wg.Go(func() {
			<-start
			got, err := s.BeginLoginAttempt(ctx, id, max, time.Minute)
			switch {
			case err != nil:
				t.Error(err)
			case got.Refused:
				r.Add(1)
			case got.LockedUntil != nil:
				l.Add(1)
				fallthrough
			default:
				a.Add(1)
			}
		})
	}
	close(start)
	wg.Wait()
	return a.Load(), r.Load(), l.Load()
}

// TestLoginLockExpires: once the lock has passed, attempts are let through
// and counted from zero again.
func TestLoginLockExpires(t *testing.T) {
	backends(t, func(t *testing.T, s *Store) {
		clk := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
		s.now = func() time.Time { return clk }
		a := mkTenant(t, s, "a.example.com", 1)
		u := mkUser(t, s, a.ID, tenancy.RoleAgent)
		for range 2 {
			_, err := s.BeginLoginAttempt(ctx, u.ID, 2, time.Minute)
			must(t, err)
		}
		clk = clk.Add(59 * time.Second)
		if got, err := s.BeginLoginAttempt(ctx, u.ID, 2, time.Minute); err != nil || !got.Refused {
			t.Fatalf("before the lock ends: %+v %v", got, err)
		}
		clk = clk.Add(time.Second)
		if got, err := s.BeginLoginAttempt(ctx, u.ID, 2, time.Minute); err != nil || got.Refused || got.Failures != 1 {
			t.Fatalf("when the lock ends: %+v %v", got, err)
		}
	})
}

func TestLatestAgentStates(t *testing.T) {
	allBackends(t, func(t *testing.T, s *Store) {
		a, b := mkTenant(t, s, "a.example.com", 1), mkTenant(t, s, "b.example.com", 1)
		t0 := time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)
		must(t, s.AppendAgentStates(ctx, a.ID, []AgentStateChange{
			{AgentID: "ag2", FromState: "logged_out", ToState: "idle", At: t0},
			{AgentID: "ag1", FromState: "idle", ToState: "busy", At: t0.Add(2 * time.Second)},
			{AgentID: "ag1", FromState: "logged_out", ToState: "idle", At: t0}, // arrives late, older
			{AgentID: "ag2", FromState: "idle", ToState: "break", Reason: "lunch", At: t0.Add(time.Minute)},
		}))
		must(t, s.AppendAgentStates(ctx, b.ID, []AgentStateChange{{AgentID: "ag1", ToState: "wrap_up", At: t0.Add(time.Hour)}}))
		got, err := s.LatestAgentStates(ctx, a.ID)
		must(t, err)
		if len(got) != 2 || got[0].AgentID != "ag1" || got[0].ToState != "busy" || got[1].ToState != "break" || got[1].Reason != "lunch" {
			t.Fatalf("LatestAgentStates = %+v", got)
		}
	})
}

func TestSitesAndNodesCRUD(t *testing.T) {
	allBackends(t, func(t *testing.T, s *Store) {
		hq, err := s.CreateSite(ctx, op, SiteInput{Name: "HQ", Description: "Beijing"})
		must(t, err)
		br, err := s.CreateSite(ctx, op, SiteInput{Name: "Branch"})
		must(t, err)
		if _, err := s.CreateSite(ctx, op, SiteInput{Name: "HQ"}); !errors.Is(err, ErrConflict) {
			t.Fatalf("duplicate site: %v", err)
		}
		up, err := s.UpdateSite(ctx, op, br.ID, SiteInput{Name: "Shanghai", Description: "branch"})
		if err != nil || up.Name != "Shanghai" || up.Description != "branch" || !up.CreatedAt.Equal(br.CreatedAt) {
			t.Fatalf("UpdateSite = %+v %v", up, err)
		}
		if _, err := s.UpdateSite(ctx, op, br.ID, SiteInput{Name: "HQ"}); !errors.Is(err, ErrConflict) {
			t.Fatalf("rename onto another site: %v", err)
		}
		if _, err := s.UpdateSite(ctx, op, "nope", SiteInput{Name: "x"}); !errors.Is(err, ErrNotFound) {
			t.Fatalf("update unknown site: %v", err)
		}
		sites, err := s.ListSites(ctx, Page{Limit: 1})
		if err != nil || len(sites.Items) != 1 || sites.Next == "" {
			t.Fatalf("ListSites page 1 = %+v %v", sites, err)
		}
		n1, err := s.CreateNode(ctx, op, NodeInput{SiteID: hq.ID, Name: "fs1", Kind: NodeFreeSWITCH, Address: "10.0.0.1:8021", Secret: "a"})
		must(t, err)
		_, err = s.CreateNode(ctx, op, NodeInput{SiteID: br.ID, Name: "ast1", Kind: NodeAsterisk, Address: "http://10.0.1.1:8088/ari", Username: "sb", Secret: "b"})
		must(t, err)
		if _, err := s.CreateNode(ctx, op, NodeInput{SiteID: "nope", Name: "x", Kind: NodeFreeSWITCH, Address: "h:1"}); !errors.Is(err, ErrInvalid) {
			t.Fatalf("node on unknown site: %v", err)
		}
		nodes, err := s.ListNodes(ctx, Page{})
		if err != nil || len(nodes.Items) != 2 || !nodes.Items[0].HasSecret {
			t.Fatalf("ListNodes = %+v %v", nodes, err)
		}
		off := false
		moved, err := s.UpdateNode(ctx, op, n1.ID, NodePatch{SiteID: &br.ID, Enabled: &off})
		if err != nil || moved.SiteID != br.ID || moved.Enabled || !moved.HasSecret {
			t.Fatalf("UpdateNode = %+v %v", moved, err)
		}
		if got, err := s.GetNode(ctx, n1.ID); err != nil || got != moved {
			t.Fatalf("GetNode = %+v %v, want %+v", got, err, moved)
		}
		if sec, _ := s.NodeSecret(ctx, n1.ID); sec != "a" {
			t.Fatalf("secret lost by an update without Secret: %q", sec)
		}
		must(t, s.DeleteSite(ctx, op, hq.ID))
		if _, err := s.GetSite(ctx, hq.ID); !errors.Is(err, ErrNotFound) {
			t.Fatalf("deleted site: %v", err)
		}
	})
}
