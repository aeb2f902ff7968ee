package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v5"
	"github.com/switchboard-cc/switchboard/acd"
	"github.com/switchboard-cc/switchboard/orchestrator/acdowner"
	"github.com/switchboard-cc/switchboard/store"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// ACDQueueSettings is the ACD part of a queue's settings object (all
// optional; other keys are left to their owners). Skills are named by skill ID.
type ACDQueueSettings struct {
	AgingPerMinute          float64      `json:"aging_per_minute,omitempty"`
	MaxWaiting              int          `json:"max_waiting,omitempty"`
	OnFull                  *ACDOverflow `json:"on_full,omitempty"`
	OnMaxWait               *ACDOverflow `json:"on_max_wait,omitempty"`
	OnNoAgents              *ACDOverflow `json:"on_no_agents,omitempty"`
	Widening                []ACDWiden   `json:"widening,omitempty"`
	PreferredTimeoutSeconds int          `json:"preferred_timeout_seconds,omitempty"`
	ServiceLevelSeconds     int          `json:"service_level_seconds,omitempty"`
	PrimarySkillID          string       `json:"primary_skill_id,omitempty"`
	DefaultAHTSeconds       int          `json:"default_aht_seconds,omitempty"`
}

// ACDOverflow is an overflow destination: kind queue, flow, number or voicemail.
type ACDOverflow struct {
	Kind   string `json:"kind"`
	Target string `json:"target"`
}

// ACDWiden is one bullseye step.
type ACDWiden struct {
	AfterSeconds int `json:"after_seconds"`
	Relax        int `json:"relax"`
	Tier         int `json:"tier"`
}

// ACDReloadResult says what a reload applied.
type ACDReloadResult struct {
	Queues int `json:"queues"`
	Agents int `json:"agents"`
}

// acdStrategies maps the store's strategy names (and the ACD's own) to the
// core's. skills_based without a primary skill ranks by longest idle: every
// strategy already requires the interaction's skills.
var acdStrategies = map[string]acd.Strategy{
	"longest_idle": acd.LongestIdle, "round_robin": acd.RoundRobin, "ring_all": acd.RingAll,
	"fewest_calls": acd.FewestHandled, "fewest_handled": acd.FewestHandled, "skills_based": acd.BestSkill,
	"best_skill": acd.BestSkill, "least_talk_time": acd.LeastTalkTime, "random": acd.Random,
}

var overflowKinds = map[string]acd.OverflowKind{"queue": acd.OverflowQueue, "flow": acd.OverflowFlow,
	"number": acd.OverflowNumber, "voicemail": acd.OverflowVoicemail}

func secs(n int) time.Duration { return time.Duration(n) * time.Second }

// ACDQueueConfig turns a stored queue into the ACD's settings.
func ACDQueueConfig(q store.Queue) (acd.QueueConfig, error) {
	var st ACDQueueSettings
	if len(q.Settings) > 0 {
		if err := json.Unmarshal(q.Settings, &st); err != nil {
			return acd.QueueConfig{}, fmt.Errorf("queue %s: settings: %w", q.ID, err)
		}
	}
	strategy, ok := acdStrategies[q.Strategy]
	if !ok {
		return acd.QueueConfig{}, fmt.Errorf("queue %s: unknown strategy %q", q.ID, q.Strategy)
	}
	if strategy == acd.BestSkill && st.PrimarySkillID == "" {
		strategy = acd.LongestIdle
	}
	cfg := acd.QueueConfig{ID: q.ID, Strategy: strategy, OfferTimeout: secs(q.RingTimeoutSeconds),
		WrapUp: secs(q.WrapUpSeconds), MaxWait: secs(q.MaxWaitSeconds), AgingPerMinute: st.AgingPerMinute,
		MaxWaiting: st.MaxWaiting, PreferredTimeout: secs(st.PreferredTimeoutSeconds),
		ServiceLevel: secs(st.ServiceLevelSeconds), PrimarySkill: st.PrimarySkillID, DefaultAHT: secs(st.DefaultAHTSeconds)}
	for _, o := range []struct {
		in  *ACDOverflow
		out *acd.OverflowTarget
	}{{st.OnFull, &cfg.OnFull}, {st.OnMaxWait, &cfg.OnMaxWait}, {st.OnNoAgents, &cfg.OnNoAgents}} {
		if o.in == nil {
			continue
		}
		k, ok := overflowKinds[o.in.Kind]
		if !ok {
			return acd.QueueConfig{}, fmt.Errorf("queue %s: overflow kind %q (want queue, flow, number or voicemail)", q.ID, o.in.Kind)
		}
		*o.out = acd.OverflowTarget{Kind: k, Target: o.in.Target}
	}
	for _, w := range st.Widening {
		cfg.Widening = append(cfg.Widening, acd.Widen{After: secs(w.AfterSeconds), Relax: w.Relax, Tier: w.Tier})
	}
	return cfg, nil
}

