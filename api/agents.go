package api

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v5"
	"github.com/switchboard-cc/switchboard/store"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// CreateAgentRequest makes a user an agent: a SIP extension and password
// (write-only: never returned), skills with levels 1-10 and queues with a
// per-queue priority. The tenant's max_agents quota is enforced.
type CreateAgentRequest struct {
	UserID      string             `json:"user_id" doc:"a user of the tenant; one agent per user"`
	Extension   string             `json:"extension" doc:"the SIP user name of the agent's phone in the tenant's domain: 1 to 32 ASCII letters, digits, '.', '_' or '-'"`
	DisplayName string             `json:"display_name" required:"false"`
	SIPPassword string             `json:"sip_password" doc:"write-only, 8 to 128 characters: the phone's SIP digest password"`
	Skills      []store.AgentSkill `json:"skills" required:"false" doc:"level 1-10, each skill once"`
	Queues      []store.AgentQueue `json:"queues" required:"false" doc:"the queues the agent serves; priority 1-100, lower is offered first"`
	// Capacity is per-medium; absent media keep the defaults.
	Capacity *store.AgentCapacity `json:"capacity,omitempty"`
}

// UpdateAgentRequest edits an agent; absent fields are left alone, a given
// skills or queues list replaces the old one.
type UpdateAgentRequest struct {
	Extension   *string             `json:"extension,omitempty"`
	DisplayName *string             `json:"display_name,omitempty"`
	SIPPassword *string             `json:"sip_password,omitempty"`
	Skills      *[]store.AgentSkill `json:"skills,omitempty"`
	Queues      *[]store.AgentQueue `json:"queues,omitempty"`
	// Capacity, when given, replaces the agent's per-medium capacity.
	Capacity *store.AgentCapacity `json:"capacity,omitempty"`
}

func (s *Server) agentRoutes() []route {
	p := "/tenants/:tenant_id/agents"
	one := p + "/:agent_id"
	r, w := tenancy.PermAgentsRead, tenancy.PermAgentsWrite
	return []route{
		{method: http.MethodPost, path: p, name: "createAgent", summary: "Create an agent (checked against max_agents)",
			scope: scopeTenant, perm: w, body: CreateAgentRequest{}, resp: store.Agent{}, idempotent: true,
			status: http.StatusCreated, h: s.createAgent},
		{method: http.MethodGet, path: p, name: "listAgents", summary: "List agents with skills and queues",
			scope: scopeTenant, perm: r, resp: store.Agent{}, list: true, status: http.StatusOK, h: s.listAgents},
		{method: http.MethodGet, path: one, name: "getAgent", summary: "Get an agent (never its SIP password)",
			scope: scopeTenant, perm: r, resp: store.Agent{}, status: http.StatusOK, h: s.getAgent},
		{method: http.MethodPatch, path: one, name: "updateAgent", summary: "Edit an agent, its skills or queues",
			scope: scopeTenant, perm: w, body: UpdateAgentRequest{}, resp: store.Agent{}, status: http.StatusOK, h: s.updateAgent},
		{method: http.MethodDelete, path: one, name: "deleteAgent", summary: "Delete an agent (the user stays)",
			scope: scopeTenant, perm: w, status: http.StatusNoContent, h: s.deleteAgent},
	}
}

func (s *Server) createAgent(c *echo.Context) error {
	return createWith(c, func(ctx context.Context, in CreateAgentRequest) (store.Agent, error) {
		var v checker
		v.rule(tenancy.CheckOptionalName("display_name", in.DisplayName))
		if err := v.err(); err != nil {
			return store.Agent{}, err
		}
		return s.store.CreateAgent(ctx, actor(c), tenantOf(c).ID, store.AgentInput{UserID: in.UserID,
			Extension: in.Extension, DisplayName: in.DisplayName, SIPPassword: in.SIPPassword,
			Skills: in.Skills, Queues: in.Queues, Capacity: in.Capacity})
	})
}

func (s *Server) listAgents(c *echo.Context) error {
	return list(c, func(ctx context.Context, p store.Page) (store.List[store.Agent], error) {
		return s.store.ListAgents(ctx, tenantOf(c).ID, p)
	}, same[store.Agent])
}

func (s *Server) getAgent(c *echo.Context) error {
	return getWith(c, "agent_id", func(ctx context.Context, id string) (store.Agent, error) {
		return s.store.GetAgent(ctx, tenantOf(c).ID, id)
	})
}

func (s *Server) updateAgent(c *echo.Context) error {
	return updateWith(c, "agent_id", func(ctx context.Context, id string, in UpdateAgentRequest) (store.Agent, error) {
		var v checker
		if in.DisplayName != nil {
			v.rule(tenancy.CheckOptionalName("display_name", *in.DisplayName))
		}
		if err := v.err(); err != nil {
			return store.Agent{}, err
		}
		return s.store.UpdateAgent(ctx, actor(c), tenantOf(c).ID, id, store.AgentPatch{Extension: in.Extension,
			DisplayName: in.DisplayName, SIPPassword: in.SIPPassword, Skills: in.Skills, Queues: in.Queues, Capacity: in.Capacity})
	})
}

func (s *Server) deleteAgent(c *echo.Context) error {
	return deleteWith(c, "agent_id", func(ctx context.Context, id string) error {
		return s.store.DeleteAgent(ctx, actor(c), tenantOf(c).ID, id)
	})
}
