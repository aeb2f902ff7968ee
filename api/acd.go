package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v5"
	"github.com/switchboard-cc/switchboard/acd"
	"github.com/switchboard-cc/switchboard/orchestrator/acdowner"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// The ACD's live REST surface: agents set their own state, supervisors force
// states and grant or end breaks, real-time agent and queue figures, and an
// SSE stream scoped to the tenant and the caller's role. State lives in the
// tenant's ACD owner (orchestrator/acdowner), not in the store.

func init() { routeGroups = append(routeGroups, (*Server).acdRoutes) }

// ACDOwners finds a tenant's running ACD owner and the agent a user is.
// cmd/switchboard passes the orchestrator's registry to Server.UseACD.
type ACDOwners interface {
	Owner(tenant string) (*acdowner.Owner, bool)
	AgentOfUser(ctx context.Context, tenant, userID string) (agentID string, ok bool, err error)
}

// acdByServer holds each Server's ACDOwners. It lives here rather than in
// Config so this file needs no change to server.go; move it into Config when
// convenient.
var acdByServer sync.Map // *Server -> ACDOwners

// UseACD connects the server to the ACD owners; until then ACD routes answer
// 404 (no live agent or queue).
func (s *Server) UseACD(o ACDOwners) { acdByServer.Store(s, o) }

func (s *Server) acdOwners() ACDOwners {
	o, _ := acdByServer.Load(s)
	owners, _ := o.(ACDOwners)
	return owners
}

// AgentStateRequest is an agent's own state change. State is one of
// selfStates; not_ready needs a reason code.
type AgentStateRequest struct {
	State  string `json:"state"`
	Reason string `json:"reason,omitempty" doc:"a reason code, at most 100 characters; required with not_ready (422 without), optional with logout, ignored otherwise"`
}

// selfStates are the states an agent may ask for (selfAction has a case for
// each; the OpenAPI document lists them).
var selfStates = []string{"login", "ready", "not_ready", "break", "end_break", "end_wrap", "logout"}

// SupervisorStateRequest is a supervisor's action on an agent: not_ready
// (forced, withdraws a pending offer), logout, break (grant, within the
// group's cap) or end_break.
type SupervisorStateRequest struct {
	State  string `json:"state"`
	Reason string `json:"reason,omitempty" doc:"at most 100 characters"`
}

// supervisorStates are the actions of SupervisorStateRequest.
var supervisorStates = []string{"not_ready", "logout", "break", "end_break"}

// ACDAgentState is an agent's live state and today's figures (AG-4).
type ACDAgentState struct {
	AgentID         string         `json:"agent_id"`
	State           string         `json:"state"`
	Reason          string         `json:"reason,omitempty"`
	Since           time.Time      `json:"since"`
	InStateSeconds  float64        `json:"in_state_seconds"`
	PendingNotReady bool           `json:"pending_not_ready"`
	Work            map[string]int `json:"work"`
	Offers          []string       `json:"offers"`
	Today           ACDAgentToday  `json:"today"`
	Queues          []string       `json:"queues" doc:"the agent's queues, first-served first"`
	WrapUntil       time.Time      `json:"wrap_until,omitzero" doc:"state after_call_work: when it ends by itself (end_wrap ends it sooner)"`
}

// ACDAgentStates lists agents' live states.
type ACDAgentStates struct {
	Items []ACDAgentState `json:"items"`
}

// ACDQueueStatsList lists queues' live statistics.
type ACDQueueStatsList struct {
	Items []ACDQueueStats `json:"items"`
}

// ACDWaiting is one waiting interaction in its queue's order.
type ACDWaiting struct {
	InteractionID     string  `json:"interaction_id"`
	Medium            string  `json:"medium"`
	Priority          int     `json:"priority"`
	EffectivePriority float64 `json:"effective_priority"`
	Position          int     `json:"position"`
	WaitedSeconds     float64 `json:"waited_seconds"`
	EWTSeconds        float64 `json:"ewt_seconds"`
	PreferredAgentID  string  `json:"preferred_agent_id,omitempty"`
}

// ACDWaitingList lists a queue's waiting interactions.
type ACDWaitingList struct {
	Items []ACDWaiting `json:"items"`
}

