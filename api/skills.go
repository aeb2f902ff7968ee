package api

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v5"
	"github.com/switchboard-cc/switchboard/store"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// Skills are what agents are good at; queues route on them (ACC-10).
func (s *Server) skillRoutes() []route {
	p := "/tenants/:tenant_id/skills"
	one := p + "/:skill_id"
	r, w := tenancy.PermQueuesRead, tenancy.PermQueuesWrite
	return []route{
		{method: http.MethodPost, path: p, name: "createSkill", summary: "Create a skill", scope: scopeTenant, perm: w,
			body: store.SkillInput{}, resp: store.Skill{}, idempotent: true, status: http.StatusCreated, h: s.createSkill},
		{method: http.MethodGet, path: p, name: "listSkills", summary: "List skills", scope: scopeTenant, perm: r,
			resp: store.Skill{}, list: true, status: http.StatusOK, h: s.listSkills},
		{method: http.MethodGet, path: one, name: "getSkill", summary: "Get a skill", scope: scopeTenant, perm: r,
			resp: store.Skill{}, status: http.StatusOK, h: s.getSkill},
		{method: http.MethodPut, path: one, name: "replaceSkill", summary: "Replace a skill's fields", scope: scopeTenant, perm: w,
			body: store.SkillInput{}, resp: store.Skill{}, status: http.StatusOK, h: s.replaceSkill},
		{method: http.MethodDelete, path: one, name: "deleteSkill", summary: "Delete a skill (agents lose it)", scope: scopeTenant, perm: w,
			status: http.StatusNoContent, h: s.deleteSkill},
	}
}

func checkSkill(in store.SkillInput) error {
	var v checker
	v.rule(tenancy.CheckName("name", in.Name))
	v.text("description", in.Description, 0, 1000)
	return v.err()
}

func (s *Server) createSkill(c *echo.Context) error {
	return createWith(c, func(ctx context.Context, in store.SkillInput) (store.Skill, error) {
		if err := checkSkill(in); err != nil {
			return store.Skill{}, err
		}
		return s.store.CreateSkill(ctx, actor(c), tenantOf(c).ID, in)
	})
}

func (s *Server) listSkills(c *echo.Context) error {
	return list(c, func(ctx context.Context, p store.Page) (store.List[store.Skill], error) {
		return s.store.ListSkills(ctx, tenantOf(c).ID, p)
	}, same[store.Skill])
}

func (s *Server) getSkill(c *echo.Context) error {
	return getWith(c, "skill_id", func(ctx context.Context, id string) (store.Skill, error) {
		return s.store.GetSkill(ctx, tenantOf(c).ID, id)
	})
}

func (s *Server) replaceSkill(c *echo.Context) error {
	return updateWith(c, "skill_id", func(ctx context.Context, id string, in store.SkillInput) (store.Skill, error) {
		if err := checkSkill(in); err != nil {
			return store.Skill{}, err
		}
		return s.store.UpdateSkill(ctx, actor(c), tenantOf(c).ID, id, in)
	})
}

func (s *Server) deleteSkill(c *echo.Context) error {
	return deleteWith(c, "skill_id", func(ctx context.Context, id string) error {
		return s.store.DeleteSkill(ctx, actor(c), tenantOf(c).ID, id)
	})
}