// ACDAgentProfile turns a stored agent into the ACD's profile. The store's
// queue priority is 1 (first) to 100; the ACD serves higher numbers first.
func ACDAgentProfile(tenant string, a store.Agent) acd.AgentProfile {
	p := acd.AgentProfile{ID: a.ID, Tenant: tenant}
	for _, s := range a.Skills {
		p.Skills = append(p.Skills, acd.SkillLevel{Skill: s.SkillID, Level: s.Level})
	}
	for _, q := range a.Queues {
		p.Queues = append(p.Queues, acd.Membership{Queue: q.QueueID, Priority: -q.Priority})
	}
	return p
}

func (s *Server) acdSettingsRoutes() []route {
	return []route{{method: http.MethodPost, path: "/tenants/:tenant_id/acd/reload", name: "reloadACD",
		summary: "Apply the stored queues (with their ACD settings) and agents to the live ACD, without a restart",
		scope:   scopeTenant, perm: tenancy.PermQueuesWrite, resp: ACDReloadResult{}, status: http.StatusOK, h: s.reloadACD}}
}

func init() { routeGroups = append(routeGroups, (*Server).acdSettingsRoutes) }

// reloadACD pushes every stored queue, then every agent, into the tenant's
// ACD; each takes effect at once. All settings are converted before any is
// applied; the core's own checks may still refuse one (422 naming it), and
// those before it stay applied. Queues and agents deleted from the store are
// not removed from the live ACD (a restart does).
func (s *Server) reloadACD(c *echo.Context) error {
	o, err := s.owner(c)
	if err != nil {
		return err
	}
	ctx, tenant := c.Request().Context(), tenantOf(c).ID
	queues, err := allPages(ctx, func(p store.Page) (store.List[store.Queue], error) { return s.store.ListQueues(ctx, tenant, p) })
	if err != nil {
		return err
	}
	var cfgs []acd.QueueConfig
	for _, q := range queues {
		cfg, err := ACDQueueConfig(q)
		if err != nil {
			return errInvalid(FieldError{Field: "queues", Problem: err.Error()})
		}
		cfgs = append(cfgs, cfg)
	}
	agents, err := allPages(ctx, func(p store.Page) (store.List[store.Agent], error) { return s.store.ListAgents(ctx, tenant, p) })
	if err != nil {
		return err
	}
	if err := applyACD(ctx, o, string(tenant), cfgs, agents); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, ACDReloadResult{Queues: len(cfgs), Agents: len(agents)})
}

func applyACD(ctx context.Context, o *acdowner.Owner, tenant string, cfgs []acd.QueueConfig, agents []store.Agent) error {
	for _, q := range cfgs {
		if err := o.SetQueue(ctx, q); err != nil {
			return errInvalid(FieldError{Field: "queues", Problem: err.Error()})
		}
	}
	for _, a := range agents {
		if err := o.SetAgent(ctx, ACDAgentProfile(tenant, a)); err != nil {
			return errInvalid(FieldError{Field: "agents", Problem: err.Error()})
		}
	}
	return nil
}

func allPages[T any](ctx context.Context, list func(store.Page) (store.List[T], error)) ([]T, error) {
	var out []T
	p := store.Page{Limit: store.MaxLimit}
	for {
		l, err := list(p)
		if err != nil {
			return nil, err
		}
		out = append(out, l.Items...)
		if l.Next == "" || ctx.Err() != nil {
			return out, ctx.Err()
		}
		p.After = l.Next
	}
}