// ACDAgentToday are an agent's counts and durations today.
type ACDAgentToday struct {
	Handled              int     `json:"handled"`
	Outbound             int     `json:"outbound"`
	TalkSeconds          float64 `json:"talk_seconds"`
	BusySeconds          float64 `json:"busy_seconds"`
	ReadySeconds         float64 `json:"ready_seconds"`
	NotReadySeconds      float64 `json:"not_ready_seconds"`
	BreakSeconds         float64 `json:"break_seconds"`
	AfterCallWorkSeconds float64 `json:"after_call_work_seconds"`
}

// ACDQueueStats is a queue's live picture (OPS-8).
type ACDQueueStats struct {
	QueueID            string         `json:"queue_id"`
	Waiting            int            `json:"waiting"`
	LongestWaitSeconds float64        `json:"longest_wait_seconds"`
	LoggedIn           int            `json:"logged_in"`
	Agents             map[string]int `json:"agents"`
	Windows            []ACDWindow    `json:"windows"`
}

// ACDWindow is a queue's figures over a rolling window.
type ACDWindow struct {
	Minutes    int `json:"minutes"`
	Offered    int `json:"offered"`
	Answered   int `json:"answered"`
	Abandoned  int `json:"abandoned"`
	Overflowed int `json:"overflowed"`
	// ServiceLevel is computed as ServiceLevelDefinition says, with the
	// threshold beside it: a figure is not readable without both.
	ServiceLevel                 float64 `json:"service_level"`
	ServiceLevelThresholdSeconds float64 `json:"service_level_threshold_seconds"`
	ServiceLevelDefinition       string  `json:"service_level_definition"`
	AnsweredInThreshold          int     `json:"answered_in_threshold"`
	AbandonedAfterThreshold      int     `json:"abandoned_after_threshold"`
	ASASeconds                   float64 `json:"asa_seconds"`
	AbandonRate                  float64 `json:"abandon_rate"`
	AHTSeconds                   float64 `json:"aht_seconds"`
}

func (s *Server) acdRoutes() []route {
	p := "/tenants/:tenant_id/acd"
	return []route{
		{method: http.MethodGet, path: p + "/me", name: "getMyAgentState", summary: "The caller's own live agent state",
			scope: scopeTenant, perm: tenancy.PermQueuesRead, resp: ACDAgentState{}, status: http.StatusOK, h: s.getMyState},
		{method: http.MethodPost, path: p + "/me/state", name: "setMyAgentState",
			summary: "Log in, ready, not ready, break request, end break, end wrap-up, log out (409 with the current state when not allowed)",
			scope:   scopeTenant, perm: tenancy.PermSelfState, body: AgentStateRequest{}, resp: ACDAgentState{}, status: http.StatusOK, h: s.setMyState},
		{method: http.MethodGet, path: p + "/agents/:agent_id", name: "getAgentState", summary: "An agent's live state",
			scope: scopeTenant, perm: tenancy.PermMonitor, resp: ACDAgentState{}, status: http.StatusOK, h: s.getAgentState},
		{method: http.MethodPost, path: p + "/agents/:agent_id/state", name: "forceAgentState",
			summary: "Supervisor: force not ready or log out, grant or end a break; audited as agent.force_state (state and reason)",
			scope:   scopeTenant, perm: tenancy.PermMonitorControl, body: SupervisorStateRequest{}, resp: ACDAgentState{}, status: http.StatusOK, h: s.forceAgentState},
		{method: http.MethodGet, path: p + "/agents", name: "listAgentStates",
			summary: "Every logged-in agent's live state (all=true: every agent), for wallboards",
			scope:   scopeTenant, perm: tenancy.PermMonitor, resp: ACDAgentStates{}, status: http.StatusOK, h: s.listAgentStates,
			query: []oaParam{{Name: "all", In: "query", Description: "true: every agent of the ACD, logged out ones too; false (the default): the logged-in ones",
				Schema: map[string]any{"type": "boolean"}}}},
		{method: http.MethodGet, path: p + "/queues", name: "listQueueStats", summary: "Every queue's live statistics",
			scope: scopeTenant, perm: tenancy.PermQueuesRead, resp: ACDQueueStatsList{}, status: http.StatusOK, h: s.listQueueStats},
		{method: http.MethodGet, path: p + "/queues/:queue_id", name: "getQueueStats", summary: "A queue's live statistics",
			scope: scopeTenant, perm: tenancy.PermQueuesRead, resp: ACDQueueStats{}, status: http.StatusOK, h: s.getQueueStats},
		{method: http.MethodGet, path: p + "/queues/:queue_id/waiting", name: "listWaiting",
			summary: "A queue's waiting interactions best first, with positions and estimated waits",
			scope:   scopeTenant, perm: tenancy.PermMonitor, resp: ACDWaitingList{}, status: http.StatusOK, h: s.listWaiting},
		{method: http.MethodGet, path: p + "/stream", name: "streamACD",
			summary: "Server-sent events: agent transitions, offers and queue statistics of the tenant; monitors see all, others their own agent and queue figures",
			scope:   scopeTenant, perm: tenancy.PermQueuesRead, resp: ACDStreamEvent{}, media: "text/event-stream", status: http.StatusOK, h: s.streamACD},
	}
}

