package api

import (
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/switchboard-cc/switchboard/store"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// world is a tenant populated with one object of every tenant resource, plus
// its path parameters, for walking every route.
type world struct {
	tenantFix
	params     map[string]string // path parameter -> ID
	ids        []string          // every ID of this tenant, to search responses for
	apiKey     string            // a tenant_admin API key of the tenant
	number     string            // its access number, as configured
	agentEmail string            // the sign-in of the user behind the agent
	// secrets are values of the tenant other than IDs that must never show
	// in another tenant's answers: API key, number, e-mail.
	secrets []string
}

var worldSeq atomic.Int64

// populate creates a user, API key, number, skill, queue and agent in f.
func (e *env) populate(f tenantFix) world {
	e.t.Helper()
	n := fmt.Sprintf("%06d", worldSeq.Add(1)) // distinct numbers and e-mails per world
	w := world{tenantFix: f, params: map[string]string{"tenant_id": f.id}, ids: []string{f.id}}
	var u store.User
	e.must(e.do("POST", f.base+"/users", f.admin, CreateUserRequest{Email: "agent" + n + "@x.test", DisplayName: "Agent",
		Role: tenancy.RoleAgent, Password: testPassword}), 201, &u)
	var k CreatedAPIKey
	e.must(e.do("POST", f.base+"/api-keys", f.admin, CreateAPIKeyRequest{Name: "crm", Role: tenancy.RoleTenantAdmin}), 201, &k)
	var sk store.Skill
	e.must(e.do("POST", f.base+"/skills", f.admin, store.SkillInput{Name: "english"}), 201, &sk)
	var q store.Queue
	e.must(e.do("POST", f.base+"/queues", f.admin, store.QueueInput{Name: "sales", Strategy: "longest_idle",
		RingTimeoutSeconds: 20}), 201, &q)
	var num store.AccessNumber
	e.must(e.do("POST", f.base+"/numbers", f.admin, store.AccessNumberInput{Number: "+86200" + n, EntryKind: store.EntryQueue,
		EntryAlias: "sales"}), 201, &num)
	var ag store.Agent
	e.must(e.do("POST", f.base+"/agents", f.admin, CreateAgentRequest{UserID: u.ID, Extension: "1001", DisplayName: "Ann",
		SIPPassword: "sip-secret-1", Skills: []store.AgentSkill{{SkillID: sk.ID, Level: 5}},
		Queues: []store.AgentQueue{{QueueID: q.ID, Priority: 1}}}), 201, &ag)
	w.apiKey, w.number, w.agentEmail = k.Key, num.Number, u.Email
	w.secrets = []string{k.Key, num.Number, u.Email}
	for p, id := range map[string]string{"user_id": u.ID, "key_id": k.APIKey.ID, "number_id": num.ID,
		"skill_id": sk.ID, "queue_id": q.ID, "agent_id": ag.ID} {
		w.params[p] = id
		w.ids = append(w.ids, id)
	}
	params, ids := e.flowObjects(f)
	for p, id := range params {
		w.params[p] = id
	}
	w.ids = append(w.ids, ids...)
	return w
}

// platformObjects creates a site and a node and returns their parameters.
func (e *env) platformObjects() map[string]string {
	e.t.Helper()
	var site store.Site
	e.must(e.do("POST", "/api/v1/sites", e.admin, store.SiteInput{Name: "hq", Description: "Guangzhou"}), 201, &site)
	var node store.Node
	e.must(e.do("POST", "/api/v1/nodes", e.admin, CreateNodeRequest{SiteID: site.ID, Name: "fs1", Kind: store.NodeFreeSWITCH,
		Address: "10.0.0.1:8021", Secret: "ClueCon-node-secret-42", Enabled: true}), 201, &node)
	return map[string]string{"site_id": site.ID, "node_id": node.ID}
}

// fill replaces :params in an echo path with values (missing ones with a
// well-formed ID that exists nowhere).
func fill(path string, values ...map[string]string) string {
	parts := strings.Split(path, "/")
	for i, p := range parts {
		if !strings.HasPrefix(p, ":") {
			continue
		}
		parts[i] = "01900000-0000-7000-8000-000000000000"
		for _, v := range values {
			if id, ok := v[p[1:]]; ok {
				parts[i] = id
			}
		}
	}
	return apiPrefix + strings.Join(parts, "/")
}

func skillRef(id string) []store.AgentSkill { return []store.AgentSkill{{SkillID: id, Level: 3}} }

func queueRef(id string) []store.AgentQueue { return []store.AgentQueue{{QueueID: id, Priority: 2}} }
