package api

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/switchboard-cc/switchboard/acd"
	"github.com/switchboard-cc/switchboard/orchestrator/acdowner"
	"github.com/switchboard-cc/switchboard/store"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// TestACDSupervisorOwnTenantOnlyAndAudited (OPS-13, MT-1): the wallboard's
// supervisor reads and acts on its own tenant's agents only, and every
// action it takes is in its tenant's audit log (a refused one is not).
// Two tenants with running ACDs: alpha (ann, bob) and beta (zed).
func TestACDSupervisorOwnTenantOnlyAndAudited(t *testing.T) {
	a := newACDEnv(t)
	b := a.newTenant("beta", 10)
	ob, err := acdowner.Start(context.Background(), acdowner.Config{Tenant: b.id, Offerer: nopOfferer{}, Logger: a.api.log,
		Queues: []acd.QueueConfig{{ID: "qb"}},
		Agents: []acd.AgentProfile{{ID: "zed", Tenant: b.id, Queues: []acd.Membership{{Queue: "qb"}}}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ob.Stop(context.Background()) })
	a.api.UseACD(&acdRegistry{st: a.store, owners: map[string]*acdowner.Owner{a.f.id: a.owner, b.id: ob}})
	supB := a.newUser(b, "sup@beta.test", tenancy.RoleSupervisor)
	a.must(a.self(a.ann, "login", ""), 200, nil)

	// Beta's supervisor: alpha's tenant is not there (404), nor are
	// alpha's agents inside beta's own tenant.
	for _, r := range []struct{ method, path string }{
		{"GET", a.f.base + "/acd/agents?all=true"},
		{"GET", a.f.base + "/acd/agents/ann"},
		{"GET", a.f.base + "/acd/queues"},
		{"POST", a.f.base + "/acd/agents/ann/state"},
		{"GET", b.base + "/acd/agents/ann"},
		{"POST", b.base + "/acd/agents/ann/state"},
		{"GET", b.base + "/acd/queues/q"},
	} {
		var body any
		if r.method == "POST" {
			body = SupervisorStateRequest{State: "logout"}
		}
		if res := a.do(r.method, r.path, supB, body); res.status != 404 {
			t.Errorf("beta's supervisor: %s %s: want 404, got %s", r.method, r.path, res)
		}
	}
	var list ACDAgentStates
	a.must(a.do("GET", b.base+"/acd/agents?all=true", supB, nil), 200, &list)
	if len(list.Items) != 1 || list.Items[0].AgentID != "zed" {
		t.Fatalf("beta's wallboard lists %+v, want zed only", list.Items)
	}
	var st ACDAgentState
	a.must(a.do("GET", a.f.base+"/acd/agents/ann", a.sup, nil), 200, &st)
	if st.State != "not_ready" {
		t.Fatalf("ann after beta's attempts: %+v", st)
	}

	// Alpha's supervisor: each action is audited with the state asked for;
	// a refused one (409) is not.
	sup := func(agent, state string) resp {
		return a.do("POST", a.f.base+"/acd/agents/"+agent+"/state", a.sup, SupervisorStateRequest{State: state})
	}
	a.must(sup("ann", "break"), 200, nil)
	a.must(sup("ann", "end_break"), 200, nil)
	a.must(sup("ann", "not_ready"), 200, nil)
	a.must(sup("ann", "logout"), 200, nil)
	if r := sup("ann", "end_break"); r.status != 409 {
		t.Fatalf("end_break of a logged-out agent: %s", r)
	}
	var p Page[store.AuditEntry]
	a.must(a.do("GET", a.f.base+"/audit?resource_type=agent&limit=50", a.f.admin, nil), 200, &p)
	var got []string
	for _, e := range p.Items {
		if e.Action != "agent.force_state" || e.ResourceID != "ann" || e.ActorKind != store.ActorUser {
			t.Errorf("unexpected entry %+v", e)
			continue
		}
		var ch SupervisorStateRequest
		if err := json.Unmarshal(e.Changes, &ch); err != nil {
			t.Fatal(err)
		}
		got = append(got, ch.State)
	}
	if want := []string{"break", "end_break", "not_ready", "logout"}; !sameSet(got, want) {
		t.Fatalf("audited %v, want %v", got, want)
	}
	var pb Page[store.AuditEntry]
	a.must(a.do("GET", b.base+"/audit?resource_type=agent", b.admin, nil), 200, &pb)
	if len(pb.Items) != 0 {
		t.Fatalf("beta's audit has alpha's actions: %+v", pb.Items)
	}
}

// sameSet reports whether a and b hold the same strings, each as often.
func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	n := map[string]int{}
	for _, s := range a {
		n[s]++
	}
	for _, s := range b {
		n[s]--
	}
	for _, v := range n {
		if v != 0 {
			return false
		}
	}
	return true
}