// owner is the tenant's ACD owner, or a 404: without a running ACD there is
// no live agent or queue to show.
func (s *Server) owner(c *echo.Context) (*acdowner.Owner, error) {
	if reg := s.acdOwners(); reg != nil {
		if o, ok := reg.Owner(string(tenantOf(c).ID)); ok {
			return o, nil
		}
	}
	return nil, errNotFound("live ACD of this tenant")
}

// myAgent is the agent the signed-in user is.
func (s *Server) myAgent(c *echo.Context) (*acdowner.Owner, string, error) {
	o, err := s.owner(c)
	if err != nil {
		return nil, "", err
	}
	p := principalOf(c)
	if p == nil || p.UserID == "" {
		return nil, "", errNotFound("agent of this credential")
	}
	id, ok, err := s.acdOwners().AgentOfUser(c.Request().Context(), string(tenantOf(c).ID), p.UserID)
	if err != nil {
		return nil, "", err
	}
	if !ok {
		return nil, "", errNotFound("agent of this user")
	}
	return o, id, nil
}

func (s *Server) getMyState(c *echo.Context) error {
	o, id, err := s.myAgent(c)
	if err != nil {
		return err
	}
	return s.answerAgent(c, o, id)
}

func (s *Server) setMyState(c *echo.Context) error {
	var in AgentStateRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	act, err := selfAction(in)
	if err != nil {
		return err
	}
	o, id, err := s.myAgent(c)
	if err != nil {
		return err
	}
	if err := act(c.Request().Context(), o, id); err != nil {
		return acdError(err)
	}
	return s.answerAgent(c, o, id)
}

type agentAction func(ctx context.Context, o *acdowner.Owner, id string) error

func checkReason(reason string) error {
	if len(reason) > 100 {
		return errInvalid(FieldError{Field: "reason", Problem: "at most 100 characters"})
	}
	return nil
}

func selfAction(in AgentStateRequest) (agentAction, error) {
	if err := checkReason(in.Reason); err != nil {
		return nil, err
	}
	switch in.State {
	case "login":
		return func(ctx context.Context, o *acdowner.Owner, id string) error { return o.Login(ctx, id) }, nil
	case "ready":
		return func(ctx context.Context, o *acdowner.Owner, id string) error { return o.Ready(ctx, id) }, nil
	case "not_ready":
		if strings.TrimSpace(in.Reason) == "" {
			return nil, errInvalid(FieldError{Field: "reason", Problem: "not_ready needs a reason code"})
		}
		return func(ctx context.Context, o *acdowner.Owner, id string) error { return o.NotReady(ctx, id, in.Reason) }, nil
	case "break":
		return func(ctx context.Context, o *acdowner.Owner, id string) error { return o.Break(ctx, id, "") }, nil
	case "end_break":
		return func(ctx context.Context, o *acdowner.Owner, id string) error { return o.EndBreak(ctx, id) }, nil
	case "end_wrap":
		return func(ctx context.Context, o *acdowner.Owner, id string) error { return o.EndWrap(ctx, id) }, nil
	case "logout":
		return func(ctx context.Context, o *acdowner.Owner, id string) error { return o.Logout(ctx, id, in.Reason) }, nil
	}
	return nil, errInvalid(FieldError{Field: "state", Problem: fmt.Sprintf("%q is not one of %s", in.State, strings.Join(selfStates, ", "))})
}

