package store

import (
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/switchboard-cc/switchboard/tenancy"
)

// TestConfigChangesBumpTheirTenantsVersion: every change to a table the call
// configuration is read from, through the store or written by hand in the
// tenant's scope (as another replica or an operator would), moves that
// tenant's ConfigVersions entry and no other tenant's. On PostgreSQL as the
// application role too, so row-level security lets the trigger's update
// through in tenant scope.
func TestConfigChangesBumpTheirTenantsVersion(t *testing.T) {
	allBackends(t, func(t *testing.T, s *Store) {
		a, b := mkTenant(t, s, "a.example", 5), mkTenant(t, s, "b.example", 5)
		bumps := func(what string, change func()) {
			t.Helper()
			before, err := s.ConfigVersions(ctx)
			must(t, err)
			change()
			after, err := s.ConfigVersions(ctx)
			must(t, err)
			if after[a.ID] <= before[a.ID] {
				t.Errorf("%s: tenant a's version %d -> %d", what, before[a.ID], after[a.ID])
			}
			if after[b.ID] != before[b.ID] {
				t.Errorf("%s: tenant b's version moved %d -> %d", what, before[b.ID], after[b.ID])
			}
		}
		var sk Skill
		var qu Queue
		var ag Agent
		bumps("create skill", func() {
			var err error
			sk, err = s.CreateSkill(ctx, admin1, a.ID, SkillInput{Name: "billing"})
			must(t, err)
		})
		bumps("create queue", func() {
			var err error
			qu, err = s.CreateQueue(ctx, admin1, a.ID, QueueInput{Name: "sales", Strategy: "longest_idle"})
			must(t, err)
		})
		bumps("create agent", func() { ag = mkAgent(t, s, a.ID, "1001") })
		bumps("agent memberships", func() {
			_, err := s.UpdateAgent(ctx, admin1, a.ID, ag.ID, AgentPatch{Skills: &[]AgentSkill{{SkillID: sk.ID, Level: 3}},
				Queues: &[]AgentQueue{{QueueID: qu.ID, Priority: 1}}})
			must(t, err)
		})
		bumps("create access number", func() {
			_, err := s.CreateAccessNumber(ctx, admin1, a.ID, AccessNumberInput{Number: "+8620000001", EntryKind: EntryQueue, EntryAlias: "sales"})
			must(t, err)
		})
		bumps("publish flow live", func() {
			f, err := s.CreateFlow(ctx, admin1, a.ID, FlowDraft{Name: "main", Doc: flowDoc("main", "hello")})
			must(t, err)
			_, err = s.PublishFlow(ctx, admin1, a.ID, f.ID, PublishInput{Doc: flowDoc("main", "hello"), Alias: "live"})
			must(t, err)
		})
		// By hand, table by table: an update that changes nothing, then
		// deleting the tenant's rows (children first). This list is the
		// tables callconfig reads, written out here, not configTables.
		hand := func(query string) func() {
			return func() {
				must(t, s.systemWrite(ctx, a.ID, func(tx *sqlx.Tx) error {
					_, err := tx.ExecContext(ctx, query, string(a.ID))
					return err
				}))
			}
		}
		for _, table := range []string{"agent_skills", "agent_queues", "flow_aliases", "access_numbers", "agents", "skills", "queues", "flows"} {
			bumps("hand update of "+table, hand(`UPDATE `+table+` SET tenant_id = tenant_id WHERE tenant_id = $1`))
			bumps("hand delete from "+table, hand(`DELETE FROM `+table+` WHERE tenant_id = $1`))
		}
	})
}

// TestConfigChangesLeaveTheTenantAsIs: the trigger moves config_version
// only; the tenant as the API shows it (its updated_at too) is unchanged.
func TestConfigChangesLeaveTheTenantAsIs(t *testing.T) {
	backends(t, func(t *testing.T, s *Store) {
		a := mkTenant(t, s, "a.example", 5)
		_ = mkAgent(t, s, a.ID, "1001")
		got, err := s.GetTenant(ctx, a.ID)
		must(t, err)
		if got != (tenancy.Tenant{ID: a.ID, Name: a.Name, SIPDomain: a.SIPDomain, Language: a.Language, TimeZone: a.TimeZone,
			Status: a.Status, Quotas: a.Quotas, CreatedAt: got.CreatedAt, UpdatedAt: got.UpdatedAt}) {
			t.Fatalf("tenant after a configuration change: %+v", got)
		}
		if !got.UpdatedAt.Equal(a.UpdatedAt) {
			t.Fatalf("a configuration change moved the tenant's updated_at: %v -> %v", a.UpdatedAt, got.UpdatedAt)
		}
	})
}
