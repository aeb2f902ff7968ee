package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/tenancy"
)

func TestVoicemailsAreTenantScoped(t *testing.T) {
	allBackends(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		a, b := mkTenant(t, s, "acme.vm.test", 5), mkTenant(t, s, "bolt.vm.test", 5)
		at := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
		v, err := s.SaveVoicemail(ctx, a.ID, Voicemail{Mailbox: "general", CallID: "c1", NodeID: "fs1", Caller: "13800000001",
			Path: "/var/lib/switchboard/recordings/acme/c1.wav", DurationMS: 4200, Notify: true, CreatedAt: at})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.SaveVoicemail(ctx, a.ID, Voicemail{Mailbox: "sales", CallID: "c2", Path: "/x.wav", CreatedAt: at}); err != nil {
			t.Fatal(err)
		}
		l, err := s.ListVoicemails(ctx, a.ID, "general", Page{Limit: 10})
		if err != nil || len(l.Items) != 1 || l.Items[0].ID != v.ID || !l.Items[0].Notify || l.Items[0].DurationMS != 4200 || !l.Items[0].CreatedAt.Equal(at) {
			t.Fatalf("Acme's general mailbox: %+v %v", l.Items, err)
		}
		if l, err := s.ListVoicemails(ctx, a.ID, "", Page{Limit: 10}); err != nil || len(l.Items) != 2 {
			t.Fatalf("all of Acme's messages: %+v %v", l.Items, err)
		}
		if l, err := s.ListVoicemails(ctx, b.ID, "", Page{Limit: 10}); err != nil || len(l.Items) != 0 {
			t.Fatalf("Bolt sees Acme's voicemail: %+v %v", l.Items, err)
		}
		if _, err := s.SaveVoicemail(ctx, a.ID, Voicemail{Mailbox: "", CallID: "c3", Path: "/x", CreatedAt: at}); !errors.Is(err, tenancy.ErrInvalid) {
			t.Fatalf("a message without a mailbox: want ErrInvalid, got %v", err)
		}
		if _, err := s.ListVoicemails(ctx, "", "", Page{}); err == nil {
			t.Fatal("a zero tenant must be refused")
		}
	})
}

func TestACDSnapshotsAreTenantScoped(t *testing.T) {
	allBackends(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		a, b := mkTenant(t, s, "acme.snap.test", 5), mkTenant(t, s, "bolt.snap.test", 5)
		if _, _, found, err := s.LoadACDSnapshot(ctx, a.ID); err != nil || found {
			t.Fatalf("before any save: found %v, err %v", found, err)
		}
		for _, v := range []string{`{"v":1}`, `{"v":2}`} {
			if err := s.SaveACDSnapshot(ctx, a.ID, []byte(v)); err != nil {
				t.Fatal(err)
			}
		}
		got, _, found, err := s.LoadACDSnapshot(ctx, a.ID)
		if err != nil || !found || string(got) != `{"v":2}` {
			t.Fatalf("Acme's snapshot: %s %v %v", got, found, err)
		}
		if _, _, found, err := s.LoadACDSnapshot(ctx, b.ID); err != nil || found {
			t.Fatalf("Bolt must not see Acme's snapshot: %v %v", found, err)
		}
		if err := s.SaveACDSnapshot(ctx, a.ID, nil); err == nil {
			t.Fatal("an empty snapshot must be refused")
		}
	})
}

func TestDataSourcesKeepTheirConnectionSecret(t *testing.T) {
	allBackends(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		a, b := mkTenant(t, s, "acme.ds.test", 5), mkTenant(t, s, "bolt.ds.test", 5)
		if _, err := s.PutDataSource(ctx, SystemActor, a.ID, "crm", DataSourceInput{Driver: "postgres", DSN: "postgres://crm:pw@db.acme/crm"}); err != nil {
			t.Fatal(err)
		}
		list, err := s.ListDataSources(ctx, a.ID)
		if err != nil || len(list) != 1 || list[0].Name != "crm" || list[0].DSN != "" {
			t.Fatalf("list must not carry the connection string: %+v %v", list, err)
		}
		d, dsn, err := s.DataSourceConn(ctx, a.ID, "crm")
		if err != nil || dsn != "postgres://crm:pw@db.acme/crm" || d.Driver != "postgres" {
			t.Fatalf("connection: %+v %q %v", d, dsn, err)
		}
		if _, _, err := s.DataSourceConn(ctx, b.ID, "crm"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("Bolt reading Acme's data source: %v", err)
		}
		if _, err := s.PutDataSource(ctx, SystemActor, a.ID, "x", DataSourceInput{Driver: "mysql", DSN: "x"}); !errors.Is(err, tenancy.ErrInvalid) {
			t.Fatalf("unknown driver: %v", err)
		}
		if err := s.DeleteDataSource(ctx, SystemActor, b.ID, "crm"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("Bolt deleting Acme's data source: %v", err)
		}
		if err := s.DeleteDataSource(ctx, SystemActor, a.ID, "crm"); err != nil {
			t.Fatal(err)
		}
	})
}

func TestAgentCapacityRoundTrip(t *testing.T) {
	allBackends(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		ten := mkTenant(t, s, "acme.cap.test", 5)
		u, err := s.CreateUser(ctx, SystemActor, ten.ID, UserInput{Email: "cap@acme.cap.test", DisplayName: "Cap", Role: tenancy.RoleAgent, PasswordHash: "x"})
		if err != nil {
			t.Fatal(err)
		}
		five := 5
		ag, err := s.CreateAgent(ctx, SystemActor, ten.ID, AgentInput{UserID: u.ID, Extension: "1001", DisplayName: "Cap", SIPPassword: "sip-secret-1",
			Capacity: &AgentCapacity{Chat: &five, VoiceOverChat: true}})
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.GetAgent(ctx, ten.ID, ag.ID)
		if err != nil || got.Capacity == nil || got.Capacity.Chat == nil || *got.Capacity.Chat != 5 || !got.Capacity.VoiceOverChat || got.Capacity.Voice != nil {
			t.Fatalf("capacity after create: %+v %v", got.Capacity, err)
		}
		bad := 99
		if _, err := s.UpdateAgent(ctx, SystemActor, ten.ID, ag.ID, AgentPatch{Capacity: &AgentCapacity{Email: &bad}}); !errors.Is(err, tenancy.ErrInvalid) {
			t.Fatalf("email capacity 99 must be refused: %v", err)
		}
		two := 2
		if _, err := s.UpdateAgent(ctx, SystemActor, ten.ID, ag.ID, AgentPatch{Capacity: &AgentCapacity{Email: &two}}); err != nil {
			t.Fatal(err)
		}
		got, _ = s.GetAgent(ctx, ten.ID, ag.ID)
		if got.Capacity == nil || got.Capacity.Email == nil || *got.Capacity.Email != 2 || got.Capacity.Chat != nil {
			t.Fatalf("capacity after patch (replaces): %+v", got.Capacity)
		}
	})
}