func supervisorAction(in SupervisorStateRequest, by string) (agentAction, error) {
	if err := checkReason(in.Reason); err != nil {
		return nil, err
	}
	switch in.State {
	case "not_ready":
		return func(ctx context.Context, o *acdowner.Owner, id string) error { return o.ForceNotReady(ctx, id) }, nil
	case "logout":
		return func(ctx context.Context, o *acdowner.Owner, id string) error {
			return o.Logout(ctx, id, acd.ReasonSupervisor)
		}, nil
	case "break":
		return func(ctx context.Context, o *acdowner.Owner, id string) error {
			return o.Break(ctx, id, "supervisor:"+by)
		}, nil
	case "end_break":
		return func(ctx context.Context, o *acdowner.Owner, id string) error { return o.EndBreak(ctx, id) }, nil
	}
	return nil, errInvalid(FieldError{Field: "state", Problem: fmt.Sprintf("%q is not one of %s", in.State, strings.Join(supervisorStates, ", "))})
}

func (s *Server) getAgentState(c *echo.Context) error {
	o, err := s.owner(c)
	if err != nil {
		return err
	}
	return s.answerAgent(c, o, c.Param("agent_id"))
}

func (s *Server) forceAgentState(c *echo.Context) error {
	var in SupervisorStateRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	o, err := s.owner(c)
	if err != nil {
		return err
	}
	id := c.Param("agent_id")
	if _, err := o.Agent(c.Request().Context(), id); err != nil {
		return acdError(err) // an unknown agent is a 404 before the body is judged
	}
	act, err := supervisorAction(in, principalName(c))
	if err != nil {
		return err
	}
	if err := act(c.Request().Context(), o, id); err != nil {
		return acdError(err)
	}
	// Audited once done: a refused action (409, 404) changed nothing.
	if err := s.store.AppendAudit(c.Request().Context(), actor(c), tenantOf(c).ID, "agent.force_state", "agent", id,
		SupervisorStateRequest{State: in.State, Reason: in.Reason}); err != nil {
		return err
	}
	return s.answerAgent(c, o, id)
}

func (s *Server) answerAgent(c *echo.Context, o *acdowner.Owner, id string) error {
	v, err := o.Agent(c.Request().Context(), id)
	if err != nil {
		return acdError(err)
	}
	return c.JSON(http.StatusOK, agentStateView(v))
}

func (s *Server) getQueueStats(c *echo.Context) error {
	o, err := s.owner(c)
	if err != nil {
		return err
	}
	st, err := o.QueueStats(c.Request().Context(), c.Param("queue_id"))
	if err != nil {
		return acdError(err)
	}
	return c.JSON(http.StatusOK, queueStatsView(st))
}

func (s *Server) listAgentStates(c *echo.Context) error {
	o, err := s.owner(c)
	if err != nil {
		return err
	}
	all := c.QueryParam("all")
	if all != "" && all != "true" && all != "false" {
		return errBadField("all", "must be true or false")
	}
	vs, err := o.Agents(c.Request().Context(), all == "true")
	if err != nil {
		return acdError(err)
	}
	out := ACDAgentStates{Items: make([]ACDAgentState, 0, len(vs))}
	for _, v := range vs {
		out.Items = append(out.Items, agentStateView(v))
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) listQueueStats(c *echo.Context) error {
	o, err := s.owner(c)
	if err != nil {
		return err
	}
	qs, err := o.AllQueueStats(c.Request().Context())
	if err != nil {
		return acdError(err)
	}
	out := ACDQueueStatsList{Items: make([]ACDQueueStats, 0, len(qs))}
	for _, q := range qs {
		out.Items = append(out.Items, queueStatsView(q))
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) listWaiting(c *echo.Context) error {
	o, err := s.owner(c)
	if err != nil {
		return err
	}
	ws, err := o.Waiting(c.Request().Context(), c.Param("queue_id"))
	if err != nil {
		return acdError(err)
	}
	out := ACDWaitingList{Items: make([]ACDWaiting, 0, len(ws))}
	for _, w := range ws {
		out.Items = append(out.Items, ACDWaiting{InteractionID: w.Interaction, Medium: w.Medium.String(), Priority: w.Priority,
			EffectivePriority: w.Effective, Position: w.Position, WaitedSeconds: w.Waited.Seconds(), EWTSeconds: w.EWT.Seconds(),
			PreferredAgentID: w.Preferred})
	}
	return c.JSON(http.StatusOK, out)
}

// acdError maps the ACD's typed errors onto API errors: an illegal state
// change is a 409 carrying the agent's current state.
func acdError(err error) error {
	var te *acd.TransitionError
	var be *acd.BreakCapError
	switch {
	case errors.As(err, &te):
		e := errConflict("illegal_state", "agent is "+te.State.String()+": "+te.Event.String()+" is not allowed now")
		e.Details = map[string]string{"current_state": te.State.String(), "event": te.Event.String()}
		e.Cause = err
		return e
	case errors.As(err, &be):
		e := errConflict("break_cap_reached", be.Error()[len("acd: "):])
		e.Details = map[string]int{"on_break": be.OnBreak, "max": be.Max}
		return e
	case errors.Is(err, acd.ErrUnknownAgent):
		return errNotFound("agent")
	case errors.Is(err, acd.ErrUnknownQueue):
		return errNotFound("queue")
	case errors.Is(err, acdowner.ErrStopped):
		return &Error{Status: http.StatusServiceUnavailable, Code: "acd_unavailable", Message: "the tenant's ACD is restarting", Cause: err}
	}
	return err
}

func agentStateView(v acd.AgentView) ACDAgentState {
	out := ACDAgentState{AgentID: v.ID, State: v.State.String(), Reason: v.Reason, Since: v.Since,
		InStateSeconds: v.InState.Seconds(), PendingNotReady: v.PendingNR, Work: map[string]int{}, Offers: v.Offers,
		Today: ACDAgentToday{Handled: v.Today.Handled, Outbound: v.Today.Outbound, TalkSeconds: v.Today.Talk.Seconds(),
			BusySeconds: v.Today.Busy.Seconds(), ReadySeconds: v.Today.Ready.Seconds(), NotReadySeconds: v.Today.NotReady.Seconds(),
			BreakSeconds: v.Today.Break.Seconds(), AfterCallWorkSeconds: v.Today.AfterCallWork.Seconds()}}
	for m, n := range v.Work {
		out.Work[m.String()] = n
	}
	if out.Offers == nil {
		out.Offers = []string{}
	}
	out.Queues = v.Queues
	if out.Queues == nil {
		out.Queues = []string{}
	}
	if !v.WrapUntil.IsZero() {
		out.WrapUntil = v.WrapUntil.UTC()
	}
	return out
}

func queueStatsView(s acd.QueueStats) ACDQueueStats {
	out := ACDQueueStats{QueueID: s.Queue, Waiting: s.Waiting, LongestWaitSeconds: s.LongestWait.Seconds(),
		LoggedIn: s.LoggedIn, Agents: map[string]int{}}
	for st, n := range s.Agents {
		out.Agents[st.String()] = n
	}
	for _, w := range s.Windows {
		out.Windows = append(out.Windows, ACDWindow{Minutes: int(w.Window.Minutes()), Offered: w.Offered, Answered: w.Answered,
			Abandoned: w.Abandoned, Overflowed: w.Overflowed, ServiceLevel: w.ServiceLevel,
			ServiceLevelThresholdSeconds: w.ServiceLevelThreshold.Seconds(), ServiceLevelDefinition: w.ServiceLevelDefinition.String(),
			AnsweredInThreshold: w.AnsweredInThreshold, AbandonedAfterThreshold: w.AbandonedAfterThreshold,
			ASASeconds: w.ASA.Seconds(), AbandonRate: w.AbandonRate, AHTSeconds: w.AHT.Seconds()})
	}
	return out
}
